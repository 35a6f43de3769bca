"""The coordinator's package form (/evaluation/major-tasks/<id>/packages/new/) and the lead enterprise's
answers on a proposed package (/sme/packages/<id>/). Shape only: the package services decide the rest."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument

from ..services.packages import MAX_TRANCHES
from ..views.forms import BootstrapFormMixin
from .sme import DocumentsMixin, StyledMixin


class PackageForm(BootstrapFormMixin, forms.Form):
    purpose = forms.CharField(
        label=_("Purpose"),
        max_length=5000,
        help_text=_(
            "What the package finances: the task's milestones, as the lead enterprise will submit it."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class PackageTrancheForm(BootstrapFormMixin, forms.Form):
    instrument = forms.ChoiceField(label=_("Instrument"), choices=[("", "---------"), *Instrument.choices])
    amount = forms.DecimalField(
        label=_("Amount (yuan)"), max_digits=18, decimal_places=2, min_value=Decimal("0.01")
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=600)
    institutions = forms.TypedMultipleChoiceField(
        label=_("Invited institutions"), coerce=int, widget=forms.SelectMultiple(attrs={"size": 4})
    )

    def __init__(self, *args, institutions=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["institutions"].choices = list(institutions)  # type: ignore[attr-defined]


PackageTrancheFormSet = forms.formset_factory(
    PackageTrancheForm,
    extra=3,
    min_num=1,
    validate_min=True,
    max_num=MAX_TRANCHES,
    validate_max=True,
)
PACKAGE_TRANCHE_PREFIX = "tranches"


class ConfirmPackageForm(StyledMixin, DocumentsMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_document_fields()
        self.style()


class DeclinePackageForm(StyledMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style()
