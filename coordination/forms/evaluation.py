"""The evaluation page's query: which scope, which period, which filters (GET, so every view is a link)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from lenders.choices import InstitutionKind, Instrument
from projects.models import TechField

from ..evaluation.scope import Period, Scope, period_errors


class EvaluationForm(forms.Form):
    # Any scope the user may read, sub-regions included; the list offers the main ones.
    scope = forms.CharField(label=_("Scope"), max_length=40, widget=forms.Select)
    start = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To (included)"), widget=forms.DateInput(attrs={"type": "date"}))
    field = forms.ChoiceField(label=_("Technology field"), required=False)
    institution_kind = forms.ChoiceField(
        label=_("Institution kind"), required=False, choices=[("", _("All"))] + InstitutionKind.choices
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"), required=False, choices=[("", _("All"))] + Instrument.choices
    )

    def __init__(self, *args, scopes: list[Scope], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(scope.key, scope.label) for scope in scopes]
        asked = self.data.get("scope") if self.is_bound else None
        if asked and asked not in dict(choices):
            choices.append((asked, asked))
        self.fields["scope"].widget.choices = choices
        self.fields["field"].choices = [("", _("All"))] + list(
            TechField.objects.filter(parent__isnull=True).values_list("code", "name")
        )
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end"):
            for name, message in period_errors(data["start"], data["end"]).items():
                self.add_error(name, message)
        return data

    @property
    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])
