"""System checks: the delivery limits only keep their promise in the right order."""

from django.conf import settings
from django.core.checks import Error, register

from .relay import delivery_time_limits


@register()
def delivery_limits(app_configs, **kwargs) -> list[Error]:
    hard, soft = delivery_time_limits()
    errors = []
    if hard >= settings.DELIVERY_LEASE_SECONDS:
        errors.append(
            Error(
                "DELIVERY_LEASE_SECONDS must be longer than DELIVERY_TASK_TIME_LIMIT_SECONDS.",
                hint="Otherwise the sweep can hand a delivery that is still being sent to a second worker.",
                id="coordination.E101",
            )
        )
    if soft <= settings.WEBHOOK_TIMEOUT_SECONDS:
        errors.append(
            Error(
                f"WEBHOOK_TIMEOUT_SECONDS must be shorter than the delivery tasks' soft limit ({soft:g} s).",
                hint="Raise DELIVERY_TASK_TIME_LIMIT_SECONDS (and DELIVERY_LEASE_SECONDS above it).",
                id="coordination.E102",
            )
        )
    return errors
