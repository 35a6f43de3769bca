"""Whether a deal qualifies for a programme, and if not, the first reason why (in words)."""

from __future__ import annotations

from django.utils.translation import gettext

from lenders.choices import Instrument
from projects.choices import SpecialisedStatus, Stage
from projects.credits.selectors import credit_under
from projects.regions import covers

from ..choices import ProgrammeKind, label_of, lower_first
from .deal import Deal, Programme
from .parameters import KIND_INSTRUMENTS

RELENDING = ProgrammeKind.RELENDING


def registered_tech_sme(enterprise) -> bool:
    return bool(enterprise.tech_sme_registration_no)


def on_relending_list(enterprise, day) -> bool:
    """Registered tech-SMEs, valid high-tech enterprises and specialised SMEs: the re-lending list."""
    high_tech = bool(enterprise.high_tech_certificate_no) and (
        enterprise.high_tech_valid_until is None or enterprise.high_tech_valid_until >= day
    )
    return (
        registered_tech_sme(enterprise)
        or high_tech
        or enterprise.specialised_status != SpecialisedStatus.NONE
    )


def in_window(programme: Programme, day) -> bool:
    return programme.valid_from <= day and (programme.valid_until is None or day <= programme.valid_until)


def instruments_of(programme: Programme) -> tuple[str, ...]:
    allowed = KIND_INSTRUMENTS[programme.kind]
    return tuple(i for i in programme.instruments if i in allowed) if programme.instruments else allowed


def refusal(programme: Programme, deal: Deal) -> str | None:
    """None when the deal qualifies; otherwise the first condition it misses."""
    if not in_window(programme, deal.day):
        return gettext("%(day)s is outside the programme's window.") % {"day": deal.day}
    if programme.region_code and not covers(programme.region_code, deal.region_code):
        return gettext("The enterprise is not in %(region)s.") % {"region": programme.region_name}
    if deal.instrument not in instruments_of(programme):
        return gettext("The programme does not cover this instrument (%(instrument)s).") % {
            "instrument": lower_first(label_of(Instrument, deal.instrument))
        }
    if programme.max_amount is not None and deal.amount > programme.max_amount:
        return gettext("The amount is above the programme's cap.")
    if programme.stages and deal.stage not in programme.stages:
        return gettext("The programme is not open to %(stage)s-stage enterprises.") % {
            "stage": lower_first(label_of(Stage, deal.stage))
        }
    if programme.field_ids and not programme.field_ids & deal.field_ids:
        return gettext("The enterprise works in none of the programme's fields.")
    if programme.requires_tech_sme and not deal.tech_sme:
        return gettext("The programme requires tech-SME registration.")
    if programme.first_loan_only and not deal.first_loan:
        return gettext("The programme is for a first loan only.")
    if programme.min_credit_score is not None:
        credit = credit_under(deal.credits, programme.min_credit_version)
        if credit is None or credit < programme.min_credit_score:
            return gettext(
                "The programme asks for an innovation credit of at least %(minimum)s under model %(version)s."
            ) % {
                "minimum": programme.min_credit_score,
                "version": programme.min_credit_version,
            }
    if programme.kind == RELENDING:
        if not deal.relending_bank:
            return gettext("The institution is not eligible for sci-tech re-lending.")
        if not deal.on_relending_list:
            return gettext("The enterprise is not on the re-lending list.")
    return None


def qualifies(programme: Programme, deal: Deal) -> bool:
    return refusal(programme, deal) is None
