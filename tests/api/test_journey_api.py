"""The whole journey from draft to closed through the REST API alone."""

import itertools
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db
_keys = itertools.count()


def post(client, url, data=None, status=200, **extra):
    response = client.post(url, data or {}, format="json", HTTP_IDEMPOTENCY_KEY=f"k-{next(_keys)}", **extra)
    assert response.status_code == status, response.json()
    return response.json()


def upload_documents(client, request_id):
    for kind in ("business_plan", "financial_statements"):
        response = client.post(
            f"/api/v1/financing-requests/{request_id}/documents/",
            {"kind": kind, "file": SimpleUploadedFile(f"{kind}.pdf", pdf_bytes(), "application/pdf")},
            format="multipart",
        )
        assert response.status_code == 201, response.json()


def test_token_login_and_me(world, api):
    world.applicant_a.set_password("pw-for-tests")
    world.applicant_a.save()
    token = api().post(
        "/api/v1/auth/token/", {"username": "applicant-a", "password": "pw-for-tests"}, format="json"
    )
    assert token.status_code == 200
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token.json()['token']}")
    me = client.get("/api/v1/me/").json()
    assert me["username"] == "applicant-a" and me["role"] == "applicant"
    assert [e["id"] for e in me["enterprises"]] == [world.enterprise_a.pk]


def test_two_tranche_major_task_package_from_draft_to_closed_over_the_api(world, api):
    applicant, national, national_2 = api(world.applicant_a), api(world.national), api(world.national_2)
    bank, vc = api(world.bank_x_user), api(world.vc_user)
    created = post(
        applicant,
        "/api/v1/financing-requests/",
        {
            "enterprise": world.enterprise_a.pk,
            "purpose": "Pilot line for a quantum sensor",
            "amount": "60000000",
            "term_months": 24,
            "major_task": world.major_task.pk,
            "tranches": [
                {"instrument": "credit_loan", "amount": "40000000"},
                {"instrument": "equity", "amount": "20000000"},
            ],
        },
        status=201,
    )
    rid = created["id"]
    assert created["status"] == "draft" and created["reference"].startswith("FR-")
    upload_documents(applicant, rid)
    assert post(applicant, f"/api/v1/financing-requests/{rid}/submit/")["status"] == "triage"
    routed = post(
        national, f"/api/v1/financing-requests/{rid}/route/", {"products": [world.loan_x.pk, world.equity.pk]}
    )
    assert routed["status"] == "routed"
    valid_until = (timezone.localdate() + timedelta(days=30)).isoformat()
    offers = []
    for client in (bank, vc):
        referral = client.get("/api/v1/referrals/").json()["results"][0]
        post(client, f"/api/v1/referrals/{referral['id']}/open/")
        offers.append(
            post(
                client,
                f"/api/v1/referrals/{referral['id']}/offer/",
                {
                    "amount": referral["tranche_amount"],
                    "annual_rate": "0.0310",
                    "term_months": 24,
                    "valid_until": valid_until,
                },
                status=201,
            )
        )
    for offer in offers:
        assert post(applicant, f"/api/v1/offers/{offer['id']}/accept/")["status"] == "accepted"
    assert post(national, f"/api/v1/financing-requests/{rid}/approve/")["status"] == "offer_accepted"
    refused = national.post(f"/api/v1/financing-requests/{rid}/approve/", {}, format="json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "permission_denied"
    assert post(national_2, f"/api/v1/financing-requests/{rid}/approve/")["status"] == "approved"
    post(bank, f"/api/v1/financing-requests/{rid}/record-funding/")
    assert post(vc, f"/api/v1/financing-requests/{rid}/record-funding/")["status"] == "funded"
    assert post(national, f"/api/v1/financing-requests/{rid}/close/")["status"] == "closed"
    timeline = applicant.get(f"/api/v1/financing-requests/{rid}/timeline/").json()
    assert [e["action"] for e in timeline["events"] if e["object_type"] == "financing_request"][-3:] == [
        "record_funding",
        "record_funding",
        "close",
    ]


def test_same_idempotency_key_replays_and_another_body_is_422(world, api):
    applicant = api(world.applicant_a)
    body = {
        "enterprise": world.enterprise_a.pk,
        "purpose": "x",
        "amount": "3000000",
        "term_months": 24,
        "tranches": [{"instrument": "credit_loan", "amount": "3000000"}],
    }
    first = applicant.post("/api/v1/financing-requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    again = applicant.post("/api/v1/financing-requests/", body, format="json", HTTP_IDEMPOTENCY_KEY="same")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json() and again["Idempotent-Replayed"] == "true"
    other = applicant.post(
        "/api/v1/financing-requests/", {**body, "purpose": "y"}, format="json", HTTP_IDEMPOTENCY_KEY="same"
    )
    assert other.status_code == 422 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert applicant.get("/api/v1/financing-requests/").json()["results"].__len__() == 1


def test_bad_input_names_the_field_and_the_reason(world, api):
    applicant = api(world.applicant_a)
    response = applicant.post(
        "/api/v1/financing-requests/",
        {
            "enterprise": world.enterprise_a.pk,
            "purpose": "x",
            "amount": "-5",
            "term_months": 0,
            "tranches": [{"instrument": "magic", "amount": "1"}],
        },
        format="json",
    )
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"amount", "term_months", "tranches[0].instrument"} <= set(fields)
