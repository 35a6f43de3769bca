"""Routing policy: which of a tranche's ranked candidates are proposed.

* Rank by score; ties go first to the institution with fewer referrals waiting on it now, then to a
  draw seeded by (request, institution) — stable for one request, different across requests, so no
  institution wins every tie.
* At most one product per institution on a tranche (its best one).
* The top few per institution kind (defaults: 3 banks, 2 insurers, 3 VCs, 2 guarantors), less the
  referrals already waiting on the tranche (re-routing tops a tranche up, it does not double it).
* Capacity-aware: a product proposed for two tranches of one request must have room for both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from decimal import Decimal

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from lenders.choices import INSTRUMENTS_BY_KIND, InstitutionKind

from ..models import Tranche
from .candidates import Candidate
from .context import InstitutionRecord

DEFAULT_ROUTE_LIMITS: dict[str, int] = {
    InstitutionKind.BANK: 3,
    InstitutionKind.INSURER: 2,
    InstitutionKind.VC: 3,
    InstitutionKind.GUARANTOR: 2,
}
KIND_OF_INSTRUMENT = {
    instrument: kind for kind, instruments in INSTRUMENTS_BY_KIND.items() for instrument in instruments
}
KIND_PLURAL: dict[str, Promise] = {
    InstitutionKind.BANK: _("banks"),
    InstitutionKind.INSURER: _("insurers"),
    InstitutionKind.VC: _("VC institutions"),
    InstitutionKind.GUARANTOR: _("guarantors"),
}


def route_limit(kind: str) -> int:
    limits = {**DEFAULT_ROUTE_LIMITS, **getattr(settings, "MATCHING_ROUTE_LIMITS", {})}
    return int(limits.get(kind, 3))


def kind_of(instrument: str) -> str:
    return KIND_OF_INSTRUMENT.get(instrument, InstitutionKind.BANK)


def tie_draw(request_id: int, institution_id: int) -> str:
    return hashlib.blake2b(f"{request_id}:{institution_id}".encode(), digest_size=8).hexdigest()


def rank(
    candidates: Iterable[Candidate], *, request_id: int, records: dict[int, InstitutionRecord]
) -> list[Candidate]:
    draws: dict[int, str] = {}  # an institution's draw, drawn once however many of its products compete

    def key(c: Candidate):
        institution_id = c.product.institution_id
        record = records.get(institution_id)
        live = record.live if record is not None else 0  # no record: nothing waits on it
        draw = draws.get(institution_id)
        if draw is None:
            draw = draws[institution_id] = tie_draw(request_id, institution_id)
        return (-c.score, live, draw, c.product.pk)

    ranked = sorted(candidates, key=key)
    for position, candidate in enumerate(ranked, start=1):
        candidate.rank = position
    return ranked


def invited_only(ranked: list[Candidate], invited: set[int]) -> list[Candidate]:
    """A package's tranche is proposed to the institutions its coordinator invited (DESIGN §14), best first;
    the others stay ranked for the coordinator, who may still pick them by hand."""
    for candidate in ranked:
        if candidate.product.institution_id not in invited:
            candidate.note = gettext("not invited to this package's tranche")
    return [candidate for candidate in ranked if candidate.product.institution_id in invited]


def select(
    tranche: Tranche, ranked: list[Candidate], *, waiting: int, committed: dict[int, Decimal]
) -> list[Candidate]:
    """Mark and return the proposed candidates; `committed` carries capacity across the request's tranches."""
    kind = kind_of(tranche.instrument)
    limit = route_limit(kind)
    slots = max(0, limit - waiting)
    chosen: list[Candidate] = []
    institutions: set[int] = set()
    notes = _Notes(limit, kind, waiting)
    for candidate in ranked:
        product = candidate.product
        room = product.capacity_left
        if product.pk in committed:
            room -= committed[product.pk]
        if room < tranche.amount:
            candidate.note = notes["capacity"]
        elif product.institution_id in institutions:
            candidate.note = notes["institution"]
        elif len(chosen) >= slots:
            candidate.note = notes["limit"]
        else:
            candidate.selected = True
            candidate.note = notes["proposed"]
            chosen.append(candidate)
            institutions.add(product.institution_id)
            committed[product.pk] = committed.get(product.pk, Decimal(0)) + tranche.amount
    return chosen


class _Notes(dict):
    """The policy's notes of one tranche, each translated once however many candidates it is written on."""

    def __init__(self, limit: int, kind: str, waiting: int):
        super().__init__()
        self.words = {"limit": limit, "kind": KIND_PLURAL[kind], "waiting": waiting}

    def __missing__(self, key: str) -> str:
        self[key] = text = self._text(key)
        return text

    def _text(self, key: str) -> str:
        if key == "capacity":
            return gettext("capacity needed for another tranche of this request")
        if key == "institution":
            return gettext("a better-ranked product of the same institution is proposed")
        if key == "proposed":
            return gettext("proposed")
        if self.words["waiting"]:
            words = self.words
            return gettext("beyond the %(limit)s %(kind)s per tranche (%(waiting)s already waiting)") % words
        return gettext("beyond the %(limit)s %(kind)s routed per tranche") % self.words
