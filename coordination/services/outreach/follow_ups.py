"""The institution's side of a published list (DESIGN §14): opening an entry (the §1 disclosure), recording
the follow-up, and the reminders the deadline sweep sends about follow-ups due."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from lenders.choices import INSTRUMENTS_BY_KIND
from lenders.models import Institution

from ...choices import DeclineReason, FollowUpStatus, ListStatus
from ...errors import Conflict, NotFound, ValidationFailed
from ...models import (
    DisclosedData,
    Disclosure,
    DisclosureAction,
    RecommendationEntry,
    RecommendationFollowUp,
    RecommendationRecipient,
)
from ...selectors import outreach as reads
from ...workflow.business_days import SHANGHAI
from ...workflow.ledger import commit_follow_up_support
from ..amounts import as_money
from .lists import notify

# Where a follow-up may go next: forward only; financed and declined are final.
NEXT_FOLLOW_UP: dict[str, frozenset[str]] = {
    FollowUpStatus.OPENED: frozenset(
        {FollowUpStatus.CONTACTED, FollowUpStatus.IN_REVIEW, FollowUpStatus.FINANCED, FollowUpStatus.DECLINED}
    ),
    FollowUpStatus.CONTACTED: frozenset(
        {FollowUpStatus.IN_REVIEW, FollowUpStatus.FINANCED, FollowUpStatus.DECLINED}
    ),
    FollowUpStatus.IN_REVIEW: frozenset({FollowUpStatus.FINANCED, FollowUpStatus.DECLINED}),
    FollowUpStatus.FINANCED: frozenset(),
    FollowUpStatus.DECLINED: frozenset(),
}


def _entry_for_institution(entry_id: int, user) -> tuple[RecommendationEntry, Institution]:
    """The entry, on a list published to the user's institution and still on it; else 404."""
    try:
        entry = (
            RecommendationEntry.objects.select_related("recommendation_list", "enterprise")
            .filter(
                pk=entry_id,
                withdrawn_at__isnull=True,
                recommendation_list__in=reads.lists_visible_to(user),
            )
            .first()
        )
    except (ValueError, TypeError):
        entry = None
    institution = reads.receiving_institution(user, entry.recommendation_list) if entry else None
    if entry is None or institution is None:
        raise NotFound()
    return entry, institution


@transaction.atomic
def open_entry(*, entry_id: int, user) -> RecommendationFollowUp:
    """Open an entry: the firm's profile and financials are disclosed to the institution, logged for the
    firm (DESIGN §1); the follow-up starts. Opening again changes nothing."""
    entry, institution = _entry_for_institution(entry_id, user)
    if entry.recommendation_list.status != ListStatus.PUBLISHED:
        raise Conflict(gettext("The list is closed."))
    now = timezone.now()
    follow_up, created = RecommendationFollowUp.objects.get_or_create(
        entry=entry,
        institution=institution,
        defaults={"opened_by": user, "opened_at": now, "updated_by": user, "updated_at": now},
    )
    if created:
        Disclosure.objects.create(
            user=user,
            institution=institution,
            enterprise_id=entry.enterprise_id,
            recommendation_entry=entry,
            action=DisclosureAction.OPEN_ENTRY,
            categories=[DisclosedData.PROFILE, DisclosedData.FINANCIALS],
            created_at=now,
        )
    return follow_up


def _financing_terms(data: Mapping, institution: Institution, published_on: date) -> tuple[dict, dict]:
    errors: dict[str, list[str]] = {}
    terms: dict = {}
    instrument = data.get("instrument") or ""
    if instrument not in INSTRUMENTS_BY_KIND.get(institution.kind, ()):
        errors["instrument"] = [
            gettext("Must be one of: %(codes)s.")
            % {"codes": ", ".join(INSTRUMENTS_BY_KIND.get(institution.kind, ()))}
        ]
    terms["instrument"] = instrument
    try:
        terms["amount"] = as_money(data.get("amount"), "amount")
    except ValidationFailed:
        errors["amount"] = [gettext("An amount in yuan above zero.")]
    rate = data.get("annual_rate")
    if rate not in (None, ""):
        try:
            terms["annual_rate"] = Decimal(str(rate))
        except InvalidOperation:
            terms["annual_rate"] = Decimal(-1)
        if not (terms["annual_rate"].is_finite() and Decimal(0) <= terms["annual_rate"] < Decimal(1)):
            errors["annual_rate"] = [
                gettext("A yearly rate as a fraction, from 0 to below 1 (0.035 means 3.5 per cent).")
            ]
    term = data.get("term_months")
    if term not in (None, ""):
        if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= 600:
            errors["term_months"] = [gettext("Must be a whole number of months from 1 to 600.")]
        terms["term_months"] = term
    financed_on = data.get("financed_on")
    today = timezone.localdate(timezone=SHANGHAI)
    if not isinstance(financed_on, date):
        errors["financed_on"] = [gettext("A date (YYYY-MM-DD).")]
    elif financed_on > today:
        errors["financed_on"] = [
            gettext("Must not be in the future (today is %(today)s, Asia/Shanghai).") % {"today": today}
        ]
    elif financed_on < published_on:
        errors["financed_on"] = [
            gettext("Must not be before the list was published, %(day)s.") % {"day": published_on}
        ]
    terms["financed_on"] = financed_on
    return terms, errors


@transaction.atomic
def record_follow_up(*, entry_id: int, user, status: str, note: str = "", **data) -> RecommendationFollowUp:
    """Move the institution's follow-up on an entry: contacted, in review, financed (with its terms) or
    declined (with a reason code). A financing feeds the re-lending ledger when bank, firm and loan qualify,
    as a funded referral does (workflow/ledger.py)."""
    entry, institution = _entry_for_institution(entry_id, user)
    follow_up = (
        RecommendationFollowUp.objects.select_for_update()
        .filter(entry=entry, institution=institution)
        .first()
    )
    if follow_up is None:
        raise Conflict(gettext("Open the entry first."), code="entry_not_opened")
    if status not in FollowUpStatus.values or status == FollowUpStatus.OPENED:
        raise ValidationFailed(
            gettext("The follow-up is not valid."),
            fields={
                "status": [
                    gettext("Must be one of: %(codes)s.")
                    % {"codes": ", ".join(NEXT_FOLLOW_UP[FollowUpStatus.OPENED])}
                ]
            },
        )
    if status not in NEXT_FOLLOW_UP[follow_up.status]:
        raise Conflict(
            gettext("The follow-up is “%(status)s”; it cannot become “%(next)s”.")
            % {"status": follow_up.get_status_display(), "next": FollowUpStatus(status).label},
            code="follow_up_final",
        )
    updates: dict = {}
    if status == FollowUpStatus.FINANCED:
        published = entry.recommendation_list.published_at or timezone.now()
        updates, errors = _financing_terms(data, institution, timezone.localtime(published, SHANGHAI).date())
        if errors:
            raise ValidationFailed(gettext("The financing is not valid."), fields=errors)
    elif status == FollowUpStatus.DECLINED:
        reason = data.get("decline_reason") or ""
        if reason not in DeclineReason.values:
            raise ValidationFailed(
                gettext("The follow-up is not valid."),
                fields={
                    "decline_reason": [
                        gettext("Must be one of: %(codes)s.") % {"codes": ", ".join(DeclineReason.values)}
                    ]
                },
            )
        updates["decline_reason"] = reason
    for name, value in updates.items():
        setattr(follow_up, name, value)
    follow_up.status, follow_up.note = status, (note or follow_up.note).strip()
    follow_up.updated_by, follow_up.updated_at = user, timezone.now()
    follow_up._history_user = user  # type: ignore[attr-defined]
    follow_up.save()
    if status == FollowUpStatus.FINANCED:
        commit_follow_up_support(follow_up=follow_up)
    return follow_up


# --- reminders (called by the deadline sweep) -------------------------------------------------------------


def sweep_follow_ups(*, now: datetime) -> dict[str, int]:
    """Remind an institution a business day before its follow-ups on a published list are due, and tell
    the list's coordinator when they are overdue; each once, whatever the sweeps do meanwhile."""
    fired = {"list_remind": 0, "list_escalate": 0}
    with transaction.atomic():
        due = list(
            RecommendationRecipient.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(recommendation_list__status=ListStatus.PUBLISHED, escalated_at__isnull=True)
            .filter(Q(respond_by__lte=now) | Q(remind_at__lte=now, reminded_at__isnull=True))
            .select_related("recommendation_list")
            .order_by("pk")
        )
        for recipient in due:
            if recipient.respond_by <= now:
                kind, topic, field = "list_escalate", "recommendation.overdue", "escalated_at"
            elif recipient.reminded_at is None and recipient.remind_at <= now:
                kind, topic, field = "list_remind", "recommendation.remind", "reminded_at"
            else:
                continue
            setattr(recipient, field, now)
            recipient.save(update_fields=[field])
            if reads.pending_follow_ups(recipient):
                notify(topic, recipient.recommendation_list, [recipient.institution_id], now)
                fired[kind] += 1
    return fired
