"""DESIGN §1 in the API: an institution reads a referral it has not opened as an anonymised teaser only
(no name, credit code, documents or financials), on every path; opening it discloses the applicant and
is logged for the applicant, and so is each document download.

One request of applicant A (enterprise A: two years of financials, an innovation credit of 61.5, two
documents), routed to bank X and bank Y; nobody has opened it at the start of each test.
"""

import json
from decimal import Decimal

import pytest

from coordination.models import Disclosure, Referral
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

from .helpers import credit_score

pytestmark = pytest.mark.django_db

# What the applicant's data looks like in a payload: none of it may appear in a teaser.
FINANCIAL_FIGURES = ("30000000", "50000000", "21000000")


@pytest.fixture
def routed(world):
    enterprise = world.enterprise_a
    enterprise.name = "Shanghai Quantum Optics Ltd"
    enterprise.save()
    enterprise.fields.add(f.TechFieldFactory(code="quantum", name="量子"))
    f.FinancialsFactory(enterprise=enterprise, year=2024, revenue=Decimal("21000000"))
    credit_score(enterprise, year=2025, total="61.50")
    request = f.draft_request(user=world.applicant_a, enterprise=enterprise)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    request.refresh_from_db()
    return request


def _referral(request, institution) -> Referral:
    return Referral.objects.get(request=request, institution=institution)


def _reveals(payload, enterprise) -> list[str]:
    """The pieces of the applicant's identity or data found anywhere in a payload."""
    text = json.dumps(payload, ensure_ascii=False)
    found = [value for value in (enterprise.name, enterprise.credit_code) if value in text]
    found += [f"figure {figure}" for figure in FINANCIAL_FIGURES if figure in text]
    found += [key for key in ('"enterprise"', '"purpose"', '"explanation"', '"financials"') if key in text]
    return found


def test_the_list_shows_a_sent_referral_as_a_teaser(world, api, routed):
    """Given a sent referral to bank X, when bank X lists its referrals, then the row is the teaser:
    province, fields, stage, size class, amounts, term, instruments, credit band and tech-SME status,
    and nothing that names the applicant or shows its financials."""
    rows = api(world.bank_x_user).get("/api/v1/referrals/").json()["results"]
    (row,) = rows
    assert _reveals(row, world.enterprise_a) == []
    assert row["disclosed"] is False and row["opened_at"] is None
    assert row["reference"] == routed.reference and row["status"] == "sent"
    assert row["available_actions"] == ["open", "decline"]
    assert row["teaser"] == {
        "province": "310000",
        "province_name": "上海市",
        "fields": ["quantum"],
        "stage": "growth",
        "size_class": "small",
        "amount": "3000000.00",
        "tranche_amount": "3000000.00",
        "term_months": 24,
        "instruments": ["credit_loan"],
        "innovation_credit_band": "60–69",
        "tech_sme_status": "registered",
    }


def test_the_detail_shows_a_sent_referral_as_a_teaser(world, api, routed):
    """Given a sent referral to bank X, when bank X reads it, then it is the teaser only."""
    referral = _referral(routed, world.bank_x)
    payload = api(world.bank_x_user).get(f"/api/v1/referrals/{referral.pk}/").json()
    assert _reveals(payload, world.enterprise_a) == []
    assert payload["disclosed"] is False and payload["teaser"]["province"] == "310000"


def test_documents_and_the_request_are_not_found_before_opening(world, api, routed):
    """Given a sent referral to bank X, when bank X asks for the request, its documents or a document's
    file, then each is a 404, as if it did not exist."""
    client = api(world.bank_x_user)
    document = routed.documents.first()
    base = f"/api/v1/financing-requests/{routed.pk}"
    for path in (
        f"{base}/",
        f"{base}/documents/",
        f"{base}/documents/{document.pk}/download/",
        f"{base}/timeline/",
    ):
        assert client.get(path).status_code == 404, path
    assert routed.pk not in [r["id"] for r in client.get("/api/v1/financing-requests/").json()["results"]]
    assert not Disclosure.objects.exists()


def test_searching_the_applicants_name_finds_no_teaser(world, api, routed):
    """Given a sent referral, when bank X searches its referrals by the applicant's name, then nothing is
    found (the search would confirm who it is); once opened, the search finds it."""
    client = api(world.bank_x_user)
    search = "/api/v1/referrals/?search=Quantum Optics"
    assert client.get(search).json()["results"] == []
    assert len(client.get(f"/api/v1/referrals/?search={routed.reference}").json()["results"]) == 1
    rs.open_referral(referral_id=_referral(routed, world.bank_x).pk, user=world.bank_x_user)
    assert len(client.get(search).json()["results"]) == 1


def test_opening_discloses_the_applicant_and_logs_it(world, api, routed):
    """Given a sent referral to bank X, when bank X opens it over the API, then the answer and the reads
    after it carry the full profile with its financials, and one disclosure is logged: bank X's user,
    enterprise A, profile and financials."""
    referral = _referral(routed, world.bank_x)
    client = api(world.bank_x_user)
    opened = client.post(f"/api/v1/referrals/{referral.pk}/open/").json()
    assert opened["disclosed"] is True and opened["status"] == "reviewing"
    assert opened["enterprise"]["name"] == "Shanghai Quantum Optics Ltd"
    assert opened["enterprise"]["credit_code"] == world.enterprise_a.credit_code
    assert {row["year"] for row in opened["enterprise"]["financials"]} == {2024, 2025}
    detail = client.get(f"/api/v1/referrals/{referral.pk}/").json()
    (listed,) = client.get("/api/v1/referrals/").json()["results"]
    assert detail["enterprise"]["name"] == listed["enterprise"]["name"] == "Shanghai Quantum Optics Ltd"
    assert detail["explanation"] == referral.explanation
    (disclosure,) = Disclosure.objects.all()
    assert (disclosure.user, disclosure.institution, disclosure.enterprise, disclosure.referral_id) == (
        world.bank_x_user,
        world.bank_x,
        world.enterprise_a,
        referral.pk,
    )
    assert (disclosure.action, disclosure.categories) == ("open", ["profile", "financials"])


def test_after_opening_a_download_is_served_and_logged(world, api, routed):
    """Given bank X opened its referral, when it downloads a document of the request, then the file is
    served and the download is in the applicant's log, naming the file."""
    rs.open_referral(referral_id=_referral(routed, world.bank_x).pk, user=world.bank_x_user)
    document = routed.documents.order_by("pk").first()
    response = api(world.bank_x_user).get(
        f"/api/v1/financing-requests/{routed.pk}/documents/{document.pk}/download/"
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    download = Disclosure.objects.get(action="download")
    assert (download.institution, download.document, download.document_name, download.categories) == (
        world.bank_x,
        document,
        document.original_name,
        ["documents"],
    )


def test_bank_y_reads_a_teaser_while_bank_x_has_opened(world, api, routed):
    """Given bank X opened its referral and bank Y did not, when bank Y reads its own referral, the
    request and bank X's referral, then it gets its teaser and two 404s."""
    rs.open_referral(referral_id=_referral(routed, world.bank_x).pk, user=world.bank_x_user)
    client = api(world.bank_y_user)
    own = client.get(f"/api/v1/referrals/{_referral(routed, world.bank_y).pk}/").json()
    assert own["disclosed"] is False and _reveals(own, world.enterprise_a) == []
    assert client.get(f"/api/v1/referrals/{_referral(routed, world.bank_x).pk}/").status_code == 404
    assert client.get(f"/api/v1/financing-requests/{routed.pk}/").status_code == 404


def test_a_referral_declined_unopened_stays_a_teaser(world, api, routed):
    """Given bank X declines its referral without opening it, when it reads it again, then it is still the
    teaser (declining reveals nothing) and nothing is logged."""
    referral = _referral(routed, world.bank_x)
    answer = api(world.bank_x_user).post(
        f"/api/v1/referrals/{referral.pk}/decline/", {"reason_code": "outside_appetite"}, format="json"
    )
    assert answer.status_code == 200
    assert answer.json()["disclosed"] is False and answer.json()["status"] == "declined"
    assert _reveals(answer.json(), world.enterprise_a) == []
    assert not Disclosure.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "applicant"])
def test_coordinators_and_the_applicant_are_not_given_a_teaser(world, api, routed, role):
    """Given a sent referral, when the coordinator in scope or the applicant reads it, then the teaser
    rule does not apply to them: the coordinator reads the applicant's profile, the applicant its own
    referral's state (its usual payload), and nothing is logged."""
    user = world.coordinator if role == "coordinator" else world.applicant_a
    payload = api(user).get(f"/api/v1/referrals/{_referral(routed, world.bank_x).pk}/").json()
    if role == "coordinator":
        assert payload["disclosed"] is True and payload["enterprise"]["name"] == "Shanghai Quantum Optics Ltd"
    else:
        assert "teaser" not in payload and payload["status"] == "sent"
    assert not Disclosure.objects.exists()
