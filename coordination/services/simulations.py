"""Policy simulations (DESIGN §10 "Incremental policy"): a coordinator replays a programme with changed
terms over a past window. Starting one checks the terms and queues the run; the run (a Celery task) reads
the window's deals, replays the version and its changed copy with the same support functions the offers
use, and stores both beside what the ledger committed. Nothing touches the programme or its ledger."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from celery import current_app
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from projects.choices import Stage

from .. import selectors
from ..choices import SimulationStatus
from ..errors import NotFound, ValidationFailed
from ..models import PolicyProgramme, PolicySimulation
from ..policies.deal import Programme
from ..policies.parameters import KIND_INSTRUMENTS, validated
from ..policies.simulation import replay, with_changes

logger = logging.getLogger(__name__)
RUN_TASK = "coordination.run_policy_simulation"
# Eligibility terms a simulation may change besides the kind's parameters.
FLAGS = ("requires_tech_sme", "first_loan_only")


def simulations_visible_to(user) -> list[PolicySimulation]:
    """The user's own simulations of programmes still in their scope, newest first."""
    return list(
        PolicySimulation.objects.filter(
            coordinator_id=user.pk, programme__in=selectors.programmes_visible_to(user)
        ).select_related("programme")[:50]
    )


def simulation_of(user, simulation_id: int) -> PolicySimulation:
    simulation = (
        PolicySimulation.objects.filter(
            pk=simulation_id,
            coordinator_id=user.pk,
            programme__in=selectors.programmes_visible_to(user),
        )
        .select_related("programme")
        .first()
    )
    if simulation is None:
        raise NotFound(gettext("No such simulation."))
    return simulation


def _stages(value, errors: dict) -> tuple[str, ...]:
    wrong = [s for s in value or [] if s not in Stage.values]
    if not isinstance(value, list) or wrong:
        errors["stages"] = [gettext("Unknown stage: %(stages)s.") % {"stages": ", ".join(map(str, wrong))}]
    return tuple(value or ())


def _instruments(kind: str, value, errors: dict) -> tuple[str, ...]:
    allowed = KIND_INSTRUMENTS.get(kind, ())
    if not isinstance(value, list) or any(i not in allowed for i in value):
        errors["instruments"] = [
            gettext("This kind applies to %(allowed)s only.") % {"allowed": ", ".join(allowed)}
        ]
    return tuple(value or ())


def _max_amount(value, errors: dict) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        amount = Decimal(-1)
    if not amount.is_finite() or amount < 0:
        errors["max_amount"] = [gettext("A number from 0 up.")]
    return amount


def checked_changes(programme: PolicyProgramme, changes) -> dict:
    """The changed terms, normalised (parameters with the kind's defaults filled in); a ValidationFailed
    naming each wrong field. The result is stored as JSON and read back by `changed_terms`."""
    if not isinstance(changes, dict):
        raise ValidationFailed(
            gettext("The changed terms are not valid."),
            fields={"changes": [gettext("An object of named terms.")]},
        )
    errors: dict[str, list[str]] = {}
    known = {"parameters", "stages", "instruments", "max_amount", *FLAGS}
    for name in changes:
        if name not in known:
            errors[name] = [gettext("Not a term a simulation can change.")]
    clean: dict = {}
    if "parameters" in changes:
        merged = {**programme.parameters, **(changes["parameters"] or {})}
        clean["parameters"], problems = validated(programme.kind, merged)
        errors.update({f"parameters.{name}": [message] for name, message in problems.items()})
    if "stages" in changes:
        clean["stages"] = list(_stages(changes["stages"], errors))
    if "instruments" in changes:
        clean["instruments"] = list(_instruments(programme.kind, changes["instruments"], errors))
    if "max_amount" in changes:
        amount = _max_amount(changes["max_amount"], errors)
        clean["max_amount"] = None if amount is None else str(amount)
    for flag in FLAGS:
        if flag in changes:
            if not isinstance(changes[flag], bool):
                errors[flag] = [gettext("True or false.")]
            clean[flag] = bool(changes[flag])
    if errors:
        raise ValidationFailed(gettext("The changed terms are not valid."), fields=errors)
    return clean


def changed_terms(terms: Programme, changes: dict) -> Programme:
    """The version's terms with the stored changes applied (an unsaved copy)."""
    typed: dict = {}
    for name, value in changes.items():
        if name in ("stages", "instruments"):
            typed[name] = tuple(value)
        elif name == "max_amount":
            typed[name] = None if value is None else Decimal(value)
        else:
            typed[name] = value
    return with_changes(terms, typed)


def _checked_window(window_from: date, window_until: date) -> None:
    if window_from > window_until:
        raise ValidationFailed(
            gettext("The window is not valid."),
            fields={"window_until": [gettext("On or after the first day of the window.")]},
        )
    if window_until > timezone.localdate():
        raise ValidationFailed(
            gettext("The window is not valid."),
            fields={"window_until": [gettext("A past window: today at the latest.")]},
        )


@transaction.atomic
def start_simulation(
    *, user, programme_id: int, window_from: date, window_until: date, changes
) -> PolicySimulation:
    """Check the terms and the window, store the simulation and queue its run (after the commit)."""
    programme = selectors.programmes_visible_to(user).filter(pk=programme_id).first()
    if programme is None:  # out of scope, or not a coordinator at all
        raise NotFound(gettext("No such policy programme."))
    _checked_window(window_from, window_until)
    simulation = PolicySimulation.objects.create(
        coordinator=user,
        programme=programme,
        changes=checked_changes(programme, changes),
        window_from=window_from,
        window_until=window_until,
    )
    transaction.on_commit(lambda: _queue(simulation.pk))
    return simulation


def _queue(simulation_id: int) -> None:
    try:
        current_app.signature(RUN_TASK).delay(simulation_id)
    except Exception:  # noqa: BLE001 - the stored simulation stays queued; the page says so
        logger.warning("broker unavailable; simulation %s left queued", simulation_id)


def _set_progress(simulation_id: int, percent: int) -> None:
    PolicySimulation.objects.filter(pk=simulation_id).update(progress=min(percent, 99))


def run_simulation(simulation_id: int) -> PolicySimulation:
    """Replay the version and its changed copy over the window and store both (the run of the task)."""
    simulation = PolicySimulation.objects.select_related("programme__region").get(pk=simulation_id)
    PolicySimulation.objects.filter(pk=simulation_id).update(status=SimulationStatus.RUNNING, progress=0)
    try:
        result = _replayed(simulation)
    except Exception as error:
        PolicySimulation.objects.filter(pk=simulation_id).update(
            status=SimulationStatus.FAILED, error=str(error)
        )
        raise
    PolicySimulation.objects.filter(pk=simulation_id).update(
        status=SimulationStatus.DONE, progress=100, result=result
    )
    simulation.refresh_from_db()
    return simulation


def _replayed(simulation: PolicySimulation) -> dict:
    row = simulation.programme
    start, end = simulation.window_from, simulation.window_until
    # The central bank's re-lending terms at the window's end: a local simulation does not vary them.
    terms = selectors.programme_terms(row, end)
    # Reading the deals' facts is the long part (progress to 90%); both replays then run on them.
    total, deals = selectors.window_deals(terms, start, end)
    rows, reported = [], 0
    for done, deal in enumerate(deals, start=1):
        rows.append(deal)
        percent = done * 90 // total
        if percent >= reported + 5:
            reported = percent
            _set_progress(simulation.pk, percent)
    # Both sides spend what the version's budget still held when the window opened, as the ledger did.
    budget_left = selectors.budget_left_at(row.pk, row.budget, start)
    current = replay(terms, rows, budget_left=budget_left)
    changed = replay(changed_terms(terms, simulation.changes), rows, budget_left=budget_left)
    return {
        "offers_read": total,
        "ledger_committed": str(selectors.ledger_committed(row.pk, start, end)),
        "current": current,
        "changed": changed,
    }
