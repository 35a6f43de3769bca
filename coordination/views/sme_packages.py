"""/sme/packages/<id>/ (DESIGN §14): a package a coordinator proposed to the major task's lead enterprise,
as its managers read it — the tranches, the invited institutions — and their answer: confirm (the package is
filed and submitted as the enterprise's request, with the documents screening needs) or decline with a
reason. Only the lead enterprise's managers see it: anybody else, a 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from .. import selectors
from ..errors import DomainError
from ..forms.packages import ConfirmPackageForm, DeclinePackageForm
from ..models import FinancingPackage
from ..services import filing
from ..services import packages as package_services
from ..workflow import engine
from .forms import add_domain_error


def _package(request: HttpRequest, package_id: int) -> FinancingPackage:
    return get_object_or_404(selectors.lead_enterprise_packages(request.user), pk=package_id)


def _render(request, package, confirm, decline, status=200) -> HttpResponse:
    context = {
        "package": package,
        "actions": engine.available_actions(package, request.user),
        "confirm_form": confirm,
        "decline_form": decline,
    }
    return render(request, "sme/package.html", context, status=status)


@login_required
@require_GET
def package_detail(request: HttpRequest, package_id: int) -> HttpResponse:
    package = _package(request, package_id)
    return _render(request, package, ConfirmPackageForm(), DeclinePackageForm())


@login_required
@require_POST
def package_confirm(request: HttpRequest, package_id: int) -> HttpResponse:
    package = _package(request, package_id)
    form = ConfirmPackageForm(request.POST, request.FILES)
    if form.is_valid():
        documents = [filing.DocumentInput(name, kind, upload) for name, kind, upload in form.documents()]
        try:
            confirmed = package_services.confirm_package(
                user=request.user, package_id=package.pk, documents=documents
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            assert confirmed.request is not None  # a confirmed package is filed as a request
            messages.success(
                request,
                _("The package is submitted as your request %(reference)s.")
                % {"reference": confirmed.request.reference},
            )
            return redirect("sme:request", reference=confirmed.request.reference)
    return _render(request, _package(request, package_id), form, DeclinePackageForm(), status=400)


@login_required
@require_POST
def package_decline(request: HttpRequest, package_id: int) -> HttpResponse:
    package = _package(request, package_id)
    form = DeclinePackageForm(request.POST)
    if form.is_valid():
        try:
            package_services.decline_package(
                user=request.user, package_id=package.pk, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(request, _("You declined the package."))
            return redirect("sme:package", package_id=package.pk)
    return _render(request, package, ConfirmPackageForm(), form, status=400)
