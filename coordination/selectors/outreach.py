"""Reads for recommendation lists (DESIGN §14): the criteria and the firms they draw, who sees which list,
entry and follow-up, and the teaser an institution reads until it opens an entry (the §1 rule)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from lenders.models import Institution
from projects.choices import Stage
from projects.credits.choices import ModelStatus
from projects.credits.selectors import (
    current_credit_of,
    current_credit_prefetch,
    prefetched_current_credit,
    prefetched_current_credit_band,
)
from projects.evaluation import latest_financials
from projects.models import CreditModel, Enterprise, InnovationCreditScore, MajorTask, Region, TechField
from projects.regions import covered_q

from ..choices import FollowUpStatus, ListStatus, label_of
from ..errors import ValidationFailed
from ..models import (
    RecommendationConsent,
    RecommendationEntry,
    RecommendationFollowUp,
    RecommendationList,
    RecommendationRecipient,
)
from .institution import province_of, size_class_of, tech_sme_status
from .scoping import User, Viewer, coordinator_scope

VISIBLE_TO_INSTITUTIONS = (ListStatus.PUBLISHED, ListStatus.CLOSED)
OPEN_LIST_STATUSES = (ListStatus.DRAFT, ListStatus.PUBLISHED)
FINAL_FOLLOW_UPS = (FollowUpStatus.FINANCED, FollowUpStatus.DECLINED)
MAX_ENTRIES = 500


# --- criteria ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Criteria:
    """What draws a firm onto a list. Every part narrows; an empty part does not restrict."""

    min_credit: Decimal | None = None
    credit_version: str = ""  # the model version the minimum and the percentile are on; "" = current credit
    min_percentile: Decimal | None = None
    tech_sme: bool = False
    fields: tuple[str, ...] = ()  # field codes; a root field covers its branches
    hard_tech: bool = False
    stages: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()  # GB/T 2260 codes
    major_task: str = ""  # a major task's code: its lead enterprise and participants
    limit: int = 100  # the top firms by credit

    def as_stored(self) -> dict:
        return {
            "min_credit": None if self.min_credit is None else str(self.min_credit),
            "credit_version": self.credit_version,
            "min_percentile": None if self.min_percentile is None else str(self.min_percentile),
            "tech_sme": self.tech_sme,
            "fields": list(self.fields),
            "hard_tech": self.hard_tech,
            "stages": list(self.stages),
            "regions": list(self.regions),
            "major_task": self.major_task,
            "limit": self.limit,
        }


CRITERIA_KEYS = frozenset(Criteria().as_stored())


def _decimal(value, low: Decimal, high: Decimal) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() and low <= number <= high else None


def _codes(value) -> list[str] | None:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        return None
    return [v.strip() for v in value if v.strip()]


def parse_criteria(data: Mapping) -> Criteria:
    """The criteria from a coordinator's input, or ValidationFailed naming each wrong field
    (`criteria.<name>`) and why. Codes are checked against the reference data."""
    errors: dict[str, list[str]] = {}

    def wrong(name: str, message: str) -> None:
        errors.setdefault(f"criteria.{name}", []).append(message)

    if not isinstance(data, Mapping):
        raise ValidationFailed(
            gettext("The criteria are not valid."), fields={"criteria": [gettext("Must be an object.")]}
        )
    for name in sorted(set(data) - CRITERIA_KEYS):
        wrong(name, gettext("Unknown criterion."))
    values: dict = {}
    for name, high in (("min_credit", Decimal(130)), ("min_percentile", Decimal(100))):
        if data.get(name) not in (None, ""):
            values[name] = _decimal(data[name], Decimal(0), high)
            if values[name] is None:
                wrong(name, gettext("A number from 0 to %(high)s.") % {"high": high})
    version = str(data.get("credit_version") or "").strip()
    if version and not CreditModel.objects.filter(version=version, status=ModelStatus.PUBLISHED).exists():
        wrong("credit_version", gettext("No published innovation-credit model has this version."))
    if values.get("min_credit") is not None and not version:
        wrong("credit_version", gettext("Name the model version the minimum is on."))
    for name in ("tech_sme", "hard_tech"):
        if not isinstance(data.get(name, False), bool):
            wrong(name, gettext("Must be true or false."))
    lists: dict[str, list[str]] = {}
    for name in ("fields", "stages", "regions"):
        codes = _codes(data.get(name) or [])
        if codes is None:
            wrong(name, gettext("A list of codes."))
        lists[name] = codes or []
    unknown = set(lists["fields"]) - set(
        TechField.objects.filter(code__in=lists["fields"]).values_list("code", flat=True)
    )
    if unknown:
        wrong("fields", gettext("Unknown field: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
    unknown = set(lists["stages"]) - set(Stage.values)
    if unknown:
        wrong("stages", gettext("Unknown stage: %(stages)s.") % {"stages": ", ".join(sorted(unknown))})
    unknown = set(lists["regions"]) - set(
        Region.objects.filter(code__in=lists["regions"]).values_list("code", flat=True)
    )
    if unknown:
        wrong("regions", gettext("Unknown region: %(codes)s.") % {"codes": ", ".join(sorted(unknown))})
    task = str(data.get("major_task") or "").strip()
    if task and not MajorTask.objects.filter(code=task).exists():
        wrong("major_task", gettext("No major task has this code."))
    limit = data.get("limit", Criteria.limit)
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_ENTRIES:
        wrong("limit", gettext("A whole number from 1 to %(max)s.") % {"max": MAX_ENTRIES})
    if errors:
        raise ValidationFailed(gettext("The criteria are not valid."), fields=errors)
    return Criteria(
        min_credit=values.get("min_credit"),
        credit_version=version,
        min_percentile=values.get("min_percentile"),
        tech_sme=bool(data.get("tech_sme", False)),
        fields=tuple(lists["fields"]),
        hard_tech=bool(data.get("hard_tech", False)),
        stages=tuple(lists["stages"]),
        regions=tuple(lists["regions"]),
        major_task=task,
        limit=limit,
    )


def _score_under(version: str) -> QuerySet[InnovationCreditScore]:
    """The enterprise's latest-year score under `version` (DESIGN §5: a threshold that names a version
    compares that version's score), or its current credit when no version is named."""
    if not version:
        return current_credit_of(OuterRef("pk"))
    return InnovationCreditScore.objects.filter(
        enterprise_id=OuterRef("pk"), model__version=version, model__status=ModelStatus.PUBLISHED
    ).order_by("-year")


def consent_given(enterprise: Enterprise) -> bool:
    """Whether the enterprise's consent to be recommended is on record (no query when the enterprise was
    loaded with `select_related("recommendation_consent")`)."""
    try:
        return enterprise.recommendation_consent.given
    except RecommendationConsent.DoesNotExist:
        return False


def lists_of_enterprise(enterprise: Enterprise) -> QuerySet[RecommendationList]:
    """The published lists the enterprise is on (and has not left): what its own page shows its members."""
    on_list = RecommendationEntry.objects.filter(
        recommendation_list_id=OuterRef("pk"), enterprise=enterprise, withdrawn_at__isnull=True
    )
    return RecommendationList.objects.filter(Exists(on_list), status__in=VISIBLE_TO_INSTITUTIONS)


def consenting_enterprises() -> QuerySet[Enterprise]:
    """Firms whose consent to be recommended is on record: no other firm is ever put on a list."""
    return Enterprise.objects.filter(recommendation_consent__given=True)


def candidates(criteria: Criteria, *, within: list[Region] | None) -> list[tuple[Enterprise, list[dict]]]:
    """The consenting firms the criteria draw, best credit first, each with its reasons; `within` is the
    coordinator's regions (None: national)."""
    score = _score_under(criteria.credit_version)
    firms = consenting_enterprises().annotate(
        listed_credit=Subquery(score.values("total")[:1]),
        listed_percentile=Subquery(score.values("percentile")[:1]),
    )
    if within is not None:
        firms = firms.filter(covered_q("region__code", within))
    if criteria.min_credit is not None:
        firms = firms.filter(listed_credit__gte=criteria.min_credit)
    if criteria.min_percentile is not None:
        firms = firms.filter(listed_percentile__gte=criteria.min_percentile)
    if criteria.tech_sme:
        firms = firms.exclude(tech_sme_registration_no="")
    if criteria.fields:
        in_fields = TechField.objects.filter(
            Q(code__in=criteria.fields) | Q(parent__code__in=criteria.fields), enterprises=OuterRef("pk")
        )
        firms = firms.filter(Exists(in_fields))
    if criteria.hard_tech:
        hard = TechField.objects.filter(
            Q(hard_tech=True) | Q(parent__hard_tech=True), enterprises=OuterRef("pk")
        )
        firms = firms.filter(Exists(hard))
    if criteria.stages:
        firms = firms.filter(stage__in=criteria.stages)
    if criteria.regions:
        firms = firms.filter(covered_q("region__code", criteria.regions))
    if criteria.major_task:
        task = MajorTask.objects.filter(code=criteria.major_task)
        firms = firms.filter(Q(led_tasks__in=task) | Q(participating_tasks__in=task)).distinct()
    rows = firms.order_by("-listed_credit", "pk")[: criteria.limit]
    return [(firm, criteria_reasons(criteria, firm)) for firm in rows]


def criteria_reasons(criteria: Criteria, firm: Enterprise) -> list[dict]:
    """Why `firm` is on the list, as stored on its entry: the criteria it met, never a figure of its own
    (the teaser shows the reasons before the entry is opened)."""
    reasons: list[dict] = []
    if criteria.min_credit is not None:
        reasons.append(
            {"code": "credit", "min": str(criteria.min_credit), "version": criteria.credit_version}
        )
    if criteria.min_percentile is not None:
        reasons.append({"code": "percentile", "min": str(criteria.min_percentile)})
    if criteria.tech_sme:
        reasons.append({"code": "tech_sme"})
    if criteria.fields:
        reasons.append({"code": "fields", "fields": list(criteria.fields)})
    if criteria.hard_tech:
        reasons.append({"code": "hard_tech"})
    if criteria.stages:
        reasons.append({"code": "stage", "stage": firm.stage})
    if criteria.regions:
        reasons.append({"code": "regions", "regions": list(criteria.regions)})
    if criteria.major_task:
        reasons.append({"code": "major_task", "task": criteria.major_task})
    return reasons or [{"code": "all_consenting"}]


HAND_PICKED = {"code": "hand_picked"}


ReasonNames = dict[tuple[str, str], str]


def reason_names(entries: Iterable[RecommendationEntry]) -> ReasonNames:
    """The names of the fields and regions the entries' reasons cite, read once for a page (two queries)."""
    codes: dict[str, set[str]] = {"fields": set(), "regions": set()}
    for entry in entries:
        for reason in entry.reasons:
            if reason.get("code") in codes:
                codes[reason["code"]].update(reason.get(reason["code"], []))
    names: ReasonNames = {}
    for kind, model in (("fields", TechField), ("regions", Region)):
        if codes[kind]:
            rows = model.objects.filter(code__in=codes[kind]).values_list("code", "name")
            names.update({(kind, code): name for code, name in rows})
    return names


def reason_text(reason: Mapping, names: ReasonNames) -> str:
    """One stored reason in the reader's language (`names` from `reason_names`)."""
    code = reason.get("code")
    if code == "credit":
        return gettext("Innovation credit at least %(min)s on model %(version)s") % reason
    if code == "percentile":
        return gettext("In the top of its cohort: percentile at least %(min)s") % reason
    if code == "tech_sme":
        return gettext("Registered tech-SME")
    if code == "fields":
        fields = [names.get(("fields", c), c) for c in reason.get("fields", [])]
        return gettext("Field: %(fields)s") % {"fields": "、".join(fields)}
    if code == "hard_tech":
        return gettext("Hard-tech field")
    if code == "stage":
        return gettext("Stage: %(stage)s") % {"stage": label_of(Stage, reason.get("stage", ""))}
    if code == "regions":
        regions = [names.get(("regions", c), c) for c in reason.get("regions", [])]
        return gettext("Region: %(regions)s") % {"regions": "、".join(regions)}
    if code == "major_task":
        return gettext("Takes part in major task %(task)s") % reason
    if code == "hand_picked":
        return gettext("Picked by the coordinator")
    return gettext("Consents to be recommended")


# --- scoping ----------------------------------------------------------------------------------------------


def lists_coordinated_by(user: User) -> QuerySet[RecommendationList]:
    """The lists a coordinator builds and publishes: every list for a national scope (and superusers); the
    regional lists whose every region lies in a regional coordinator's regions."""
    lists = RecommendationList.objects.all()
    if not user.is_authenticated:
        return lists.none()
    if user.is_superuser:
        return lists
    scope = coordinator_scope(user)
    if scope is None:
        return lists.none()
    if scope.national:
        return lists
    outside = RecommendationList.regions.through.objects.filter(recommendationlist_id=OuterRef("pk")).exclude(
        covered_q("region__code", scope.regions.all())
    )
    inside = RecommendationList.regions.through.objects.filter(recommendationlist_id=OuterRef("pk"))
    return lists.filter(Exists(inside), national=False).exclude(Exists(outside))


def recipient_institution_ids(user: User) -> list[int]:
    """The institutions through which `user` reads lists: none for a coordinator (who never acts as one)."""
    if not user.is_authenticated or coordinator_scope(user) is not None:
        return []
    return list(user.institutions.values_list("pk", flat=True))


def lists_visible_to(user: User) -> QuerySet[RecommendationList]:
    """Coordinators: the lists they coordinate; an institution's people: the lists published to it; a firm's
    members: the published lists it is on (and has not left)."""
    if not user.is_authenticated:
        return RecommendationList.objects.none()
    coordinated = lists_coordinated_by(user)
    if user.is_superuser or coordinator_scope(user) is not None:
        return coordinated
    published = RecommendationList.objects.filter(status__in=VISIBLE_TO_INSTITUTIONS)
    to_institution = RecommendationRecipient.objects.filter(
        recommendation_list_id=OuterRef("pk"), institution_id__in=recipient_institution_ids(user)
    )
    on_list = RecommendationEntry.objects.filter(
        recommendation_list_id=OuterRef("pk"), withdrawn_at__isnull=True, enterprise__members=user
    )
    return published.filter(Exists(to_institution) | Exists(on_list))


ENTRY_PREFETCH = (
    "enterprise__fields",
    "enterprise__financials",
    current_credit_prefetch("enterprise__credit_scores"),
)


def entries_visible_to(user: User, recommendation_list: RecommendationList) -> QuerySet[RecommendationEntry]:
    """The list's entries `user` reads (the list itself already in their scope): a coordinator every entry,
    withdrawn ones included; an institution the entries still on the list; a firm its own."""
    entries = recommendation_list.entries.select_related(
        "enterprise__region__parent__parent", "major_task"
    ).prefetch_related(*ENTRY_PREFETCH)
    if user.is_superuser or coordinator_scope(user) is not None:
        return entries
    active = entries.filter(withdrawn_at__isnull=True)
    if (
        recipient_institution_ids(user)
        and recommendation_list.recipients.filter(institution_id__in=recipient_institution_ids(user)).exists()
    ):
        return active
    return active.filter(enterprise__members=user.pk)


def follow_ups_visible_to(user: User) -> QuerySet[RecommendationFollowUp]:
    """Coordinators: the follow-ups on the lists they coordinate; an institution's people: their own
    institution's only (never a rival's); a firm: none (the outcome is the institution's record)."""
    follow_ups = RecommendationFollowUp.objects.select_related("institution", "entry__recommendation_list")
    if not user.is_authenticated:
        return follow_ups.none()
    if user.is_superuser or coordinator_scope(user) is not None:
        return follow_ups.filter(entry__recommendation_list__in=lists_coordinated_by(user))
    return follow_ups.filter(institution_id__in=recipient_institution_ids(user))


def own_follow_up(user: User, entry: RecommendationEntry) -> RecommendationFollowUp | None:
    """The follow-up of the user's institution on the entry, once it has opened it."""
    return (
        RecommendationFollowUp.objects.filter(entry=entry, institution_id__in=recipient_institution_ids(user))
        .order_by("institution_id")
        .first()
    )


def receiving_institution(user: User, recommendation_list: RecommendationList) -> Institution | None:
    """The institution of `user` the list was published to (the first, for a member of several)."""
    return (
        Institution.objects.filter(
            pk__in=recipient_institution_ids(user),
            recommendation_recipients__recommendation_list=recommendation_list,
        )
        .order_by("pk")
        .first()
    )


# --- what an entry shows ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryTeaser:
    """An entry as an institution reads it before opening it: the referral teaser's facts (DESIGN §1)."""

    province_code: str
    province: str
    fields: list[tuple[str, str]]
    stage: str
    size_class: str | None
    innovation_credit_band: str | None
    tech_sme_status: str
    major_task_level: str | None
    reasons: list[str]

    @property
    def field_codes(self) -> list[str]:
        return [code for code, _name in self.fields]


def entry_teaser(entry: RecommendationEntry, names: ReasonNames) -> EntryTeaser:
    firm = entry.enterprise
    province = province_of(firm.region)
    return EntryTeaser(
        province_code=province.code,
        province=province.name,
        fields=[(f.code, f.name) for f in firm.fields.all()],
        stage=firm.stage,
        size_class=size_class_of(firm),
        innovation_credit_band=prefetched_current_credit_band(firm),
        tech_sme_status=tech_sme_status(firm),
        major_task_level=entry.major_task.level if entry.major_task else None,
        reasons=[reason_text(r, names) for r in entry.reasons],
    )


@dataclass(frozen=True)
class EntryProfile:
    """What opening an entry discloses: the firm's name, credit code, credit and latest financials."""

    enterprise_id: int
    name: str
    credit_code: str
    region: str
    innovation_credit: Decimal | None
    credit_version: str | None
    percentile: Decimal | None
    financial_year: int | None
    revenue: Decimal | None
    total_assets: Decimal | None
    rnd_expense: Decimal | None
    staff: int | None
    major_task: str | None


def entry_profile(entry: RecommendationEntry) -> EntryProfile:
    firm = entry.enterprise
    credit = prefetched_current_credit(firm)
    latest = latest_financials(firm)
    return EntryProfile(
        enterprise_id=firm.pk,
        name=firm.name,
        credit_code=firm.credit_code,
        region=firm.region.name,
        innovation_credit=credit.total if credit else None,
        credit_version=credit.model.version if credit else None,
        percentile=credit.percentile if credit else None,
        financial_year=latest.year if latest else None,
        revenue=latest.revenue if latest else None,
        total_assets=latest.total_assets if latest else None,
        rnd_expense=latest.rnd_expense if latest else None,
        staff=latest.staff if latest else None,
        major_task=str(entry.major_task) if entry.major_task else None,
    )


def sees_entry_teaser_only(
    viewer: Viewer, entry: RecommendationEntry, follow_up: RecommendationFollowUp | None
) -> bool:
    """The one rule for entries (as `sees_teaser_only` for referrals): an institution's people read the
    teaser until their institution opens the entry; coordinators and the firm's own members read it whole."""
    return (
        follow_up is None
        and viewer.scope is None
        and not viewer.user.is_superuser
        and entry.enterprise_id not in viewer.enterprise_ids
    )


def pending_follow_ups(recipient: RecommendationRecipient) -> int:
    """Entries still on the list on which the recipient has no final follow-up (financed or declined)."""
    done = RecommendationFollowUp.objects.filter(
        entry_id=OuterRef("pk"), institution_id=recipient.institution_id, status__in=FINAL_FOLLOW_UPS
    )
    return (
        RecommendationEntry.objects.filter(
            recommendation_list_id=recipient.recommendation_list_id, withdrawn_at__isnull=True
        )
        .exclude(Exists(done))
        .count()
    )
