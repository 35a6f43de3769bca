"""Serializers: shapes only. Writes go through the services; nothing here assigns a status."""

from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AsciiDecimalField, MoneyField
from lenders.choices import Instrument
from lenders.models import Institution, Product
from projects.domain.size_class import SizeClass
from projects.evaluation import evaluate_year, latest_financials, size_class_for_year
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField

from .. import selectors
from ..choices import DeclineReason, DocumentKind, Role
from ..models import (
    ApiToken,
    FinancingRequest,
    Notification,
    Offer,
    Referral,
    RequestDocument,
    Tranche,
    TransitionEvent,
    WebhookSubscription,
)
from ..workflow import engine

# Through the API a request has at most this many tranches, numbered from 1.
MAX_TRANCHES = 10
RATE_HELP = _("Annual interest rate as a fraction: 0.0345 = 3.45% a year.")


class RegionSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Region
        fields = ["code", "name", "name_en", "parent", "pilot_zone", "innovation_center"]


class TechFieldSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = TechField
        fields = ["code", "name", "name_en", "parent", "hard_tech"]


class FinancialsSerializer(serializers.ModelSerializer):
    class Meta:
        model = EnterpriseFinancials
        fields = [
            "year",
            "revenue",
            "total_assets",
            "total_costs",
            "rnd_expense",
            "staff",
            "st_staff",
            "invention_patents",
            "other_class_i_ip",
            "class_ii_ip",
            "tech_contract_turnover",
            "vc_received",
        ]


class TechSmeEvaluationSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    staff_score = serializers.IntegerField()
    rnd_score = serializers.IntegerField()
    rnd_basis = serializers.CharField()
    ip_score = serializers.IntegerField()
    total = serializers.IntegerField()
    meets_basic_conditions = serializers.BooleanField()
    basic_condition_failures = serializers.ListField(child=serializers.CharField())
    direct_qualification = serializers.ListField(child=serializers.CharField())
    qualified = serializers.BooleanField()
    passed_by_score = serializers.BooleanField()


class EnterpriseSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    fields = serializers.SlugRelatedField(slug_field="code", many=True, queryset=TechField.objects.all())
    financials = FinancialsSerializer(many=True, read_only=True)
    tech_sme_evaluation = serializers.SerializerMethodField()
    size_class = serializers.SerializerMethodField()
    innovation_credit = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "credit_code",
            "name",
            "region",
            "fields",
            "founded_on",
            "stage",
            "industry",
            "employees",
            "high_tech_certificate_no",
            "high_tech_valid_until",
            "tech_sme_registration_no",
            "tech_sme_registration_year",
            "specialised_status",
            "financials",
            "tech_sme_evaluation",
            "size_class",
            "innovation_credit",
        ]

    @extend_schema_field(TechSmeEvaluationSerializer(allow_null=True))
    def get_tech_sme_evaluation(self, obj):
        latest = latest_financials(obj)
        if latest is None:
            return None
        latest.enterprise = obj
        return {"year": latest.year, **evaluate_year(latest).as_dict()}

    @extend_schema_field(serializers.ChoiceField(choices=[c.value for c in SizeClass], allow_null=True))
    def get_size_class(self, obj):
        latest = latest_financials(obj)
        if latest is None:
            return None
        latest.enterprise = obj
        return size_class_for_year(latest).value

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_innovation_credit(self, obj):
        from ..api.credits import latest_credit_for

        return latest_credit_for(obj)


class MajorTaskSerializer(serializers.ModelSerializer):
    field = serializers.SlugRelatedField(slug_field="code", read_only=True)
    participants = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = MajorTask
        fields = [
            "id",
            "code",
            "title",
            "field",
            "level",
            "lead_enterprise",
            "participants",
            "budget",
            "fiscal_funding",
            "financing_gap",
            "starts_on",
            "ends_on",
        ]


class InstitutionSerializer(serializers.ModelSerializer):
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        model = Institution
        fields = ["id", "name", "kind", "credit_code", "regions", "relending_eligible"]


class ProductSerializer(serializers.ModelSerializer):
    institution = serializers.PrimaryKeyRelatedField(read_only=True)
    institution_kind = serializers.CharField(source="institution.kind", read_only=True)
    fields = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    regions = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)
    capacity_left = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "institution",
            "institution_kind",
            "name",
            "instrument",
            "min_amount",
            "max_amount",
            "min_term_months",
            "max_term_months",
            "fields",
            "regions",
            "for_startup",
            "for_growth",
            "for_stable",
            "min_credit_score",
            "requires_tech_sme",
            "rate_min",
            "rate_max",
            "stake_min",
            "stake_max",
            "yearly_capacity",
            "capacity_left",
            "active_from",
            "active_until",
            "is_active",
        ]
        extra_kwargs = {"rate_min": {"help_text": RATE_HELP}, "rate_max": {"help_text": RATE_HELP}}


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


class AvailableActionsMixin(serializers.Serializer):
    """The actions the caller may take on the object now, as the engine judges them (the same list
    the admin shows as buttons). The caller's roles are read once per API request, not per row."""

    available_actions = serializers.SerializerMethodField(
        help_text=_("Actions the caller may take now, by the workflow's tables and rules.")
    )

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_available_actions(self, obj) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        viewer = self.context.get("viewer")
        if viewer is None:  # once per API request: the list's rows share the root serializer's context
            viewer = self.context["viewer"] = selectors.Viewer.of(request.user)
        return engine.available_actions(obj, request.user, viewer)


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
        return list((obj.screening or {}).get("missing_documents", []))


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


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class RequiredReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=5000)


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


class ReferralSerializer(AvailableActionsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(source="request.reference", read_only=True)
    institution_name = serializers.CharField(source="institution.name", read_only=True)
    institution_kind = serializers.CharField(source="institution.kind", read_only=True)
    product_name = serializers.CharField(source="product.name", read_only=True)
    instrument = serializers.CharField(source="tranche.instrument", read_only=True)
    tranche_amount = serializers.DecimalField(
        source="tranche.amount", max_digits=18, decimal_places=2, read_only=True
    )
    # Blank until declined (read_only_fields would drop the model field's allow_blank from the schema).
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "request",
            "reference",
            "tranche",
            "instrument",
            "tranche_amount",
            "institution",
            "institution_name",
            "institution_kind",
            "product",
            "product_name",
            "status",
            "score",
            "explanation",
            "decline_reason",
            "info_request",
            "overdue",
            "created_at",
            "updated_at",
            "available_actions",
        ]
        read_only_fields = fields


class InstitutionReferralSerializer(ReferralSerializer):
    """What the institution itself (and coordinators) see: its internal note and the applicant's data."""

    enterprise = EnterpriseSerializer(source="request.enterprise", read_only=True)
    purpose = serializers.CharField(source="request.purpose", read_only=True)
    term_months = serializers.IntegerField(source="request.term_months", read_only=True)

    class Meta(ReferralSerializer.Meta):
        fields = [
            *ReferralSerializer.Meta.fields,
            "decline_note",
            "internal_note",
            "enterprise",
            "purpose",
            "term_months",
        ]
        read_only_fields = fields


class ScopedReferralSerializer(InstitutionReferralSerializer):
    """Schema only: a referral as /referrals/ returns it. The institution and coordinators get every field;
    the applicant gets the referral without decline_note, internal_note, enterprise, purpose, term_months."""

    # Documented but not required (not read-only, so the schema does not mark them required).
    decline_note = serializers.CharField(allow_blank=True, required=False)
    internal_note = serializers.CharField(allow_blank=True, required=False)
    enterprise = EnterpriseSerializer(source="request.enterprise", required=False)
    purpose = serializers.CharField(source="request.purpose", required=False)
    term_months = serializers.IntegerField(source="request.term_months", required=False)


class OfferSerializer(AvailableActionsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(source="request.reference", read_only=True)
    institution = serializers.IntegerField(source="referral.institution_id", read_only=True)

    class Meta:
        model = Offer
        fields = [
            "id",
            "referral",
            "tranche",
            "request",
            "reference",
            "institution",
            "status",
            "amount",
            "annual_rate",
            "term_months",
            "terms",
            "valid_until",
            "created_at",
            "available_actions",
        ]
        read_only_fields = fields
        extra_kwargs = {"annual_rate": {"help_text": RATE_HELP}}


class OfferInputSerializer(serializers.Serializer):
    amount = MoneyField()
    annual_rate = AsciiDecimalField(
        max_digits=7,
        decimal_places=4,
        required=False,
        allow_null=True,
        min_value=Decimal("0"),
        max_value=Decimal("0.9999"),
        help_text=RATE_HELP,
    )
    term_months = serializers.IntegerField(min_value=1, max_value=600, required=False, allow_null=True)
    valid_until = serializers.DateField()
    terms = serializers.DictField(required=False, default=dict)

    def validate_terms(self, value):
        if len(str(value)) > 5000:
            raise serializers.ValidationError("Terms are too long.")
        return value


class DeclineSerializer(serializers.Serializer):
    reason_code = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")


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


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "topic", "title", "body", "request", "read_at", "created_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, max_length=500)


class MarkReadResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField()
    unread = serializers.IntegerField()


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


class WebhookSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "url",
            "topics",
            "is_active",
            "institution",
            "enterprise",
            "coordinator",
            "created_at",
        ]
        read_only_fields = ["id", "institution", "enterprise", "coordinator", "created_at"]


class WebhookCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    topics = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, default=list, max_length=50
    )
    party = serializers.ChoiceField(choices=["enterprise", "institution", "coordinator"])
    party_id = serializers.IntegerField(min_value=1, required=False)


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(read_only=True)

    class Meta(WebhookSerializer.Meta):
        fields = [*WebhookSerializer.Meta.fields, "secret"]


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=200, style={"input_type": "password"})
    otp_token = serializers.CharField(
        max_length=16, required=False, allow_blank=True, help_text="The authenticator's code, if two-factor."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Shown once; send it as `Authorization: Bearer <token>`.")
    expires_at = serializers.DateTimeField()


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it later: never the key, only its first characters."""

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "integration", "created_at", "last_used_at", "expires_at"]
        read_only_fields = fields


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.ChoiceField(
        choices=[r.value for r in Role if r != Role.SYSTEM] + ["superuser", "none"]
    )
    roles = serializers.ListField(child=serializers.CharField())
    enterprises = serializers.ListField(child=serializers.DictField())
    institution = serializers.DictField(allow_null=True)
    coordinator_scope = serializers.DictField(allow_null=True)
    language = serializers.CharField(default=settings.LANGUAGE_CODE)
