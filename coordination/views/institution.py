"""The institution's pages (DESIGN §9): the referral queue at /institution/ and a referral's page.

Only the members of an institution reach them (anyone else, coordinators included: 404); a referral of
another institution is a 404 too. A referral its institution has not opened shows the anonymised teaser
only (`selectors.sees_teaser_only`, the rule the API applies); opening it reveals the applicant and is
logged for the applicant. The buttons are the engine's `available_actions`; the writes, the services'.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from lenders.choices import Instrument
from projects.choices import Stage
from projects.credits.selectors import prefetched_current_credit
from projects.domain.size_class import SizeClass
from projects.evaluation import evaluate_year, size_class_for_year

from .. import selectors
from ..choices import TechSmeStatus
from ..errors import DomainError, NotFound, ValidationFailed
from ..forms.institution import (
    AskForm,
    DeclineForm,
    DefaultForm,
    FundingForm,
    OfferForm,
    QueueFilterForm,
    offer_form_for,
)
from ..models import Referral
from ..services import approvals
from ..services import documents as document_services
from ..services import loss_claims as claim_services
from ..services import referrals as referral_services
from ..workflow import engine
from ..workflow.business_days import SHANGHAI, BusinessCalendar

PAGE_SIZE = 50

SIZE_CLASS_LABELS = {
    SizeClass.LARGE: _("Large"),
    SizeClass.MEDIUM: _("Medium"),
    SizeClass.SMALL: _("Small"),
    SizeClass.MICRO: _("Micro"),
    SizeClass.NOT_CLASSIFIED: _("Not classified"),
}


def _member_viewer(request: HttpRequest) -> selectors.Viewer:
    """The caller as an institution's member; anyone else does not see these pages exist (404)."""
    viewer = selectors.Viewer.of(request.user)
    if viewer.scope is not None or not viewer.institution_ids:
        raise Http404
    return viewer


@dataclass
class TeaserView:
    """The teaser's values with their labels, for the templates."""

    teaser: selectors.Teaser

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
    def instruments(self) -> str:
        return ", ".join(str(Instrument(i).label) for i in self.teaser.instruments if i in Instrument.values)

    @property
    def tech_sme_status(self):
        return TechSmeStatus(self.teaser.tech_sme_status).label

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


def _calendar(today: date, dues: list[date]) -> BusinessCalendar:
    """One calendar (one query) for every row's deadline on the page."""
    return BusinessCalendar(min([today, *dues]), max([today, *dues]))


def _days_left(calendar: BusinessCalendar, today: date, due_at: datetime | None) -> int | None:
    if due_at is None:
        return None
    return calendar.count_business_days(today, timezone.localtime(due_at, SHANGHAI).date())


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    viewer = _member_viewer(request)
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
    calendar = _calendar(today, [timezone.localtime(r.due_at, SHANGHAI).date() for r in rows if r.due_at])
    queue_rows = [
        QueueRow(
            referral=referral,
            teaser=TeaserView(selectors.referral_teaser(referral)),
            teaser_only=selectors.sees_teaser_only(viewer, referral),
            due_at=referral.due_at,
            business_days_left=_days_left(calendar, today, referral.due_at),
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


# --- one referral ---------------------------------------------------------------------------------


def _referral(request: HttpRequest, pk: int) -> Referral:
    referrals = selectors.with_teaser_data(selectors.institution_referrals(request.user)).select_related(
        "request__major_task", "tranche__accepted_offer"
    )
    return get_object_or_404(referrals, pk=pk)


def _detail(
    request: HttpRequest,
    viewer: selectors.Viewer,
    referral: Referral,
    bound: dict | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    teaser_only = selectors.sees_teaser_only(viewer, referral)
    actions = engine.available_actions(referral, user, viewer)
    bound = bound or {}
    for form in bound.values():
        form.mark_errors()
    now = timezone.now()
    today = timezone.localtime(now, SHANGHAI).date()
    due_at = (
        selectors.referral_queue(user, now=now)
        .filter(pk=referral.pk)
        .values_list("due_at", flat=True)
        .first()
    )
    due_days = [timezone.localtime(due_at, SHANGHAI).date()] if due_at else []
    context: dict = {
        "referral": referral,
        "teaser": TeaserView(selectors.referral_teaser(referral)),
        "teaser_only": teaser_only,
        "actions": actions,
        "due_at": due_at,
        "business_days_left": (left := _days_left(_calendar(today, due_days), today, due_at)),
        "business_days_past": -left if left is not None and left < 0 else 0,
        "ask_form": bound.get("ask") or AskForm(),
        "decline_form": bound.get("decline") or DeclineForm(),
        "offer_form": bound.get("offer") or offer_form_for(referral.tranche.instrument),
        "funding_form": bound.get("funding") or FundingForm(),
    }
    if not teaser_only:
        enterprise = referral.request.enterprise
        years = sorted(enterprise.financials.all(), key=lambda row: row.year, reverse=True)
        evaluations = []
        for row in years:
            row.enterprise = enterprise
            evaluations.append(
                {
                    "financials": row,
                    "tech_sme": evaluate_year(row),
                    "size_class": SIZE_CLASS_LABELS[size_class_for_year(row)],
                }
            )
        offers = list(referral.offers.all())
        for offer in offers:
            offer.referral, offer.request = referral, referral.request
            offer.actions = engine.available_actions(offer, user, viewer)
        tranche = referral.tranche
        own_accepted = (
            tranche.accepted_offer is not None and tranche.accepted_offer.referral_id == referral.pk
        )
        covered = own_accepted and selectors.claimable_tranches(user).filter(pk=tranche.pk).exists()
        pools = [(p.pk, p.name) for p in selectors.risk_pools_on(tranche.pk)] if covered else []
        context.update(
            can_report_default=covered,
            default_form=bound.get("default") or DefaultForm(pools=pools),
            claims=list(selectors.claims_visible_to(user).filter(tranche=tranche).select_related("programme"))
            if own_accepted
            else [],
            enterprise=enterprise,
            evaluations=evaluations,
            credit=prefetched_current_credit(enterprise),
            documents=list(referral.request.documents.all()),
            offers=offers,
            can_record_funding=own_accepted
            and tranche.funded_on is None
            and "record_funding" in engine.available_actions(referral.request, user, viewer),
        )
    return render(request, "institution/referral.html", context, status=status)


@login_required
def referral_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member_viewer(request)
    return _detail(request, viewer, _referral(request, pk))


def _attach(form, error: ValidationFailed) -> None:
    """The service's errors on the fields they name (the forms name theirs like the services' arguments,
    an offer's terms by their key)."""
    for path, problems in error.fields.items():
        name = path.rpartition(".")[2]  # "terms.stake": the form's `stake`
        form.add_error(name if name in form.fields else None, problems)
    if not error.fields:
        form.add_error(None, str(error.message))


def _run(request: HttpRequest, viewer, referral: Referral, action, *, form=None, key: str = "", done=""):
    """Run a service call for the page: back to the referral on success or on a refusal (with its message);
    the page again with the form's errors when the service names a field (400)."""
    try:
        action()
    except NotFound:
        raise Http404 from None
    except ValidationFailed as error:
        if form is not None:
            _attach(form, error)
            return _detail(request, viewer, referral, {key: form}, status=400)
        messages.error(request, str(error.message))
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, done)
    return redirect("institution:referral", pk=referral.pk)


@login_required
@require_POST
def open_referral(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    return _run(
        request,
        viewer,
        referral,
        lambda: referral_services.open_referral(referral_id=referral.pk, user=request.user),
        done=_(
            "Referral opened: the applicant's profile is shown below, and the applicant sees that you did."
        ),
    )


@login_required
@require_POST
def ask(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    form = AskForm(request.POST)
    if not form.is_valid():
        return _detail(request, viewer, referral, {"ask": form}, status=400)
    return _run(
        request,
        viewer,
        referral,
        lambda: referral_services.request_referral_info(
            referral_id=referral.pk, user=request.user, reason=form.cleaned_data["question"]
        ),
        form=form,
        key="ask",
        done=_("Your question was sent to the applicant."),
    )


@login_required
@require_POST
def offer(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    form: OfferForm = offer_form_for(referral.tranche.instrument, request.POST)
    if not form.is_valid():
        return _detail(request, viewer, referral, {"offer": form}, status=400)
    return _run(
        request,
        viewer,
        referral,
        lambda: referral_services.make_offer(
            referral_id=referral.pk, user=request.user, **form.offer_arguments()
        ),
        form=form,
        key="offer",
        done=_("Your offer was sent to the applicant."),
    )


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _detail(request, viewer, referral, {"decline": form}, status=400)
    return _run(
        request,
        viewer,
        referral,
        lambda: referral_services.decline_referral(
            referral_id=referral.pk,
            user=request.user,
            reason_code=form.cleaned_data["reason_code"],
            note=form.cleaned_data["note"],
        ),
        form=form,
        key="decline",
        done=_("Referral declined."),
    )


@login_required
@require_POST
def record_funding(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    form = FundingForm(request.POST)
    if not form.is_valid():
        return _detail(request, viewer, referral, {"funding": form}, status=400)
    return _run(
        request,
        viewer,
        referral,
        lambda: approvals.record_funding(
            request_id=referral.request_id,
            user=request.user,
            tranche_id=referral.tranche_id,
            **form.funding_arguments(),
        ),
        form=form,
        key="funding",
        done=_("Funding recorded."),
    )


@login_required
@require_POST
def report_default(request: HttpRequest, pk: int) -> HttpResponse:
    """A default on the referral's funded tranche, when a risk pool covers it (DESIGN §10)."""
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    pools = [(p.pk, p.name) for p in selectors.risk_pools_on(referral.tranche_id)]
    form = DefaultForm(request.POST, pools=pools)
    if not form.is_valid():
        return _detail(request, viewer, referral, {"default": form}, status=400)
    return _run(
        request,
        viewer,
        referral,
        lambda: claim_services.report_default(
            tranche_id=referral.tranche_id, user=request.user, **form.report_arguments()
        ),
        form=form,
        key="default",
        done=_("Default reported: the claim on the risk pool awaits a coordinator's approval."),
    )


@login_required
def claims(request: HttpRequest) -> HttpResponse:
    """The institution's loss claims, newest first, with their status (DESIGN §10)."""
    viewer = _member_viewer(request)
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


@login_required
@require_POST
def withdraw_offer(request: HttpRequest, pk: int, offer_id: int) -> HttpResponse:
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    offer = get_object_or_404(referral.offers, pk=offer_id)
    return _run(
        request,
        viewer,
        referral,
        lambda: referral_services.withdraw_offer(offer_id=offer.pk, user=request.user),
        done=_("Offer withdrawn."),
    )


@login_required
def download(request: HttpRequest, pk: int, document_id: int) -> FileResponse:
    """A document of an opened referral's request; logged in the applicant's disclosure log."""
    viewer = _member_viewer(request)
    referral = _referral(request, pk)
    if selectors.sees_teaser_only(viewer, referral):
        raise Http404
    try:
        document = document_services.document_for_download(
            request_id=referral.request_id, document_id=document_id, user=request.user
        )
    except NotFound:
        raise Http404 from None
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
