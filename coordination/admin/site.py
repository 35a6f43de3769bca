"""The admin as the product: the coordinator's console (DESIGN §9), named in the user's language, its index
a dashboard of the coordinator's queues and the workflow's recent actions.

`settings.INSTALLED_APPS` names `coordination.apps.ConsoleAdminConfig`, whose `default_site` is
`console_site` below: `django.contrib.admin.site` (and every `@admin.register`) is this one instance.
"""

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .dashboard import dashboard

_SITE: "ConsoleSite | None" = None


class ConsoleSite(admin.AdminSite):
    site_header = _("TechFin Coordination · Coordinator's console")
    site_title = _("TechFin Coordination")
    index_title = _("Work queues")
    index_template = "admin/coordination/console/index.html"

    def index(self, request: HttpRequest, extra_context=None):
        return super().index(request, {**dashboard(self, request), **(extra_context or {})})


def console_site() -> ConsoleSite:
    """The one site, however often Django asks (its lazy `admin.site` may ask again while it registers)."""
    global _SITE
    if _SITE is None:
        _SITE = ConsoleSite()
    return _SITE
