"""The teaser rule (DESIGN §1) in its two forms agrees; its parts (credit band, province, business days)."""

from datetime import date
from decimal import Decimal

import pytest

from coordination import selectors
from coordination.models import Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from coordination.workflow import rules
from coordination.workflow.business_days import BusinessCalendar
from coordination.workflow.tables import REFERRAL_TRANSITIONS
from projects.credits.selectors import credit_band
from tests import factories as f


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (None, None),
        ("0", "0–9"),
        ("9.99", "0–9"),
        ("61.5", "60–69"),
        ("79.99", "70–79"),
        ("90", "90–100"),
        ("100", "90–100"),
    ],
)
def test_credit_band(total, band):
    assert credit_band(Decimal(total) if total is not None else None) == band


@pytest.mark.django_db
def test_count_business_days_counts_forward_and_back():
    """Monday 2026-03-02 to Friday 2026-03-06: 4 business days left; the other way, 4 past; the weekend
    after a Friday adds none."""
    calendar = BusinessCalendar(date(2026, 2, 20), date(2026, 3, 20))
    assert calendar.count_business_days(date(2026, 3, 2), date(2026, 3, 6)) == 4
    assert calendar.count_business_days(date(2026, 3, 6), date(2026, 3, 2)) == -4
    assert calendar.count_business_days(date(2026, 3, 6), date(2026, 3, 8)) == 0
    assert calendar.count_business_days(date(2026, 3, 6), date(2026, 3, 6)) == 0


@pytest.mark.django_db
def test_province_is_never_finer_than_the_province(world):
    """A district whose parent chain is complete gives its province; one without parents still gives the
    province (read by code), never the district itself."""
    assert selectors.province_of(world.pudong) == world.shanghai
    orphan = f.RegionFactory(code="310104", name="徐汇区", parent=None)
    assert selectors.province_of(orphan) == world.shanghai


def test_opening_names_the_disclosure_effect():
    """The engine is the only writer of a status: the disclosure is an effect of the `open` row."""
    assert REFERRAL_TRANSITIONS["open"].effects == ("disclose_to_institution",)
    assert callable(rules.disclose_to_institution)


@pytest.mark.django_db
def test_the_rule_and_its_filter_agree_for_every_viewer_and_referral(world):
    """Given referrals in every situation (sent, opened, declined unopened; bank X's, bank Y's, one of the
    applicant's own enterprise seen by a user who is also a member of the bank), when the Python rule and
    the SQL filter judge each for every viewer, then they agree."""
    both = f.UserFactory(username="both")
    world.bank_x.members.add(both)
    world.enterprise_b.members.add(both)
    request_a = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    request_b = f.draft_request(user=world.applicant_b, enterprise=world.enterprise_b)
    for request, applicant in ((request_a, world.applicant_a), (request_b, world.applicant_b)):
        rq.submit_request(request_id=request.pk, user=applicant)
        routing.route_request(
            request_id=request.pk, user=world.national, product_ids=[world.loan_x.pk, world.loan_y.pk]
        )
    rs.open_referral(
        referral_id=Referral.objects.get(request=request_a, institution=world.bank_x).pk,
        user=world.bank_x_user,
    )
    rs.decline_referral(
        referral_id=Referral.objects.get(request=request_b, institution=world.bank_y).pk,
        user=world.bank_y_user,
        reason_code="other",
    )
    viewers = [
        world.bank_x_user,
        world.bank_y_user,
        world.applicant_a,
        world.coordinator,
        world.national,
        both,
    ]
    teasers = set()
    for user in viewers:
        viewer = selectors.Viewer.of(user)
        referrals = list(Referral.objects.select_related("request"))
        by_rule = {r.pk for r in referrals if selectors.sees_teaser_only(viewer, r)}
        by_filter = set(Referral.objects.filter(selectors.teaser_only_q(viewer)).values_list("pk", flat=True))
        assert by_rule == by_filter, user
        teasers |= {(user.username, pk) for pk in by_rule}
    ref = {(r.request_id, r.institution_id): r.pk for r in Referral.objects.all()}
    # "both" reads bank X's referral on B's request in full: B is its own enterprise.
    assert teasers == {
        ("bank-x", ref[(request_b.pk, world.bank_x.pk)]),
        ("bank-y", ref[(request_a.pk, world.bank_y.pk)]),
        ("bank-y", ref[(request_b.pk, world.bank_y.pk)]),
    }
