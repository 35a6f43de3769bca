"""An institution's record as the matcher scores it (DESIGN §5, §9 `/institution/performance/`): its mean
time to act on a referral and its offer rate by field over the last twelve months, against the median of
its peers (the other active institutions of the same kind).

The figures come from the matcher's own function (`matching.context.institution_history`) and turn into
points by the matcher's own rules (`matching.record_factors`, `matching.scoring`): the page shows what the
score reads, not a second reckoning of it."""

from dataclasses import dataclass
from datetime import timedelta
from statistics import median

from django.utils import timezone

from lenders.models import Institution
from projects.models import TechField

from ..matching.context import (
    RECORD_WINDOW_DAYS,
    InstitutionRecord,
    institution_history,
    institution_history_by_field,
)
from ..matching.record_factors import (
    FAST_RESPONSE_DAYS,
    MIN_DECIDED_FOR_RATE,
    SLOW_RESPONSE_DAYS,
    offer_rate_fraction,
    offer_rate_of,
    response_time_fraction,
)
from ..matching.scoring import factor_weights
from .scoping import User, coordinator_scope


@dataclass(frozen=True)
class OfferRate:
    """The offer rate in one field (or in all, `field` None), as the matcher scores it."""

    field: TechField | None
    decided: int
    offered: int
    rate: float | None  # None: fewer than MIN_DECIDED_FOR_RATE decided, counted as average
    points: float
    peer_median: float | None
    peers_judged: int


@dataclass(frozen=True)
class Performance:
    institution: Institution
    peers: int
    responded: int
    response_days: float | None
    response_points: float
    peer_median_response_days: float | None
    peers_with_responses: int
    overall: OfferRate
    by_field: list[OfferRate]
    window_days: int = RECORD_WINDOW_DAYS
    min_decided: int = MIN_DECIDED_FOR_RATE
    fast_days: float = FAST_RESPONSE_DAYS
    slow_days: float = SLOW_RESPONSE_DAYS

    @property
    def offer_rate_weight(self) -> int:
        return factor_weights()["offer_rate"]

    @property
    def response_time_weight(self) -> int:
        return factor_weights()["response_time"]


def _median(values: list[float]) -> float | None:
    return median(values) if values else None


def _offer_rate(
    field: TechField | None,
    institution_id: int,
    peer_ids: list[int],
    records: dict[int, InstitutionRecord],
    weight: int,
) -> OfferRate:
    own = records.get(institution_id) or InstitutionRecord()
    peer_rates = [
        rate
        for rate in (offer_rate_of(records.get(pk) or InstitutionRecord()) for pk in peer_ids)
        if rate is not None
    ]
    return OfferRate(
        field=field,
        decided=own.decided_in_field,
        offered=own.offered_in_field,
        rate=offer_rate_of(own),
        points=round(weight * offer_rate_fraction(own), 2),
        peer_median=_median(peer_rates),
        peers_judged=len(peer_rates),
    )


def fields_referred_to(institution: Institution) -> list[TechField]:
    """The fields of the enterprises whose requests were referred to the institution in the window."""
    since = timezone.now() - timedelta(days=RECORD_WINDOW_DAYS)
    return list(
        TechField.objects.filter(
            enterprises__financing_requests__referrals__institution=institution,
            enterprises__financing_requests__referrals__created_at__gte=since,
        )
        .distinct()
        .order_by("code")
    )


def institution_performance(institution: Institution) -> Performance:
    """Four queries whatever the fields: the peers, the matcher's history overall, the fields, and the
    history in each of them (the institution and its peers together)."""
    peer_ids = list(
        Institution.objects.filter(kind=institution.kind, is_active=True)
        .exclude(pk=institution.pk)
        .values_list("pk", flat=True)
    )
    weights = factor_weights()
    institution_ids = [institution.pk, *peer_ids]
    records, _pending = institution_history(institution_ids, field_ids=[])
    fields = fields_referred_to(institution)
    by_field = institution_history_by_field(institution_ids, field_ids=[field.pk for field in fields])
    own = records.get(institution.pk) or InstitutionRecord()
    peer_days = [
        days
        for days in ((records.get(pk) or InstitutionRecord()).avg_response_days for pk in peer_ids)
        if days is not None
    ]
    return Performance(
        institution=institution,
        peers=len(peer_ids),
        responded=own.responded,
        response_days=own.avg_response_days,
        response_points=round(weights["response_time"] * response_time_fraction(own.avg_response_days), 2),
        peer_median_response_days=_median(peer_days),
        peers_with_responses=len(peer_days),
        overall=_offer_rate(None, institution.pk, peer_ids, records, weights["offer_rate"]),
        by_field=[
            _offer_rate(field, institution.pk, peer_ids, by_field.get(field.pk, {}), weights["offer_rate"])
            for field in fields
        ],
    )


def member_institutions(user: User) -> list[Institution]:
    """The institutions the user is a member of (a coordinator never acts as one: none)."""
    if not user.is_authenticated or coordinator_scope(user) is not None:
        return []
    return list(Institution.objects.filter(members=user).order_by("name"))
