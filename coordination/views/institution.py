"""The institution's pages (DESIGN §9): the referral queue at /institution/ and its loss claims; what the
institution's pages share (who may see them, the teaser's labels, the business-day countdown).

Only the members of an institution reach them (anyone else, coordinators included: 404). A referral's own
page and its actions are in `institution_referral`.
"""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument
from projects.choices import Stage
from projects.domain.size_class import SizeClass

from .. import selectors
from ..choices import TechSmeStatus
from ..forms.institution import QueueFilterForm
from ..models import Referral
from ..workflow.business_days import SHANGHAI, BusinessCalendar

PAGE_SIZE = 50

SIZE_CLASS_LABELS = {
    SizeClass.LARGE: _("Large"),
    SizeClass.MEDIUM: _("Medium"),
    SizeClass.SMALL: _("Small"),
    SizeClass.MICRO: _("Micro"),
    SizeClass.NOT_CLASSIFIED: _("Not classified"),
}


def member_viewer(request: HttpRequest) -> selectors.Viewer:
    """The caller as an institution's member; anyone else does not see these pages exist (404)."""
    viewer = selectors.Viewer.of(request.user)
    if viewer.scope is not None or not viewer.institution_ids:
        raise Http404
    return viewer


class TeaserLabels:
    """A teaser's facts as the templates label them; for any `teaser` with fields, stage, size class and
    tech-SME status (a referral's, or a recommendation list entry's)."""

    teaser: Any

    @property
    def fields(self) -> str:
        return ", ".join(name for _code, name in self.teaser.fields) or "—"

    @property
    def stage(self) -> str:
        return Stage(self.teaser.stage).label if self.teaser.stage in Stage.values else self.teaser.stage

    @property
    def size_class(self):
        return (
            SIZE_CLASS_LABELS.get(SizeClass(self.teaser.size_class), "—") if self.teaser.size_class else "—"
        )

    @property
    def tech_sme_status(self):
        return TechSmeStatus(self.teaser.tech_sme_status).label


@dataclass
class TeaserView(TeaserLabels):
    """A referral's teaser with its labels, for the templates."""

    teaser: selectors.Teaser

    @property
    def instruments(self) -> str:
        return ", ".join(str(Instrument(i).label) for i in self.teaser.instruments if i in Instrument.values)

    def __getattr__(self, name):
        return getattr(self.teaser, name)


@dataclass
class QueueRow:
    referral: Referral
    teaser: TeaserView
    teaser_only: bool
    due_at: datetime | None
    business_days_left: int | None
    overdue: bool

    @property
    def business_days_past(self) -> int:
        return -self.business_days_left if self.business_days_left and self.business_days_left < 0 else 0


def deadline_calendar(today: date, dues: list[date]) -> BusinessCalendar:
    """One calendar (one query) for every row's deadline on the page."""
    return BusinessCalendar(min([today, *dues]), max([today, *dues]))


def days_left(calendar: BusinessCalendar, today: date, due_at: datetime | None) -> int | None:
    if due_at is None:
        return None
    return calendar.count_business_days(today, timezone.localtime(due_at, SHANGHAI).date())


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    viewer = member_viewer(request)
    now = timezone.now()
    referrals = selectors.referral_queue(request.user, now=now)
    filters = QueueFilterForm(request.GET)
    if filters.is_valid():
        data = filters.cleaned_data
        if data["status"]:
            referrals = referrals.filter(status=data["status"])
        if data["instrument"]:
            referrals = referrals.filter(tranche__instrument=data["instrument"])
        if data["q"]:
            referrals = referrals.filter(request__reference__icontains=data["q"])
    page = Paginator(selectors.with_teaser_data(referrals), PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localtime(now, SHANGHAI).date()
    rows = list(page.object_list)
    dues = [timezone.localtime(r.due_at, SHANGHAI).date() for r in rows if r.due_at]
    calendar = deadline_calendar(today, dues)
    queue_rows = [
        QueueRow(
            referral=referral,
            teaser=TeaserView(selectors.referral_teaser(referral)),
            teaser_only=selectors.sees_teaser_only(viewer, referral),
            due_at=referral.due_at,
            business_days_left=days_left(calendar, today, referral.due_at),
            overdue=bool(referral.is_overdue),
        )
        for referral in rows
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "institution/queue.html",
        {"rows": queue_rows, "page": page, "filters": filters, "query": query.urlencode()},
    )


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    """The institution's loss claims, newest first, with their status (DESIGN §10)."""
    viewer = member_viewer(request)
    rows = (
        selectors.claims_visible_to(request.user)
        .select_related("request", "tranche", "programme")
        .order_by("-created_at", "-id")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    referral_ids = dict(
        Referral.objects.filter(
            tranche__in=[claim.tranche_id for claim in page],
            institution_id__in=viewer.institution_ids,
        ).values_list("tranche_id", "pk")
    )
    for claim in page:
        claim.referral_id = referral_ids.get(claim.tranche_id)
    return render(request, "institution/claims.html", {"page": page})
