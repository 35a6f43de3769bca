"""Loss claims (DESIGN §10): shapes only; the report and every step go through services/loss_claims.py."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from config.api.fields import MoneyField

from ...models import LossClaim
from .actions import AvailableActionsMixin


class LossClaimSerializer(AvailableActionsMixin, serializers.ModelSerializer):
    reference = serializers.CharField(source="request.reference", read_only=True)
    amount = serializers.DecimalField(
        max_digits=18,
        decimal_places=2,
        read_only=True,
        help_text=_(
            "What the pool owes within its caps (its share of the loss, its cap per loan, at most 80 per "
            "cent of the loss from all public compensation): computed at the report, fixed at approval."
        ),
    )

    class Meta:
        model = LossClaim
        fields = [
            "id",
            "request",
            "reference",
            "tranche",
            "institution",
            "programme",
            "status",
            "loss",
            "defaulted_on",
            "note",
            "amount",
            "escalated",
            "approval_proposed_by",
            "created_at",
            "available_actions",
        ]
        read_only_fields = fields


class ReportDefaultSerializer(serializers.Serializer):
    tranche = serializers.IntegerField(min_value=1, help_text=_("A funded tranche of your institution."))
    loss = MoneyField(help_text=_("The principal lost, in yuan: at most the principal outstanding."))
    defaulted_on = serializers.DateField(help_text=_("The day of the default (Asia/Shanghai)."))
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    programme = serializers.IntegerField(
        min_value=1,
        required=False,
        help_text=_("The risk pool claimed on; needed only when several cover the tranche."),
    )
