"""Names the shipped innovation-credit model for what it is: the 2024 national trial version.

0003 shipped it as "2.0", but its shape (3 groups, 18 indicators, stage weights) is the August 2024
trial version's; the published 2.0 (October 2025) has 4 groups and 12 indicators and comes in the next
migration (DESIGN §5). Only the version, name and description change: the row (its id), its indicators
and its fingerprint stay, so every score computed under it keeps pointing at it and stays reproducible.
"""

from django.db import migrations

OLD, NEW = "2.0", "2024-trial"
NAME = "创新积分 2024 全国试行版 (MOST national trial guideline, August 2024)"
DESCRIPTION = (
    "The national trial version (August 2024): 18 indicators in three groups — technology innovation, "
    "growth and operations, auxiliary — weighted per enterprise stage (start-up 60/20/20, growth 50/35/15, "
    "stable 40/45/15), 0 to 100. Shipped as \"2.0\" until the published 2.0 arrived; scores and products' "
    "minimums stated before then are on this scale. See docs/innovation-credits.md."
)
OLD_NAME = "创新积分 2.0 (MOST national trial guideline, August 2024)"
OLD_DESCRIPTION = (
    "18 indicators in three groups — technology innovation, growth and operations, auxiliary — "
    "weighted per enterprise stage (start-up 60/20/20, growth 50/35/15, stable 40/45/15). "
    "Version 2.0 is the scale on which products state a minimum and on which re-lending and "
    "guarantee programmes read an enterprise's standing. See docs/innovation-credits.md."
)


def rename(apps, schema_editor):
    # The historical model has a plain manager: the published-model guard of the real one is not in the
    # way, and an update touches only these three columns.
    CreditModel = apps.get_model("projects", "CreditModel")
    CreditModel.objects.filter(version=OLD).update(version=NEW, name=NAME, description=DESCRIPTION)


def rename_back(apps, schema_editor):
    CreditModel = apps.get_model("projects", "CreditModel")
    CreditModel.objects.filter(version=NEW).update(version=OLD, name=OLD_NAME, description=OLD_DESCRIPTION)


class Migration(migrations.Migration):
    dependencies = [("projects", "0009_credit_bonus_items")]

    operations = [migrations.RunPython(rename, rename_back)]
