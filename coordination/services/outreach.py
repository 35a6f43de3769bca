"""Use cases of outreach (DESIGN §14): the consent to be recommended, building and publishing a list,
opening an entry (the §1 disclosure) and recording the follow-up, and the reminders the deadline sweep
sends about follow-ups due.

Who may do what: a coordinator builds, publishes and closes the lists it coordinates
(`selectors.lists_coordinated_by`); an institution's people open and follow up the entries of the lists
published to their institution; an enterprise's managers give or withdraw its consent. Out of scope is a
404 (NotFound), whatever the caller tried.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext

from lenders.choices import INSTRUMENTS_BY_KIND
from lenders.models import Institution
from projects.models import Enterprise, MajorTask, Region
from projects.regions import covers

from ..choices import DeadlineKind, DeclineReason, FollowUpStatus, ListStatus, Stage
from ..errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from ..models import (
    DisclosedData,
    Disclosure,
    DisclosureAction,
    RecommendationConsent,
    RecommendationEntry,
    RecommendationFollowUp,
    RecommendationList,
    RecommendationRecipient,
)
from ..selectors import current_coordinator_scope, outreach_criteria, scope_covers_region
from ..selectors import outreach as reads
from ..workflow.business_days import SHANGHAI
from ..workflow.deadlines import stage_due_times
from ..workflow.ledger import commit_follow_up_support
from ..workflow.outbox import enqueue
from .amounts import as_money

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


# --- consent ----------------------------------------------------------------------------------------------


@transaction.atomic
def set_recommendation_consent(*, enterprise_id: int, user, given: bool) -> RecommendationConsent:
    """Give or withdraw the enterprise's consent to be recommended (its managers only). Withdrawing takes
    it off every open list at once; the change is kept in the consent's history (who, when)."""
    enterprise = Enterprise.objects.filter(pk=enterprise_id, members=user.pk).first()
    if enterprise is None:
        raise NotFound()
    if not enterprise.managers.filter(pk=user.pk).exists():
        raise PermissionDenied(gettext("Only the enterprise's managers give or withdraw its consent."))
    consent, _created = RecommendationConsent.objects.select_for_update().get_or_create(enterprise=enterprise)
    now = timezone.now()
    consent.given, consent.changed_by, consent.changed_at = given, user, now
    # simple-history's "who" when no web request carries it.
    consent._history_user = user  # type: ignore[attr-defined]
    consent.save()
    if not given:
        RecommendationEntry.objects.filter(
            enterprise=enterprise,
            withdrawn_at__isnull=True,
            recommendation_list__status__in=reads.OPEN_LIST_STATUSES,
        ).update(withdrawn_at=now)
    return consent


# --- building and publishing ------------------------------------------------------------------------------


def _coordinated_list(list_id: int, user, *, lock: bool = False) -> RecommendationList:
    lists = reads.lists_coordinated_by(user).filter(pk=list_id)
    try:
        found = lists.select_for_update(of=("self",)).first() if lock else lists.first()
    except (ValueError, TypeError):
        found = None
    if found is None:
        raise NotFound()
    return found


def _list_regions(user, *, national: bool, region_codes: Iterable[str]) -> list[Region]:
    """The list's regions, checked against the builder's scope: a national list is a national coordinator's;
    a regional one names regions inside the builder's."""
    scope = current_coordinator_scope(user)
    if scope is None and not user.is_superuser:
        raise NotFound()
    codes = list(dict.fromkeys(region_codes))
    regions = list(Region.objects.filter(code__in=codes))
    errors: dict[str, list[str]] = {}
    if len(regions) != len(codes):
        missing = set(codes) - {r.code for r in regions}
        errors["regions"] = [gettext("Unknown region: %(codes)s.") % {"codes": ", ".join(sorted(missing))}]
    elif national and regions:
        errors["regions"] = [gettext("A national list names no region.")]
    elif national and not (user.is_superuser or (scope is not None and scope.national)):
        errors["national"] = [gettext("Only a national coordinator publishes a national list.")]
    elif not national and not regions:
        errors["regions"] = [gettext("Name the regions of a regional list.")]
    elif scope is not None and not all(scope_covers_region(scope, r) for r in regions):
        errors["regions"] = [gettext("Only regions in your scope.")]
    if errors:
        raise ValidationFailed(gettext("The list is not valid."), fields=errors)
    return regions


def _hand_picked(
    enterprise_ids: Iterable[int], task_codes: Iterable[str], within: list[Region] | None
) -> list[tuple[Enterprise, MajorTask | None, list[dict]]]:
    ids = list(dict.fromkeys(enterprise_ids))
    codes = list(dict.fromkeys(task_codes))
    picked_firms = outreach_criteria.consenting_enterprises().filter(pk__in=ids).select_related("region")
    firms = {f.pk: f for f in picked_firms}
    tasks = {
        t.code: t for t in MajorTask.objects.filter(code__in=codes).select_related("lead_enterprise__region")
    }
    errors: dict[str, list[str]] = {}

    def in_scope(firm: Enterprise) -> bool:
        return within is None or any(covers(region, firm.region) for region in within)

    wrong = [str(i) for i in ids if i not in firms or not in_scope(firms[i])]
    if wrong:
        errors["enterprises"] = [
            gettext("Not a firm in your scope that consents to be recommended: %(ids)s.")
            % {"ids": ", ".join(wrong)}
        ]
    consenting = set(
        outreach_criteria.consenting_enterprises()
        .filter(pk__in=[t.lead_enterprise_id for t in tasks.values()])
        .values_list("pk", flat=True)
    )
    wrong = [
        c
        for c in codes
        if c not in tasks
        or tasks[c].lead_enterprise_id not in consenting
        or not in_scope(tasks[c].lead_enterprise)
    ]
    if wrong:
        errors["major_tasks"] = [
            gettext(
                "Not a major task in your scope whose lead enterprise consents to be recommended: %(codes)s."
            )
            % {"codes": ", ".join(wrong)}
        ]
    if errors:
        raise ValidationFailed(gettext("The list is not valid."), fields=errors)
    picked: list[tuple[Enterprise, MajorTask | None, list[dict]]] = [
        (firms[i], None, [outreach_criteria.HAND_PICKED]) for i in ids
    ]
    picked += [(tasks[c].lead_enterprise, tasks[c], [outreach_criteria.HAND_PICKED]) for c in codes]
    return picked


@transaction.atomic
def build_list(
    *,
    user,
    code: str,
    title: str,
    national: bool = False,
    region_codes: Iterable[str] = (),
    criteria: Mapping | None = None,
    enterprise_ids: Iterable[int] = (),
    major_task_codes: Iterable[str] = (),
    as_of: date | None = None,
) -> RecommendationList:
    """A new draft version of list `code`: from the criteria, or the firms and major tasks picked by hand.
    Only firms whose consent to be recommended is on record are taken."""
    regions = _list_regions(user, national=national, region_codes=region_codes)
    enterprise_ids, major_task_codes = list(enterprise_ids), list(major_task_codes)
    errors: dict[str, list[str]] = {}
    if not code or not code.replace("-", "").replace("_", "").isalnum():
        errors["code"] = [gettext("Letters, digits, hyphens and underscores.")]
    if not title.strip():
        errors["title"] = [gettext("This field is required.")]
    picking = bool(enterprise_ids or major_task_codes)
    if criteria is None and not picking:
        errors["criteria"] = [gettext("Give criteria, or pick firms or major tasks by hand.")]
    elif criteria is not None and picking:
        errors["criteria"] = [gettext("Either criteria or firms picked by hand, not both.")]
    if errors:
        raise ValidationFailed(gettext("The list is not valid."), fields=errors)
    within = None if national else regions
    if criteria is not None:
        parsed = outreach_criteria.parse_criteria(criteria)
        task = MajorTask.objects.filter(code=parsed.major_task).first() if parsed.major_task else None
        rows: list[tuple[Enterprise, MajorTask | None, list[dict]]] = [
            (firm, task, reasons) for firm, reasons in outreach_criteria.candidates(parsed, within=within)
        ]
        stored = parsed.as_stored()
    else:
        rows = _hand_picked(enterprise_ids, major_task_codes, within)
        stored = {}
    last = RecommendationList.objects.filter(code=code).aggregate(last=Max("version"))["last"] or 0
    made = RecommendationList.objects.create(
        code=code,
        version=last + 1,
        title=title.strip(),
        as_of=as_of or timezone.localdate(timezone=SHANGHAI),
        national=national,
        criteria=stored,
        created_by=user,
    )
    made.regions.set(regions)
    RecommendationEntry.objects.bulk_create(
        RecommendationEntry(
            recommendation_list=made, position=i, enterprise=firm, major_task=task, reasons=reasons
        )
        for i, (firm, task, reasons) in enumerate(rows, start=1)
    )
    return made


@transaction.atomic
def publish_list(*, list_id: int, user, institution_ids: Iterable[int]) -> RecommendationList:
    """Publish a draft to the chosen institutions: each receives it with a day its follow-ups are due."""
    recommendation_list = _coordinated_list(list_id, user, lock=True)
    if recommendation_list.status != ListStatus.DRAFT:
        raise Conflict(gettext("Only a draft list is published; make a new version instead."))
    ids = list(dict.fromkeys(institution_ids))
    institutions = list(Institution.objects.filter(pk__in=ids, is_active=True).order_by("pk"))
    if not ids or len(institutions) != len(ids):
        raise ValidationFailed(
            gettext("The publication is not valid."),
            fields={"institutions": [gettext("Name one or more active institutions.")]},
        )
    now = timezone.now()
    region = None if recommendation_list.national else recommendation_list.regions.order_by("code").first()
    due = stage_due_times(Stage.INSTITUTION_REVIEW, region, now)
    RecommendationRecipient.objects.bulk_create(
        RecommendationRecipient(
            recommendation_list=recommendation_list,
            institution=institution,
            published_at=now,
            remind_at=due[DeadlineKind.REMIND],
            respond_by=due[DeadlineKind.ESCALATE],
        )
        for institution in institutions
    )
    recommendation_list.status, recommendation_list.published_at = ListStatus.PUBLISHED, now
    recommendation_list.save(update_fields=["status", "published_at"])
    _tell("recommendation.published", recommendation_list, [i.pk for i in institutions], now)
    return recommendation_list


@transaction.atomic
def close_list(*, list_id: int, user) -> RecommendationList:
    recommendation_list = _coordinated_list(list_id, user, lock=True)
    if recommendation_list.status == ListStatus.CLOSED:
        raise Conflict(gettext("The list is already closed."))
    recommendation_list.status, recommendation_list.closed_at = ListStatus.CLOSED, timezone.now()
    recommendation_list.save(update_fields=["status", "closed_at"])
    return recommendation_list


def _tell(
    topic: str, recommendation_list: RecommendationList, institution_ids: list[int], now: datetime
) -> None:
    enqueue(
        topic=topic,
        request=None,
        payload={
            "list_id": recommendation_list.pk,
            "reference": str(recommendation_list),
            "institution_ids": institution_ids,
            "coordinator_id": recommendation_list.created_by_id,
        },
        now=now,
    )


# --- the institution's side -------------------------------------------------------------------------------


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
                _tell(topic, recipient.recommendation_list, [recipient.institution_id], now)
                fired[kind] += 1
    return fired
