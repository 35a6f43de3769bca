from decimal import Decimal

from rest_framework import serializers

from config.api.fields import AsciiDecimalField, MoneyField

from ...choices import DeclineReason
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
