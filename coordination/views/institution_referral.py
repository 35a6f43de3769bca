"""A referral's page for its institution (DESIGN §9) at /institution/referrals/<pk>/, and its actions.

A referral of another institution is a 404. A referral its institution has not opened shows the
anonymised teaser only (`selectors.sees_teaser_only`, the rule the API applies); opening it reveals the
applicant and is logged for the applicant. The buttons are the engine's `available_actions`; the writes,
the services'.
"""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from projects.credits.selectors import prefetched_current_credit
from projects.evaluation import evaluate_year, size_class_for_year

from .. import selectors
from ..errors import DomainError, NotFound, ValidationFailed
from ..forms.institution import (
    AskForm,
    DeclineForm,
    DefaultForm,
    FundingForm,
    offer_form_for,
)
from ..models import Referral
from ..services import approvals
from ..services import documents as document_services
from ..services import loss_claims as claim_services
from ..services import referrals as referral_services
from ..workflow import engine
from ..workflow.business_days import SHANGHAI
from .institution import SIZE_CLASS_LABELS, TeaserView, days_left, deadline_calendar, member_viewer


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
        "business_days_left": (left := days_left(deadline_calendar(today, due_days), today, due_at)),
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
    viewer = member_viewer(request)
    return _detail(request, viewer, _referral(request, pk))


def attach_errors(form, error: ValidationFailed) -> None:
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
            attach_errors(form, error)
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
    viewer = member_viewer(request)
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


def _form_action(
    key: str,
    make_form: Callable[[Referral, QueryDict], forms.Form],
    call: Callable[[HttpRequest, Referral, forms.Form], object],
    done: Promise,
):
    """A POST view for one of the referral page's forms (`key` names it in the page's context): an invalid
    form shows the page again with its errors (400); a valid one goes to the service through `_run`."""

    @login_required
    @require_POST
    def view(request: HttpRequest, pk: int) -> HttpResponse:
        viewer = member_viewer(request)
        referral = _referral(request, pk)
        form = make_form(referral, request.POST)
        if not form.is_valid():
            return _detail(request, viewer, referral, {key: form}, status=400)
        return _run(
            request, viewer, referral, lambda: call(request, referral, form), form=form, key=key, done=done
        )

    return view


ask = _form_action(
    "ask",
    lambda referral, data: AskForm(data),
    lambda request, referral, form: referral_services.request_referral_info(
        referral_id=referral.pk, user=request.user, reason=form.cleaned_data["question"]
    ),
    done=_("Your question was sent to the applicant."),
)

offer = _form_action(
    "offer",
    lambda referral, data: offer_form_for(referral.tranche.instrument, data),
    lambda request, referral, form: referral_services.make_offer(
        referral_id=referral.pk, user=request.user, **form.offer_arguments()
    ),
    done=_("Your offer was sent to the applicant."),
)

decline = _form_action(
    "decline",
    lambda referral, data: DeclineForm(data),
    lambda request, referral, form: referral_services.decline_referral(
        referral_id=referral.pk,
        user=request.user,
        reason_code=form.cleaned_data["reason_code"],
        note=form.cleaned_data["note"],
    ),
    done=_("Referral declined."),
)

record_funding = _form_action(
    "funding",
    lambda referral, data: FundingForm(data),
    lambda request, referral, form: approvals.record_funding(
        request_id=referral.request_id,
        user=request.user,
        tranche_id=referral.tranche_id,
        **form.funding_arguments(),
    ),
    done=_("Funding recorded."),
)

# A default on the referral's funded tranche, when a risk pool covers it (DESIGN §10).
report_default = _form_action(
    "default",
    lambda referral, data: DefaultForm(
        data, pools=[(p.pk, p.name) for p in selectors.risk_pools_on(referral.tranche_id)]
    ),
    lambda request, referral, form: claim_services.report_default(
        tranche_id=referral.tranche_id, user=request.user, **form.report_arguments()
    ),
    done=_("Default reported: the claim on the risk pool awaits a coordinator's approval."),
)


@login_required
@require_POST
def withdraw_offer(request: HttpRequest, pk: int, offer_id: int) -> HttpResponse:
    viewer = member_viewer(request)
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
    viewer = member_viewer(request)
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
