"""The enterprise pages (DESIGN §9): /sme/enterprises/new/ registers one (or asks to join it when its credit
code is taken), /sme/enterprises/<id>/ is its members' page. Views stay thin: selectors read, the services
(coordination/services/enterprise_onboarding.py, enterprise_financials.py) write and hold every rule."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from projects.choices import Industry
from projects.credits.explain import CreditLine, explain_breakdown, explain_percentile, plain
from projects.credits.selectors import ALL_PREFETCHED_ATTR, current_among
from projects.domain.credit_code import check_credit_code
from projects.domain.explanations import Reason, explain_size, explain_tech_sme, size_label
from projects.domain.tech_sme import evaluate_tech_sme
from projects.evaluation import size_class_for_year, tech_sme_input
from projects.models import Enterprise, EnterpriseFinancials, InnovationCreditScore

from .. import selectors
from ..errors import DomainError, ValidationFailed
from ..forms.enterprises import DecisionForm, EnterpriseForm, FinancialsForm, JoinForm
from ..models import EnterpriseJoinRequest
from ..selectors import outreach as reads
from ..services import enterprise_financials, enterprise_onboarding
from ..services.outreach import consent as consent_services

# The service names fields as the API does; the form calls the technology fields `tech_fields`.
FORM_FIELD = {"fields": "tech_fields", "region": "region"}


def _put_errors(form: Form, error: DomainError) -> None:
    """The service's refusal on the form: each named field's reasons on that field, the rest on top."""
    if not error.fields:
        form.add_error(None, str(error.message))
        return
    for name, reasons in error.fields.items():
        target = FORM_FIELD.get(name, name)
        for reason in reasons:
            form.add_error(target if target in form.fields else None, reason)


# --- registering and joining -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    """Register an enterprise. A credit code already registered is not registered again: the page says
    whose it is and offers to ask its managers to let the user join."""
    form = EnterpriseForm(request.POST or None)
    join_form: JoinForm | None = None
    taken: Enterprise | None = None
    if request.method == "POST" and request.POST.get("action") == "join":
        join_form = JoinForm(request.POST)
        if join_form.is_valid():
            try:
                join_request = enterprise_onboarding.request_to_join(
                    user=request.user,
                    credit_code=join_form.cleaned_data["credit_code"],
                    message=join_form.cleaned_data["message"],
                )
            except DomainError as error:
                messages.error(request, str(error.message))
                return redirect("enterprises:new")
            messages.success(
                request,
                _("Your request to join %(name)s was sent to its managers; you will be told their answer.")
                % {"name": join_request.enterprise.name},
            )
            return redirect("enterprises:new")
        form = EnterpriseForm()
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        check = check_credit_code(data["credit_code"])
        taken = selectors.registered_enterprise(check.normalised) if check.valid else None
        if taken is not None:
            join_form = JoinForm(initial={"credit_code": check.normalised})
        else:
            try:
                registration = enterprise_onboarding.register_enterprise(
                    user=request.user,
                    credit_code=data["credit_code"],
                    name=data["name"],
                    region_code=data["region"].code,
                    field_codes=[f.code for f in data["tech_fields"]],
                    founded_on=data["founded_on"],
                    stage=data["stage"],
                    industry=data["industry"],
                    employees=data["employees"],
                    high_tech_certificate_no=data["high_tech_certificate_no"],
                    high_tech_valid_until=data["high_tech_valid_until"],
                    tech_sme_registration_no=data["tech_sme_registration_no"],
                    tech_sme_registration_year=data["tech_sme_registration_year"],
                    specialised_status=data["specialised_status"],
                )
            except DomainError as error:
                _put_errors(form, error)
            else:
                if registration.created:
                    messages.success(
                        request,
                        _("%(name)s is registered; you are its first manager.")
                        % {"name": registration.enterprise.name},
                    )
                    return redirect("enterprises:detail", enterprise_id=registration.enterprise.pk)
                # Registered by someone else a moment ago: the service asked to join it instead.
                messages.info(
                    request,
                    _("%(name)s was registered meanwhile; your request to join was sent to its managers.")
                    % {"name": registration.enterprise.name},
                )
                return redirect("enterprises:new")
    context = {
        "form": form,
        "join_form": join_form,
        "taken": taken,
        "own_requests": list(selectors.own_join_requests(request.user)[:20]),
    }
    return render(request, "enterprises/new.html", context)


@login_required
@require_GET
def credit_code_feedback(request: HttpRequest) -> HttpResponse:
    """The credit code's check as it is typed: a fragment saying what is wrong, that the code is taken
    (and that submitting offers to ask to join; whose it is shows only then), or that it is fine. The
    form's submit checks again."""
    raw = request.GET.get("credit_code", "")
    check = check_credit_code(raw)
    taken = selectors.registered_enterprise(check.normalised) if check.valid else None
    context = {"raw": raw.strip(), "check": check, "taken": taken}
    return render(request, "enterprises/credit_code_feedback.html", context)


# --- the enterprise's page -----------------------------------------------------------------------------


@dataclass
class Evaluation:
    year: int
    reasons: list[Reason]
    total: int
    qualified: bool
    size: str
    size_text: str


@dataclass
class Credit:
    year: int
    model: str
    total: str
    maximum: str  # the version's highest score: 100, or 130 for 2.0 (a 100-point base and up to 30 bonus)
    bonus_cap: str  # "" for a version without bonus items
    groups: list[tuple[str, list[CreditLine]]] = field(default_factory=list)
    percentile_text: str = ""


def _evaluation(enterprise: Enterprise, latest: EnterpriseFinancials | None) -> Evaluation | None:
    if latest is None:
        return None
    latest.enterprise = enterprise  # loaded already: the evaluation reads its certifications
    data = tech_sme_input(enterprise, latest)
    evaluation = evaluate_tech_sme(data)
    industry = enterprise.industry
    return Evaluation(
        year=latest.year,
        reasons=explain_tech_sme(data, evaluation),
        total=evaluation.total,
        qualified=evaluation.qualified,
        size=size_label(size_class_for_year(latest)),
        size_text=explain_size(
            industry=industry,
            industry_label=str(Industry(industry).label) if industry in Industry.values else industry,
            employees=latest.staff,
            revenue=latest.revenue,
        ),
    )


def _credit(scores: list[InnovationCreditScore], version: str | None) -> Credit | None:
    """The current credit, or the current credit under `version` when the reader asks for one, among the
    enterprise's published scores (current first)."""
    score = current_among(scores, version)
    if score is None:
        return None
    groups: dict[str, list[CreditLine]] = {}
    for line in explain_breakdown(score.breakdown):
        groups.setdefault(line.group_label, []).append(line)
    return Credit(
        year=score.year,
        model=score.model.version,
        total=str(score.total),
        maximum=plain(score.model.maximum),
        bonus_cap=plain(score.model.bonus_cap) if score.model.bonus_cap else "",
        groups=list(groups.items()),
        percentile_text=explain_percentile(
            percentile=score.percentile, cohort=score.cohort, cohort_size=score.cohort_size
        ),
    )


def _member_enterprise_or_404(request: HttpRequest, enterprise_id: int) -> Enterprise:
    enterprise = selectors.member_enterprise(request.user, enterprise_id)
    if enterprise is None:
        raise Http404()
    return enterprise


@login_required
@require_GET
def detail(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _member_enterprise_or_404(request, enterprise_id)
    credit_version = request.GET.get("credit_version") or None
    scores = getattr(enterprise, ALL_PREFETCHED_ATTR)  # prefetched, current first
    financials = list(enterprise.financials.all())  # prefetched, latest year first
    is_manager = selectors.manages(request.user, enterprise)
    pending = list(selectors.pending_join_requests(enterprise)) if is_manager else []
    context = {
        "enterprise": enterprise,
        "fields": list(enterprise.fields.all()),
        "financials": financials,
        "evaluation": _evaluation(enterprise, financials[0] if financials else None),
        "credit": _credit(scores, credit_version),
        "credit_version": credit_version,
        # The versions that scored the enterprise, newest published first.
        "credit_versions": [
            model.version
            for model in sorted(
                {score.model for score in scores}, key=lambda m: (m.published_at, m.pk), reverse=True
            )
        ],
        "is_manager": is_manager,
        "people": selectors.enterprise_people(enterprise),
        "consent_given": reads.consent_given(enterprise),
        "recommendation_lists": reads.lists_of_enterprise(enterprise),
        "pending": [
            (join_request, enterprise_onboarding.may_decide(request.user, join_request, manager=is_manager))
            for join_request in pending
        ],
    }
    return render(request, "enterprises/detail.html", context)


def _managed_or_forbidden(request: HttpRequest, enterprise_id: int) -> Enterprise:
    """Members only (others: 404); of them, managers only (others: 403) — the service decides again."""
    enterprise = _member_enterprise_or_404(request, enterprise_id)
    if not selectors.manages(request.user, enterprise):
        raise PageForbidden(_("Only the enterprise's managers keep its yearly financials."))
    return enterprise


@login_required
@require_http_methods(["GET", "POST"])
def financials_add(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    enterprise = _managed_or_forbidden(request, enterprise_id)
    form = FinancialsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            row = enterprise_financials.add_financials(
                user=request.user,
                enterprise_id=enterprise.pk,
                year=form.cleaned_data["year"],
                figures=enterprise_financials.YearFigures(**form.figures()),
            )
        except DomainError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("The %(year)s figures are saved.") % {"year": row.year})
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    return render(request, "enterprises/financials_form.html", {"enterprise": enterprise, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def financials_edit(request: HttpRequest, enterprise_id: int, year: int) -> HttpResponse:
    enterprise = _managed_or_forbidden(request, enterprise_id)
    row = next((r for r in enterprise.financials.all() if r.year == year), None)
    if row is None:
        raise Http404()
    initial = {name: getattr(row, name) for name in FinancialsForm.FIGURES}
    form = FinancialsForm(request.POST or None, initial=initial, fixed_year=year)
    if request.method == "POST" and form.is_valid():
        try:
            enterprise_financials.update_financials(
                user=request.user,
                enterprise_id=enterprise.pk,
                year=year,
                figures=enterprise_financials.YearFigures(**form.figures()),
            )
        except DomainError as error:
            _put_errors(form, error)
        else:
            messages.success(request, _("The %(year)s figures are saved.") % {"year": year})
            return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    context = {"enterprise": enterprise, "form": form, "year": year}
    return render(request, "enterprises/financials_form.html", context)


@login_required
@require_POST
def recommendation_consent(request: HttpRequest, enterprise_id: int) -> HttpResponse:
    """Give or withdraw the consent to be recommended (DESIGN §1, §14), from the enterprise's page."""
    enterprise = _member_enterprise_or_404(request, enterprise_id)
    if not selectors.manages(request.user, enterprise):
        raise PageForbidden(_("Only the enterprise's managers give or withdraw its consent."))
    given = request.POST.get("given") == "true"
    consent_services.set_recommendation_consent(enterprise_id=enterprise.pk, user=request.user, given=given)
    if given:
        messages.success(request, _("Your enterprise may now be recommended to financial institutions."))
    else:
        messages.success(
            request, _("Consent withdrawn: your enterprise has left every open recommendation list.")
        )
    return redirect(reverse("enterprises:detail", args=[enterprise.pk]) + "#recommendation")


@login_required
@require_POST
def decide(request: HttpRequest, enterprise_id: int, join_request_id: int) -> HttpResponse:
    """Approve or refuse a request to join, from the enterprise's page."""
    enterprise = _member_enterprise_or_404(request, enterprise_id)
    join_request = (
        selectors.join_requests_visible_to(request.user)
        .filter(pk=join_request_id, enterprise=enterprise)
        .first()
    )
    if join_request is None:
        raise Http404()
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to approve or to refuse."))
        return redirect("enterprises:detail", enterprise_id=enterprise.pk)
    approve = form.cleaned_data["decision"] == "approve"
    try:
        decided = enterprise_onboarding.decide_join_request(
            user=request.user,
            join_request_id=join_request.pk,
            approve=approve,
            reason=form.cleaned_data["reason"],
        )
    except ValidationFailed as error:
        messages.error(request, "; ".join(r for reasons in error.fields.values() for r in reasons))
    except DomainError as error:
        if error.status_code == 404:
            raise Http404() from error
        messages.error(request, str(error.message))
    else:
        name = decided.user.get_username()
        if decided.status == EnterpriseJoinRequest.Status.APPROVED:
            messages.success(request, _("%(name)s is now a member.") % {"name": name})
        else:
            messages.info(request, _("The request of %(name)s was refused.") % {"name": name})
    return redirect("enterprises:detail", enterprise_id=enterprise.pk)
