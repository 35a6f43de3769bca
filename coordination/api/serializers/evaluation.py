from datetime import date, timedelta

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from lenders.choices import InstitutionKind, Instrument

# A period longer than this is refused rather than read: the previous period doubles it.
MAX_PERIOD = timedelta(days=3 * 366)
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


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
        for name in ("from", "to"):
            if not FIRST_DAY <= attrs[name] <= LAST_DAY:
                raise serializers.ValidationError(
                    {
                        name: [
                            _("Must be between %(first)s and %(last)s.")
                            % {"first": FIRST_DAY, "last": LAST_DAY}
                        ]
                    }
                )
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [_("Must not be before the first day (from).")]})
        if attrs["to"] - attrs["from"] > MAX_PERIOD:
            raise serializers.ValidationError({"from": [_("The period may span at most three years.")]})
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
