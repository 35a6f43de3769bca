"""The simulator's form (DESIGN §10): a past window and the programme's terms to change, each shown with
the version's value; only what differs from it is sent to the service as a change."""

from django import forms
from django.utils.translation import gettext_lazy as _

from projects.choices import Stage

from ..models import PolicyProgramme
from ..policies.parameters import KIND_PARAMETERS
from .forms import BootstrapFormMixin


class SimulationForm(BootstrapFormMixin, forms.Form):
    window_from = forms.DateField(label=_("Window from"), widget=forms.DateInput(attrs={"type": "date"}))
    window_until = forms.DateField(
        label=_("Window until (included)"), widget=forms.DateInput(attrs={"type": "date"})
    )
    stages = forms.MultipleChoiceField(
        label=_("Enterprise stages"),
        choices=Stage.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None checked: every stage."),
    )
    max_amount = forms.DecimalField(
        label=_("Amount cap (yuan)"),
        required=False,
        min_value=0,
        decimal_places=2,
        max_digits=18,
        help_text=_("Empty: no cap."),
    )
    requires_tech_sme = forms.BooleanField(label=_("Requires tech-SME registration"), required=False)
    first_loan_only = forms.BooleanField(label=_("First loan only"), required=False)

    def __init__(self, *args, programme: PolicyProgramme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["stages"].initial = list(programme.stages or [])
        self.fields["max_amount"].initial = programme.max_amount
        self.fields["requires_tech_sme"].initial = programme.requires_tech_sme
        self.fields["first_loan_only"].initial = programme.first_loan_only
        for name in KIND_PARAMETERS[programme.kind]:
            current = programme.parameters.get(name)
            self.fields[f"parameter_{name}"] = forms.CharField(
                label=name,
                required=False,
                initial="" if current is None else str(current),
                widget=forms.TextInput(attrs={"class": "form-control"}),
                help_text=_("The version's value: %(value)s")
                % {"value": "—" if current is None else current},
            )

    def parameter_fields(self):
        return [self[name] for name in self.fields if name.startswith("parameter_")]

    def changes(self) -> dict:
        """The terms that differ from the version's (an empty value asks for no limit; a parameter not sent
        at all stays as it is)."""
        data = self.cleaned_data
        current = self.programme.parameters
        parameters = {}
        for name in KIND_PARAMETERS[self.programme.kind]:
            if f"parameter_{name}" not in self.data:
                continue
            value = data.get(f"parameter_{name}", "").strip() or None
            if value != (None if current.get(name) is None else str(current.get(name))):
                parameters[name] = value
        changes: dict = {"parameters": parameters} if parameters else {}
        if sorted(data.get("stages") or []) != sorted(self.programme.stages or []):
            changes["stages"] = list(data["stages"])
        if data.get("max_amount") != self.programme.max_amount:
            amount = data.get("max_amount")
            changes["max_amount"] = None if amount is None else str(amount)
        for flag in ("requires_tech_sme", "first_loan_only"):
            if bool(data.get(flag)) != getattr(self.programme, flag):
                changes[flag] = bool(data.get(flag))
        return changes
