"""/sme/disclosures/ (DESIGN §1): the applicant reads which institution saw its enterprises' data, who
there, when (Asia/Shanghai) and what; applicant B never reads A's; the page's queries are constant."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from coordination.models import Disclosure, Referral
from coordination.services import documents as ds
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

pytestmark = pytest.mark.django_db

URL = "/sme/disclosures/"


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


def route(world, enterprise, applicant, products):
    request = f.draft_request(user=applicant, enterprise=enterprise)
    rq.submit_request(request_id=request.pk, user=applicant)
    routing.route_request(request_id=request.pk, user=world.national, product_ids=[p.pk for p in products])
    return request


def test_the_applicant_reads_the_opening_and_the_download_with_who_and_when(world):
    """Given bank X's reviewer (Li Wei) opened applicant A's referral at 02:30 UTC and downloaded a
    document, when applicant A reads its disclosure log, then both are listed: Bank X, Li Wei, the time in
    Beijing time (10:30), what was seen (profile, financials; the document's name)."""
    world.bank_x_user.first_name, world.bank_x_user.last_name = "Wei", "Li"
    world.bank_x_user.save()
    request = route(world, world.enterprise_a, world.applicant_a, [world.loan_x])
    referral = Referral.objects.get(request=request)
    with time_machine.travel(datetime(2026, 3, 2, 2, 30, tzinfo=UTC), tick=False):
        rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    document = request.documents.order_by("pk").first()
    ds.document_for_download(request_id=request.pk, document_id=document.pk, user=world.bank_x_user)

    response = client_for(world.applicant_a).get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bank X" in body and "Wei Li" in body and request.reference in body
    assert "2026-03-02 10:30" in body
    assert (
        "Profile (name, credit code, certifications)" in body and "Yearly financials and evaluations" in body
    )
    assert document.original_name in body
    assert len(response.context["rows"]) == 2


def test_applicant_b_never_reads_a_disclosures(world):
    """Given bank X opened A's referral and bank Y opened B's, when B reads its log, then only bank Y's
    opening of B's request is there."""
    request_a = route(world, world.enterprise_a, world.applicant_a, [world.loan_x])
    request_b = route(world, world.enterprise_b, world.applicant_b, [world.loan_y])
    rs.open_referral(referral_id=Referral.objects.get(request=request_a).pk, user=world.bank_x_user)
    rs.open_referral(referral_id=Referral.objects.get(request=request_b).pk, user=world.bank_y_user)
    response = client_for(world.applicant_b).get(URL)
    body = response.content.decode()
    assert [row["disclosure"].request_id for row in response.context["rows"]] == [request_b.pk]
    assert request_a.reference not in body and "Bank X" not in body and world.enterprise_a.name not in body


@pytest.mark.parametrize("who", ["bank_x_user", "coordinator", "national"])
def test_users_without_an_enterprise_get_404(world, who):
    """The log is the enterprises' members' page: an institution's reviewer or a coordinator gets 404."""
    request = route(world, world.enterprise_a, world.applicant_a, [world.loan_x])
    rs.open_referral(referral_id=Referral.objects.get(request=request).pk, user=world.bank_x_user)
    assert client_for(getattr(world, who)).get(URL).status_code == 404


def test_anonymous_is_sent_to_log_in(world):
    response = Client().get(URL)
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_log_reads_the_same_queries_for_1_and_many_rows(world):
    """Given one disclosure, then eight more (each by another institution and user), when applicant A
    reads its log, then the number of queries is the same."""
    request = route(world, world.enterprise_a, world.applicant_a, [world.loan_x])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    client = client_for(world.applicant_a)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        return len(queries.captured_queries)

    one = count()
    for _ in range(8):
        user = f.UserFactory()
        institution = f.InstitutionFactory(members=[user])
        Disclosure.objects.create(
            user=user,
            institution=institution,
            enterprise=world.enterprise_a,
            request=request,
            referral=referral,
            action="download",
            categories=["documents"],
            document=request.documents.first(),
            document_name="x.pdf",
        )
    assert count() == one
    assert len(client.get(URL).context["rows"]) == 9


def test_the_log_is_append_only(world):
    request = route(world, world.enterprise_a, world.applicant_a, [world.loan_x])
    rs.open_referral(referral_id=Referral.objects.get(request=request).pk, user=world.bank_x_user)
    disclosure = Disclosure.objects.get()
    with pytest.raises(PermissionError):
        disclosure.save()
    with pytest.raises(PermissionError):
        Disclosure.objects.all().delete()
    with pytest.raises(PermissionError):
        Disclosure.objects.update(categories=[])
