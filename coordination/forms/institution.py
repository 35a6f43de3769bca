"""Forms of the institution's referral page: shapes and units only (万元 to yuan, percent to fraction);
what an offer, a decline or a funding may be is the services' to say (coordination/services/)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from lenders.choices import Instrument

from ..choices import DeclineReason, FollowUpStatus, ReferralStatus

TEN_THOUSAND = Decimal(10000)
HUNDRED = Decimal(100)
FEN = Decimal("0.01")


def wan_field(label, *, required: bool = True, help_text="") -> forms.DecimalField:
    """An amount typed in 万元 (up to fen: six decimals), as the pages show amounts."""
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.000001"),
        max_digits=17,
        decimal_places=6,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def percent_field(label, *, help_text="") -> forms.DecimalField:
    """A yearly rate typed as a percentage (3.45 for 3.45%); the services take the fraction (0.0345)."""
    return forms.DecimalField(
        label=label,
        min_value=Decimal("0"),
        max_value=Decimal("99.99"),
        max_digits=4,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )


def yuan(wan: Decimal) -> Decimal:
    return (wan * TEN_THOUSAND).quantize(FEN)


def fraction(percent: Decimal) -> Decimal:
    return (percent / HUNDRED).quantize(Decimal("0.0001"))


class DateInput(forms.DateInput):
    input_type = "date"


class BootstrapForm(forms.Form):
    """Bootstrap 5 classes on every widget, and the error state the screen readers announce."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs["class"] = (
                "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )

    def mark_errors(self) -> None:
        """Before showing the form again: each field in error says so (the services' errors included)."""
        for name, field in self.fields.items():
            if self.is_bound and name in self.errors:
                field.widget.attrs["class"] += " is-invalid"
                field.widget.attrs["aria-invalid"] = "true"
                field.widget.attrs["aria-describedby"] = f"{self[name].auto_id}-errors"


class OfferForm(BootstrapForm):
    """What every offer has: an amount and how long it stays valid. Subclasses add the instrument's terms,
    and name their fields like the service's arguments (`amount`, `annual_rate`, `term_months`), so that
    the service's errors land on the field they name."""

    kind = "offer"
    amount = wan_field(_("Amount (万元)"))
    valid_until = forms.DateField(label=_("Valid until"), widget=DateInput)

    def offer_arguments(self) -> dict:
        """The keyword arguments of `services.referrals.make_offer`, in its units."""
        data = self.cleaned_data
        return {
            "amount": yuan(data["amount"]),
            "valid_until": data["valid_until"],
            "annual_rate": fraction(data["annual_rate"]) if data.get("annual_rate") is not None else None,
            "term_months": data.get("term_months"),
            "terms": self.terms(),
        }

    def terms(self) -> dict:
        return {}


def term_field(label=None) -> forms.IntegerField:
    return forms.IntegerField(label=label or _("Term (months)"), min_value=1, max_value=600)


class LoanOfferForm(OfferForm):
    kind = "loan"
    annual_rate = percent_field(_("Annual interest rate (%)"), help_text=_("3.45 for 3.45% a year."))
    term_months = term_field()
    security = forms.CharField(
        label=_("Security"),
        required=False,
        max_length=500,
        help_text=_("Collateral, pledge or guarantee; blank for an unsecured credit loan."),
    )

    def terms(self) -> dict:
        security = self.cleaned_data.get("security", "").strip()
        return {"security": security} if security else {}


class EquityOfferForm(OfferForm):
    kind = "equity"
    pre_money_valuation = wan_field(_("Pre-money valuation (万元)"))
    stake = forms.DecimalField(
        label=_("Stake (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
        help_text=_("The share of the enterprise the investment buys, 12.5 for 12.5%."),
    )

    def terms(self) -> dict:
        data = self.cleaned_data
        return {
            "pre_money_valuation": str(yuan(data["pre_money_valuation"])),
            "stake": str(fraction(data["stake"])),
        }


class InsuranceOfferForm(OfferForm):
    kind = "insurance"
    amount = wan_field(_("Cover (万元)"))
    annual_rate = percent_field(
        _("Premium rate (% a year)"), help_text=_("Enter 0.8 for 0.8 per cent of the cover a year.")
    )
    term_months = term_field(_("Period of cover (months)"))


class GuaranteeOfferForm(OfferForm):
    kind = "guarantee"
    amount = wan_field(_("Guaranteed amount (万元)"))
    annual_rate = percent_field(
        _("Guarantee fee (% a year)"), help_text=_("Enter 1.0 for 1 per cent of the amount a year.")
    )
    term_months = term_field()


OFFER_FORMS: dict[str, type[OfferForm]] = {
    Instrument.CREDIT_LOAN: LoanOfferForm,
    Instrument.IP_PLEDGE_LOAN: LoanOfferForm,
    Instrument.SCI_TECH_BOND: LoanOfferForm,
    Instrument.EQUITY: EquityOfferForm,
    Instrument.RD_INSURANCE: InsuranceOfferForm,
    Instrument.FIRST_SET_INSURANCE: InsuranceOfferForm,
    Instrument.LOAN_GUARANTEE_INSURANCE: InsuranceOfferForm,
    Instrument.GUARANTEE: GuaranteeOfferForm,
}


def offer_form_for(instrument: str, *args, **kwargs) -> OfferForm:
    return OFFER_FORMS.get(instrument, LoanOfferForm)(*args, prefix="offer", **kwargs)


class AskForm(BootstrapForm):
    question = forms.CharField(
        label=_("Your question to the applicant"), max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class DeclineForm(BootstrapForm):
    reason_code = forms.ChoiceField(label=_("Reason"), choices=DeclineReason.choices)
    note = forms.CharField(
        label=_("Note (not shown to the applicant)"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class FundingForm(BootstrapForm):
    amount = wan_field(
        _("Amount paid out (万元)"), required=False, help_text=_("Blank for the accepted offer's amount.")
    )
    funded_on = forms.DateField(
        label=_("Paid out on"), required=False, widget=DateInput, help_text=_("Blank for today.")
    )

    def funding_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "amount": yuan(data["amount"]) if data.get("amount") is not None else None,
            "funded_on": data.get("funded_on"),
        }


class DefaultForm(BootstrapForm):
    """A default on a funded tranche that a risk pool covers (DESIGN §10); the claim is the service's to
    compute. `pools`: the pools covering the tranche, as (id, name); a choice only when there are several."""

    loss = wan_field(_("Principal lost (万元)"), help_text=_("At most the principal outstanding."))
    defaulted_on = forms.DateField(label=_("Defaulted on"), widget=DateInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    programme = forms.TypedChoiceField(label=_("Risk pool"), coerce=int, required=False)

    def __init__(self, *args, pools: list[tuple[int, str]] = (), **kwargs):
        super().__init__(*args, **kwargs)
        if len(pools) > 1:
            self.fields["programme"].choices = list(pools)
            self.fields["programme"].required = True
        else:
            del self.fields["programme"]

    def report_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "loss": yuan(data["loss"]),
            "defaulted_on": data["defaulted_on"],
            "note": data["note"],
            "programme_id": data.get("programme"),
        }


class QueueFilterForm(forms.Form):
    """The queue's filters (GET): status, instrument, and a search on the request's reference."""

    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *ReferralStatus.choices]
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"), required=False, choices=[("", _("All instruments")), *Instrument.choices]
    )
    q = forms.CharField(
        label=_("Reference"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": "FR-2026-000123", "type": "search"}),
    )


class FollowUpForm(BootstrapForm):
    """An institution's follow-up on a recommendation list entry (DESIGN §14): the terms when financed, the
    reason when declined; which are required for which status is the service's to say."""

    status = forms.ChoiceField(
        label=_("Follow-up"),
        choices=[(c, label) for c, label in FollowUpStatus.choices if c != FollowUpStatus.OPENED],
    )
    instrument = forms.ChoiceField(
        label=_("Instrument"), required=False, choices=[("", "—"), *Instrument.choices]
    )
    amount = wan_field(_("Amount financed (万元)"), required=False)
    annual_rate = percent_field(_("Annual rate (%)"))
    term_months = forms.IntegerField(label=_("Term (months)"), required=False, min_value=1, max_value=600)
    financed_on = forms.DateField(label=_("Financed on"), required=False, widget=DateInput)
    decline_reason = forms.ChoiceField(
        label=_("Decline reason"), required=False, choices=[("", "—"), *DeclineReason.choices]
    )
    note = forms.CharField(
        label=_("Internal note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["annual_rate"].required = False

    def follow_up_arguments(self) -> dict:
        data = self.cleaned_data
        arguments = {"status": data["status"], "note": data.get("note") or ""}
        if data.get("instrument"):
            arguments["instrument"] = data["instrument"]
        if data.get("amount") is not None:
            arguments["amount"] = yuan(data["amount"])
        if data.get("annual_rate") is not None:
            arguments["annual_rate"] = fraction(data["annual_rate"])
        for name in ("term_months", "financed_on", "decline_reason"):
            if data.get(name):
                arguments[name] = data[name]
        return arguments
