from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from ...evaluation.indicators import evaluate
from ...evaluation.scope import Filters, Period
from ...selectors.evaluation import evaluation_scope
from .. import serializers as s
from ..schema import READ_ERRORS


def _number(value):
    """Counts stay integers; yuan, shares, rates and days become JSON numbers."""
    return value if value is None or isinstance(value, int) else float(value)


@extend_schema(
    parameters=[s.EvaluationQuerySerializer],
    responses={200: s.EvaluationSerializer, **READ_ERRORS},
    description=(
        "The summary evaluation (DESIGN §11) of a scope over a period: every indicator with its contract "
        "code, label, definition, value and the value over the period of the same length just before. "
        "Coordinators only: a national coordinator may ask for `national` or any region, a regional one "
        "for its regions and their sub-regions; anything else is not found."
    ),
)
class EvaluationView(APIView):
    def get(self, request):
        query = s.EvaluationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        scope = evaluation_scope(request.user, params["scope"])
        if scope is None:
            raise NotFound()
        evaluation = evaluate(
            scope,
            Period(params["from"], params["to"]),
            Filters(
                field=params.get("field", ""),
                institution_kind=params.get("institution_kind", ""),
                instrument=params.get("instrument", ""),
            ),
        )
        indicators = [
            {
                "code": v.code,
                "label": str(v.indicator.label),
                "definition": str(v.indicator.definition),
                "value": _number(v.value),
                "previous": _number(v.previous),
            }
            for v in evaluation.values
        ]
        return Response(s.EvaluationSerializer({"indicators": indicators}).data)
