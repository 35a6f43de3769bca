"""The demo's recommendation list (DESIGN §8): published to demo-bank's institution, not demo-bank-2's."""

import pytest
from django.contrib.auth import get_user_model

from coordination.demo.seed import seed_demo
from coordination.models import RecommendationList
from coordination.selectors import outreach as reads


@pytest.mark.django_db
def test_demo_publishes_a_list_to_demo_bank_and_not_demo_bank_2():
    seed_demo(scale=1, password="demo-pass-test")
    users = get_user_model().objects
    bank, bank_2 = users.get(username="demo-bank"), users.get(username="demo-bank-2")
    made = RecommendationList.objects.get(code="demo-innovation-credit-top")
    assert made.status == "published" and made.entries.exists()
    assert set(made.institutions.all()) == set(bank.institutions.all())
    assert made in reads.lists_visible_to(bank)
    assert made not in reads.lists_visible_to(bank_2)
    # Every entry is a consenting registered tech SME, best credit first.
    firms = [e.enterprise for e in made.entries.order_by("position")]
    assert all(f.tech_sme_registration_no and f.recommendation_consent.given for f in firms)
    # Seeding again adds nothing.
    seed_demo(scale=1, password="demo-pass-test")
    assert RecommendationList.objects.count() == 1
