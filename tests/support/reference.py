"""The credit model versions that migrations ship, put back after a transactional test's flush.

pytest-django empties every table after a transactional test (the browser tests, the concurrency tests), so
the rows that data migrations wrote are gone for the tests that the same worker runs next. Products name
their credit version (`Product.min_credit_version`, default `2024-trial`), so tests that need the shipped
versions call `shipped_credit_models()` first: it runs the migrations' own functions again when the rows are
missing, so the tests read exactly what a fresh database holds.
"""

from importlib import import_module

from django.db import connection
from django.db.migrations.loader import MigrationLoader

from projects.credits.choices import TRIAL_2024
from projects.models import CreditModel

# In the order the migrations run: 2.0 as first shipped, its rename to 2024-trial, the new 2.0.
_STEPS = (
    ("0003_innovation_credit_model_2_0", "create_model"),
    ("0010_credit_model_2024_trial_named", "rename"),
    ("0011_innovation_credit_model_2_0_published", "create_model"),
)


def shipped_credit_models() -> None:
    if CreditModel.objects.filter(version=TRIAL_2024).exists():
        return
    # The models as the last migration leaves them (today's columns, plain managers without the
    # published-model guard), as the data migrations use theirs.
    historical = MigrationLoader(connection).project_state().apps
    for name, function in _STEPS:
        getattr(import_module(f"projects.migrations.{name}"), function)(historical, None)
