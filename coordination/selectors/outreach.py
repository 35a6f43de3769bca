"""Reads for recommendation lists (DESIGN §14): an enterprise's consent and lists, the entries' reasons in
words, who sees which list, entry and follow-up, and the teaser an institution reads until it opens an
entry (the §1 rule). The criteria and the firms they draw are in `outreach_criteria`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.translation import gettext

from lenders.models import Institution
from projects.choices import Stage
from projects.credits.selectors import (
    current_credit_prefetch,
    prefetched_current_credit,
    prefetched_current_credit_band,
)
from projects.evaluation import latest_financials
from projects.models import Enterprise, Region, TechField
from projects.regions import covered_q

from ..choices import FollowUpStatus, ListStatus, label_of
from ..models import (
    RecommendationConsent,
    RecommendationEntry,
    RecommendationFollowUp,
    RecommendationList,
    RecommendationRecipient,
)
from .institution import province_of, size_class_of, tech_sme_status
from .scoping import User, coordinator_scope
from .viewer import Viewer

VISIBLE_TO_INSTITUTIONS = (ListStatus.PUBLISHED, ListStatus.CLOSED)
OPEN_LIST_STATUSES = (ListStatus.DRAFT, ListStatus.PUBLISHED)
FINAL_FOLLOW_UPS = (FollowUpStatus.FINANCED, FollowUpStatus.DECLINED)


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
