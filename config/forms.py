"""Form fields for staff forms (the admin) that refuse what the API's parsers refuse, with a form error.

A JSON textarea holding 10 000 nested brackets would escape `json.loads` as a RecursionError, and a
`"\\u0000"` inside it would reach PostgreSQL as a NUL: both were a 500 for staff before.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.forms.fields import InvalidJSONInput
from rest_framework.exceptions import ValidationError as ApiValidationError

from config.api.parsers import check_json


class SafeJSONField(forms.JSONField):
    def to_python(self, value):
        try:
            data = super().to_python(value)
        except RecursionError:
            raise ValidationError(
                forms.JSONField.default_error_messages["invalid"], code="invalid", params={"value": "…"}
            ) from None
        try:
            check_json(data, max_depth=settings.API_JSON_MAX_DEPTH)
        except ApiValidationError as refused:
            reasons = [str(reason) for reasons in refused.detail.values() for reason in reasons]
            raise ValidationError(reasons, code="invalid") from None
        return data

    def bound_data(self, data, initial):
        # Re-rendering the refused form parses the input once more.
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return InvalidJSONInput(data)


JSON_FORM_FIELDS = {"form_class": SafeJSONField}
