from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from config.api.fields import AsciiDecimalField, MoneyField
from lenders.choices import Instrument
from projects.choices import Stage
from projects.domain.size_class import SizeClass

from ... import selectors
from ...choices import DeclineReason, ProgrammeKind, TechSmeStatus
from ...models import (
    Offer,
    Referral,
)
from .actions import RATE_HELP, AvailableActionsMixin
from .parties import EnterpriseSerializer


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


class TeaserSerializer(serializers.Serializer):
    """The anonymised teaser of DESIGN §1 (`selectors.referral_teaser`): nothing that names the applicant."""

    province = serializers.CharField(source="province_code", help_text=_("GB/T 2260 code of the province."))
    province_name = serializers.CharField(source="province")
    fields = serializers.ListField(
        source="field_codes", child=serializers.CharField(), help_text=_("Technology field codes.")
    )
    stage = serializers.ChoiceField(choices=Stage.choices)
    size_class = serializers.ChoiceField(choices=[c.value for c in SizeClass], allow_null=True)
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text=_("The whole request, in yuan.")
    )
    tranche_amount = serializers.DecimalField(max_digits=18, decimal_places=2)
    term_months = serializers.IntegerField()
    instruments = serializers.ListField(child=serializers.ChoiceField(choices=Instrument.choices))
    innovation_credit_band = serializers.CharField(
        allow_null=True,
        help_text=_('The current innovation credit as a band of ten points, such as "70–79".'),
    )
    tech_sme_status = serializers.ChoiceField(choices=TechSmeStatus.choices)


def _one_for_all_rows(parent: serializers.Serializer, serializer_class: type[serializers.Serializer]):
    """One `serializer_class` per `parent` (a list's rows share one child serializer), sharing its context.

    Why: DRF builds a serializer's fields afresh for every instance, and a ModelSerializer's from the model's
    metadata; built per row, the teaser's serializers cost most of a page of 50 referrals (issue 16)."""
    made = parent.__dict__.setdefault("_per_row_serializers", {})
    if serializer_class not in made:
        made[serializer_class] = serializer_class(context=parent.context)
    return made[serializer_class]


class DisclosureMixin(AvailableActionsMixin):
    """Whether the caller reads the applicant's data on this referral, and the teaser (always there)."""

    disclosed = serializers.SerializerMethodField(
        help_text=_(
            "False while the referral has not been opened by its institution: its people then read the "
            "teaser only, without the applicant's name, credit code, documents or financials."
        )
    )
    teaser = serializers.SerializerMethodField()

    def get_disclosed(self, obj) -> bool:
        viewer = self.viewer()
        return viewer is None or not selectors.sees_teaser_only(viewer, obj)

    @extend_schema_field(TeaserSerializer)
    def get_teaser(self, obj):
        return _one_for_all_rows(self, TeaserSerializer).to_representation(selectors.referral_teaser(obj))


class TeaserReferralSerializer(DisclosureMixin, ReferralSerializer):
    """A referral its institution has not opened yet, as its people read it (DESIGN §1): the teaser and the
    referral's own state, without the match explanation (its words name places and tasks)."""

    term_months = serializers.IntegerField(source="request.term_months", read_only=True)

    class Meta(ReferralSerializer.Meta):
        fields = [
            *(name for name in ReferralSerializer.Meta.fields if name != "explanation"),
            "opened_at",
            "decline_note",
            "internal_note",
            "term_months",
            "disclosed",
            "teaser",
        ]
        read_only_fields = fields


class InstitutionReferralSerializer(DisclosureMixin, ReferralSerializer):
    """What the institution itself (once it has opened the referral) and coordinators see: its internal
    note and the applicant's data. Before the opening its people get `TeaserReferralSerializer`'s fields."""

    enterprise = EnterpriseSerializer(source="request.enterprise", read_only=True)
    purpose = serializers.CharField(source="request.purpose", read_only=True)
    term_months = serializers.IntegerField(source="request.term_months", read_only=True)

    class Meta(ReferralSerializer.Meta):
        fields = [
            *ReferralSerializer.Meta.fields,
            "opened_at",
            "decline_note",
            "internal_note",
            "enterprise",
            "purpose",
            "term_months",
            "disclosed",
            "teaser",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        viewer = self.viewer()
        if viewer is not None and selectors.sees_teaser_only(viewer, instance):
            return _one_for_all_rows(self, TeaserReferralSerializer).to_representation(instance)
        return super().to_representation(instance)


class ScopedReferralSerializer(InstitutionReferralSerializer):
    """Schema only: a referral as /referrals/ returns it. Coordinators, and the institution once it has
    opened the referral, get every field; before that the institution gets no `explanation`, `enterprise`
    or `purpose` (`disclosed` is false, `teaser` says what the referral is about); the applicant gets the
    referral without opened_at, decline_note, internal_note, enterprise, purpose, term_months, disclosed,
    teaser."""

    # Documented but not required (not read-only, so the schema does not mark them required).
    explanation = serializers.JSONField(
        required=False, help_text=_("The match explanation: one item per factor, with its points and words.")
    )
    opened_at = serializers.DateTimeField(allow_null=True, required=False)
    decline_note = serializers.CharField(allow_blank=True, required=False)
    internal_note = serializers.CharField(allow_blank=True, required=False)
    enterprise = EnterpriseSerializer(source="request.enterprise", required=False)
    purpose = serializers.CharField(source="request.purpose", required=False)
    term_months = serializers.IntegerField(source="request.term_months", required=False)
    disclosed = serializers.BooleanField(required=False)
    teaser = TeaserSerializer(required=False)


class PolicySupportSerializer(serializers.Serializer):
    """One programme an offer qualifies for (DESIGN §10; the keys are a contract)."""

    programme = serializers.IntegerField(
        help_text=_("The policy programme's id (/api/v1/policy-programmes/).")
    )
    kind = serializers.ChoiceField(choices=ProgrammeKind.choices)
    amount = serializers.DecimalField(
        max_digits=18, decimal_places=2, help_text=_("Expected support over the offer's life, in yuan.")
    )
    explanation = serializers.CharField()


class OfferSerializer(AvailableActionsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(source="request.reference", read_only=True)
    institution = serializers.IntegerField(source="referral.institution_id", read_only=True)
    policy_support = PolicySupportSerializer(many=True, read_only=True)
    net_annual_rate = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        read_only=True,
        allow_null=True,
        help_text=_(
            "The yearly rate after interest subsidies, with guarantee fees and premiums net of their "
            "subsidies, as a fraction; null for an offer without a rate."
        ),
    )

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
            "policy_support",
            "net_annual_rate",
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
