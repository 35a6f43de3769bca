"""Forms of the institution managers' pages (/institution/products/, /institution/team/): shapes and the
pages' units only (万元 to yuan, percent to fraction). What a product may be is lenders/product_rules.py's,
who may change it coordination/services/institutions.py's; the views put their refusals back on the fields."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lenders.catalogue.files import FORMATS
from lenders.choices import INSTRUMENTS_BY_KIND, Instrument
from lenders.models import Institution, Product
from lenders.services.catalogue import ProductValues
from projects.credits.choices import TRIAL_2024
from projects.credits.selectors import published_versions
from projects.models import Region, TechField

from ..views.forms import BootstrapFormMixin
from .institution import DateInput, fraction, yuan

TEN_THOUSAND = Decimal(10000)
HUNDRED = Decimal(100)
# The service names fields as the model does; two of the form's differ (a form has `fields` already).
FORM_FIELD = {"fields": "tech_fields", "regions": "eligible_regions"}


def _wan(label) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=17,
        decimal_places=6,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def _percent(label, *, required: bool = False) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        max_digits=6,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


class ProductForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    instrument = forms.ChoiceField(label=_("Instrument"))
    min_amount = _wan(_("Minimum amount (万元)"))
    max_amount = _wan(_("Maximum amount (万元)"))
    min_term_months = forms.IntegerField(label=_("Minimum term (months)"))
    max_term_months = forms.IntegerField(label=_("Maximum term (months)"))
    tech_fields = forms.ModelMultipleChoiceField(
        label=_("Eligible fields"),
        queryset=TechField.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None means every field."),
    )
    eligible_regions = forms.ModelMultipleChoiceField(
        label=_("Eligible regions"),
        queryset=Region.objects.order_by("code"),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None means wherever the institution serves."),
    )
    for_startup = forms.BooleanField(label=_("Start-up stage"), required=False)
    for_growth = forms.BooleanField(label=_("Growth stage"), required=False)
    for_stable = forms.BooleanField(label=_("Stable stage"), required=False)
    requires_tech_sme = forms.BooleanField(label=_("Requires tech-SME registration"), required=False)
    min_credit_score = forms.DecimalField(
        label=_("Minimum innovation credit score"), max_digits=5, decimal_places=2, initial=0
    )
    min_credit_version = forms.ChoiceField(
        label=_("Innovation credit version of the minimum"),
        required=False,
        initial=TRIAL_2024,
        help_text=_("The model version the minimum score is measured on."),
    )
    rate_min = _percent(_("Indicative annual rate from (%)"))
    rate_max = _percent(_("Indicative annual rate to (%)"))
    stake_min = _percent(_("Stake from (%)"))
    stake_max = _percent(_("Stake to (%)"))
    yearly_capacity = _wan(_("Yearly capacity (万元)"))
    active_from = forms.DateField(label=_("Active from"), widget=DateInput(format="%Y-%m-%d"))
    active_until = forms.DateField(
        label=_("Active until"),
        required=False,
        widget=DateInput(format="%Y-%m-%d"),
        help_text=_("Empty: no end date."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, institution: Institution, **kwargs):
        super().__init__(*args, **kwargs)
        offered = INSTRUMENTS_BY_KIND[institution.kind]
        instrument = self.fields["instrument"]
        assert isinstance(instrument, forms.ChoiceField)
        instrument.choices = [(code, label) for code, label in Instrument.choices if code in offered]
        version = self.fields["min_credit_version"]
        assert isinstance(version, forms.ChoiceField)
        version.choices = [(v, v) for v in published_versions()]

    @classmethod
    def initial_for(cls, product: Product) -> dict:
        """The product's values in the form's units."""
        initial = {
            name: getattr(product, name)
            for name in (
                "name",
                "instrument",
                "min_term_months",
                "max_term_months",
                "for_startup",
                "for_growth",
                "for_stable",
                "requires_tech_sme",
                "min_credit_score",
                "min_credit_version",
                "active_from",
                "active_until",
                "is_active",
            )
        }
        for name in ("min_amount", "max_amount", "yearly_capacity"):
            initial[name] = (getattr(product, name) / TEN_THOUSAND).normalize()
        for name in ("rate_min", "rate_max", "stake_min", "stake_max"):
            value = getattr(product, name)
            initial[name] = None if value is None else (value * HUNDRED).quantize(Decimal("0.01"))
        initial["tech_fields"] = [field.code for field in product.fields.all()]
        initial["eligible_regions"] = [region.code for region in product.regions.all()]
        return initial

    def values(self) -> ProductValues:
        """The service's arguments, in its units (yuan, fractions)."""
        data = self.cleaned_data

        def percent(name: str) -> Decimal | None:
            return None if data[name] is None else fraction(data[name])

        return ProductValues(
            name=data["name"],
            instrument=data["instrument"],
            min_amount=yuan(data["min_amount"]),
            max_amount=yuan(data["max_amount"]),
            min_term_months=data["min_term_months"],
            max_term_months=data["max_term_months"],
            field_codes=[field.code for field in data["tech_fields"]],
            region_codes=[region.code for region in data["eligible_regions"]],
            for_startup=data["for_startup"],
            for_growth=data["for_growth"],
            for_stable=data["for_stable"],
            requires_tech_sme=data["requires_tech_sme"],
            min_credit_score=data["min_credit_score"],
            min_credit_version=data["min_credit_version"] or TRIAL_2024,
            rate_min=percent("rate_min"),
            rate_max=percent("rate_max"),
            stake_min=percent("stake_min"),
            stake_max=percent("stake_max"),
            yearly_capacity=yuan(data["yearly_capacity"]),
            active_from=data["active_from"],
            active_until=data["active_until"],
            is_active=data["is_active"],
        )


class CatalogueUploadForm(BootstrapFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Catalogue file (XLSX or CSV)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(f".{kind}" for kind in FORMATS)}),
        help_text=_("The columns of the export; a row without an id adds a product."),
    )


class AddMemberForm(BootstrapFormMixin, forms.Form):
    who = forms.CharField(
        label=_("Username or e-mail address"),
        max_length=254,
        help_text=_("The person must have signed up already."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
