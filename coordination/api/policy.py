"""Policy programmes over the API (DESIGN §10): read by coordinators in scope (and superusers); any other
programme, and every programme for anyone else, is a 404."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from lenders.choices import Instrument
from projects.choices import Stage

from .. import selectors
from ..models import PolicyProgramme
from ..selectors.policy import with_balances
from .base import IdCursor, ReadOnlyViewSet
from .schema import READ_ERRORS


class PolicyProgrammeSerializer(serializers.ModelSerializer):
    region = serializers.CharField(
        source="region.code", read_only=True, allow_null=True, help_text=_("GB/T 2260 code; null: national.")
    )
    instruments = serializers.ListField(child=serializers.ChoiceField(choices=Instrument.choices))
    stages = serializers.ListField(child=serializers.ChoiceField(choices=Stage.choices))
    fields = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    parameters = serializers.DictField(
        help_text=_("The parameters of its kind (DESIGN §10), defaults filled in.")
    )
    published = serializers.BooleanField(source="is_published", read_only=True)
    committed = serializers.DecimalField(
        max_digits=18, decimal_places=2, read_only=True, help_text=_("Committed at funding, not yet paid.")
    )
    paid = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    available = serializers.DecimalField(
        max_digits=18, decimal_places=2, read_only=True, help_text=_("budget − committed − paid")
    )

    class Meta:
        model = PolicyProgramme
        fields = [
            "id",
            "code",
            "version",
            "name",
            "level",
            "region",
            "kind",
            "valid_from",
            "valid_until",
            "budget",
            "instruments",
            "fields",
            "stages",
            "requires_tech_sme",
            "min_credit_score",
            "min_credit_version",
            "first_loan_only",
            "max_amount",
            "parameters",
            "published",
            "published_at",
            "available",
            "committed",
            "paid",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(responses={200: PolicyProgrammeSerializer(many=True), **READ_ERRORS}),
    retrieve=extend_schema(responses={200: PolicyProgrammeSerializer, **READ_ERRORS}),
)
class PolicyProgrammeViewSet(ReadOnlyViewSet):
    """Subsidies, risk pools and re-lending programmes in the caller's scope, every version."""

    queryset = PolicyProgramme.objects.none()
    serializer_class = PolicyProgrammeSerializer
    pagination_class = IdCursor
    filterset_fields = ["kind", "level", "code"]

    def get_queryset(self):
        return with_balances(selectors.programmes_visible_to(self.request.user)).prefetch_related("fields")
