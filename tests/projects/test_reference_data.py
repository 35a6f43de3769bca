"""The reference data production needs arrives with `migrate` alone (issue 11, point 5).

pytest-django builds the test database by running every migration, so these tests read it as it is:
nothing here seeds or creates the rows they look for.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth.models import Group

from coordination.permissions import COORDINATOR_GROUP, COORDINATOR_PERMISSIONS
from lenders.models import RelendingPolicy
from lenders.reference.relending import RELENDING_POLICIES
from projects.models import Region, TechField
from projects.reference.fields import TECH_FIELDS
from projects.reference.load import load_rows, load_tree
from projects.reference.regions import REGIONS

pytestmark = pytest.mark.django_db


def test_given_a_migrated_database_then_the_gb_t_2260_regions_carry_their_flags_and_parents():
    assert Region.objects.count() == len(REGIONS)
    regions = {region.code: region for region in Region.objects.select_related("parent")}
    shanghai, beijing, shenzhen = regions["310000"], regions["110000"], regions["440300"]
    assert (shanghai.name, shanghai.pilot_zone, shanghai.innovation_center) == ("上海市", True, "shanghai")
    assert (beijing.name, beijing.pilot_zone, beijing.innovation_center) == ("北京市", True, "beijing")
    assert (shenzhen.name, shenzhen.innovation_center, shenzhen.parent.code) == ("深圳市", "gba", "440000")
    # The Greater Bay Area flag sits on its cities, not on the whole province.
    assert (regions["440000"].pilot_zone, regions["440000"].innovation_center) == (False, "")
    assert regions["310115"].parent == shanghai and regions["440305"].parent == shenzhen
    assert regions["610100"].innovation_center == "" and regions["610100"].pilot_zone


def test_given_a_migrated_database_then_the_field_tree_has_its_hard_tech_flags():
    assert TechField.objects.count() == len(TECH_FIELDS)
    fields = {field.code: field for field in TechField.objects.select_related("parent")}
    assert fields["ai"].parent is None and fields["ai"].hard_tech
    assert fields["ic-design"].parent == fields["integrated-circuits"] and fields["ic-design"].hard_tech
    assert not fields["digital-economy"].hard_tech and not fields["ai-applications"].hard_tech
    assert set(TechField.objects.filter(parent=None).values_list("code", flat=True)) == {
        "ai",
        "integrated-circuits",
        "quantum",
        "biomedicine",
        "new-materials",
        "new-energy",
        "aerospace",
        "advanced-manufacturing",
        "digital-economy",
    }


def test_given_a_migrated_database_then_the_relending_rate_is_1_25_percent_from_19_january_2026():
    rows = list(
        RelendingPolicy.objects.order_by("effective_from").values_list("effective_from", "quota", "rate")
    )
    assert rows[0] == (date(2024, 4, 7), Decimal("500000000000.00"), Decimal("0.0175"))
    days = (date(2025, 6, 1), date(2026, 1, 18), date(2026, 1, 19))
    in_force = {day: RelendingPolicy.objects.filter(effective_from__lte=day).first() for day in days}
    assert in_force[date(2026, 1, 18)].rate == Decimal("0.0175")
    assert in_force[date(2026, 1, 18)].quota == Decimal("1200000000000")
    assert in_force[date(2026, 1, 19)].rate == Decimal("0.0125")
    assert in_force[date(2026, 1, 19)].refinance_share == Decimal("0.6")
    assert in_force[date(2025, 6, 1)].quota == Decimal("800000000000")


def test_given_a_migrated_database_then_the_coordinators_group_holds_exactly_its_permissions():
    group = Group.objects.get(name=COORDINATOR_GROUP)
    granted = {
        f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")
    }
    assert granted == set(COORDINATOR_PERMISSIONS)


def test_given_the_rows_are_loaded_when_loaded_again_then_nothing_is_duplicated_and_edits_are_restored():
    """The loaders the migrations run update by natural key: a second run (a later data migration)
    adds no row and puts an edited flag back to the shipped value."""
    Region.objects.filter(code="310000").update(pilot_zone=False)
    RelendingPolicy.objects.filter(effective_from=date(2026, 1, 19)).update(rate=Decimal("0.02"))
    counts = (Region.objects.count(), TechField.objects.count(), RelendingPolicy.objects.count())

    load_tree(apps.get_model("projects", "Region"), REGIONS)
    load_tree(apps.get_model("projects", "TechField"), TECH_FIELDS)
    load_rows(apps.get_model("lenders", "RelendingPolicy"), RELENDING_POLICIES, key="effective_from")

    assert (Region.objects.count(), TechField.objects.count(), RelendingPolicy.objects.count()) == counts
    assert Region.objects.get(code="310000").pilot_zone
    assert RelendingPolicy.objects.get(effective_from=date(2026, 1, 19)).rate == Decimal("0.0125")
