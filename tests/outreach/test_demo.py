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


@pytest.mark.django_db
def test_acceptance_on_the_demo(api):
    """Given the demo, when demo-national publishes the top-credit tech SMEs of a field to demo-bank's and
    demo-bank-2's institutions and demo-bank finances the first entry, then the loan is in demo-bank's
    re-lending ledger and in the evaluation; demo-bank-2 gets a 404 on that follow-up and read only
    teasers; the firm's name and credit code never reached demo-bank before it opened the entry."""
    from django.utils import timezone

    from coordination import selectors
    from coordination.evaluation.outreach import list_outcomes
    from coordination.selectors.outreach import lists_coordinated_by

    seed_demo(scale=1, password="demo-pass-test")
    users = get_user_model().objects
    national, bank, bank_2 = (users.get(username=n) for n in ("demo-national", "demo-bank", "demo-bank-2"))
    field = RecommendationList.objects.get(code="demo-innovation-credit-top").criteria["fields"][0]
    institutions = [bank.institutions.get().pk, bank_2.institutions.get().pk]
    made = api(national).post(
        "/api/v1/recommendation-lists/",
        {
            "code": "acceptance",
            "title": "Top credit",
            "national": True,
            "criteria": {"tech_sme": True, "fields": [field], "credit_version": "2.0", "limit": 5},
        },
        format="json",
    )
    assert made.status_code == 201, made.content
    base = f"/api/v1/recommendation-lists/{made.json()['id']}/"
    assert (
        api(national).post(base + "publish/", {"institutions": institutions}, format="json").status_code
        == 200
    )
    entries = api(bank).get(base + "entries/").json()
    assert entries and all(e["enterprise"] is None for e in entries)
    first = RecommendationList.objects.get(code="acceptance").entries.get(pk=entries[0]["id"]).enterprise
    teaser = api(bank).get(base + "entries/").content.decode()
    assert first.name not in teaser and first.credit_code not in teaser
    assert (
        api(bank).post(base + f"entries/{entries[0]['id']}/open/").json()["enterprise"]["name"] == first.name
    )
    financed = api(bank).post(
        base + f"entries/{entries[0]['id']}/follow-up/",
        {
            "status": "financed",
            "instrument": "credit_loan",
            "amount": "3000000",
            "annual_rate": "0.0345",
            "term_months": 24,
            "financed_on": timezone.localdate().isoformat(),
        },
        format="json",
    )
    assert financed.status_code == 200, financed.content
    follow_up = financed.json()["id"]
    ledger = selectors.relending_ledger_of(institutions[0]).filter(follow_up_id=follow_up)
    assert [(e.movement, str(e.amount)) for e in ledger] == [("commit", "1800000.00")]
    assert api(bank_2).get(base + f"follow-ups/{follow_up}/").status_code == 404
    assert first.credit_code not in api(bank_2).get(base + "entries/").content.decode()
    row = next(
        r
        for r in list_outcomes(lists_coordinated_by(national))
        if r.list_title == "Top credit" and r.institution == bank.institutions.get().name
    )
    assert (row.financed, str(row.financed_amount)) == (1, "3000000.00")
