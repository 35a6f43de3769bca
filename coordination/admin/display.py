"""How the console says things: money in 万元, local times, statuses and actions in words, the screening
result and a match explanation read as sentences, an offer's terms — never a JSON dump where words fit."""

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from projects.domain.size_class import SIZE_LABELS, SizeClass

from ..models import (
    Offer,
    Referral,
)
from ..workflow.business_days import SHANGHAI
from ..workflow.labels import object_word, status_label


def local_time(value: datetime | None) -> str:
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """Yuan with the 万元 figure users expect: 3,000,000.00 CNY (300 万元)."""
    if amount is None:
        return "—"
    wan = f"{amount / 10000:,.2f}".rstrip("0").rstrip(".")
    return f"{amount:,.2f} {currency} ({wan} 万元)"


def percent(rate: Decimal | None) -> str:
    """A yearly rate stored as a fraction (0.0345), as the page shows it: 3.45%."""
    if rate is None:
        return "—"
    shown = f"{rate * 100:.4f}".rstrip("0").rstrip(".")
    return f"{shown}%"


def explain_lines(items) -> list[str]:
    """A match explanation as one readable line per factor.

    The matcher stores one dict per factor ({"factor", "label", "value", "weight", "points", "text"}):
    a line reads "Amount fit +10.48 — 3,000,000 yuan within the product's range". Anything else
    stored there is shown as it is.
    """
    lines = []
    for item in items if isinstance(items, list) else [items] if items else []:
        if not isinstance(item, dict):
            lines.append(str(item))
            continue
        label = item.get("label") or item.get("factor")
        if label is None:
            lines.append(", ".join(f"{k}: {v}" for k, v in item.items()))
            continue
        line = str(label)
        if item.get("points") is not None:
            line += f" +{item['points']}"
        if item.get("text"):
            line += f" — {item['text']}"
        lines.append(line)
    return lines


def explanation_html(items) -> str:
    lines = explain_lines(items) or ["—"]
    return format_html_join("", "<div>{}</div>", ((line,) for line in lines))


TOP_FACTORS = 3


@dataclass(frozen=True)
class Factor:
    label: str
    points: str
    text: str


def _points_of(item: dict) -> float:
    try:
        return float(item.get("points") or 0)
    except (TypeError, ValueError):
        return 0.0


def top_factors(items, top: int = TOP_FACTORS) -> tuple[list[Factor], list[Factor]]:
    """A match explanation split for reading at a glance: the `top` factors that gave the most points,
    then the rest (for an "expand"), each by its label, its points and its sentence."""
    factors = [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []
    ranked = sorted(factors, key=_points_of, reverse=True)
    shown = [
        Factor(
            label=str(item.get("label") or item.get("factor") or "—"),
            points="—" if item.get("points") is None else f"{_points_of(item):+g}",
            text=str(item.get("text") or ""),
        )
        for item in ranked
    ]
    return shown[:top], shown[top:]


def explanation_summary_html(items) -> str:
    """A stored match explanation in little room: its top factors, the rest behind an "expand"."""
    top, more = top_factors(items)
    if not top:
        return explanation_html(items)
    return render_to_string("admin/coordination/explanation_summary.html", {"top": top, "more": more})


def pretty_json(value) -> str:
    if not value:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, default=str))


def transition_label(object_type: str, from_status: str, to_status: str) -> str:
    """“Triage → Routed” in the reader's language; a creation reads “— → Sent”."""
    return gettext("%(from)s → %(to)s") % {
        "from": status_label(object_type, from_status),
        "to": status_label(object_type, to_status),
    }


def object_label(object_type: str, object_id: int) -> str:
    """“referral #12” in the reader's language."""
    return gettext("%(object)s #%(id)s") % {"object": object_word(object_type), "id": object_id}


class ObjectLabels:
    """“referral #12 · Bank X” for events and deadlines of one request, looked up once per request."""

    def __init__(self):
        self._cache: dict[int, dict[tuple[str, int], str]] = {}

    def __call__(self, request_id: int, object_type: str, object_id: int) -> str:
        if object_type == "financing_request":
            return object_word(object_type)
        if request_id not in self._cache:
            labels = {
                ("referral", r.pk): self._label("referral", r.pk, r.institution)
                for r in Referral.objects.filter(request_id=request_id).select_related("institution")
            }
            labels.update(
                {
                    ("offer", o.pk): self._label("offer", o.pk, o.referral.institution)
                    for o in Offer.objects.filter(request_id=request_id).select_related(
                        "referral__institution"
                    )
                }
            )
            self._cache[request_id] = labels
        return self._cache[request_id].get(
            (object_type, object_id), self._label(object_type, object_id, None)
        )

    @staticmethod
    def _label(object_type: str, pk: int, institution) -> str:
        label = object_label(object_type, pk)
        return f"{label} · {institution}" if institution else label


# --- the screening result -----------------------------------------------------------------------------

DIRECT_GROUNDS: dict[str, Promise] = {
    "high_tech_certificate": _("a valid high-tech enterprise certificate"),
    "national_award": _("a national S&T award in recent years"),
    "provincial_rnd_institution": _("a provincial-level R&D institution"),
    "led_standard": _("led a national or industry standard in recent years"),
}
RND_BASES: dict[str, Promise] = {
    "revenue": _("R&D expense against revenue"),
    "costs": _("R&D expense against total costs"),
}


def tech_sme_lines(evaluation: dict) -> list[str]:
    """The tech-SME evaluation (projects.domain.tech_sme, as_dict) in sentences."""
    if not evaluation:
        return []
    qualified = evaluation.get("qualified")
    verdict = _("qualified as a tech-SME") if qualified else _("not qualified as a tech-SME")
    basis = evaluation.get("rnd_basis", "")
    lines = [
        gettext(
            "%(verdict)s: %(total)s of 100 points (S&T staff %(staff)s, R&D %(rnd)s by %(basis)s, "
            "intellectual property %(ip)s; 60 passes)"
        )
        % {
            "verdict": verdict,
            "total": evaluation.get("total", "—"),
            "staff": evaluation.get("staff_score", "—"),
            "rnd": evaluation.get("rnd_score", "—"),
            "basis": RND_BASES.get(basis, basis),
            "ip": evaluation.get("ip_score", "—"),
        }
    ]
    grounds = evaluation.get("direct_qualification") or []
    if grounds:
        lines.append(
            gettext("qualifies directly: %(grounds)s")
            % {"grounds": gettext(", ").join(str(DIRECT_GROUNDS.get(code, code)) for code in grounds)}
        )
    for failure in evaluation.get("basic_condition_failures") or []:
        lines.append(gettext("basic condition not met: %(failure)s") % {"failure": failure})
    return lines


def size_class_label(value: str) -> str:
    try:
        return str(SIZE_LABELS[SizeClass(value)])
    except ValueError:
        return value


def screening_html(screening: dict) -> str:
    """The screening result (coordination/services/screening.py) in words, its time in Asia/Shanghai."""
    if not screening:
        return render_to_string("admin/coordination/financingrequest/screening.html", {"screened": False})
    checked_at = parse_datetime(str(screening.get("checked_at") or ""))
    missing = [str(line) for line in screening.get("missing") or []]
    context = {
        "screened": True,
        "checked_at": local_time(checked_at),
        # Written for the applicant when it was checked, documents included ("document: business plan").
        "missing": missing,
        "financials_year": screening.get("financials_year"),
        "size_class": size_class_label(screening["size_class"]) if screening.get("size_class") else "",
        "tech_sme": tech_sme_lines(screening.get("tech_sme") or {}),
    }
    return render_to_string("admin/coordination/financingrequest/screening.html", context)


# --- an offer's terms ---------------------------------------------------------------------------------

TERM_LABELS: dict[str, Promise] = {
    "security": _("security"),
    "collateral": _("collateral"),
    "guarantee": _("guarantee"),
    "valuation": _("pre-money valuation"),
    "pre_money_valuation": _("pre-money valuation"),
    "stake": _("stake"),
    "cover": _("cover"),
    "premium": _("premium"),
    "premium_rate": _("premium rate"),
    "fee": _("fee"),
    "fee_rate": _("fee rate"),
    "repayment": _("repayment"),
    "conditions": _("conditions"),
}


def offer_terms(offer: Offer) -> list[tuple[str, str]]:
    """An offer's further terms (by instrument: security, valuation and stake, cover and premium, fee)
    as (label, value) pairs."""
    terms = offer.terms if isinstance(offer.terms, dict) else {}
    return [(str(TERM_LABELS.get(key, key.replace("_", " "))), str(value)) for key, value in terms.items()]
