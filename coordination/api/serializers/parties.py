from decimal import Decimal

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lenders.models import Institution, Product
from projects.choices import Industry, SpecialisedStatus, Stage
from projects.domain.size_class import SizeClass
from projects.evaluation import evaluate_year, latest_financials, size_class_for_year
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField

from ...models import EnterpriseJoinRequest
from .actions import RATE_HELP


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
        from ..credits import latest_credit_for

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
            "min_credit_version",
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


# --- onboarding: registering, joining, yearly figures (services/enterprise_onboarding.py, _financials.py)


class EnterpriseCreateSerializer(serializers.Serializer):
    """What registering an enterprise takes. Shapes only: the credit code, region and fields are checked
    by the service, which names each field that is wrong."""

    credit_code = serializers.CharField(
        max_length=40,
        help_text="The 18-character unified social credit code (GB 32100-2015); spaces are ignored, "
        "letters may be lower case. The 18th character is a check character: a wrong one is a 400 naming "
        "`credit_code` with the reason.",
    )
    name = serializers.CharField(max_length=200)
    region = serializers.CharField(max_length=6, help_text="GB/T 2260 six-digit code (see `regions`).")
    fields = serializers.ListField(
        child=serializers.CharField(max_length=50),
        required=False,
        default=list,
        max_length=20,
        help_text="Technology field codes (see `fields`).",
    )
    founded_on = serializers.DateField()
    stage = serializers.ChoiceField(choices=Stage.choices)
    industry = serializers.ChoiceField(
        choices=Industry.choices, help_text="Decides which size-class thresholds apply."
    )
    employees = serializers.IntegerField(min_value=0, max_value=10_000_000)
    high_tech_certificate_no = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    high_tech_valid_until = serializers.DateField(required=False, allow_null=True, default=None)
    tech_sme_registration_no = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default=""
    )
    tech_sme_registration_year = serializers.IntegerField(
        required=False, allow_null=True, default=None, min_value=2017, max_value=2100
    )
    specialised_status = serializers.ChoiceField(
        choices=SpecialisedStatus.choices, required=False, default=SpecialisedStatus.NONE
    )
    message = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Sent to the enterprise's managers when the credit code is already registered (the call "
        "then asks to join instead).",
    )


class JoinRequestSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    applicant = serializers.CharField(source="user.username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = EnterpriseJoinRequest
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "credit_code",
            "applicant",
            "message",
            "status",
            "reason",
            "decided_by",
            "decided_at",
            "created_at",
        ]
        read_only_fields = fields


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Shown to the applicant.",
    )


MONEY_INPUT = {"max_digits": 18, "decimal_places": 2, "min_value": Decimal("0")}


class FiguresSerializer(serializers.Serializer):
    """One fiscal year's figures: amounts in yuan (decimal strings), people and counts as integers."""

    revenue = serializers.DecimalField(**MONEY_INPUT)
    total_assets = serializers.DecimalField(**MONEY_INPUT)
    total_costs = serializers.DecimalField(**MONEY_INPUT)
    rnd_expense = serializers.DecimalField(**MONEY_INPUT)
    staff = serializers.IntegerField(min_value=0, max_value=10_000_000)
    st_staff = serializers.IntegerField(min_value=0, max_value=10_000_000, help_text="At most `staff`.")
    invention_patents = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    other_class_i_ip = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    class_ii_ip = serializers.IntegerField(min_value=0, max_value=1_000_000, required=False, default=0)
    tech_contract_turnover = serializers.DecimalField(**MONEY_INPUT, required=False, default=Decimal("0"))
    vc_received = serializers.DecimalField(**MONEY_INPUT, required=False, default=Decimal("0"))


class YearFiguresSerializer(FiguresSerializer):
    year = serializers.IntegerField(
        min_value=1949, max_value=2100, help_text="The fiscal year; from the founding year to this year."
    )


class ConsentSerializer(serializers.Serializer):
    """An enterprise's consent to be recommended (DESIGN §1, §14), given or withdrawn."""

    given = serializers.BooleanField()


class ConsentResultSerializer(serializers.Serializer):
    enterprise = serializers.IntegerField(source="enterprise_id")
    given = serializers.BooleanField()
    changed_at = serializers.DateTimeField()
