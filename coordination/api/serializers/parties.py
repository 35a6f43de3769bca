from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from lenders.models import Institution, Product
from projects.domain.size_class import SizeClass
from projects.evaluation import evaluate_year, latest_financials, size_class_for_year
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField

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
