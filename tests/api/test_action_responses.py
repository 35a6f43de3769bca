"""An action's answer is the object as the caller would read it next: its `available_actions` are the
caller's, the same list a GET of the object gives right after (they were empty before: the answer was
serialized without the caller)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api.test_journey_api import post, upload_documents

pytestmark = pytest.mark.django_db


def _same_as_a_read(client, url, answer):
    read = client.get(url).json()
    assert answer["available_actions"] == read["available_actions"]
    return answer["available_actions"]


def test_request_answers_carry_the_callers_actions(world, api):
    # Given an applicant creating a request
    applicant = api(world.applicant_a)
    body = {
        "enterprise": world.enterprise_a.pk,
        "purpose": "Pilot line",
        "amount": "3000000",
        "term_months": 24,
        "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
    }
    created = post(applicant, "/api/v1/financing-requests/", body, status=201)
    url = f"/api/v1/financing-requests/{created['id']}/"
    # Then the draft's answer offers what the applicant may do with a draft
    assert _same_as_a_read(applicant, url, created) == ["submit", "withdraw"]
    # When it is submitted without documents, then the answer offers `resubmit`
    submitted = post(applicant, f"{url}submit/")
    assert submitted["status"] == "info_requested"
    assert _same_as_a_read(applicant, url, submitted) == ["resubmit", "withdraw"]
    # When it is resubmitted complete, then the coordinator's answer to routing offers its next steps
    upload_documents(applicant, created["id"])
    assert post(applicant, f"{url}resubmit/")["status"] == "triage"
    national = api(world.national)
    routed = post(national, f"{url}route/", {"products": [world.loan_x.pk]})
    assert routed["status"] == "routed"
    assert _same_as_a_read(national, url, routed)


def test_offer_answers_carry_the_callers_actions(world, api):
    # Given a routed request and the bank that received it
    applicant, national, bank = api(world.applicant_a), api(world.national), api(world.bank_x_user)
    created = post(
        applicant,
        "/api/v1/financing-requests/",
        {
            "enterprise": world.enterprise_a.pk,
            "purpose": "Pilot line",
            "amount": "3000000",
            "term_months": 24,
            "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
        },
        status=201,
    )
    upload_documents(applicant, created["id"])
    post(applicant, f"/api/v1/financing-requests/{created['id']}/submit/")
    post(national, f"/api/v1/financing-requests/{created['id']}/route/", {"products": [world.loan_x.pk]})
    referral = bank.get("/api/v1/referrals/").json()["results"][0]
    post(bank, f"/api/v1/referrals/{referral['id']}/open/")
    # When the bank offers
    valid_until = (timezone.localdate() + timedelta(days=30)).isoformat()
    offer = post(
        bank,
        f"/api/v1/referrals/{referral['id']}/offer/",
        {"amount": "3000000", "annual_rate": "0.0310", "term_months": 24, "valid_until": valid_until},
        status=201,
    )
    # Then the answer offers the bank what a read of the offer offers it
    offer_url = f"/api/v1/offers/{offer['id']}/"
    assert _same_as_a_read(bank, offer_url, offer) == ["withdraw"]
    # And the applicant's acceptance answers with the applicant's actions on the accepted offer
    accepted = post(applicant, f"{offer_url}accept/")
    assert accepted["status"] == "accepted"
    _same_as_a_read(applicant, offer_url, accepted)
