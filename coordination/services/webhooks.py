"""Webhook subscriptions: owned by one party, carrying only what that party may see."""

import secrets

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lenders.models import Institution
from projects.models import Enterprise

from ..errors import NotFound, PermissionDenied, ValidationFailed
from ..models import WebhookSubscription
from ..notifications import url_policy
from ..notifications.messages import TITLES
from ..selectors import coordinator_scope, webhooks_visible_to


def check_url(url: str) -> None:
    """The URL policy (notifications/url_policy.py) as an error on `url`; the admin form uses it too."""
    try:
        url_policy.vet(url)
    except url_policy.UrlRefused as refused:
        message = _("The webhook URL is not accepted.")
        raise ValidationFailed(message, fields={"url": [refused.reason]}) from None


def subscribe(
    *, user, url: str, topics: list[str], party: str, party_id: int | None = None
) -> WebhookSubscription:
    """A party subscribes for itself: members for their own enterprise or institution, coordinators for their
    scope; a superuser may subscribe for any enterprise or institution."""
    check_url(url)
    unknown = sorted(set(topics) - set(TITLES))
    if unknown:
        raise ValidationFailed(
            _("Unknown topics."),
            fields={"topics": [gettext("unknown: %(topics)s") % {"topics": ", ".join(unknown)}]},
        )
    owner = {}
    if party == "enterprise":
        enterprises = Enterprise.objects.all() if user.is_superuser else user.enterprises.all()
        enterprise = enterprises.filter(pk=party_id).first() if party_id else None
        if enterprise is None:
            raise ValidationFailed(
                _("Unknown enterprise."), fields={"party_id": [gettext("Not an enterprise of yours.")]}
            )
        owner["enterprise"] = enterprise
    elif party == "institution":
        if user.is_superuser:
            institution = Institution.objects.filter(pk=party_id).first() if party_id else None
        else:
            mine = user.institutions.all()
            institution = mine.filter(pk=party_id).first() if party_id else mine.first()
        if institution is None:
            raise ValidationFailed(
                _("Unknown institution."), fields={"party_id": [gettext("Not an institution of yours.")]}
            )
        owner["institution"] = institution
    else:
        if coordinator_scope(user) is None:
            raise PermissionDenied(_("Only coordinators subscribe for a coordinator scope."))
        owner["coordinator"] = user
    return WebhookSubscription.objects.create(
        url=url, topics=sorted(set(topics)), secret=secrets.token_urlsafe(32), created_by=user, **owner
    )


def unsubscribe(*, user, subscription_id: int) -> None:
    subscription = webhooks_visible_to(user).filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound()
    subscription.delete()
