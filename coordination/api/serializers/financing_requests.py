from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import MoneyField
from lenders.choices import Instrument

from ...choices import DocumentKind
from ...models import (
    FinancingRequest,
    RequestDocument,
    Tranche,
    TransitionEvent,
)
from .actions import MAX_TRANCHES, AvailableActionsMixin, ReasonSerializer


class TrancheSerializer(serializers.ModelSerializer):
    position = serializers.IntegerField(
        read_only=True, min_value=1, max_value=MAX_TRANCHES, help_text=_("1 for the first tranche, 2, …")
    )

    class Meta:
        model = Tranche
        fields = ["id", "position", "instrument", "amount", "accepted_offer", "funded_amount", "funded_on"]


class TrancheInputSerializer(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    amount = MoneyField()


class FinancingRequestSerializer(AvailableActionsMixin, serializers.ModelSerializer):
    tranches = TrancheSerializer(many=True, read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    region = serializers.CharField(source="enterprise.region.code", read_only=True)

    class Meta:
        model = FinancingRequest
        fields = [
            "id",
            "reference",
            "status",
            "enterprise",
            "enterprise_name",
            "region",
            "major_task",
            "purpose",
            "amount",
            "currency",
            "term_months",
            "needed_by",
            "tranches",
            "escalated",
            "needs_rerouting",
            "overdue",
            "info_request",
            "screening",
            "approval_proposed_by",
            "partial_package_reason",
            "created_at",
            "submitted_at",
            "updated_at",
            "available_actions",
        ]
        read_only_fields = fields


class SubmittedRequestSerializer(FinancingRequestSerializer):
    """The answer to submit and resubmit: the request, and the documents screening found missing."""

    missing_documents = serializers.SerializerMethodField(
        help_text=_("Document kinds to upload before `resubmit`; empty when screening found none missing.")
    )

    class Meta(FinancingRequestSerializer.Meta):
        fields = [*FinancingRequestSerializer.Meta.fields, "missing_documents"]
        read_only_fields = fields

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=DocumentKind.choices)))
    def get_missing_documents(self, obj) -> list[str]:
        return missing_documents(obj.screening)


def missing_documents(screening: dict | None) -> list[str]:
    """What `missing_documents` shows of a request's screening result."""
    return list((screening or {}).get("missing_documents", []))


class FinancingRequestCreateSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(min_value=1)
    purpose = serializers.CharField(max_length=5000)
    amount = MoneyField()
    term_months = serializers.IntegerField(min_value=1, max_value=600)
    needed_by = serializers.DateField(required=False, allow_null=True)
    major_task = serializers.IntegerField(min_value=1, required=False, allow_null=True)
    tranches = TrancheInputSerializer(many=True, allow_empty=False, max_length=MAX_TRANCHES)

    def validate_tranches(self, value):
        # Through the API a package names each instrument once. The services still take repeated
        # instruments (the matcher shares one product's capacity between such tranches), as before.
        instruments = [tranche["instrument"] for tranche in value]
        if len(set(instruments)) < len(instruments):
            raise serializers.ValidationError(_("Each instrument at most once per request."))
        return value


class RouteSerializer(ReasonSerializer):
    products = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50
    )


class FundingSerializer(serializers.Serializer):
    tranche = serializers.IntegerField(min_value=1, required=False)
    amount = MoneyField(required=False)
    funded_on = serializers.DateField(required=False)


class ExtendSerializer(serializers.Serializer):
    business_days = serializers.IntegerField(min_value=1, max_value=60)
    reason = serializers.CharField(max_length=5000)


class EventSerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True, allow_null=True)

    class Meta:
        model = TransitionEvent
        fields = [
            "id",
            "object_type",
            "object_id",
            "action",
            "from_status",
            "to_status",
            "actor",
            "actor_role",
            "reason",
            "created_at",
        ]


class DeadlineSerializer(serializers.Serializer):
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    stage = serializers.CharField()
    kind = serializers.CharField()
    due_at = serializers.DateTimeField()
    state = serializers.CharField()


class TimelineSerializer(serializers.Serializer):
    events = EventSerializer(many=True)
    deadlines = DeadlineSerializer(many=True)


class DocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = RequestDocument
        fields = ["id", "kind", "original_name", "content_type", "size", "uploaded_at"]


class DocumentUploadSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=DocumentKind.choices)
    file = serializers.FileField()


class ExplanationSerializer(serializers.Serializer):
    factor = serializers.CharField()
    label = serializers.CharField()
    value = serializers.JSONField(allow_null=True)
    weight = serializers.JSONField()
    points = serializers.JSONField()
    text = serializers.CharField()


class ProposalCandidateSerializer(serializers.Serializer):
    product = serializers.IntegerField()
    product_name = serializers.CharField()
    institution = serializers.IntegerField()
    institution_name = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    score = serializers.CharField()
    selected = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True, allow_null=True)
    explanation = ExplanationSerializer(many=True)


class TrancheProposalSerializer(serializers.Serializer):
    tranche = serializers.IntegerField()
    position = serializers.IntegerField()
    instrument = serializers.CharField()
    amount = serializers.CharField()
    limit = serializers.IntegerField()
    waiting = serializers.IntegerField()
    report = serializers.CharField(allow_blank=True)
    candidates = ProposalCandidateSerializer(many=True)


class ProposalSerializer(serializers.Serializer):
    request = serializers.CharField()
    credit_score = serializers.CharField()
    tranches = TrancheProposalSerializer(many=True)
    uncovered = serializers.ListField(child=serializers.CharField())
