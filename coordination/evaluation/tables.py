"""Every table the evaluation shows, as plain rows: the page, the CSV and XLSX exports and the report
all render these, so they agree with each other and with the API."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, Sum
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from lenders.models import Institution
from projects.models import Region
from projects.regions import covers

from ..choices import DeclineReason, LedgerMovement
from ..models import PolicyProgramme, ProgrammeLedgerEntry
from .definitions import FUNNEL_STEPS
from .indicators import Evaluation, figures, share
from .major_tasks import gap_closed
from .parts import Parts
from .scope import Scope, ScopeKind


@dataclass(frozen=True)
class Table:
    slug: str
    title: Promise
    columns: list[Promise]
    rows: list[list[Any]]
    # How each column reads (a definitions.Unit value, or "text"); the indicators' value columns vary by row.
    units: tuple[str, ...] = ()


def indicators_table(evaluation: Evaluation) -> Table:
    return Table(
        "indicators",
        _("Indicators"),
        [_("Code"), _("Indicator"), _("Value"), _("Previous period"), _("90th percentile"), _("Definition")],
        [
            [v.code, str(v.indicator.label), v.value, v.previous, v.p90, str(v.indicator.definition)]
            for v in evaluation.values
        ],
        ("text", "text", "indicator", "indicator", "business_days", "text"),
    )


def funnel_table(evaluation: Evaluation) -> Table:
    now, before = evaluation.current, evaluation.previous
    submitted = now.funnel.get("submitted", 0)
    return Table(
        "funnel",
        _("Funnel"),
        [_("Step"), _("Requests"), _("Share of submitted"), _("Previous period")],
        [
            [
                str(label),
                now.funnel.get(step, 0),
                share(now.funnel.get(step, 0), submitted),
                before.funnel.get(step, 0),
            ]
            for step, label in FUNNEL_STEPS
        ],
        ("text", "count", "share", "count"),
    )


def declines_table(evaluation: Evaluation) -> Table:
    now, before = evaluation.current, evaluation.previous
    declined = sum(now.declines.values())
    return Table(
        "declines",
        _("Decline reasons"),
        [_("Reason"), _("Declines"), _("Share"), _("Previous period")],
        [
            [
                str(label),
                now.declines.get(code, 0),
                share(now.declines.get(code, 0), declined),
                before.declines.get(code, 0),
            ]
            for code, label in DeclineReason.choices
        ],
        ("text", "count", "share", "count"),
    )


def institutions_table(evaluation: Evaluation) -> Table:
    counts = evaluation.current.institutions
    institutions = Institution.objects.in_bulk(list(counts))
    ordered = sorted(institutions.values(), key=lambda i: (-counts[i.pk][0], i.name))
    rows: list[list[Any]] = [
        [
            institution.name,
            str(institution.get_kind_display()),
            counts[institution.pk][0],
            share(counts[institution.pk][1], counts[institution.pk][0]),
            share(counts[institution.pk][2], counts[institution.pk][0]),
        ]
        for institution in ordered
    ]
    return Table(
        "institutions",
        _("Institutions' responses"),
        [
            _("Institution"),
            _("Kind"),
            _("Referrals answered"),
            _("Answered within deadline"),
            _("Offer rate"),
        ],
        rows,
        ("text", "text", "count", "share", "share"),
    )


def policy_support_table(evaluation: Evaluation) -> Table:
    """Each programme's ledger movements in the period on the scope's deals (DESIGN §10): committed net of
    releases and payments, paid, and what a budget refused; the deals it committed to."""
    start, end = evaluation.period.bounds()
    enterprise = "tranche__request__enterprise"
    totals = (
        ProgrammeLedgerEntry.objects.filter(created_at__gte=start, created_at__lt=end)
        .filter(evaluation.scope.region_q(f"{enterprise}__region__code"))
        .filter(evaluation.filters.enterprise_q(enterprise))
        .filter(evaluation.filters.tranche_q("tranche__"))
        .values("programme")
        .annotate(
            committed=Sum("committed_change"),
            paid=Sum("paid_change"),
            refused=Sum("amount", filter=Q(movement=LedgerMovement.REFUSED)),
            deals=Count("tranche", distinct=True, filter=Q(movement=LedgerMovement.COMMIT)),
        )
    )
    by_programme = {row["programme"]: row for row in totals}
    programmes = PolicyProgramme.objects.in_bulk(list(by_programme))
    ordered = sorted(programmes.values(), key=lambda p: (-by_programme[p.pk]["paid"], p.name, p.version))
    return Table(
        "policy",
        _("Policy support by programme"),
        [
            _("Programme"),
            _("Kind"),
            _("Deals committed"),
            _("Committed"),
            _("Paid"),
            _("Refused (over budget)"),
        ],
        [
            [
                str(programme),
                str(programme.get_kind_display()),
                by_programme[programme.pk]["deals"],
                by_programme[programme.pk]["committed"],
                by_programme[programme.pk]["paid"],
                by_programme[programme.pk]["refused"] or 0,
            ]
            for programme in ordered
        ],
        ("text", "text", "count", "yuan", "yuan", "yuan"),
    )


def ranking_groups(scope: Scope) -> list[Region]:
    """The regions compared side by side: the provinces nationally, a region's sub-regions, or the regions
    that make an innovation centre or the pilot zones."""
    if scope.kind is ScopeKind.NATIONAL:
        return list(Region.objects.filter(parent__isnull=True))
    if scope.kind is ScopeKind.REGION and scope.region is not None:
        return list(Region.objects.filter(parent=scope.region))
    return scope.anchor_regions()


RANKED = ("requests_submitted", "funded_amount", "funded_enterprises", "offer_rate", "median_days_to_funding")


def ranking_table(evaluation: Evaluation) -> Table:
    groups = ranking_groups(evaluation.scope)
    codes = dict(Region.objects.filter(pk__in=evaluation.parts).values_list("pk", "code"))
    grouped: defaultdict[int, Parts] = defaultdict(Parts)
    for region_id, part in evaluation.parts.items():
        group = next((g for g in groups if covers(g, codes[region_id])), None)
        if group is not None:
            grouped[group.pk].add(part)
    # The ranking leaves out the tech-SME share (tech_smes=0): it would cost a count per region.
    ranked = sorted(
        ((group, figures(grouped[group.pk], tech_smes=0)) for group in groups),
        key=lambda item: (-grouped[item[0].pk].funded_amount, item[0].code),
    )
    rows = [[group.name, group.code, *(values[code] for code in RANKED)] for group, values in ranked]
    return Table(
        "regions",
        _("Regions ranked by amount funded"),
        [
            _("Region"),
            _("Code"),
            _("Requests submitted"),
            _("Amount funded"),
            _("Enterprises funded"),
            _("Offer rate"),
            _("Days to funding"),
        ],
        rows,
        ("text", "text", "count", "yuan", "count", "share", "business_days"),
    )


def major_tasks_table(evaluation: Evaluation) -> Table:
    """The gap each major task led from the scope closed in the period (DESIGN §14): funding recorded on its
    requests, against its financing gap. The filters do not apply: a task's gap is the whole task's."""
    return Table(
        "tasks",
        _("Financing gap closed per major task"),
        [
            _("Code"),
            _("Major task"),
            _("Level"),
            _("Financing gap"),
            _("Funded in the period"),
            _("Share of the gap closed in the period"),
            _("Funded to the period's end"),
            _("Remaining gap"),
        ],
        [
            [
                row.task.code,
                row.task.title,
                str(row.task.get_level_display()),
                row.task.financing_gap,
                row.funded_in_period,
                row.closed_in_period_share,
                row.funded_to_end,
                row.remaining,
            ]
            for row in gap_closed(evaluation.scope, evaluation.period)
        ],
        ("text", "text", "text", "yuan", "yuan", "share", "yuan", "yuan"),
    )


def all_tables(evaluation: Evaluation) -> list[Table]:
    return [
        indicators_table(evaluation),
        funnel_table(evaluation),
        declines_table(evaluation),
        institutions_table(evaluation),
        ranking_table(evaluation),
        policy_support_table(evaluation),
        major_tasks_table(evaluation),
    ]
