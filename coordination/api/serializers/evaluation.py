from rest_framework import serializers

from lenders.choices import InstitutionKind, Instrument

from ...evaluation.scope import period_errors

PARAMETER = {"start": "from", "end": "to"}


class EvaluationQuerySerializer(serializers.Serializer):
    """The query string of GET /api/v1/evaluation/ (`from` is a Python keyword, hence get_fields)."""

    def get_fields(self):
        return {
            "scope": serializers.CharField(
                max_length=40,
                help_text="`national`, or a region's GB/T 2260 code (its sub-regions included).",
            ),
            "from": serializers.DateField(help_text="First day of the period (Asia/Shanghai), YYYY-MM-DD."),
            "to": serializers.DateField(help_text="Last day of the period, included, YYYY-MM-DD."),
            "field": serializers.SlugField(
                required=False,
                max_length=50,
                help_text="A technology field's code (its sub-fields included).",
            ),
            "institution_kind": serializers.ChoiceField(choices=InstitutionKind.choices, required=False),
            "instrument": serializers.ChoiceField(choices=Instrument.choices, required=False),
        }

    def validate(self, attrs):
        errors = period_errors(attrs["from"], attrs["to"])
        if errors:
            raise serializers.ValidationError(
                {PARAMETER[name]: [message] for name, message in errors.items()}
            )
        return attrs


class IndicatorSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="The indicator's contract code (DESIGN §11).")
    label = serializers.CharField()
    definition = serializers.CharField()
    value = serializers.FloatField(
        allow_null=True,
        help_text="Counts, yuan, shares and rates (0–1) or business days; null when undefined.",
    )
    previous = serializers.FloatField(
        allow_null=True, help_text="The same indicator over the period of the same length just before."
    )


class EvaluationSerializer(serializers.Serializer):
    indicators = IndicatorSerializer(many=True)
