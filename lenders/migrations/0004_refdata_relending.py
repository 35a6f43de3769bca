"""Ship the dated re-lending rows (lenders/reference/relending.py) with migrate."""

from django.db import migrations

from lenders.reference.relending import RELENDING_POLICIES
from projects.reference.load import load_rows


def load(apps, schema_editor):
    load_rows(apps.get_model("lenders", "RelendingPolicy"), RELENDING_POLICIES, key="effective_from")


class Migration(migrations.Migration):
    dependencies = [
        ("lenders", "0003_admin_history"),
    ]

    # Reversing keeps the rows: they are history that re-lending figures were computed from.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
