"""Re-lending programmes stop carrying their own share and rate: the central bank's dated terms
(lenders.RelendingPolicy, DESIGN §6) are the one place for them."""

from django.db import migrations

DATED = ("share", "rate")


def drop_copied_terms(apps, schema_editor):
    PolicyProgramme = apps.get_model("coordination", "PolicyProgramme")
    for programme in PolicyProgramme.objects.filter(kind="relending"):
        kept = {name: value for name, value in programme.parameters.items() if name not in DATED}
        if kept != programme.parameters:
            PolicyProgramme.objects.filter(pk=programme.pk).update(parameters=kept)


def restore_copied_terms(apps, schema_editor):
    PolicyProgramme = apps.get_model("coordination", "PolicyProgramme")
    for programme in PolicyProgramme.objects.filter(kind="relending"):
        restored = {"share": "0.6", "rate": "0.0125", **programme.parameters}
        PolicyProgramme.objects.filter(pk=programme.pk).update(parameters=restored)


class Migration(migrations.Migration):
    dependencies = [("coordination", "0016_policy_simulation")]

    operations = [migrations.RunPython(drop_copied_terms, restore_copied_terms)]
