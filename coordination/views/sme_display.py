"""What the applicant's pages say: statuses and events in words, deadlines in business days and dates,
offers' prices by instrument. Reads nothing: the views hand it what the selectors loaded."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument

from ..choices import DeadlineKind, DeclineReason, OfferStatus, ReferralStatus, RequestStatus, Role, Stage
from ..models import Deadline, Offer, Referral, Tranche, TransitionEvent
from ..policies.support import StoredSupport, stored_supports
from ..templatetags.money import percent, wan
from ..workflow.business_days import SHANGHAI, BusinessCalendar

R, F, O = RequestStatus, ReferralStatus, OfferStatus  # noqa: E741 - shorthand

REQUEST_STATUS_WORDS: dict[str, Promise] = {
    R.DRAFT: _("Draft: not sent yet. Add the documents and submit it when it is ready."),
    R.SCREENING: _("Being screened: completeness, tech-SME and size checks."),
    R.INFO_REQUESTED: _("Information requested: answer the question below, then send the request back."),
    R.TRIAGE: _("With the coordinator: it passed screening and waits to be routed to institutions."),
    R.ROUTED: _(
        "With financing institutions: they review it and may make offers; accept one offer per tranche."
    ),
    R.OFFER_ACCEPTED: _("Offers accepted: waiting for the coordinator's approval."),
    R.APPROVED: _("Approved: the institutions pay out and record the funding."),
    R.FUNDED: _("Funded."),
    R.CLOSED: _("Closed."),
    R.REJECTED: _("Rejected by the coordinator: the reason is in the timeline."),
    R.WITHDRAWN: _("Withdrawn by your enterprise."),
    R.EXPIRED: _("Expired: a deadline passed without an answer."),
}

REFERRAL_STATUS_WORDS: dict[str, Promise] = {
    F.SENT: _("Sent, not opened yet"),
    F.REVIEWING: _("Opened, under review"),
    F.INFO_REQUESTED: _("Asked you for information"),
    F.OFFERED: _("Made an offer"),
    F.DECLINED: _("Declined"),
    F.EXPIRED: _("No answer in time"),
    F.WITHDRAWN: _("Closed: the request was settled or ended"),
    F.SUPERSEDED: _("Closed: another offer was accepted for this tranche"),
}

OFFER_STATUS_WORDS: dict[str, Promise] = {
    O.OPEN: _("Open"),
    O.ACCEPTED: _("Accepted"),
    O.WITHDRAWN: _("Withdrawn by the institution"),
    O.SUPERSEDED: _("Closed: another offer was accepted"),
    O.EXPIRED: _("Expired"),
}

# (object type, action) → what happened, in words; %(institution)s names the referral's institution.
EVENT_WORDS: dict[tuple[str, str], Promise] = {
    ("financing_request", "create"): _("Request saved as a draft"),
    ("financing_request", "submit"): _("Request submitted (consent to share it given)"),
    ("financing_request", "screen_pass"): _("Screening passed"),
    ("financing_request", "screen_fail"): _("Screening found something missing"),
    ("financing_request", "resubmit"): _("Answer sent; the request went back to screening"),
    ("financing_request", "route"): _("Routed to financing institutions by the coordinator"),
    ("financing_request", "request_info"): _("The coordinator asked for information"),
    ("financing_request", "reject"): _("Rejected by the coordinator"),
    ("financing_request", "all_tranches_accepted"): _("Every tranche has an accepted offer"),
    ("financing_request", "accept_partial_package"): _("The coordinator went on with part of the package"),
    ("financing_request", "return_to_triage"): _("Back with the coordinator to be routed again"),
    ("financing_request", "approve"): _("Approved"),
    ("financing_request", "propose_approval"): _("Approval proposed; a second national coordinator confirms"),
    ("financing_request", "confirm_approval"): _("Approved (confirmed by a second national coordinator)"),
    ("financing_request", "cancel_approval"): _("Approval proposal withdrawn"),
    ("financing_request", "record_funding"): _("Funding recorded"),
    ("financing_request", "close"): _("Closed"),
    ("financing_request", "withdraw"): _("Withdrawn"),
    ("financing_request", "expire"): _("Expired"),
    ("financing_request", "extend_deadline"): _("Deadline extended by the coordinator"),
    ("referral", "route"): _("Sent to %(institution)s"),
    ("referral", "open"): _("%(institution)s opened the request"),
    ("referral", "request_info"): _("%(institution)s asked for information"),
    ("referral", "provide_info"): _("You answered %(institution)s"),
    ("referral", "offer"): _("%(institution)s made an offer"),
    ("referral", "decline"): _("%(institution)s declined"),
    ("referral", "expire"): _("%(institution)s did not answer in time"),
    ("referral", "withdraw"): _("Referral to %(institution)s closed"),
    ("referral", "supersede"): _("Referral to %(institution)s closed: another offer won the tranche"),
    ("offer", "make"): _("Offer from %(institution)s"),
    ("offer", "accept"): _("You accepted the offer of %(institution)s"),
    ("offer", "withdraw"): _("%(institution)s withdrew its offer"),
    ("offer", "supersede"): _("Offer of %(institution)s closed"),
    ("offer", "expire"): _("Offer of %(institution)s expired"),
}

# Who acts before each stage's deadline.
STAGE_WAITING_ON: dict[str, Promise] = {
    Stage.TRIAGE: _("the coordinator triages and routes the request"),
    Stage.APPLICANT_ANSWER: _("you answer"),
    Stage.OFFER_WINDOW: _("institutions make offers and you accept one per tranche"),
    Stage.APPROVAL: _("the coordinator approves"),
    Stage.INSTITUTION_REVIEW: _("%(institution)s reviews the request"),
    Stage.OFFER_VALIDITY: _("you may accept the offer of %(institution)s"),
}

# The same, where the page names no institution (the home's list).
STAGE_WAITING_ON_UNNAMED: dict[str, Promise] = {
    **STAGE_WAITING_ON,
    Stage.INSTITUTION_REVIEW: _("an institution reviews the request"),
    Stage.OFFER_VALIDITY: _("you may accept an open offer"),
}

INSURANCE = {Instrument.RD_INSURANCE, Instrument.FIRST_SET_INSURANCE, Instrument.LOAN_GUARANTEE_INSURANCE}


@dataclass
class Due:
    """One deadline, as the applicant reads it."""

    label: Promise | str
    waiting_on: str
    due_at: datetime
    business_days_left: int

    @property
    def due_day(self) -> date:
        return timezone.localtime(self.due_at, SHANGHAI).date()

    @property
    def overdue(self) -> bool:
        return self.due_at < timezone.now()

    @property
    def in_words(self) -> str:
        days = self.business_days_left
        # The institution's pages say the same (templates/institution/deadline.html): one set of words.
        if self.overdue:
            if days >= 0:
                return gettext("overdue")
            return ngettext(
                "overdue by %(days)s business day", "overdue by %(days)s business days", -days
            ) % {"days": -days}
        if days <= 0:
            return gettext("due today")
        return ngettext("%(days)s business day left", "%(days)s business days left", days) % {"days": days}


def calendar_for_deadlines(deadlines: list[Deadline], today: date) -> BusinessCalendar:
    """One calendar (the holiday table read once) spanning today and every deadline's day."""
    days = [timezone.localtime(d.due_at, SHANGHAI).date() for d in deadlines] or [today]
    return BusinessCalendar(min([today, *days]) - timedelta(days=1), max([today, *days]) + timedelta(days=1))


def due_of(deadline: Deadline, calendar: BusinessCalendar, today: date, institution: str = "") -> Due:
    waiting = (STAGE_WAITING_ON if institution else STAGE_WAITING_ON_UNNAMED).get(deadline.stage)
    return Due(
        label=Stage(deadline.stage).label if deadline.stage in Stage.values else deadline.stage,
        waiting_on=(str(waiting) % {"institution": institution}) if waiting else "",
        due_at=deadline.due_at,
        business_days_left=calendar.count_business_days(
            today, timezone.localtime(deadline.due_at, SHANGHAI).date()
        ),
    )


def answer_deadlines(deadlines: list[Deadline]) -> list[Deadline]:
    """The deadlines someone must act by (reminders are only early warnings of them), soonest first."""
    return [d for d in deadlines if d.kind != DeadlineKind.REMIND]


def next_due_by_request(deadlines: list[Deadline]) -> dict[int, Due]:
    """Each request's soonest deadline (the request's own or one of its parts')."""
    today = timezone.localdate()
    calendar = calendar_for_deadlines(deadlines, today)
    soonest: dict[int, Due] = {}
    for deadline in answer_deadlines(deadlines):
        if deadline.request_id not in soonest:
            soonest[deadline.request_id] = due_of(deadline, calendar, today)
    return soonest


# --- offers -----------------------------------------------------------------------------------------


def _number(value) -> Decimal | None:
    try:
        return Decimal(str(value)) if value not in (None, "") else None
    except (InvalidOperation, ValueError):
        return None


def price_of(offer: Offer, instrument: str) -> str:
    """The offer's price in the instrument's terms: a loan's yearly rate, an insurer's premium rate, a
    guarantor's fee, an investor's stake (and valuation, from the offer's terms)."""
    if instrument == Instrument.EQUITY:
        terms = offer.terms if isinstance(offer.terms, dict) else {}
        stake = _number(terms.get("stake"))
        parts = []
        if stake is not None:
            # A fraction like the rates (0.08 = 8%); a number above 1 is read as a percentage already.
            parts.append(
                gettext("stake %(stake)s") % {"stake": percent(stake if stake <= 1 else stake / 100)}
            )
        valuation = _number(terms.get("valuation"))
        if valuation is not None:
            parts.append(gettext("valuation %(valuation)s") % {"valuation": wan(valuation)})
        return ", ".join(parts) or "—"
    if offer.annual_rate is None:
        return "—"
    rate = percent(offer.annual_rate)
    if instrument in INSURANCE:
        return gettext("premium rate %(rate)s") % {"rate": rate}
    if instrument == Instrument.GUARANTEE:
        return gettext("guarantee fee %(rate)s a year") % {"rate": rate}
    return gettext("%(rate)s a year") % {"rate": rate}


# --- the request page ---------------------------------------------------------------------------------


@dataclass
class OfferRow:
    offer: Offer
    institution: str
    price: str
    status: Promise | str
    can_accept: bool
    accepted: bool
    form: Any = None  # the accept form, when the engine offers "accept"
    support: list[StoredSupport] = field(default_factory=list)


@dataclass
class ReferralRow:
    referral: Referral
    institution: str
    product: str
    status: Promise | str
    opened: bool
    asked: bool
    answer: Promise | str  # how the institution answered, whatever became of it since; "" before it did
    decline_reason: Promise | str
    question: str
    can_answer: bool
    due: Due | None
    form: Any = None  # the answer form, when the engine offers "provide_info"


@dataclass
class TrancheBlock:
    tranche: Tranche
    instrument: Promise | str
    referrals: list[ReferralRow] = field(default_factory=list)
    offers: list[OfferRow] = field(default_factory=list)


@dataclass
class TimelineEntry:
    at: datetime
    text: str
    role: Promise | str
    reason: str


def institution_names(referrals: list[Referral], offers: list[Offer]) -> dict[tuple[str, int], str]:
    names: dict[tuple[str, int], str] = {("referral", r.pk): r.institution.name for r in referrals}
    names.update({("offer", o.pk): o.referral.institution.name for o in offers})
    return names


def timeline(events: list[TransitionEvent], names: dict[tuple[str, int], str]) -> list[TimelineEntry]:
    entries = []
    for event in events:
        words = EVENT_WORDS.get((event.object_type, event.action))
        institution = names.get((event.object_type, event.object_id), gettext("an institution"))
        text = str(words) % {"institution": institution} if words else event.action.replace("_", " ")
        role = Role(event.actor_role).label if event.actor_role in Role.values else event.actor_role
        entries.append(TimelineEntry(event.created_at, text, role, event.reason))
    return entries


def _answer(steps: set[str]) -> Promise | str:
    """From the referral's events, not its status: an offer stays the institution's answer after the
    tranche went to another (the referral is superseded then) or the request ended."""
    if "offer" in steps:
        return REFERRAL_STATUS_WORDS[F.OFFERED]
    if "decline" in steps:
        return REFERRAL_STATUS_WORDS[F.DECLINED]
    return ""


def tranche_blocks(
    tranches: list[Tranche],
    referrals: list[Referral],
    offers: list[Offer],
    events: list[TransitionEvent],
    actions: dict[tuple[str, int], list[str]],
    dues: dict[tuple[str, int], Due],
) -> list[TrancheBlock]:
    """Per tranche: each referral's progress and the offers side by side."""
    blocks = {t.pk: TrancheBlock(t, Instrument(t.instrument).label) for t in tranches}
    done: dict[int, set[str]] = {}
    for event in events:
        if event.object_type == "referral":
            done.setdefault(event.object_id, set()).add(event.action)
    for referral in referrals:
        steps = done.get(referral.pk, set())
        blocks[referral.tranche_id].referrals.append(
            ReferralRow(
                referral=referral,
                institution=referral.institution.name,
                product=referral.product.name,
                status=REFERRAL_STATUS_WORDS.get(referral.status, referral.status),
                opened="open" in steps,
                asked="request_info" in steps,
                answer=_answer(steps),
                # The reason's category only: the institution's own words (its note) stay with it.
                decline_reason=DeclineReason(referral.decline_reason).label
                if referral.decline_reason in DeclineReason.values
                else "",
                question=referral.info_request if referral.status == F.INFO_REQUESTED else "",
                can_answer="provide_info" in actions.get(("referral", referral.pk), []),
                due=dues.get(("referral", referral.pk)),
            )
        )
    for offer in offers:
        tranche = blocks[offer.tranche_id]
        tranche.offers.append(
            OfferRow(
                offer=offer,
                institution=offer.referral.institution.name,
                price=price_of(offer, tranche.tranche.instrument),
                status=OFFER_STATUS_WORDS.get(offer.status, offer.status),
                can_accept="accept" in actions.get(("offer", offer.pk), []),
                accepted=offer.status == O.ACCEPTED,
                support=stored_supports(offer.policy_support),
            )
        )
    return list(blocks.values())


def request_dues(
    deadlines: list[Deadline], names: dict[tuple[str, int], str]
) -> tuple[list[Due], dict[tuple[str, int], Due]]:
    """What is due next (soonest first) and each part's own deadline."""
    today = timezone.localdate()
    calendar = calendar_for_deadlines(deadlines, today)
    upcoming: list[Due] = []
    by_part: dict[tuple[str, int], Due] = {}
    for deadline in answer_deadlines(deadlines):
        key = (deadline.object_type, deadline.object_id)
        if key in by_part:
            continue  # an escalation and an expiry at the same time: one line
        due = due_of(deadline, calendar, today, names.get(key, ""))
        by_part[key] = due
        upcoming.append(due)
    return upcoming, by_part
