"""`seed_demo`: the whole demo in one transaction, block by block, and the counts it reports."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from coordination.models import CoordinatorScope, PolicyProgramme, RecommendationEntry, RecommendationList
from lenders.models import Institution, Product, RelendingPolicy
from projects.models import Enterprise, EnterpriseFinancials, MajorTask, Region, TechField
from projects.reference.regions import REGIONS

from .. import reference as ref
from .blocks import ENTERPRISES_PER_BLOCK, INSTITUTIONS_PER_BLOCK, reference_ids
from .enterprises import enterprise_spec, seed_enterprises
from .institutions import institution_spec, seed_institutions
from .outreach import seed_recommendation_list
from .programmes import seed_programmes
from .tasks import seed_tasks, task_specs
from .users import seed_users


def demo_counts() -> dict[str, int]:
    """Row counts of everything the seeder writes (for the command's report and the tests)."""
    user_model = get_user_model()
    counts: dict[str, int] = {
        "Region": Region.objects.count(),
        "TechField": TechField.objects.count(),
        "Enterprise": Enterprise.objects.count(),
        "EnterpriseFinancials": EnterpriseFinancials.objects.count(),
        "MajorTask": MajorTask.objects.count(),
        "Institution": Institution.objects.count(),
        "Product": Product.objects.count(),
        "RelendingPolicy": RelendingPolicy.objects.count(),
        "User": user_model.objects.count(),
        "CoordinatorScope": CoordinatorScope.objects.count(),
        "PolicyProgramme": PolicyProgramme.objects.count(),
        "RecommendationList": RecommendationList.objects.count(),
        "RecommendationEntry": RecommendationEntry.objects.count(),
    }
    for model, field_name in (
        (Enterprise, "fields"),
        (Enterprise, "members"),
        (MajorTask, "participants"),
        (Institution, "regions"),
        (Institution, "members"),
        (Institution, "managers"),
        (Product, "fields"),
        (Product, "regions"),
        (CoordinatorScope, "regions"),
    ):
        through = model._meta.get_field(field_name).remote_field.through
        counts[f"{model.__name__}.{field_name}"] = through.objects.count()
    return counts


def seed_demo(*, scale: int = 1, password: str, superuser_password: str | None = None) -> dict[str, int]:
    """Write `scale` blocks of demo data and the demo logins; return row counts per model.

    `superuser_password` is the `admin` login's; without it `admin` shares `password` (the DEBUG demo).
    Deterministic and idempotent: only rows whose natural key is missing are created, so running it
    again (at the same or a smaller scale) changes nothing but the demo users' passwords and flags.
    """
    if scale < 1:
        raise ValueError("scale must be at least 1")
    if not password:
        raise ValueError("a demo password is required")
    enterprises = [enterprise_spec(index) for index in range(scale * ENTERPRISES_PER_BLOCK)]
    institutions = [institution_spec(index) for index in range(scale * INSTITUTIONS_PER_BLOCK)]
    tasks = [
        task
        for block in range(scale)
        for task in task_specs(
            block, enterprises[block * ENTERPRISES_PER_BLOCK : (block + 1) * ENTERPRISES_PER_BLOCK]
        )
    ]
    with transaction.atomic():
        regions = reference_ids(Region, (region.code for region in REGIONS))
        fields = reference_ids(TechField, ref.ROOT_OF_FIELD)
        enterprise_ids = seed_enterprises(enterprises, regions, fields)
        seed_tasks(tasks, enterprise_ids, fields)
        institution_ids = seed_institutions(institutions, regions, fields)
        seed_users((password, superuser_password or password), enterprise_ids, institution_ids, regions)
        seed_programmes(regions)
        seed_recommendation_list()
    return demo_counts()
