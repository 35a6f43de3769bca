"""Forms of the coordinators' admin actions: they collect what a service needs, and nothing decides here."""

import re
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _

from ..errors import ValidationFailed
from ..models import WebhookSubscription
from ..services.webhooks import check_url


class ActionForm(forms.Form):
    """A reason (required where the audit needs one) and a key that makes a re-posted form harmless."""

    reason = forms.CharField(label=_("reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        if not reason_required:
            self.fields["reason"].label = _("reason (optional)")
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)

    def service_kwargs(self) -> dict:
        return {"reason": self.cleaned_data["reason"]}


class ExtendDeadlineForm(ActionForm):
    business_days = forms.IntegerField(
        label=_("business days"), help_text=_("Every open deadline of the request moves this much later.")
    )
    field_order = ["business_days", "reason"]

    def service_kwargs(self) -> dict:
        return {"business_days": self.cleaned_data["business_days"], "reason": self.cleaned_data["reason"]}


PRODUCT_ID_SEPARATORS = re.compile(r"[\s,;，；]+")


class RouteForm(ActionForm):
    """Eligible products with the matcher's proposal pre-checked; the coordinator may uncheck, check
    others, or add products by id (the service checks every one)."""

    products = forms.TypedMultipleChoiceField(
        label=_("eligible products"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    extra_products = forms.CharField(
        label=_("add products by id"),
        required=False,
        help_text=_("Product ids separated by commas or spaces."),
    )
    field_order = ["products", "extra_products", "reason"]

    def __init__(self, *args, choices: list[tuple[int, str]] = (), proposed: list[int] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].choices = list(choices)
        if not self.is_bound:
            self.initial["products"] = list(proposed)

    def clean_extra_products(self) -> list[int]:
        raw = self.cleaned_data["extra_products"].strip()
        ids = []
        for token in PRODUCT_ID_SEPARATORS.split(raw) if raw else []:
            if not token.isdigit():
                raise forms.ValidationError(_("“%(token)s” is not a product id."), params={"token": token})
            ids.append(int(token))
        return ids

    def service_kwargs(self) -> dict:
        chosen = [*self.cleaned_data["products"], *self.cleaned_data["extra_products"]]
        return {"product_ids": list(dict.fromkeys(chosen)), "reason": self.cleaned_data["reason"]}


class WebhookSubscriptionForm(forms.ModelForm):
    """The admin's webhook form: the URL passes the same policy as the API's."""

    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")

    class Meta:
        model = WebhookSubscription
        fields = ["url", "topics", "is_active", "institution", "enterprise", "coordinator"]

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        try:
            check_url(url)
        except ValidationFailed as refused:
            raise forms.ValidationError(refused.fields["url"]) from None
        return url
