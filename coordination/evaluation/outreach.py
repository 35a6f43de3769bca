"""Outcomes of recommendation lists (issue 18, DESIGN §11, §14): per list and per institution it was
published to, the entries it received, how many it opened, financed (count and amount) and declined by
reason. Reads only."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.utils.translation import gettext_lazy as _

from ..choices import DeclineReason, FollowUpStatus, label_of
from ..models import RecommendationEntry, RecommendationFollowUp, RecommendationList, RecommendationRecipient
from .tables import Table

DEFINITION = _(
    "Per list and institution it was published to: entries still on the list; entries the institution "
    "opened (the firm's data disclosed to it); entries it financed, with the amount in yuan; entries it "
    "declined, by reason."
)


@dataclass
class ListOutcome:
    list_id: int
    list_title: str
    version: int
    as_of: str
    institution: str
    entries: int = 0
    opened: int = 0
    financed: int = 0
    financed_amount: Decimal = Decimal(0)
    declined: dict[str, int] = field(default_factory=dict)


def list_outcomes(lists: QuerySet[RecommendationList]) -> list[ListOutcome]:
    """One row per (list, institution it was published to), lists newest first. Three queries."""
    recipients = (
        RecommendationRecipient.objects.filter(recommendation_list__in=lists)
        .select_related("recommendation_list", "institution")
        .order_by("-recommendation_list__as_of", "recommendation_list_id", "institution__name")
    )
    active = dict(
        RecommendationEntry.objects.filter(recommendation_list__in=lists, withdrawn_at__isnull=True)
        .values_list("recommendation_list_id")
        .annotate(n=Count("pk"))
    )
    follow_ups = RecommendationFollowUp.objects.filter(entry__recommendation_list__in=lists)
    sums = {
        (row["entry__recommendation_list_id"], row["institution_id"]): row
        for row in follow_ups.values("entry__recommendation_list_id", "institution_id").annotate(
            opened=Count("pk"),
            financed=Count("pk", filter=Q(status=FollowUpStatus.FINANCED)),
            amount=Sum("amount", filter=Q(status=FollowUpStatus.FINANCED)),
        )
    }
    declined: dict[tuple[int, int], Counter] = {}
    for list_id, institution_id, reason in follow_ups.filter(status=FollowUpStatus.DECLINED).values_list(
        "entry__recommendation_list_id", "institution_id", "decline_reason"
    ):
        declined.setdefault((list_id, institution_id), Counter())[reason] += 1
    rows = []
    for recipient in recipients:
        key = (recipient.recommendation_list_id, recipient.institution_id)
        found = sums.get(key, {})
        made = recipient.recommendation_list
        rows.append(
            ListOutcome(
                list_id=made.pk,
                list_title=made.title,
                version=made.version,
                as_of=made.as_of.isoformat(),
                institution=recipient.institution.name,
                entries=active.get(made.pk, 0),
                opened=found.get("opened", 0),
                financed=found.get("financed", 0),
                financed_amount=found.get("amount") or Decimal(0),
                declined=dict(declined.get(key, {})),
            )
        )
    return rows


def outcomes_table(rows: list[ListOutcome]) -> Table:
    """The outcomes as a table (the page, CSV and XLSX alike); amounts in yuan, declines in words."""
    return Table(
        "lists",
        _("Recommendation lists"),
        [
            _("List"),
            _("Version"),
            _("Dated"),
            _("Institution"),
            _("Entries"),
            _("Opened"),
            _("Financed"),
            _("Amount financed (yuan)"),
            _("Declined, by reason"),
        ],
        [
            [
                row.list_title,
                row.version,
                row.as_of,
                row.institution,
                row.entries,
                row.opened,
                row.financed,
                row.financed_amount,
                "; ".join(
                    f"{label_of(DeclineReason, reason)}: {count}"
                    for reason, count in sorted(row.declined.items())
                ),
            ]
            for row in rows
        ],
    )
