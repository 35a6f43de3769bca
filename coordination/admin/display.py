import json
from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from ..models import (
    Offer,
    Referral,
)
from ..workflow.business_days import SHANGHAI


def local_time(value: datetime | None) -> str:
    return timezone.localtime(value, SHANGHAI).strftime("%Y-%m-%d %H:%M") if value else "—"


def money(amount: Decimal | None, currency: str = "CNY") -> str:
    """Yuan with the 万元 figure users expect: 3,000,000.00 CNY (300 万元)."""
    if amount is None:
        return "—"
    wan = f"{amount / 10000:,.2f}".rstrip("0").rstrip(".")
    return f"{amount:,.2f} {currency} ({wan} 万元)"


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


def pretty_json(value) -> str:
    if not value:
        return "—"
    return format_html("<pre>{}</pre>", json.dumps(value, ensure_ascii=False, indent=2, default=str))


def transition_label(from_status: str, to_status: str) -> str:
    return f"{from_status or '∅'} → {to_status}"


class ObjectLabels:
    """“referral #12 · Bank X” for events and deadlines of one request, looked up once per request."""

    def __init__(self):
        self._cache: dict[int, dict[tuple[str, int], str]] = {}

    def __call__(self, request_id: int, object_type: str, object_id: int) -> str:
        if object_type == "financing_request":
            return str(_("request"))
        if request_id not in self._cache:
            labels = {
                ("referral", r.pk): f"referral #{r.pk} · {r.institution}"
                for r in Referral.objects.filter(request_id=request_id).select_related("institution")
            }
            labels.update(
                {
                    ("offer", o.pk): f"offer #{o.pk} · {o.referral.institution}"
                    for o in Offer.objects.filter(request_id=request_id).select_related(
                        "referral__institution"
                    )
                }
            )
            self._cache[request_id] = labels
        return self._cache[request_id].get((object_type, object_id), f"{object_type} #{object_id}")
