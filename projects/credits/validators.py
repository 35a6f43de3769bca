"""Field validators on innovation-credit versions, for the models elsewhere that name one."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_published_version(version: str) -> None:
    """A threshold's version must be a published model version: a draft may still change, and a name
    that is no version would leave the threshold unreachable. One query."""
    from ..models_credits import CreditModel  # the models module imports this app's modules

    if not CreditModel.objects.published().filter(version=version).exists():
        raise ValidationError(
            _("“%(version)s” is not a published innovation-credit model version."),
            code="unknown_credit_version",
            params={"version": version},
        )
