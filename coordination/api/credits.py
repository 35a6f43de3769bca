"""Innovation credits as the API shows them: an enterprise's current credit and the scores list."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from projects.credits.selectors import prefetched_current_credit
from projects.models import Enterprise, InnovationCreditScore

from .. import selectors
from .base import IdCursor, ReadOnlyViewSet
from .schema import READ_ERRORS


def latest_credit_for(enterprise: Enterprise) -> dict | None:
    """The enterprise's current innovation credit (projects.credits.selectors), from the page's prefetch."""
    score = prefetched_current_credit(enterprise)
    if score is None:
        return None
    return {
        "year": score.year,
        "model": score.model.version,
        "total": str(score.total),
        "maximum": str(score.model.maximum),
        "bonus": str(score.bonus),
        "percentile": str(score.percentile) if score.percentile is not None else None,
        "cohort": score.cohort,
        "cohort_size": score.cohort_size,
    }


class InnovationCreditSerializer(serializers.ModelSerializer):
    model = serializers.CharField(source="model.version", read_only=True)

    class Meta:
        model = InnovationCreditScore
        fields = [
            "id",
            "enterprise",
            "model",
            "year",
            "stage",
            "cohort",
            "total",
            "tech_innovation",
            "growth_operations",
            "auxiliary",
            "groups",
            "bonus",
            "percentile",
            "cohort_size",
            "breakdown",
            "computed_at",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(responses={200: InnovationCreditSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: InnovationCreditSerializer, **READ_ERRORS}),
)
class InnovationCreditViewSet(ReadOnlyViewSet):
    """Yearly innovation-credit scores of the enterprises the caller may see, under every published model
    version (`model__version` picks one)."""

    queryset = InnovationCreditScore.objects.none()
    serializer_class = InnovationCreditSerializer
    pagination_class = IdCursor
    filterset_fields = ["enterprise", "year", "stage", "model__version"]

    def get_queryset(self):
        enterprises = selectors.enterprises_visible_to(self.request.user).values("pk")
        return InnovationCreditScore.objects.filter(enterprise__in=enterprises).select_related("model")
