from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .domain.credit_code import check_credit_code


def validate_credit_code(value: str) -> None:
    result = check_credit_code(value)
    if not result.valid:
        raise ValidationError(
            _("Invalid unified social credit code: %(reason)s."),
            code="invalid_credit_code",
            params={"reason": result.reason},
        )
    if result.normalised != value:
        raise ValidationError(
            _("Credit code must be stored normalised (upper case, no spaces)."), code="not_normalised"
        )


def validate_region_code(value: str) -> None:
    if len(value) != 6 or not value.isdigit():
        raise ValidationError(_("A GB/T 2260 region code is six digits."), code="invalid_region_code")
