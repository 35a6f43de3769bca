from datetime import timedelta

from django.conf import settings
from django.db import migrations, models


def expire_existing_tokens(apps, schema_editor):
    """Tokens made before expiry existed get the lifetime of their kind, counted from today."""
    ApiToken = apps.get_model("coordination", "ApiToken")
    from django.utils import timezone

    now = timezone.now()
    ApiToken.objects.filter(integration=False).update(
        expires_at=now + timedelta(days=settings.API_TOKEN_TTL_DAYS)
    )
    ApiToken.objects.filter(integration=True).update(
        expires_at=now + timedelta(days=settings.API_INTEGRATION_TOKEN_TTL_DAYS)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("coordination", "0003_idem_response_as_sent"),
    ]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(editable=False, null=True, verbose_name="expires at"),
        ),
        migrations.RunPython(expire_existing_tokens, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(editable=False, verbose_name="expires at"),
        ),
    ]
