from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.contrib.auth.signals import user_logged_in
from django.db.backends.signals import connection_created
from django.db.models.signals import post_delete, post_migrate, post_save
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    name = "coordination"
    verbose_name = _("Coordination")

    def ready(self) -> None:
        from .permissions import sync_after_migrate
        from .views.language import remember_language_on_sign_in

        post_migrate.connect(sync_after_migrate, sender=self, dispatch_uid="coordination.coordinator_group")
        # A sign-in (pages, admin) brings back the language the user chose.
        user_logged_in.connect(remember_language_on_sign_in, dispatch_uid="coordination.language_on_sign_in")
        from config.data_generation import watch_writes

        from .notifications import checks  # noqa: F401 - registers the system checks

        # Every write moves the generation that the API's cached lists are keyed on.
        connection_created.connect(watch_writes, dispatch_uid="config.data_generation")
        # An edit of the service levels or holidays forgets their cached copy.
        from .workflow import calendar_data

        for model in calendar_data.REFERENCE_MODELS:
            for signal in (post_save, post_delete):
                signal.connect(
                    calendar_data.forget, sender=model, dispatch_uid=f"calendar_data.{model.__name__}"
                )


class ConsoleAdminConfig(admin_apps.AdminConfig):
    """django.contrib.admin with the coordinator's console as its site (coordination/admin/site.py)."""

    # Imported as a module attribute, not a name: a second AppConfig named here would be a candidate for
    # the "coordination" entry; `default = False` keeps CoordinationConfig the only one.
    default = False
    default_site = "coordination.admin.site.console_site"
