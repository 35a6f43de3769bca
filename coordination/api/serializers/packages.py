"""Major tasks' financing and their packages (DESIGN §14): shapes only."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import MoneyField
from lenders.choices import Instrument

from ...models import FinancingPackage, PackageTranche
from ...selectors import PackageViewer
from ...services.packages import MAX_TRANCHES
from ...workflow import engine


class AmountsSerializer(serializers.Serializer):
    requested = MoneyField()
    offered = MoneyField()
    accepted = MoneyField()
    funded = MoneyField()


class InstrumentAmountsSerializer(AmountsSerializer):
    instrument = serializers.ChoiceField(choices=Instrument.choices)


class InstitutionAmountsSerializer(AmountsSerializer):
    institution = serializers.IntegerField()
    institution_name = serializers.CharField()


class GapPointSerializer(serializers.Serializer):
    month = serializers.DateField(help_text="The first day of the month; figures stand at the month's end.")
    funded = MoneyField(help_text="Funded to the month's end, cumulative.")
    remaining = MoneyField()


class TaskFinancingSerializer(serializers.Serializer):
    major_task = serializers.IntegerField()
    code = serializers.CharField()
    budget = MoneyField()
    fiscal_funding = MoneyField()
    financing_gap = MoneyField()
    remaining_gap = MoneyField()
    closed_share = serializers.DecimalField(max_digits=6, decimal_places=4, allow_null=True)
    totals = AmountsSerializer()
    by_instrument = InstrumentAmountsSerializer(many=True)
    by_institution = InstitutionAmountsSerializer(many=True)
    timeline = GapPointSerializer(many=True)
    definitions = serializers.DictField(child=serializers.CharField())


class PackageTrancheSerializer(serializers.ModelSerializer):
    institutions = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = PackageTranche
        fields = ["position", "instrument", "amount", "term_months", "institutions"]


class FinancingPackageSerializer(serializers.ModelSerializer):
    tranches = PackageTrancheSerializer(many=True, read_only=True)
    amount = MoneyField(read_only=True)
    available_actions = serializers.SerializerMethodField(
        help_text="Actions the caller may take now, by the package's transition table."
    )

    class Meta:
        model = FinancingPackage
        fields = [
            "id",
            "major_task",
            "purpose",
            "status",
            "amount",
            "tranches",
            "request",
            "decline_reason",
            "created_at",
            "available_actions",
        ]

    @extend_schema_field(
        serializers.ListField(child=serializers.ChoiceField(["propose", "confirm", "decline"]))
    )
    def get_available_actions(self, obj: FinancingPackage) -> list[str]:
        request = self.context.get("request")
        if request is None:
            return []
        viewer = self.context.get("package_viewer")
        if viewer is None:
            viewer = self.context["package_viewer"] = PackageViewer.of(request.user)
        return engine.available_actions(obj, request.user, roles=viewer.roles_on(obj))


class PackageTrancheInputSerializer(serializers.Serializer):
    instrument = serializers.ChoiceField(choices=Instrument.choices)
    amount = MoneyField()
    term_months = serializers.IntegerField(min_value=1, max_value=600)
    institutions = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=20
    )


class FinancingPackageCreateSerializer(serializers.Serializer):
    major_task = serializers.IntegerField(min_value=1)
    purpose = serializers.CharField(max_length=5000)
    tranches = PackageTrancheInputSerializer(many=True, min_length=1, max_length=MAX_TRANCHES)
