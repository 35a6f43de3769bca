from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from projects.models import Region


class CoordinatorScope(models.Model):
    """What a coordinator may see and act on: everything (national) or some regions and their sub-regions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="coordinator_scope",
        verbose_name=_("user"),
    )
    national = models.BooleanField(_("national"), default=False)
    regions = models.ManyToManyField(
        Region, blank=True, related_name="coordinator_scopes", verbose_name=_("regions")
    )

    class Meta:
        verbose_name = _("coordinator scope")
        verbose_name_plural = _("coordinator scopes")

    def __str__(self) -> str:
        return f"{self.user}: {'national' if self.national else 'regional'}"
