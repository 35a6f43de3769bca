"""Forms of the enterprise pages (/sme/enterprises/): registering, asking to join, yearly figures, deciding
a request to join. Shapes only; coordination/services/enterprise_onboarding.py and enterprise_financials.py
hold the rules and name the fields they refuse, which the views put back on these forms."""

from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.choices import Industry, SpecialisedStatus, Stage
from projects.models import Region, TechField


class BootstrapMixin:
    """Bootstrap 5 classes on every widget (the pages' one CSS framework)."""

    def style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select | forms.SelectMultiple) else "form-control"
            widget.attrs.setdefault("class", css)


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class EnterpriseForm(BootstrapMixin, forms.Form):
    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=40,
        help_text=_("18 characters, as on the business licence; the last one is a check character."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    name = forms.CharField(label=_("Name"), max_length=200)
    region = forms.ModelChoiceField(
        label=_("Region"), queryset=Region.objects.order_by("code"), to_field_name="code", empty_label=None
    )
    tech_fields = forms.ModelMultipleChoiceField(
        label=_("Technology fields"),
        queryset=TechField.objects.order_by("code"),
        to_field_name="code",
        required=False,
        help_text=_("Hold Ctrl (⌘ on a Mac) to choose several."),
    )
    founded_on = forms.DateField(label=_("Founded on"), widget=DateInput())
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices)
    industry = forms.ChoiceField(
        label=_("Industry"), choices=Industry.choices, help_text=_("Decides which size thresholds apply.")
    )
    employees = forms.IntegerField(label=_("Employees"), min_value=0, max_value=10_000_000)
    high_tech_certificate_no = forms.CharField(
        label=_("High-tech enterprise certificate no."), max_length=40, required=False
    )
    high_tech_valid_until = forms.DateField(
        label=_("Certificate valid until"), required=False, widget=DateInput()
    )
    tech_sme_registration_no = forms.CharField(
        label=_("Tech-SME registration no."), max_length=40, required=False
    )
    tech_sme_registration_year = forms.IntegerField(
        label=_("Tech-SME registration year"), required=False, min_value=2017, max_value=2100
    )
    specialised_status = forms.ChoiceField(
        label=_("'Specialised, refined, distinctive and novel' status"),
        choices=SpecialisedStatus.choices,
        initial=SpecialisedStatus.NONE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()
        # Checked as typed (coordination/static/coordination/credit-code-check.js); the submit checks again.
        self.fields["credit_code"].widget.attrs.update(
            {
                "data-credit-code-check": reverse("enterprises:credit-code-check"),
                "data-feedback": "credit-code-feedback",
                "aria-describedby": "credit-code-feedback",
            }
        )


class JoinForm(BootstrapMixin, forms.Form):
    credit_code = forms.CharField(max_length=40, widget=forms.HiddenInput())
    message = forms.CharField(
        label=_("Message to the managers (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who you are and why you belong to this enterprise."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()


MONEY = {"max_digits": 18, "decimal_places": 2, "min_value": Decimal("0")}


class FinancialsForm(BootstrapMixin, forms.Form):
    """One fiscal year's figures; amounts in yuan."""

    year = forms.IntegerField(label=_("Fiscal year"), min_value=1949, max_value=2100)
    revenue = forms.DecimalField(label=_("Revenue (yuan)"), **MONEY)
    total_assets = forms.DecimalField(label=_("Total assets (yuan)"), **MONEY)
    total_costs = forms.DecimalField(label=_("Total costs (yuan)"), **MONEY)
    rnd_expense = forms.DecimalField(label=_("R&D expense (yuan)"), **MONEY)
    staff = forms.IntegerField(label=_("Staff"), min_value=0, max_value=10_000_000)
    st_staff = forms.IntegerField(label=_("S&T staff"), min_value=0, max_value=10_000_000)
    invention_patents = forms.IntegerField(label=_("Invention patents"), min_value=0, initial=0)
    other_class_i_ip = forms.IntegerField(
        label=_("Other class-I IP"),
        min_value=0,
        initial=0,
        help_text=_("Plant varieties, national new drugs, IC layout designs…"),
    )
    class_ii_ip = forms.IntegerField(
        label=_("Class-II IP"),
        min_value=0,
        initial=0,
        help_text=_("Utility models, designs, software copyrights"),
    )
    tech_contract_turnover = forms.DecimalField(
        label=_("Technology-contract turnover (yuan)"), initial=Decimal("0"), **MONEY
    )
    vc_received = forms.DecimalField(
        label=_("Venture capital received (yuan)"), initial=Decimal("0"), **MONEY
    )

    FIGURES = (
        "revenue",
        "total_assets",
        "total_costs",
        "rnd_expense",
        "staff",
        "st_staff",
        "invention_patents",
        "other_class_i_ip",
        "class_ii_ip",
        "tech_contract_turnover",
        "vc_received",
    )

    def __init__(self, *args, fixed_year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_year is not None:
            # Correcting a year: the year is the page's, not the form's.
            del self.fields["year"]
        self.style()

    def figures(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.FIGURES}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("refuse", _("Refuse"))])
    reason = forms.CharField(label=_("Reason (shown to the applicant)"), max_length=500, required=False)
