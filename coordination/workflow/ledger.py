"""Policy support becomes entitlements at funding (DESIGN §10): commitments against each programme's budget,
and later releases, claims and payments, each an entry of the programme's ledger.

Every movement locks the programme's row first (`select_for_update`, programmes in id order), then reads
the balances from the entries under that lock, so two fundings racing for the last of a budget serialise:
one commits, the other's commitment is refused with the reason and recorded as refused. A funding is never
undone by a budget: what does not fit is refused and shown, the rest stands.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from .. import selectors
from ..choices import LedgerMovement, ProgrammeKind
from ..errors import NotFound, ValidationFailed
from ..models import PolicyProgramme, ProgrammeLedgerEntry, RecommendationFollowUp, Tranche
from ..policies.support import claim_cap, supports
from ..selectors.policy import Balance

CENTS = Decimal("0.01")
ZERO = Decimal(0)


def _lock(programme_ids: Iterable[int]) -> dict[int, PolicyProgramme]:
    """The programmes' rows, locked in id order (so two movements on the same programmes never deadlock)."""
    rows = (
        PolicyProgramme.objects.select_for_update().filter(pk__in=sorted(set(programme_ids))).order_by("pk")
    )
    return {row.pk: row for row in rows}


def locked_programme(programme_id: int) -> PolicyProgramme:
    programme = _lock([programme_id]).get(programme_id)
    if programme is None:
        raise NotFound(gettext("No such policy programme."))
    return programme


def _entry(programme: PolicyProgramme, tranche_id: int | None, movement: str, amount: Decimal, **changes):
    return ProgrammeLedgerEntry.objects.create(
        programme=programme, tranche_id=tranche_id, movement=movement, amount=amount, **changes
    )


def _positive(amount) -> Decimal:
    amount = Decimal(str(amount)).quantize(CENTS, rounding=ROUND_HALF_UP)
    if amount <= 0:
        raise ValidationFailed(
            gettext("The amount is not valid."), fields={"amount": [gettext("Must be above zero.")]}
        )
    return amount


def _commit_locked(
    programme: PolicyProgramme, tranche_id: int | None, amount: Decimal, follow_up_id: int | None = None
) -> ProgrammeLedgerEntry:
    balance = selectors.programme_balance(programme.pk, budget=programme.budget)
    if amount > balance.available:
        reason = gettext("%(programme)s has %(left)s yuan of its budget left, less than %(amount)s yuan.") % {
            "programme": programme,
            "left": balance.available,
            "amount": amount,
        }
        return _entry(
            programme, tranche_id, LedgerMovement.REFUSED, amount, reason=reason, follow_up_id=follow_up_id
        )
    return _entry(
        programme,
        tranche_id,
        LedgerMovement.COMMIT,
        amount,
        committed_change=amount,
        follow_up_id=follow_up_id,
    )


@transaction.atomic
def commit(*, programme_id: int, tranche_id: int | None, amount) -> ProgrammeLedgerEntry:
    """Commit `amount` of the programme's budget: a commit entry, or a refused one when it does not fit."""
    amount = _positive(amount)
    return _commit_locked(locked_programme(programme_id), tranche_id, amount)


@transaction.atomic
def commit_policy_support(*, tranche: Tranche) -> list[ProgrammeLedgerEntry]:
    """At funding: each programme of the accepted offer's support commits its share of the funded amount
    (the offer's expected support, scaled to what was funded). Once per tranche and programme."""
    offer = tranche.accepted_offer
    if offer is None or not offer.policy_support or not tranche.funded_amount:
        return []
    scale = tranche.funded_amount / offer.amount
    wanted: dict[int, Decimal] = {}
    for entry in offer.policy_support:
        amount = (Decimal(str(entry["amount"])) * scale).quantize(CENTS, rounding=ROUND_HALF_UP)
        if amount > 0:
            wanted[int(entry["programme"])] = wanted.get(int(entry["programme"]), ZERO) + amount
    programmes = _lock(wanted)
    done = set(
        ProgrammeLedgerEntry.objects.filter(
            tranche=tranche, movement__in=[LedgerMovement.COMMIT, LedgerMovement.REFUSED]
        ).values_list("programme_id", flat=True)
    )
    return [
        _commit_locked(programme, tranche.pk, wanted[pk])
        for pk, programme in programmes.items()
        if pk not in done
    ]


@transaction.atomic
def commit_follow_up_support(*, follow_up: RecommendationFollowUp) -> list[ProgrammeLedgerEntry]:
    """A loan financed from a recommendation list (DESIGN §14) counts in the re-lending ledger like a funded
    referral: each re-lending programme in force that bank, firm and loan qualify for commits its share,
    once per follow-up and programme. Other kinds stay with the request workflow, where their support is
    shown to the applicant before it accepts an offer."""
    if follow_up.financed_on is None or not follow_up.amount:
        return []
    enterprise = follow_up.entry.enterprise
    programmes = [
        p
        for p in selectors.programmes_in_force(follow_up.financed_on, enterprise.region.code)
        if p.kind == ProgrammeKind.RELENDING
    ]
    if not programmes:
        return []
    wanted = {
        support.programme.id: support.amount
        for support in supports(programmes, selectors.follow_up_deal(follow_up))
        if support.amount > 0
    }
    locked = _lock(wanted)
    done = set(
        ProgrammeLedgerEntry.objects.filter(
            follow_up=follow_up, movement__in=[LedgerMovement.COMMIT, LedgerMovement.REFUSED]
        ).values_list("programme_id", flat=True)
    )
    return [
        _commit_locked(programme, None, wanted[pk], follow_up_id=follow_up.pk)
        for pk, programme in locked.items()
        if pk not in done
    ]


def _at_most(amount: Decimal, limit: Decimal, refusal: str, what: str) -> None:
    if amount > limit:
        raise ValidationFailed(refusal, fields={"amount": [what % {"left": limit}]})


@transaction.atomic
def release(*, programme_id: int, tranche_id: int | None, amount, reason: str = "") -> ProgrammeLedgerEntry:
    """Give back to the budget what a tranche no longer needs (repaid, withdrawn, cover ended); never more
    than is committed on it and not claimed."""
    amount = _positive(amount)
    programme = locked_programme(programme_id)
    committed, claimed = selectors.tranche_commitment(programme_id, tranche_id)
    _at_most(
        amount,
        committed - claimed,
        gettext("The release is not valid."),
        gettext("At most the unclaimed commitment, %(left)s."),
    )
    return _entry(
        programme, tranche_id, LedgerMovement.RELEASE, amount, committed_change=-amount, reason=reason
    )


@transaction.atomic
def claim(*, programme_id: int, tranche_id: int | None, amount, reason: str = "") -> ProgrammeLedgerEntry:
    """Record a claim on a tranche's commitment (a default on a risk-compensated loan): at most what is
    committed on it and not claimed already. The budget moves when the claim is paid."""
    amount = _positive(amount)
    programme = locked_programme(programme_id)
    committed, claimed = selectors.tranche_commitment(programme_id, tranche_id)
    _at_most(
        amount,
        committed - claimed,
        gettext("The claim is not valid."),
        gettext("At most the unclaimed commitment, %(left)s."),
    )
    return _entry(programme, tranche_id, LedgerMovement.CLAIM, amount, reason=reason)


def claimable(
    programme: PolicyProgramme, tranche: Tranche, *, loss: Decimal, other_public: Decimal = ZERO
) -> Decimal:
    """What the pool owes on a principal loss of the tranche: within its caps (the pool's share, its cap per
    loan, 80% of the loss from all public compensation) and within what is committed on the tranche and not
    claimed yet. Read under the programme's lock to be what a claim then writes."""
    if programme.kind != ProgrammeKind.RISK_COMPENSATION:
        raise ValidationFailed(
            gettext("Only a risk-compensation programme takes loss claims."),
            fields={"programme": [gettext("Not a risk-compensation programme.")]},
        )
    # First loan as it was when this one was funded (a later loan does not take the bonus away).
    first_loan = selectors.is_first_loan(
        tranche.request.enterprise_id, besides=tranche.pk, by=tranche.funded_on
    )
    terms = selectors.programme_terms(programme, tranche.funded_on or timezone.localdate())
    cap = claim_cap(terms, loss=loss, first_loan=first_loan, other_public=other_public)
    committed, claimed = selectors.tranche_commitment(programme.pk, tranche.pk)
    amount = min(cap, committed - claimed)
    if amount <= 0:
        raise ValidationFailed(
            gettext("Nothing can be claimed."),
            fields={"loss": [gettext("No unclaimed commitment or no room under the caps on this tranche.")]},
        )
    return amount


@transaction.atomic
def claim_loss(
    *, programme_id: int, tranche_id: int, loss, other_public=ZERO, reason: str = ""
) -> ProgrammeLedgerEntry:
    """A default reported on a risk-compensated tranche becomes a claim on the pool of what is `claimable`."""
    loss = _positive(loss)
    programme = locked_programme(programme_id)
    tranche = Tranche.objects.select_related("request").get(pk=tranche_id)
    amount = claimable(programme, tranche, loss=loss, other_public=Decimal(other_public))
    return _entry(programme, tranche_id, LedgerMovement.CLAIM, amount, reason=reason)


@transaction.atomic
def pay(*, programme_id: int, tranche_id: int | None, amount, reason: str = "") -> ProgrammeLedgerEntry:
    """Pay a claim: at most what is claimed and not paid; committed becomes paid."""
    amount = _positive(amount)
    programme = locked_programme(programme_id)
    _, claimed = selectors.tranche_commitment(programme_id, tranche_id)
    _at_most(
        amount, claimed, gettext("The payment is not valid."), gettext("At most the unpaid claim, %(left)s.")
    )
    return _entry(
        programme,
        tranche_id,
        LedgerMovement.PAY,
        amount,
        committed_change=-amount,
        paid_change=amount,
        reason=reason,
    )


__all__ = [
    "Balance",
    "claim",
    "claim_loss",
    "claimable",
    "commit",
    "commit_follow_up_support",
    "commit_policy_support",
    "pay",
    "release",
]
