"""Reads for policy programmes: who may see which, which are in force for a deal, and the deal's facts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from lenders.choices import Instrument
from lenders.models import RelendingPolicy
from projects.credits.selectors import credits_by_version
from projects.models import Enterprise, Region, TechField
from projects.regions import covered_q, covering_codes

from ..choices import ClaimStatus, LedgerMovement, ProgrammeKind
from ..models import LossClaim, Offer, PolicyProgramme, ProgrammeLedgerEntry, RecommendationFollowUp, Tranche
from ..policies.deal import Deal, Programme, with_parents
from ..policies.eligibility import on_relending_list, registered_tech_sme
from ..policies.simulation import UNCLASSIFIED, WindowDeal
from . import plain_sql
from .institution import size_class_of
from .scoping import User, coordinator_scope

LOANS = (Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN)


def programmes_visible_to(user: User) -> QuerySet[PolicyProgramme]:
    """Superusers and national coordinators: all; a regional coordinator: the national programmes and those
    of a region that covers, or lies in, one of its regions; anyone else: none."""
    programmes = PolicyProgramme.objects.select_related("region")
    if not user.is_authenticated:
        return programmes.none()
    if user.is_superuser:
        return programmes
    scope = coordinator_scope(user)
    if scope is None:
        return programmes.none()
    if scope.national:
        return programmes
    regions = list(scope.regions.all())
    above = {code for region in regions for code in covering_codes(region.code)}
    return programmes.filter(
        Q(region__isnull=True) | Q(region__code__in=above) | covered_q("region__code", regions)
    )


def _relending_parameters(share: Decimal | None, rate: Decimal | None) -> dict[str, str]:
    """The re-lending share and rate as programme parameters; empty before the facility existed."""
    if share is None or rate is None:
        return {}
    return {"share": f"{share.normalize():f}", "rate": f"{rate.normalize():f}"}


def relending_terms_on(day: date) -> dict[str, str]:
    """The central bank's re-lending share and rate in force on `day` (DESIGN §6), as programme
    parameters; empty before the facility existed. One query."""
    policy = RelendingPolicy.objects.filter(effective_from__lte=day).order_by("-effective_from").first()
    if policy is None:
        return {}
    return _relending_parameters(policy.refinance_share, policy.rate)


def programme_terms(
    row: PolicyProgramme,
    on: date,
    relending: Mapping[str, str] | None = None,
    *,
    field_ids: frozenset[int] | None = None,
) -> Programme:
    """A programme row as the pure policy functions read it on day `on` (its `field_ids` when the caller
    has read them, else its fields prefetched, or one query). A re-lending programme takes the central
    bank's terms in force that day (`relending`, when the caller has read them already, or one query)."""
    region = row.region
    parameters = row.parameters
    if row.kind == ProgrammeKind.RELENDING:
        parameters = {**parameters, **(relending if relending is not None else relending_terms_on(on))}
    return Programme(
        id=row.pk,
        code=row.code,
        version=row.version,
        name=row.name,
        kind=row.kind,
        level=row.level,
        region_code=region.code if region is not None else None,
        region_name=region.name if region is not None else "",
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        budget=row.budget,
        parameters=parameters,
        instruments=tuple(row.instruments or ()),
        field_ids=field_ids if field_ids is not None else frozenset(f.pk for f in row.fields.all()),
        stages=tuple(row.stages or ()),
        requires_tech_sme=row.requires_tech_sme,
        min_credit_score=row.min_credit_score,
        min_credit_version=row.min_credit_version,
        first_loan_only=row.first_loan_only,
        max_amount=row.max_amount,
    )


def programmes_in_force(day: date, region_code: str) -> list[Programme]:
    """The published programmes in force on `day` for an enterprise in `region_code` (national ones and
    those of its region or a region containing it): under each code the highest version whose window holds
    the day. One query in plain SQL (the matcher reads it for every request, with its other reads: see
    `programmes_in_force_read`)."""
    return plain_sql.run([programmes_in_force_read(day, region_code)])[0]


def programmes_in_force_read(day: date, region_code: str) -> plain_sql.Read[list[Programme]]:
    """`programmes_in_force` as a read: a row per programme and field (one without a field when it names
    none), each with its region and the re-lending terms in force."""
    codes = covering_codes(region_code)
    relending = RelendingPolicy._meta.db_table
    in_force = f"FROM {relending} r WHERE r.effective_from <= %s ORDER BY r.effective_from DESC LIMIT 1"
    when = connection.ops.adapt_datefield_value(day)
    read = plain_sql.instances_read(
        PolicyProgramme,
        f"""FROM {PolicyProgramme._meta.db_table} f
            LEFT JOIN {Region._meta.db_table} g ON g.id = f.region_id
            LEFT JOIN {PolicyProgramme.fields.through._meta.db_table} pf ON pf.policyprogramme_id = f.id
            WHERE f.published_at IS NOT NULL AND f.valid_from <= %s
              AND (f.valid_until IS NULL OR f.valid_until >= %s)
              AND (f.region_id IS NULL OR g.code IN ({plain_sql.placeholders(codes)}))
            ORDER BY f.code, f.version DESC""",
        [when, when, when, when, *codes],
        extra=(
            "g.code",
            "g.name",
            "pf.techfield_id",
            f"(SELECT r.refinance_share {in_force})",
            f"(SELECT r.rate {in_force})",
        ),
    )

    def parse(found: list[tuple]) -> list[Programme]:
        newest: dict[str, PolicyProgramme] = {}
        field_ids: dict[int, set[int]] = {}
        relending_terms: dict[str, str] = {}
        for row, (code, name, field_id, share, rate) in read.parse(found):
            if newest.setdefault(row.code, row).pk != row.pk:
                continue  # an older version, or another field of one already read
            fields = field_ids.setdefault(row.pk, set())
            if field_id is not None:
                fields.add(field_id)
            if row.region_id is not None:
                row.region = Region(pk=row.region_id, code=code, name=name)
            if share is not None and rate is not None:
                relending_terms = _relending_parameters(Decimal(str(share)), Decimal(str(rate)))
        return [
            programme_terms(row, day, relending_terms, field_ids=frozenset(field_ids[row.pk]))
            for row in sorted(newest.values(), key=lambda r: (r.kind, r.pk))
        ]

    return plain_sql.Read(read.sql, read.params, parse)


def funded_loans(
    enterprise_id: int, *, besides: int | None = None, by: date | None = None
) -> QuerySet[Tranche]:
    """The enterprise's loans funded here: leaving out tranche `besides`, and with `by` only those funded by
    that day. None of them: its first loan (首贷) is still to come."""
    funded = Tranche.objects.filter(
        request__enterprise_id=enterprise_id, instrument__in=LOANS, funded_on__isnull=False
    )
    if besides is not None:
        funded = funded.exclude(pk=besides)
    if by is not None:
        funded = funded.filter(funded_on__lte=by)
    return funded


def is_first_loan(enterprise_id: int, *, besides: int | None = None, by: date | None = None) -> bool:
    """Whether the enterprise has had no loan funded here (首贷), as `funded_loans` counts them. One query."""
    return not funded_loans(enterprise_id, besides=besides, by=by).exists()


def enterprise_field_ids(enterprise: Enterprise) -> frozenset[int]:
    """The enterprise's fields and the fields above them. One query."""
    return with_parents(enterprise.fields.values_list("pk", "parent_id"))


@dataclass(frozen=True)
class Balance:
    """A programme's budget and where it is: budget = available + committed + paid."""

    budget: Decimal
    committed: Decimal
    paid: Decimal

    @property
    def available(self) -> Decimal:
        return self.budget - self.committed - self.paid


def programme_balance(programme_id: int, *, budget: Decimal | None = None) -> Balance:
    """The programme's balances, summed from its ledger. One query (two without `budget`)."""
    if budget is None:
        budget = PolicyProgramme.objects.values_list("budget", flat=True).get(pk=programme_id)
    sums = ProgrammeLedgerEntry.objects.filter(programme_id=programme_id).aggregate(
        committed=Sum("committed_change"), paid=Sum("paid_change")
    )
    return Balance(budget=budget, committed=sums["committed"] or Decimal(0), paid=sums["paid"] or Decimal(0))


def tranche_commitment(programme_id: int, tranche_id: int | None) -> tuple[Decimal, Decimal]:
    """On one tranche under one programme: what is committed now, and how much of it is claimed and not
    yet paid. One query."""
    on_tranche = Q(tranche__isnull=True) if tranche_id is None else Q(tranche_id=tranche_id)
    sums = ProgrammeLedgerEntry.objects.filter(on_tranche, programme_id=programme_id).aggregate(
        committed=Sum("committed_change"),
        claimed=Sum("amount", filter=Q(movement=LedgerMovement.CLAIM)),
        paid=Sum("paid_change"),
    )
    zero = Decimal(0)
    return sums["committed"] or zero, (sums["claimed"] or zero) - (sums["paid"] or zero)


def with_balances(programmes: QuerySet[PolicyProgramme]) -> QuerySet[PolicyProgramme]:
    """Annotate `committed`, `paid` and `available` (summed from the ledger) for lists."""
    zero = Value(Decimal(0), output_field=DecimalField(max_digits=18, decimal_places=2))
    committed = Coalesce(
        Subquery(_ledger_sum("committed_change"), output_field=DecimalField(max_digits=18, decimal_places=2)),
        zero,
    )
    paid = Coalesce(
        Subquery(_ledger_sum("paid_change"), output_field=DecimalField(max_digits=18, decimal_places=2)), zero
    )
    return programmes.annotate(committed=committed, paid=paid).annotate(
        available=F("budget") - F("committed") - F("paid")
    )


def _ledger_sum(column: str):
    return (
        ProgrammeLedgerEntry.objects.filter(programme_id=OuterRef("pk"))
        .order_by()
        .values("programme_id")
        .annotate(total=Sum(column))
        .values("total")
    )


def offer_deal(
    offer: Offer, *, day: date, needs_facts: bool = True, first_loan_by: date | None = None
) -> Deal:
    """The offer as the programmes read it; `offer.referral` with its institution and tranche, and the
    request with its enterprise and region, are loaded by the caller. Without `needs_facts` (no programme
    in force) the enterprise's fields, credits and loans are not read; `first_loan_by` counts only the
    loans funded by that day (a replay asks as of the offer's day)."""
    referral, request = offer.referral, offer.request
    enterprise = request.enterprise
    return Deal(
        day=day,
        instrument=referral.tranche.instrument,
        amount=offer.amount,
        term_months=offer.term_months or request.term_months,
        annual_rate=offer.annual_rate,
        region_code=enterprise.region.code,
        stage=enterprise.stage,
        field_ids=enterprise_field_ids(enterprise) if needs_facts else frozenset(),
        tech_sme=registered_tech_sme(enterprise),
        on_relending_list=on_relending_list(enterprise, day),
        relending_bank=referral.institution.relending_eligible,
        first_loan=needs_facts
        and is_first_loan(enterprise.pk, besides=referral.tranche_id, by=first_loan_by),
        credits=credits_by_version(enterprise.pk) if needs_facts else {},
    )


def follow_up_deal(follow_up: RecommendationFollowUp) -> Deal:
    """A loan financed from a recommendation list (DESIGN §14) as the programmes read it, on the day it was
    financed: the same facts as `offer_deal`, taken from the follow-up's terms."""
    enterprise = follow_up.entry.enterprise
    assert follow_up.financed_on is not None and follow_up.amount is not None, "a financed follow-up"
    day = follow_up.financed_on
    return Deal(
        day=day,
        instrument=follow_up.instrument,
        amount=follow_up.amount,
        term_months=follow_up.term_months,
        annual_rate=follow_up.annual_rate,
        region_code=enterprise.region.code,
        stage=enterprise.stage,
        field_ids=enterprise_field_ids(enterprise),
        tech_sme=registered_tech_sme(enterprise),
        on_relending_list=on_relending_list(enterprise, day),
        relending_bank=follow_up.institution.relending_eligible,
        first_loan=is_first_loan(enterprise.pk, by=day),
        credits=credits_by_version(enterprise.pk),
    )


def _local_day(moment) -> date:
    return timezone.localdate(moment)


def window_offers(programme: Programme, start: date, end: date) -> QuerySet[Offer]:
    """Offers made in [start, end] (local days), and accepted offers whose tranche was funded in it, of
    enterprises the programme's region covers."""
    made = Q(created_at__date__gte=start, created_at__date__lte=end)
    funded = Q(tranche__accepted_offer=F("pk"), tranche__funded_on__gte=start, tranche__funded_on__lte=end)
    offers = Offer.objects.filter(made | funded)
    if programme.region_code:
        offers = offers.filter(covered_q("request__enterprise__region__code", [programme.region_code]))
    return offers.select_related(
        "referral__institution", "referral__tranche", "request__enterprise__region"
    ).order_by("pk")


def window_deals(programme: Programme, start: date, end: date) -> tuple[int, Iterator[WindowDeal]]:
    """How many offers the replay reads, and them as `WindowDeal`s (facts as on the offer's day)."""
    offers = window_offers(programme, start, end).prefetch_related(
        Prefetch("request__enterprise__fields", queryset=TechField.objects.select_related("parent")),
        "request__enterprise__financials",
    )
    return offers.count(), (_window_deal(offer, start, end) for offer in offers.iterator(chunk_size=200))


def _root_name(techfield: TechField) -> str:
    while techfield.parent is not None:
        techfield = techfield.parent
    return techfield.name


def _window_deal(offer: Offer, start: date, end: date) -> WindowDeal:
    day = _local_day(offer.created_at)
    tranche = offer.referral.tranche
    enterprise = offer.request.enterprise
    funded = (
        tranche.funded_amount
        if tranche.accepted_offer_id == offer.pk
        and tranche.funded_on is not None
        and start <= tranche.funded_on <= end
        else None
    )
    return WindowDeal(
        deal=offer_deal(offer, day=day, first_loan_by=day),
        enterprise_id=enterprise.pk,
        offer_amount=offer.amount,
        offered_in_window=start <= day <= end,
        funded_amount=funded,
        funded_on=tranche.funded_on if funded is not None else None,
        stage=enterprise.stage,
        size=size_class_of(enterprise) or UNCLASSIFIED,
        field_keys=tuple(sorted({_root_name(f) for f in enterprise.fields.all()})),
    )


def ledger_committed(programme_id: int, start: date, end: date) -> Decimal:
    """What the programme's ledger committed in [start, end] (local days), releases not netted. One query."""
    total = ProgrammeLedgerEntry.objects.filter(
        programme_id=programme_id,
        movement=LedgerMovement.COMMIT,
        created_at__date__gte=start,
        created_at__date__lte=end,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal(0)


def risk_pools_on(tranche_id: int) -> list[PolicyProgramme]:
    """The risk-compensation programmes with a commitment on the tranche (its cover), in id order. One
    query."""
    committed = ProgrammeLedgerEntry.objects.filter(
        programme_id=OuterRef("pk"), tranche_id=tranche_id, movement=LedgerMovement.COMMIT
    )
    return list(
        PolicyProgramme.objects.filter(kind=ProgrammeKind.RISK_COMPENSATION)
        .filter(Exists(committed))
        .select_related("region")
        .order_by("pk")
    )


def claimable_tranches(user: User) -> QuerySet[Tranche]:
    """The funded tranches of the user's institutions that a risk pool covers: where a default is reported."""
    if not user.is_authenticated:
        return Tranche.objects.none()
    covered = ProgrammeLedgerEntry.objects.filter(
        tranche_id=OuterRef("pk"),
        movement=LedgerMovement.COMMIT,
        programme__kind=ProgrammeKind.RISK_COMPENSATION,
    )
    return (
        Tranche.objects.filter(
            funded_on__isnull=False, accepted_offer__referral__institution__members=user.pk
        )
        .filter(Exists(covered))
        .select_related("request__enterprise", "accepted_offer__referral__institution")
        .order_by("-funded_on", "-pk")
    )


def other_public_compensation(claim: LossClaim) -> Decimal:
    """What the other live claims on the same loss (the tranche's claims on other pools) ask of public money:
    the 80% cap counts all public compensation together. One query."""
    total = (
        LossClaim.objects.filter(tranche_id=claim.tranche_id)
        .exclude(pk=claim.pk)
        .exclude(status=ClaimStatus.REJECTED)
        .aggregate(total=Sum("amount"))["total"]
    )
    return total or Decimal(0)


def budget_left_at(programme_id: int, budget: Decimal, day: date) -> Decimal:
    """What the programme's budget still held when `day` began (local days): the budget less what its ledger
    had committed and paid before. One query."""
    sums = ProgrammeLedgerEntry.objects.filter(programme_id=programme_id, created_at__date__lt=day).aggregate(
        committed=Sum("committed_change"), paid=Sum("paid_change")
    )
    return budget - (sums["committed"] or Decimal(0)) - (sums["paid"] or Decimal(0))


def relending_ledger_of(institution_id: int) -> QuerySet[ProgrammeLedgerEntry]:
    """The bank's re-lending ledger (DESIGN §6, §10): the entries of re-lending programmes on the loans it
    made, funded referrals and loans financed from recommendation lists alike."""
    return (
        ProgrammeLedgerEntry.objects.filter(programme__kind=ProgrammeKind.RELENDING)
        .filter(
            Q(tranche__accepted_offer__referral__institution_id=institution_id)
            | Q(follow_up__institution_id=institution_id)
        )
        .select_related("programme", "tranche__request__enterprise", "follow_up__entry__enterprise")
        .order_by("created_at", "id")
    )
