from django.db import models
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    BANK = "bank", _("Bank")
    INSURER = "insurer", _("Insurer")
    VC = "vc", _("Venture capital")
    GUARANTOR = "guarantor", _("Guarantor")


class Instrument(models.TextChoices):
    CREDIT_LOAN = "credit_loan", _("Credit loan")
    IP_PLEDGE_LOAN = "ip_pledge_loan", _("IP pledge loan")
    EQUITY = "equity", _("Equity investment")
    RD_INSURANCE = "rd_insurance", _("R&D insurance")
    FIRST_SET_INSURANCE = "first_set_insurance", _("First-set equipment insurance")
    LOAN_GUARANTEE_INSURANCE = "loan_guarantee_insurance", _("Loan guarantee insurance")
    GUARANTEE = "guarantee", _("Guarantee")
    SCI_TECH_BOND = "sci_tech_bond", _("Sci-tech bond")


# Which institution kinds offer which instruments; products must agree with their institution.
INSTRUMENTS_BY_KIND: dict[str, tuple[str, ...]] = {
    InstitutionKind.BANK: (Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN, Instrument.SCI_TECH_BOND),
    InstitutionKind.INSURER: (
        Instrument.RD_INSURANCE,
        Instrument.FIRST_SET_INSURANCE,
        Instrument.LOAN_GUARANTEE_INSURANCE,
    ),
    InstitutionKind.VC: (Instrument.EQUITY,),
    InstitutionKind.GUARANTOR: (Instrument.GUARANTEE,),
}


# Loans, as the evaluation counts them (first loans, credit-loan share, rates, terms: DESIGN §11).
LOAN_INSTRUMENTS: tuple[str, ...] = (Instrument.CREDIT_LOAN, Instrument.IP_PLEDGE_LOAN)
