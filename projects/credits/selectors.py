"""The one rule for "this enterprise's current innovation credit" (DESIGN §5), in every form its readers need.

The current credit is the score of the enterprise's latest financial year that has a score, under the newest
published version that scored that year. A newer version that scored only an older year does not replace it:
when 2.0 scores 2025 at 80 and a later 2.1 scores only 2024 at 40, the current credit is 80.

Every form here orders by `CURRENT_FIRST`, so the single read, the bulk read, the prefetch and the
annotation cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from ..models import Enterprise
from ..models_credits import InnovationCreditScore
from .choices import ModelStatus

# Latest year first; within a year the newest published version (id breaks a tie in publication time).
CURRENT_FIRST = ("-year", "-model__published_at", "-model_id")


def _published_scores() -> QuerySet[InnovationCreditScore]:
    return InnovationCreditScore.objects.filter(model__status=ModelStatus.PUBLISHED)


def current_credit_of(enterprise: OuterRef | int) -> QuerySet[InnovationCreditScore]:
    """The enterprise's published scores, current first: `[:1]` of it is the current credit.

    `enterprise` is an id or an `OuterRef` to one, so the same ordering serves as a correlated subquery."""
    # django-stubs types an `_id` lookup as str | int only; Django takes an OuterRef there as well.
    return _published_scores().filter(enterprise_id=enterprise).order_by(*CURRENT_FIRST)  # type: ignore[misc]


def current_credit(enterprise_id: int) -> InnovationCreditScore | None:
    """The enterprise's current innovation credit (with its model), or None before any score. One query."""
    return current_credit_of(enterprise_id).select_related("model").first()


def current_credit_value(enterprise_id: int) -> Decimal:
    """The current credit's total, 0 without a score (so only products without a minimum fit)."""
    credit = current_credit(enterprise_id)
    return credit.total if credit is not None else Decimal("0")


def current_credit_rows() -> QuerySet[InnovationCreditScore]:
    """Only the current score row of each enterprise: for prefetching on a page of enterprises."""
    return InnovationCreditScore.objects.filter(
        pk=Subquery(current_credit_of(OuterRef("enterprise_id")).values("pk")[:1])
    ).select_related("model")


# Where `current_credit_prefetch` leaves each enterprise's current score (a list of zero or one row).
PREFETCHED_ATTR = "current_credit_rows"


def current_credit_prefetch(path: str = "credit_scores") -> Prefetch:
    """Prefetch each enterprise's current score on a page of rows; read it with `prefetched_current_credit`.

    `path` reaches the enterprises' `credit_scores` from the listed model (e.g.
    "request__enterprise__credit_scores")."""
    return Prefetch(path, queryset=current_credit_rows(), to_attr=PREFETCHED_ATTR)


def prefetched_current_credit(enterprise: Enterprise) -> InnovationCreditScore | None:
    """The current score from `current_credit_prefetch`, or one query when the page did not prefetch it."""
    rows = getattr(enterprise, PREFETCHED_ATTR, None)
    if rows is None:
        return current_credit(enterprise.pk)
    return rows[0] if rows else None


def credit_band(total: Decimal | None) -> str | None:
    """A score as its band of ten points, as the anonymised referral teaser shows it (DESIGN §1):
    73.5 -> "70–79", 100 -> "90–100"; None without a score."""
    if total is None:
        return None
    low = min(int(Decimal(total) // 10) * 10, 90)
    return f"{low}–{100 if low == 90 else low + 9}"


def prefetched_current_credit_band(enterprise: Enterprise) -> str | None:
    """The band of the enterprise's current credit (from `current_credit_prefetch` when the page has it)."""
    score = prefetched_current_credit(enterprise)
    return credit_band(score.total if score is not None else None)


def current_credits(enterprise_ids: Iterable[int]) -> dict[int, InnovationCreditScore]:
    """The current credit of each of these enterprises that has one, by enterprise id. One query."""
    rows = current_credit_rows().filter(enterprise_id__in=list(enterprise_ids))
    return {row.enterprise_id: row for row in rows}


def with_current_credit(enterprises: QuerySet[Enterprise]) -> QuerySet[Enterprise]:
    """Annotate `current_credit`, the current total (None without a score), for lists and sorting."""
    return enterprises.annotate(
        current_credit=Subquery(current_credit_of(OuterRef("pk")).values("total")[:1])
    )


__all__ = [
    "CURRENT_FIRST",
    "PREFETCHED_ATTR",
    "credit_band",
    "current_credit",
    "current_credit_prefetch",
    "current_credit_of",
    "current_credit_rows",
    "current_credit_value",
    "current_credits",
    "prefetched_current_credit",
    "prefetched_current_credit_band",
    "with_current_credit",
]
