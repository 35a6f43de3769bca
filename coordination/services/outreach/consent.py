"""An enterprise's consent to be recommended (DESIGN §14): given or withdrawn by its managers."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from projects.models import Enterprise

from ...errors import NotFound, PermissionDenied
from ...models import RecommendationConsent, RecommendationEntry
from ...selectors import outreach as reads


@transaction.atomic
def set_recommendation_consent(*, enterprise_id: int, user, given: bool) -> RecommendationConsent:
    """Give or withdraw the enterprise's consent to be recommended (its managers only). Withdrawing takes
    it off every open list at once; the change is kept in the consent's history (who, when)."""
    enterprise = Enterprise.objects.filter(pk=enterprise_id, members=user.pk).first()
    if enterprise is None:
        raise NotFound()
    if not enterprise.managers.filter(pk=user.pk).exists():
        raise PermissionDenied(gettext("Only the enterprise's managers give or withdraw its consent."))
    consent, _created = RecommendationConsent.objects.select_for_update().get_or_create(enterprise=enterprise)
    now = timezone.now()
    consent.given, consent.changed_by, consent.changed_at = given, user, now
    # simple-history's "who" when no web request carries it.
    consent._history_user = user  # type: ignore[attr-defined]
    consent.save()
    if not given:
        RecommendationEntry.objects.filter(
            enterprise=enterprise,
            withdrawn_at__isnull=True,
            recommendation_list__status__in=reads.OPEN_LIST_STATUSES,
        ).update(withdrawn_at=now)
    return consent
