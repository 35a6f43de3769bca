from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LendersConfig(AppConfig):
    name = "lenders"
    verbose_name = _("Institutions and products")
