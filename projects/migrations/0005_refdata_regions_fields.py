"""Ship the GB/T 2260 regions and the S&T field tree (projects/reference/) with migrate."""

from django.db import migrations

from projects.reference.fields import TECH_FIELDS
from projects.reference.load import load_tree
from projects.reference.regions import REGIONS


def load(apps, schema_editor):
    load_tree(apps.get_model("projects", "Region"), REGIONS)
    load_tree(apps.get_model("projects", "TechField"), TECH_FIELDS)


class Migration(migrations.Migration):
    dependencies = [
        ("projects", "0004_admin_history"),
    ]

    # Reversing keeps the rows: enterprises, products and scopes may point at them.
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
