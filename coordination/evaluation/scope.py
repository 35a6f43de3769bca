"""What an evaluation covers: a period of days (Asia/Shanghai), a scope of regions, and filters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from projects.models import Enterprise, Region
from projects.regions import code_prefix, covered_q

from ..workflow.business_days import SHANGHAI

NATIONAL = "national"
PILOT_ZONES = "pilot_zones"
CENTRE_PREFIX = "centre:"


@dataclass(frozen=True)
class Period:
    """From `start` to `end`, both days included."""

    start: date
    end: date

    @classmethod
    def from_strings(cls, start: str, end: str) -> Period:
        return cls(date.fromisoformat(start), date.fromisoformat(end))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before: as many whole months when the period is whole months
        (a quarter's previous period is the quarter before, which the monthly snapshots hold), else as
        many days."""
        end = self.start - timedelta(days=1)
        months = self.months()
        if months:
            start = self.start
            for _ in months:
                start = (start - timedelta(days=1)).replace(day=1)
            return Period(start, end)
        return Period(end - timedelta(days=self.days - 1), end)

    def bounds(self) -> tuple[datetime, datetime]:
        """The instants [from, to) that the days span in Asia/Shanghai."""
        return (
            datetime.combine(self.start, time.min, tzinfo=SHANGHAI),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=SHANGHAI),
        )

    def months(self) -> list[date] | None:
        """The first days of the calendar months it spans, when it spans whole months only."""
        if self.start.day != 1 or (self.end + timedelta(days=1)).day != 1:
            return None
        months, month = [], self.start
        while month <= self.end:
            months.append(month)
            month = next_month(month)
        return months


def next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_period(month: date) -> Period:
    return Period(month, next_month(month) - timedelta(days=1))


class ScopeKind(StrEnum):
    NATIONAL = NATIONAL
    REGION = "region"
    INNOVATION_CENTRE = "innovation_centre"
    PILOT_ZONES = PILOT_ZONES


@dataclass(frozen=True)
class Scope:
    """National, a region with its sub-regions, an international innovation centre (the regions flagged
    with it and theirs) or the S&T finance pilot zones (likewise)."""

    kind: ScopeKind
    region: Region | None = None
    centre: str = ""

    @property
    def key(self) -> str:
        """How the scope is written in URLs: national, a GB/T 2260 code, centre:<name> or pilot_zones."""
        if self.kind is ScopeKind.REGION and self.region is not None:
            return self.region.code
        if self.kind is ScopeKind.INNOVATION_CENTRE:
            return CENTRE_PREFIX + self.centre
        return str(self.kind)

    @property
    def label(self) -> str:
        if self.kind is ScopeKind.REGION and self.region is not None:
            return self.region.name
        if self.kind is ScopeKind.INNOVATION_CENTRE:
            from projects.choices import InnovationCenter

            return str(InnovationCenter(self.centre).label)
        if self.kind is ScopeKind.PILOT_ZONES:
            return str(_("S&T finance pilot zones"))
        return str(_("National"))

    @property
    def large(self) -> bool:
        """Large enough to add up the monthly snapshots rather than read the requests (a province or more)."""
        if self.kind is ScopeKind.REGION and self.region is not None:
            return self.region.code.endswith("0000")
        return True

    def anchor_regions(self) -> list[Region]:
        """The regions whose sub-regions make the scope ([] for national)."""
        if self.kind is ScopeKind.REGION and self.region is not None:
            return [self.region]
        if self.kind is ScopeKind.INNOVATION_CENTRE:
            return list(Region.objects.filter(innovation_center=self.centre))
        if self.kind is ScopeKind.PILOT_ZONES:
            return list(Region.objects.filter(pilot_zone=True))
        return []

    def region_q(self, code_field: str) -> Q:
        """Rows whose `code_field` (a path to a region code) lies in the scope."""
        if self.kind is ScopeKind.NATIONAL:
            return Q()
        return covered_q(code_field, self.anchor_regions())

    def covers_code(self, code: str) -> bool:
        if self.kind is ScopeKind.NATIONAL:
            return True
        return any(code.startswith(code_prefix(region)) for region in self.anchor_regions())


@dataclass(frozen=True)
class Filters:
    """Optional narrowing by technology field (with its sub-fields), institution kind and instrument."""

    field: str = ""
    institution_kind: str = ""
    instrument: str = ""

    @property
    def any(self) -> bool:
        return bool(self.field or self.institution_kind or self.instrument)

    def enterprise_q(self, enterprise_field: str) -> Q:
        """Rows whose enterprise (at `enterprise_field`, e.g. "request__enterprise") has the field."""
        if not self.field:
            return Q()
        with_field = Enterprise.fields.through.objects.filter(
            Q(techfield__code=self.field) | Q(techfield__parent__code=self.field),
            enterprise_id=OuterRef(f"{enterprise_field}_id" if enterprise_field else "pk"),
        )
        return Q(Exists(with_field))

    def tranche_q(self, prefix: str = "") -> Q:
        """Tranches (at `prefix`) of the instrument, paid by an institution of the kind."""
        query = Q()
        if self.instrument:
            query &= Q(**{f"{prefix}instrument": self.instrument})
        if self.institution_kind:
            query &= Q(**{f"{prefix}accepted_offer__referral__institution__kind": self.institution_kind})
        return query


def quarter_period(year: int, quarter: int) -> Period:
    start = date(year, 3 * quarter - 2, 1)
    return Period(start, next_month(next_month(next_month(start))) - timedelta(days=1))


def last_complete_quarter(today: date) -> Period:
    """The calendar quarter before the one `today` falls in: what a quarterly report covers."""
    quarter = (today.month - 1) // 3 + 1
    year, quarter = (today.year - 1, 4) if quarter == 1 else (today.year, quarter - 1)
    return quarter_period(year, quarter)


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
# Longer periods are refused rather than read: the previous period doubles what is read.
MAX_PERIOD_DAYS = 3 * 366


def period_errors(start: date, end: date) -> dict[str, str]:
    """What is wrong with a period, by its end ("start" or "end"); empty when it may be evaluated."""
    errors: dict[str, str] = {}
    for name, day in (("start", start), ("end", end)):
        if not FIRST_DAY <= day <= LAST_DAY:
            errors[name] = str(
                _("Must be between %(first)s and %(last)s.") % {"first": FIRST_DAY, "last": LAST_DAY}
            )
    if errors:
        return errors
    if end < start:
        errors["end"] = str(_("Must not be before the first day."))
    elif (end - start).days > MAX_PERIOD_DAYS:
        errors["start"] = str(_("The period may span at most three years."))
    return errors
