import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """The token history (simple-history) follows the token's expiry column; old history rows get now()."""

    dependencies = [
        ("coordination", "0004_logins_token_expiry"),
    ]

    operations = [
        migrations.AddField(
            model_name="historicalapitoken",
            name="expires_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="expires at"
            ),
            preserve_default=False,
        ),
    ]
