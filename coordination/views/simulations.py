"""/policies/simulations/ (DESIGN §10 "Incremental policy"): a coordinator starts a replay of a programme
with changed terms over a past window, follows its progress (htmx every 2 s; a reload without JS) and reads
or exports the result beside the version's figures. Thin: the scope and the run are the services'; out of
scope is a 404."""

import io
from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from projects.choices import Stage
from projects.domain.size_class import SIZE_LABELS, SizeClass

from .. import selectors
from ..choices import SimulationStatus, label_of
from ..errors import NotFound, ValidationFailed
from ..models import PolicyProgramme, PolicySimulation
from ..policies.simulation import BREAKDOWNS
from ..services import simulations
from .evaluation_files import XLSX
from .forms import add_domain_error
from .simulation_forms import SimulationForm

MEASURES = ("deals", "fundings", "enterprises", "expected", "committed", "refused")


def _coordinator(request: HttpRequest) -> None:
    if not (request.user.is_superuser or selectors.coordinator_scope(request.user)):
        raise Http404


def _programme(request: HttpRequest, programme_id: int) -> PolicyProgramme:
    _coordinator(request)
    programme = selectors.programmes_visible_to(request.user).filter(pk=programme_id).first()
    if programme is None:
        raise Http404
    return programme


def _simulation(request: HttpRequest, simulation_id: int) -> PolicySimulation:
    _coordinator(request)
    try:
        return simulations.simulation_of(request.user, simulation_id)
    except NotFound as error:
        raise Http404 from error


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    _coordinator(request)
    context = {
        "programmes": selectors.programmes_visible_to(request.user).filter(published_at__isnull=False),
        "simulations": simulations.simulations_visible_to(request.user),
    }
    return render(request, "policies/simulations.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = _programme(request, programme_id)
    form = SimulationForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            simulation = simulations.start_simulation(
                user=request.user,
                programme_id=programme.pk,
                window_from=form.cleaned_data["window_from"],
                window_until=form.cleaned_data["window_until"],
                changes=form.changes(),
            )
        except ValidationFailed as error:
            error.fields = {
                key.replace("parameters.", "parameter_"): messages for key, messages in error.fields.items()
            }
            add_domain_error(form, error)
        else:
            return redirect("simulations:detail", simulation_id=simulation.pk)
    status = 400 if form.is_bound else 200
    return render(
        request, "policies/simulation_start.html", {"programme": programme, "form": form}, status=status
    )


@dataclass(frozen=True)
class Row:
    label: str
    current: dict
    changed: dict


def _label(breakdown: str, key: str) -> str:
    if not key:
        return _("Not classified")
    if breakdown == "stage":
        return str(label_of(Stage, key))
    if breakdown == "size":
        return str(SIZE_LABELS[SizeClass(key)])
    return key


def tables(result: dict) -> list[tuple[str, str, list[Row]]]:
    """The result as (slug, title, rows): the totals, then one table per breakdown, each key with the
    version's figures and the changed copy's."""
    empty = dict.fromkeys(MEASURES, 0)
    current, changed = result["current"], result["changed"]
    titles = {"field": _("By field"), "stage": _("By stage"), "size": _("By size class")}
    found = [("totals", _("Totals"), [Row(_("All"), current["totals"], changed["totals"])])]
    for name in BREAKDOWNS:
        keys = sorted(set(current[name]) | set(changed[name]))
        rows = [
            Row(_label(name, key), current[name].get(key, empty), changed[name].get(key, empty))
            for key in keys
        ]
        found.append((name, titles[name], rows))
    return found


@login_required
@require_GET
def detail(request: HttpRequest, simulation_id: int) -> HttpResponse:
    simulation = _simulation(request, simulation_id)
    done = simulation.status == SimulationStatus.DONE
    context = {
        "simulation": simulation,
        "running": simulation.status in (SimulationStatus.QUEUED, SimulationStatus.RUNNING),
        "tables": tables(simulation.result) if done else [],
    }
    template = "policies/simulation_progress.html" if request.headers.get("HX-Request") else None
    return render(request, template or "policies/simulation.html", context)


def _headers() -> list[str]:
    names = [
        _("deals"),
        _("fundings"),
        _("enterprises"),
        _("expected cost"),
        _("committed cost"),
        _("fundings the budget refused"),
    ]
    return (
        [_("Group")]
        + [f"{name} ({_('current')})" for name in names]
        + [f"{name} ({_('changed')})" for name in names]
    )


def _numbers(figures: dict) -> list:
    # A result stored before the budget applied has no `refused`: none was counted.
    return [float(figures[m]) if m in ("expected", "committed") else figures.get(m, 0) for m in MEASURES]


@login_required
@require_GET
def export(request: HttpRequest, simulation_id: int) -> HttpResponse:
    from openpyxl import Workbook

    simulation = _simulation(request, simulation_id)
    if simulation.status != SimulationStatus.DONE:
        raise Http404
    workbook = Workbook()
    workbook.remove(workbook.active)
    for slug, _title, rows in tables(simulation.result):
        sheet = workbook.create_sheet(slug)
        sheet.append(_headers())
        for row in rows:
            sheet.append([row.label, *_numbers(row.current), *_numbers(row.changed)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="simulation-{simulation.pk}.xlsx"'
    return response
