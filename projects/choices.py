from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    STARTUP = "startup", _("Start-up")
    GROWTH = "growth", _("Growth")
    STABLE = "stable", _("Stable")


class Industry(models.TextChoices):
    """MIIT 2011 industry groups that decide which size thresholds apply."""

    INDUSTRY = "industry", _("Industry (manufacturing)")
    SOFTWARE_IT = "software_it", _("Software and IT services")
    OTHER = "other", _("Other")


class SpecialisedStatus(models.TextChoices):
    NONE = "none", _("None")
    PROVINCIAL = "provincial", _("Provincial specialised, refined, distinctive and novel SME")
    LITTLE_GIANT = "little_giant", _("National 'little giant'")


class InnovationCenter(models.TextChoices):
    NONE = "", _("None")
    BEIJING = "beijing", _("Beijing international S&T innovation centre")
    SHANGHAI = "shanghai", _("Shanghai international S&T innovation centre")
    GBA = "gba", _("Guangdong–Hong Kong–Macao Greater Bay Area")


class TaskLevel(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCIAL = "provincial", _("Provincial")
