from django.db import models
from django.utils.translation import gettext_lazy as _


class ModelStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class IndicatorGroup(models.TextChoices):
    """The groups of both published shapes (DESIGN §5): the 2024 trial version's three, then 2.0's four."""

    TECH_INNOVATION = "tech_innovation", _("Technology innovation")
    GROWTH_OPERATIONS = "growth_operations", _("Growth and operations")
    AUXILIARY = "auxiliary", _("Auxiliary")
    INNOVATION_INPUT = "innovation_input", _("Innovation input")
    INNOVATION_OUTPUT = "innovation_output", _("Innovation output")
    INNOVATION_DEVELOPMENT = "innovation_development", _("Innovation development")
    INNOVATION_IMPACT = "innovation_impact", _("Innovation impact")


class Curve(models.TextChoices):
    """How a raw value becomes 0–100 points (see projects/credits/scoring.py)."""

    LINEAR = "linear", _("Linear between two values")
    LOG = "log", _("Logarithmic between two values")
    BANDS = "bands", _("Bands (edges belong to the higher band)")
    BOOLEAN = "boolean", _("Yes / no")
    CHOICE = "choice", _("Points per choice")


class Metric(models.TextChoices):
    """Values computed from Enterprise and EnterpriseFinancials (projects/credits/metrics.py)."""

    RND_EXPENSE = "rnd_expense", _("R&D expense (yuan)")
    RND_INTENSITY = "rnd_intensity", _("R&D expense as a share of revenue")
    ST_STAFF = "st_staff", _("S&T staff (people)")
    ST_STAFF_SHARE = "st_staff_share", _("S&T staff as a share of all staff")
    CLASS_I_IP = "class_i_ip", _("Class-I IP (invention patents and alike)")
    CLASS_II_IP = "class_ii_ip", _("Class-II IP (utility models, designs, software copyrights)")
    TECH_CONTRACT_TURNOVER = "tech_contract_turnover", _("Technology-contract turnover (yuan)")
    LED_STANDARD_RECENT = "led_standard_recent", _("Led a standard in the last 5 years")
    REVENUE = "revenue", _("Revenue (yuan)")
    REVENUE_GROWTH = "revenue_growth", _("Revenue growth on the year before")
    RND_GROWTH = "rnd_growth", _("R&D expense growth on the year before")
    STAFF_GROWTH = "staff_growth", _("Staff growth on the year before")
    VC_RECEIVED = "vc_received", _("Venture capital received (yuan)")
    HIGH_TECH_VALID = "high_tech_valid", _("Valid high-tech enterprise certificate")
    TECH_SME_REGISTERED = "tech_sme_registered", _("Registered technology-based SME")
    SPECIALISED_STATUS = "specialised_status", _("'Specialised, refined, distinctive and novel' status")
    NATIONAL_AWARD_RECENT = "national_award_recent", _("National S&T award in the last 5 years")
    PROVINCIAL_RND_INSTITUTION = "provincial_rnd_institution", _("Provincial-level R&D institution")
    HARD_TECH_FIELD = "hard_tech_field", _("Works in a hard-technology field")


# The shipped model's version since 2.0 was published (projects/migrations/0010): the scale of every score
# and product minimum stated before then, and so the default version of a product's minimum.
TRIAL_2024 = "2024-trial"
