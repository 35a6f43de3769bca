"""An action's answer is the object as the caller would read it next: its `available_actions` are the
caller's, the same list a GET of the object gives right after (they were empty before: the answer was
serialized without the caller)."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer

from coordination.api import serializers as s
from coordination.models import FinancingRequest
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


def _answers_as_the_serializer(client, path, serializer, user, body=None, status=200):
    """POST, then check the answer is, byte for byte, the request through `serializer` over its model
    instance for `user`, in DRF's JSON: what the actions answered before their answers were read as rows
    (issue 16)."""
    answer = client.post(path, body or {}, format="json")
    assert answer.status_code == status, answer.content
    obj = FinancingRequest.objects.select_related("enterprise__region").prefetch_related("tranches")
    obj = obj.get(pk=answer.json()["id"])
    shown = serializer(obj, context={"request": SimpleNamespace(user=user)}).data
    assert answer.content == DrfJSONRenderer().render(shown)
    return answer.json()


def test_request_answers_are_the_serializers_bytes(world, api):
    # Given an applicant's request with a date, a line separator in its purpose and a second tranche
    applicant, national = api(world.applicant_a), api(world.national)
    body = {
        "enterprise": world.enterprise_a.pk,
        "purpose": "Pilot line\u2028phase 2",
        "amount": "3500000.5",
        "term_months": 24,
        "needed_by": "2027-03-31",
        "tranches": [
            {"instrument": "credit_loan", "amount": "3000000"},
            {"instrument": "equity", "amount": "500000.5"},
        ],
    }
    requests = "/api/v1/financing-requests/"
    # When it is created, submitted without documents, resubmitted complete, the coordinator asks for more
    # information and the applicant withdraws it, then each answer is the serializer's bytes for its caller
    created = _answers_as_the_serializer(
        applicant, requests, s.FinancingRequestSerializer, world.applicant_a, body, status=201
    )
    url = f"{requests}{created['id']}/"
    submitted = _answers_as_the_serializer(
        applicant, f"{url}submit/", s.SubmittedRequestSerializer, world.applicant_a
    )
    assert submitted["missing_documents"], "nothing missing: the test would prove less"
    upload_documents(applicant, created["id"])
    resubmitted = _answers_as_the_serializer(
        applicant, f"{url}resubmit/", s.SubmittedRequestSerializer, world.applicant_a, {"note": "added"}
    )
    assert resubmitted["missing_documents"] == []
    _answers_as_the_serializer(
        national, f"{url}request-info/", s.FinancingRequestSerializer, world.national, {"reason": "accounts"}
    )
    withdrawn = _answers_as_the_serializer(
        applicant, f"{url}withdraw/", s.FinancingRequestSerializer, world.applicant_a, {"reason": "done"}
    )
    assert withdrawn["status"] == "withdrawn"
