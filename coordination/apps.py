from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from .permissions import sync_after_migrate

        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="coordination.coordinator_group")
        from .notifications import checks  # noqa: F401 - registers the system checks
