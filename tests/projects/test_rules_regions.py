"""Region coverage (GB/T 2260): one rule, asked in Python, as a query and the other way round, agreeing."""

import pytest

from projects.models import Region
from projects.regions import code_prefix, covered_q, covering_codes, covers
from tests import factories as f

CODES = ["310000", "310100", "310115", "310104", "320000", "320500", "320506", "110000", "110108"]


@pytest.mark.parametrize(
    ("region", "prefix"), [("310000", "31"), ("320500", "3205"), ("320506", "320506"), ("110100", "1101")]
)
def test_a_region_prefix_drops_trailing_zero_pairs(region, prefix):
    assert code_prefix(region) == prefix


@pytest.mark.parametrize(
    ("region", "other", "expected"),
    [
        ("310000", "310115", True),  # province covers its district
        ("310100", "310115", True),  # prefecture covers its district
        ("310115", "310115", True),  # a district covers itself
        ("310115", "310000", False),  # never upwards
        ("310104", "310115", False),  # nor sideways
        ("320000", "310115", False),
        ("310000", "320000", False),
    ],
)
def test_given_two_codes_then_covers_follows_nesting(region, other, expected):
    assert covers(region, other) is expected


def test_covering_codes_are_exactly_the_codes_that_cover():
    for code in CODES:
        assert {c for c in CODES if covers(c, code)} == set(covering_codes(code)) & set(CODES)


@pytest.mark.django_db
def test_given_regions_in_the_database_then_the_query_form_agrees_with_covers():
    # Every region in the database: the shipped reference rows (from migrate) and these.
    for code in CODES:
        f.RegionFactory(code=code, name=code)
    regions = list(Region.objects.all())
    scopes = [Region.objects.filter(code__in=codes) for codes in (CODES[:1], CODES[4:6], CODES[2:3], [])]
    for scope in scopes:
        queried = set(Region.objects.filter(covered_q("code", scope)).values_list("code", flat=True))
        assert queried == {r.code for r in regions if any(covers(s, r) for s in scope)}
