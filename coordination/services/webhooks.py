"""Webhook subscriptions: owned by one party, carrying only what that party may see."""

import secrets

from projects.models import Enterprise

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..models import WebhookSubscription
from ..notifications.messages import TITLES
from ..selectors import coordinator_scope, webhooks_visible_to


def subscribe(
    *, user, url: str, topics: list[str], party: str, party_id: int | None = None
) -> WebhookSubscription:
    if not url.lower().startswith(("https://", "http://")):
        raise ValidationFailed("Invalid URL.", fields={"url": ["Must be an http(s) URL."]})
    unknown = sorted(set(topics) - set(TITLES))
    if unknown:
        raise ValidationFailed("Unknown topics.", fields={"topics": [f"unknown: {', '.join(unknown)}"]})
    owner = {}
    if party == "enterprise":
        enterprise = Enterprise.objects.filter(pk=party_id, members=user).first() if party_id else None
        if enterprise is None:
            raise ValidationFailed(
                "Unknown enterprise.", fields={"party_id": ["Not an enterprise of yours."]}
            )
        owner["enterprise"] = enterprise
    elif party == "institution":
        institutions = user.institutions.all()
        institution = institutions.filter(pk=party_id).first() if party_id else institutions.first()
        if institution is None:
            raise ValidationFailed(
                "Unknown institution.", fields={"party_id": ["Not an institution of yours."]}
            )
        owner["institution"] = institution
    else:
        if coordinator_scope(user) is None:
            raise PermissionDenied("Only coordinators subscribe for a coordinator scope.")
        owner["coordinator"] = user
    return WebhookSubscription.objects.create(
        url=url, topics=sorted(set(topics)), secret=secrets.token_urlsafe(32), created_by=user, **owner
    )


def unsubscribe(*, user, subscription_id: int) -> None:
    subscription = webhooks_visible_to(user).filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound()
    subscription.delete()
