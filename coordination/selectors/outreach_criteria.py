"""Which firms a recommendation list's criteria draw (DESIGN §14): the criteria as validated, the
consenting firms they select, best credit first, and the reasons stored on each entry."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext

from projects.choices import Stage
from projects.credits.choices import ModelStatus
from projects.credits.selectors import (
    current_credit_of,
)
from projects.models import CreditModel, Enterprise, InnovationCreditScore, MajorTask, Region, TechField
from projects.regions import covered_q

from ..errors import ValidationFailed

MAX_ENTRIES = 500


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
