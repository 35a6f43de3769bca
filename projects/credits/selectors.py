"""The one rule for "this enterprise's current innovation credit" (DESIGN §5), in every form its readers need.

The current credit is the score of the enterprise's latest financial year that has a score, under the newest
published version that scored that year. A newer version that scored only an older year does not replace it:
when 2.0 scores 2025 at 80 and a later 2.1 scores only 2024 at 40, the current credit is 80.

Where a threshold names a version (a product's or a programme's minimum), the comparison uses the
enterprise's current credit under that version: its latest-year score under it (`credits_by_version`,
`credit_under`).

Every form here orders by `CURRENT_FIRST`, so the single read, the bulk read, the prefetch, the annotation
and the reads by version cannot disagree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from ..models import Enterprise
from ..models_credits import CreditModel, InnovationCreditScore
from .choices import ModelStatus

# Latest year first; within a year the newest published version (id breaks a tie in publication time).
CURRENT_FIRST = ("-year", "-model__published_at", "-model_id")


def _published_scores() -> QuerySet[InnovationCreditScore]:
    return InnovationCreditScore.objects.filter(model__status=ModelStatus.PUBLISHED)


def current_credit_of(
    enterprise: OuterRef | int, version: str | None = None
) -> QuerySet[InnovationCreditScore]:
    """The enterprise's published scores, current first: `[:1]` of it is the current credit (under
    `version` when one is named).

    `enterprise` is an id or an `OuterRef` to one, so the same ordering serves as a correlated subquery."""
    # django-stubs types an `_id` lookup as str | int only; Django takes an OuterRef there as well.
    scores = _published_scores().filter(enterprise_id=enterprise)  # type: ignore[misc]
    if version is not None:
        scores = scores.filter(model__version=version)
    return scores.order_by(*CURRENT_FIRST)


def current_credit(enterprise_id: int, version: str | None = None) -> InnovationCreditScore | None:
    """The enterprise's current innovation credit (under `version` when one is named), with its model, or
    None before any score. One query."""
    return current_credit_of(enterprise_id, version).select_related("model").first()


def current_credit_value(enterprise_id: int) -> Decimal:
    """The current credit's total, 0 without a score (so only products without a minimum fit)."""
    credit = current_credit(enterprise_id)
    return credit.total if credit is not None else Decimal("0")


def latest_by_version(rows: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """(version, total) rows of one enterprise ordered by `CURRENT_FIRST` folded into each version's
    latest-year total: the enterprise's current credit under each version."""
    credits: dict[str, Decimal] = {}
    for version, total in rows:
        credits.setdefault(version, total)
    return credits


def credits_by_version(enterprise_id: int) -> dict[str, Decimal]:
    """The enterprise's current credit under each published version (its latest-year score under it), by
    version. One query."""
    return latest_by_version(current_credit_of(enterprise_id).values_list("model__version", "total"))


def credit_under(credits: Mapping[str, Decimal], version: str) -> Decimal | None:
    """The current credit under `version` from `credits_by_version` (read once for many thresholds); None
    when the version never scored the enterprise."""
    return credits.get(version)


def meets_minimum(credits: Mapping[str, Decimal], minimum: Decimal, version: str) -> bool:
    """Whether the enterprise reaches a threshold of `minimum` on `version`; a minimum of 0 asks nothing."""
    if minimum <= 0:
        return True
    credit = credit_under(credits, version)
    return credit is not None and credit >= minimum


def published_versions() -> list[str]:
    """The published model versions, newest first: those a threshold may name. One query."""
    return list(
        CreditModel.objects.published().order_by("-published_at", "-pk").values_list("version", flat=True)
    )


def current_credit_rows(version: str | None = None) -> QuerySet[InnovationCreditScore]:
    """Only the current score row of each enterprise (under `version` when one is named): for prefetching
    on a page of enterprises."""
    return InnovationCreditScore.objects.filter(
        pk=Subquery(current_credit_of(OuterRef("enterprise_id"), version).values("pk")[:1])
    ).select_related("model")


# Where `current_credit_prefetch` leaves each enterprise's current score (a list of zero or one row).
PREFETCHED_ATTR = "current_credit_rows"


def current_credit_prefetch(path: str = "credit_scores", version: str | None = None) -> Prefetch:
    """Prefetch each enterprise's current score (under `version` when one is named) on a page of rows; read
    it with `prefetched_current_credit`.

    `path` reaches the enterprises' `credit_scores` from the listed model (e.g.
    "request__enterprise__credit_scores")."""
    return Prefetch(path, queryset=current_credit_rows(version), to_attr=PREFETCHED_ATTR)


def prefetched_current_credit(enterprise: Enterprise) -> InnovationCreditScore | None:
    """The current score from `current_credit_prefetch`, or one query when the page did not prefetch it."""
    rows = getattr(enterprise, PREFETCHED_ATTR, None)
    if rows is None:
        return current_credit(enterprise.pk)
    return rows[0] if rows else None


# Where `published_scores_prefetch` leaves all of an enterprise's published scores, current first.
ALL_PREFETCHED_ATTR = "published_credit_scores"


def published_scores_prefetch(path: str = "credit_scores") -> Prefetch:
    """Prefetch all of each enterprise's published scores, current first, for a page that shows the current
    credit and lets the reader ask for it under another version (`current_among`)."""
    scores = _published_scores().select_related("model").order_by(*CURRENT_FIRST)
    return Prefetch(path, queryset=scores, to_attr=ALL_PREFETCHED_ATTR)


def current_among(
    scores: Sequence[InnovationCreditScore], version: str | None = None
) -> InnovationCreditScore | None:
    """The current credit (under `version` when one is named) among one enterprise's published scores
    listed current first (`published_scores_prefetch`)."""
    return next((s for s in scores if version is None or s.model.version == version), None)


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
    "ALL_PREFETCHED_ATTR",
    "CURRENT_FIRST",
    "PREFETCHED_ATTR",
    "credit_band",
    "credit_under",
    "current_among",
    "credits_by_version",
    "current_credit",
    "current_credit_prefetch",
    "current_credit_of",
    "current_credit_rows",
    "current_credit_value",
    "current_credits",
    "latest_by_version",
    "meets_minimum",
    "prefetched_current_credit",
    "prefetched_current_credit_band",
    "published_scores_prefetch",
    "published_versions",
    "with_current_credit",
]
