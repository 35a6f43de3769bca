"""Which grant and configuration models keep a history (who, when, before → after), readable in the admin.

Imported at the end of `coordination.models` so that the historical models exist when migrations and
the admin look for them; each historical model lives in its own model's app.
"""

from simple_history import register
from simple_history.models import HistoricalRecords

from lenders.models import Institution, Product, RelendingPolicy
from projects.models import CreditModel, Enterprise, EnterpriseFinancials, Region, TechField

from .models import (
    ApiToken,
    CoordinatorScope,
    EnterpriseJoinRequest,
    Holiday,
    PolicyProgramme,
    RecommendationConsent,
    RecommendationFollowUp,
    ServiceLevel,
    WebhookSubscription,
)


class GrantHistory(HistoricalRecords):
    """Also records a membership changed from the other side (`user.institutions.add(bank)`).

    simple-history treats every m2m signal as coming from the tracked model; from the reverse side
    the instance is the user, so the change is recorded on each tracked object it touched instead.
    """

    def m2m_changed(self, instance, action, attr, pk_set, reverse, **kwargs):
        if not reverse:
            return super().m2m_changed(instance, action, attr, pk_set, reverse, **kwargs)
        if action in ("post_add", "post_remove") and pk_set:
            for tracked in self.cls.objects.filter(pk__in=pk_set):
                super().m2m_changed(tracked, action, attr, pk_set, False, **kwargs)
        return None


def _track(model, *, m2m_fields: tuple[str, ...] = (), excluded_fields: tuple[str, ...] = ()) -> None:
    register(
        model,
        app=model._meta.app_label,
        records_class=GrantHistory,
        m2m_fields=list(m2m_fields),
        excluded_fields=list(excluded_fields),
    )


# Grants: who holds which power.
_track(CoordinatorScope, m2m_fields=("regions",))
_track(Institution, m2m_fields=("members", "managers", "regions"))
_track(Enterprise, m2m_fields=("members", "managers"))
_track(EnterpriseJoinRequest)
# Consent to be recommended (DESIGN §1, §14): every give and withdraw, who and when.
_track(RecommendationConsent)
_track(ApiToken, excluded_fields=("key_hash", "last_used_at"))
_track(WebhookSubscription, excluded_fields=("secret",))
# Configuration.
_track(Product, m2m_fields=("fields", "regions"), excluded_fields=("capacity_used",))
_track(RelendingPolicy)
_track(Region)
_track(TechField)
_track(ServiceLevel)
_track(Holiday)
_track(CreditModel)
_track(PolicyProgramme, m2m_fields=("fields",))
# An institution's follow-ups on list entries, step by step.
_track(RecommendationFollowUp)
# Figures the innovation credit and the tech-SME evaluation are computed from.
_track(EnterpriseFinancials)
