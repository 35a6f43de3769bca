"""/evaluation/major-tasks/ (DESIGN §14): each major task's financing for the coordinators who follow it —
requested, offered, accepted and funded by instrument and institution, the remaining gap month by month —
and its packages: drafted here, proposed to the task's lead enterprise. Thin: scoping by the selectors,
figures from coordination/evaluation, writes by the package services; out of scope is a 404."""

import re
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from lenders.models import Institution
from projects.models import MajorTask

from .. import selectors
from ..errors import DomainError
from ..evaluation.major_tasks import DEFINITIONS, gap_closed_of, task_financing
from ..evaluation.scope import Period
from ..forms.packages import PACKAGE_TRANCHE_PREFIX, PackageForm, PackageTrancheFormSet
from ..services import packages as package_services
from ..workflow import engine
from ..workflow.business_days import SHANGHAI

TRANCHE_FIELD = re.compile(r"^tranches\[(\d+)\]\.(\w+)$")


def _today() -> date:
    return timezone.localdate(timezone=SHANGHAI)


def _tasks(request: HttpRequest):
    if selectors.coordinator_scope(request.user) is None:
        raise Http404
    return selectors.financing_tasks_visible_to(request.user)


def _task(request: HttpRequest, task_id: int) -> MajorTask:
    return get_object_or_404(_tasks(request).select_related("lead_enterprise", "field"), pk=task_id)


@login_required
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    rows = gap_closed_of(_tasks(request), Period(date(2000, 1, 1), _today()))
    return render(request, "evaluation/major_tasks.html", {"rows": rows})


def _chart(financing) -> dict:
    """What evaluation-charts.js draws for the remaining gap: months and the gap at each one's end, 万元."""
    return {
        "gap": {
            "title": _("Remaining financing gap (万元)"),
            "kind": "line",
            "items": [
                [point.month.strftime("%Y-%m"), float(point.remaining / 10000)]
                for point in financing.timeline
            ],
        }
    }


@login_required
@require_GET
def task_detail(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    financing = task_financing(task, today=_today())
    packages = list(
        selectors.package_details(
            selectors.packages_visible_to(request.user).filter(major_task=task), events=True
        )
    )
    viewer = selectors.PackageViewer.of(request.user)
    context = {
        "task": task,
        "financing": financing,
        "definitions": DEFINITIONS,
        "charts": _chart(financing),
        "packages": [
            (package, engine.available_actions(package, request.user, roles=viewer.roles_on(package)))
            for package in packages
        ],
    }
    return render(request, "evaluation/major_task.html", context)


def _put_errors(error: DomainError, form: PackageForm, tranches, filled) -> None:
    """The service's errors on the fields they name (`tranches[i].field` on the i-th filled row)."""
    for key, problems in error.fields.items():
        match = TRANCHE_FIELD.match(key)
        if match and int(match.group(1)) < len(filled):
            row = filled[int(match.group(1))]
            field = match.group(2)
            for problem in problems:
                row.add_error(field if field in row.fields else None, str(problem))
        elif key in form.fields:
            for problem in problems:
                form.add_error(key, str(problem))
        else:
            for problem in problems:
                form.add_error(None, str(problem))
    if not error.fields:
        form.add_error(None, str(error.message))


@login_required
@require_http_methods(["GET", "POST"])
def package_new(request: HttpRequest, task_id: int) -> HttpResponse:
    task = _task(request, task_id)
    institutions = [
        (i.pk, f"{i.name} ({i.get_kind_display()})")
        for i in Institution.objects.filter(is_active=True).order_by("name")
    ]
    data = request.POST if request.method == "POST" else None
    form = PackageForm(data)
    tranches = PackageTrancheFormSet(
        data, prefix=PACKAGE_TRANCHE_PREFIX, form_kwargs={"institutions": institutions}
    )
    if request.method == "POST" and form.is_valid() and tranches.is_valid():
        filled = [row for row in tranches.forms if row.has_changed() and row.cleaned_data]
        try:
            package = package_services.create_package(
                user=request.user,
                major_task_id=task.pk,
                purpose=form.cleaned_data["purpose"],
                tranches=[
                    package_services.PackageTrancheInput(
                        row.cleaned_data["instrument"],
                        row.cleaned_data["amount"],
                        row.cleaned_data["term_months"],
                        list(row.cleaned_data["institutions"]),
                    )
                    for row in filled
                ],
            )
        except DomainError as error:
            _put_errors(error, form, tranches, filled)
        else:
            messages.success(request, _("Package %(id)s drafted.") % {"id": package.pk})
            return redirect("evaluation:major-task", task_id=task.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "evaluation/package_new.html",
        {"task": task, "form": form, "tranches": tranches},
        status=status,
    )


@login_required
@require_POST
def package_propose(request: HttpRequest, package_id: int) -> HttpResponse:
    package = get_object_or_404(selectors.packages_visible_to(request.user), pk=package_id)
    try:
        package_services.propose_package(user=request.user, package_id=package.pk)
    except DomainError as error:
        messages.error(request, str(error.message))
    else:
        messages.success(request, _("The package is proposed to the task's lead enterprise."))
    return redirect("evaluation:major-task", task_id=package.major_task_id)
