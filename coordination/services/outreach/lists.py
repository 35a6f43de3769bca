"""Building, publishing and closing a recommendation list (DESIGN §14): a coordinator's, within its scope."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext

from lenders.models import Institution
from projects.models import Enterprise, MajorTask, Region
from projects.regions import covers

from ...choices import DeadlineKind, ListStatus, Stage
from ...errors import Conflict, NotFound, ValidationFailed
from ...models import RecommendationEntry, RecommendationList, RecommendationRecipient
from ...selectors import current_coordinator_scope, outreach_criteria, scope_covers_region
from ...selectors import outreach as reads
from ...workflow.business_days import SHANGHAI
from ...workflow.deadlines import stage_due_times
from ...workflow.outbox import enqueue


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
    notify("recommendation.published", recommendation_list, [i.pk for i in institutions], now)
    return recommendation_list


@transaction.atomic
def close_list(*, list_id: int, user) -> RecommendationList:
    recommendation_list = _coordinated_list(list_id, user, lock=True)
    if recommendation_list.status == ListStatus.CLOSED:
        raise Conflict(gettext("The list is already closed."))
    recommendation_list.status, recommendation_list.closed_at = ListStatus.CLOSED, timezone.now()
    recommendation_list.save(update_fields=["status", "closed_at"])
    return recommendation_list


def notify(
    topic: str, recommendation_list: RecommendationList, institution_ids: list[int], now: datetime
) -> None:
    """The outbox message about a list: published, follow-ups due soon, follow-ups overdue."""
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
