"""/evaluation/ (DESIGN §9, §11): the coordinator's summary evaluation, its tables as CSV and XLSX, and the
printable quarterly report as HTML and PDF. Thin: the figures come from coordination/evaluation, the
scopes a user may read from the selectors; out of scope is a 404."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from ..evaluation.definitions import FUNNEL_DEFINITION
from ..evaluation.indicators import Evaluation, evaluate
from ..evaluation.major_tasks import GAP_CLOSED_DEFINITION
from ..evaluation.outreach import DEFINITION as LIST_DEFINITION
from ..evaluation.outreach import list_outcomes, outcomes_table
from ..evaluation.scope import Filters, last_complete_quarter
from ..evaluation.tables import Table, all_tables
from ..forms.evaluation import EvaluationForm
from ..selectors import coordinator_scope
from ..selectors.evaluation import default_evaluation_scope, evaluation_scope, evaluation_scope_choices
from ..selectors.outreach import lists_coordinated_by
from ..workflow.business_days import SHANGHAI
from . import evaluation_files


@dataclass(frozen=True)
class Query:
    form: EvaluationForm
    evaluation: Evaluation | None
    tables: list[Table]


def _query(request: HttpRequest) -> Query:
    """The evaluation the query string asks for (the last complete quarter of the user's own scope by
    default); a 404 for a non-coordinator or a scope out of theirs."""
    scopes = evaluation_scope_choices(request.user)
    default = default_evaluation_scope(request.user)
    if not scopes or default is None:
        raise Http404
    if "scope" in request.GET:
        data = request.GET
    else:
        quarter = last_complete_quarter(timezone.localdate(timezone=SHANGHAI))
        data = {"scope": default.key, "start": quarter.start.isoformat(), "end": quarter.end.isoformat()}
    form = EvaluationForm(data, scopes=scopes)
    if not form.is_valid():
        return Query(form, None, [])
    scope = evaluation_scope(request.user, form.cleaned_data["scope"])
    if scope is None:
        raise Http404
    filters = Filters(
        field=form.cleaned_data["field"],
        institution_kind=form.cleaned_data["institution_kind"],
        instrument=form.cleaned_data["instrument"],
    )
    evaluation = evaluate(scope, form.period, filters)
    return Query(form, evaluation, all_tables(evaluation))


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    query = _query(request)
    context = {
        "form": query.form,
        "evaluation": query.evaluation,
        "tables": {table.slug: table for table in query.tables},
        "query_string": request.GET.urlencode() if "scope" in request.GET else _default_query(query.form),
        "charts": evaluation_files.chart_data(query.tables) if query.evaluation else None,
        "funnel_definition": FUNNEL_DEFINITION,
        "tasks_definition": GAP_CLOSED_DEFINITION,
    }
    return render(request, "evaluation/dashboard.html", context, status=200 if query.evaluation else 400)


def _default_query(form: EvaluationForm) -> str:
    from django.http import QueryDict

    data = QueryDict(mutable=True)
    data.update({key: str(value) for key, value in form.data.items()})
    return data.urlencode()


def _tables_or_400(request: HttpRequest) -> Query:
    query = _query(request)
    if query.evaluation is None:
        raise Http404  # a download link is always built from a valid query; anything else is not there
    return query


@login_required
@require_GET
def export(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    query = _tables_or_400(request)
    table = next((t for t in query.tables if t.slug == slug), None)
    if table is None:
        raise Http404
    assert query.evaluation is not None
    name = evaluation_files.file_name(query.evaluation, table.slug)
    if fmt == "csv":
        return evaluation_files.csv_response(table, name)
    return evaluation_files.xlsx_response(table, name)


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    query = _tables_or_400(request)
    return render(request, "evaluation/report.html", _report_context(query))


@login_required
@require_GET
def report_pdf(request: HttpRequest) -> HttpResponse:
    query = _tables_or_400(request)
    assert query.evaluation is not None
    html = render(request, "evaluation/report.html", _report_context(query)).content.decode()
    return evaluation_files.pdf_response(html, evaluation_files.file_name(query.evaluation, "report"))


def _report_context(query: Query) -> dict:
    return {
        "evaluation": query.evaluation,
        "tables": {table.slug: table for table in query.tables},
        "generated_at": timezone.localtime(timezone=SHANGHAI),
        "title": _("Summary evaluation report"),
        "funnel_definition": FUNNEL_DEFINITION,
    }


@login_required
@require_GET
def lists(request: HttpRequest, fmt: str = "") -> HttpResponse:
    """Outcomes of the recommendation lists the coordinator coordinates (issue 18): the page, or the table
    as CSV or XLSX. Anyone but a coordinator: 404."""
    if coordinator_scope(request.user) is None:
        raise Http404
    table = outcomes_table(list_outcomes(lists_coordinated_by(request.user)))
    name = f"recommendation-lists-{timezone.localdate(timezone=SHANGHAI):%Y%m%d}"
    if fmt == "csv":
        return evaluation_files.csv_response(table, name)
    if fmt == "xlsx":
        return evaluation_files.xlsx_response(table, name)
    return render(request, "evaluation/lists.html", {"table": table, "definition": LIST_DEFINITION})
