"""The institution's pages (DESIGN §1, §9): /institution/ and /institution/referrals/<id>/.

A referral not opened shows the teaser only; opening it (a POST, the engine's `open`) shows the
applicant and logs it for the applicant; only the engine's actions are offered; the forms map the
page's units (万元, percent) to the services'; another institution, an applicant or a coordinator
gets a 404; the queue reads a constant number of queries.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from coordination.choices import DeadlineKind, ReferralStatus
from coordination.models import Deadline, Disclosure, FinancingRequest, Offer, Referral, Tranche
from coordination.services import approvals, routing
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from tests import factories as f
from tests.api.helpers import credit_score

pytestmark = pytest.mark.django_db

NAME = "Shanghai Quantum Optics Ltd"


def client_for(user) -> Client:
    client = Client(headers={"accept-language": "en"})
    client.force_login(user)
    return client


@pytest.fixture
def routed(world):
    """Applicant A's request routed to bank X and bank Y, neither opened; enterprise A has a name to find,
    two years of financials and a credit of 61.5."""
    enterprise = world.enterprise_a
    enterprise.name = NAME
    enterprise.save()
    f.FinancialsFactory(enterprise=enterprise, year=2024, revenue=Decimal("21000000"))
    credit_score(enterprise, year=2025, total="61.50")
    request = f.draft_request(user=world.applicant_a, enterprise=enterprise)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    return FinancingRequest.objects.get(pk=request.pk)


def ref(request, institution) -> Referral:
    return Referral.objects.get(request=request, institution=institution)


def page(client, referral):
    return client.get(reverse("institution:referral", args=[referral.pk]))


def text(response) -> str:
    return response.content.decode()


# --- the teaser and the opening ----------------------------------------------------------------------


def test_the_queue_shows_a_sent_referral_as_a_teaser(world, routed):
    """Given a sent referral to bank X, when bank X reads its queue, then the row shows the province,
    field, stage, size class, amount in 万元, term and credit band, and not the applicant's name."""
    response = client_for(world.bank_x_user).get(reverse("institution:queue"))
    assert response.status_code == 200
    body = text(response)
    assert routed.reference in body and "上海市" in body and "60–69" in body and "300.00 万元" in body
    assert NAME not in body and world.enterprise_a.credit_code not in body
    assert "Not opened" in body and "10 business days left" in body


def test_the_referral_page_before_opening_shows_the_teaser_and_only_open_and_decline(world, routed):
    """Given a sent referral, when bank X reads its page, then it shows the teaser and the engine's two
    actions (open, decline), no name, credit code, financial figures or document names, no offer form."""
    response = page(client_for(world.bank_x_user), ref(routed, world.bank_x))
    body = text(response)
    assert response.status_code == 200
    assert NAME not in body and world.enterprise_a.credit_code not in body
    assert "2,100.00 万元" not in body and "business_plan.pdf" not in body
    assert reverse("institution:open", args=[ref(routed, world.bank_x).pk]) in body
    assert reverse("institution:decline", args=[ref(routed, world.bank_x).pk]) in body
    assert reverse("institution:offer", args=[ref(routed, world.bank_x).pk]) not in body
    assert reverse("institution:ask", args=[ref(routed, world.bank_x).pk]) not in body
    assert response.context["actions"] == ["open", "decline"]


def test_a_document_is_not_found_before_opening(world, routed):
    """Given a sent referral, when bank X asks for a document of its request by URL, then 404, unlogged."""
    referral = ref(routed, world.bank_x)
    document = routed.documents.first()
    response = client_for(world.bank_x_user).get(
        reverse("institution:document", args=[referral.pk, document.pk])
    )
    assert response.status_code == 404
    assert not Disclosure.objects.exists()


def test_opening_reveals_the_profile_and_logs_it(world, routed):
    """Given a sent referral, when bank X opens it on its page, then the page shows the name, the credit
    code, both years of financials, the evaluations, the match explanation and the documents; the
    disclosure is logged; and the offer and ask forms appear."""
    referral = ref(routed, world.bank_x)
    client = client_for(world.bank_x_user)
    response = client.post(reverse("institution:open", args=[referral.pk]), follow=True)
    body = text(response)
    assert response.status_code == 200
    assert NAME in body and world.enterprise_a.credit_code in body
    assert "2,100.00 万元" in body and "3,000.00 万元" in body  # revenue 2024 and 2025
    assert "business_plan.pdf" in body and escape(referral.explanation[0]["text"]) in body
    assert "Tech-SME evaluation" in body and "Innovation credit 61.50 of 100" in body
    assert reverse("institution:offer", args=[referral.pk]) in body
    assert reverse("institution:ask", args=[referral.pk]) in body
    (disclosure,) = Disclosure.objects.all()
    assert (disclosure.user, disclosure.institution, disclosure.action) == (
        world.bank_x_user,
        world.bank_x,
        "open",
    )
    queue = text(client.get(reverse("institution:queue")))
    assert NAME in queue


def test_a_download_after_opening_is_served_and_logged(world, routed):
    """Given bank X opened its referral, when it downloads a document from the page, then the file comes
    and the download is logged with the document's name."""
    referral = ref(routed, world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    document = routed.documents.order_by("pk").first()
    response = client_for(world.bank_x_user).get(
        reverse("institution:document", args=[referral.pk, document.pk])
    )
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert Disclosure.objects.filter(action="download", document_name=document.original_name).count() == 1


# --- who may see the pages -------------------------------------------------------------------------


def _urls(referral, document, offer=None) -> list[tuple[str, str]]:
    urls = [
        ("get", reverse("institution:referral", args=[referral.pk])),
        ("get", reverse("institution:document", args=[referral.pk, document.pk])),
        ("post", reverse("institution:open", args=[referral.pk])),
        ("post", reverse("institution:ask", args=[referral.pk])),
        ("post", reverse("institution:offer", args=[referral.pk])),
        ("post", reverse("institution:decline", args=[referral.pk])),
        ("post", reverse("institution:funding", args=[referral.pk])),
    ]
    if offer is not None:
        urls.append(("post", reverse("institution:withdraw-offer", args=[referral.pk, offer.pk])))
    return urls


def test_bank_y_never_sees_bank_xs_referral(world, routed):
    """Given bank X opened its referral and made an offer, when bank Y reaches for any of its pages,
    downloads or actions, then each is a 404 and nothing changes; its queue lists only its own."""
    referral = ref(routed, world.bank_x)
    offer = _open_and_offer(world, referral)
    client = client_for(world.bank_y_user)
    for method, url in _urls(referral, routed.documents.first(), offer):
        assert getattr(client, method)(url, {"reason_code": "other", "question": "q"}).status_code == 404, url
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.OFFERED
    rows = client.get(reverse("institution:queue")).context["rows"]
    assert [row.referral.pk for row in rows] == [ref(routed, world.bank_y).pk]


@pytest.mark.parametrize("who", ["applicant_a", "coordinator", "national"])
def test_applicants_and_coordinators_get_404_on_every_institution_page(world, routed, who):
    """Given a referral, when the applicant or a coordinator (in scope, or national) reaches for the
    institution pages, then each is a 404: coordinators never act as an institution."""
    client = client_for(getattr(world, who))
    assert client.get(reverse("institution:queue")).status_code == 404
    referral = ref(routed, world.bank_x)
    for method, url in _urls(referral, routed.documents.first()):
        assert getattr(client, method)(url).status_code == 404, url
    assert Referral.objects.get(pk=referral.pk).status == ReferralStatus.SENT


def test_a_coordinator_who_is_also_a_member_of_an_institution_gets_404(world, routed):
    """Given the Shanghai coordinator made a member of bank X, when it opens the queue, then 404."""
    world.bank_x.members.add(world.coordinator)
    assert client_for(world.coordinator).get(reverse("institution:queue")).status_code == 404


def test_anonymous_is_sent_to_log_in(world, routed):
    response = Client().get(reverse("institution:queue"))
    assert response.status_code == 302 and "login" in response["Location"]


# --- the forms --------------------------------------------------------------------------------------


def _open_and_offer(world, referral) -> Offer:
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    return rs.make_offer(
        referral_id=referral.pk,
        user=world.bank_x_user,
        amount=Decimal("3000000"),
        annual_rate=Decimal("0.0310"),
        term_months=24,
        valid_until=timezone.localdate() + timedelta(days=20),
    )


def _valid_until() -> str:
    return (timezone.localdate() + timedelta(days=20)).isoformat()


def test_a_loan_offer_takes_the_rate_as_a_percentage_and_the_amount_in_wan(world, routed):
    """Given an opened loan referral, when bank X offers 250 万元 at 3.45% for 36 months with a pledge,
    then the service receives 2,500,000 yuan, 0.0345, 36 and the security in the terms."""
    referral = ref(routed, world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    response = client_for(world.bank_x_user).post(
        reverse("institution:offer", args=[referral.pk]),
        {
            "offer-amount": "250",
            "offer-annual_rate": "3.45",
            "offer-term_months": "36",
            "offer-security": "IP pledge",
            "offer-valid_until": _valid_until(),
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(referral=referral)
    assert (offer.amount, offer.annual_rate, offer.term_months, offer.terms) == (
        Decimal("2500000.00"),
        Decimal("0.0345"),
        36,
        {"security": "IP pledge"},
    )


def test_an_offer_above_the_tranche_names_the_amount_field(world, routed):
    """Given an opened referral for 300 万元, when bank X offers 400 万元, then the page comes back (400)
    with the service's error on the amount field, and no offer is made."""
    referral = ref(routed, world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    response = client_for(world.bank_x_user).post(
        reverse("institution:offer", args=[referral.pk]),
        {
            "offer-amount": "400",
            "offer-annual_rate": "3.45",
            "offer-term_months": "36",
            "offer-valid_until": _valid_until(),
        },
    )
    assert response.status_code == 400
    form = response.context["offer_form"]
    assert "amount" in form.errors and "3000000" in str(form.errors["amount"])
    assert 'aria-invalid="true"' in text(response)
    assert not Offer.objects.exists()


def test_a_rate_of_100_percent_is_refused_on_its_field(world, routed):
    referral = ref(routed, world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    response = client_for(world.bank_x_user).post(
        reverse("institution:offer", args=[referral.pk]),
        {
            "offer-amount": "100",
            "offer-annual_rate": "100",
            "offer-term_months": "12",
            "offer-valid_until": _valid_until(),
        },
    )
    assert response.status_code == 400 and "annual_rate" in response.context["offer_form"].errors
    assert not Offer.objects.exists()


def test_an_equity_offer_records_valuation_and_stake_in_the_terms(world):
    """Given an equity tranche routed to the VC and opened, when the VC offers 100 万元 at a pre-money
    valuation of 8,000 万元 for 1.25%, then the offer carries the yuan valuation and the stake fraction."""
    request = f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, tranches=[("equity", "1000000")]
    )
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.equity.pk])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=world.vc_user)
    client = client_for(world.vc_user)
    body = text(page(client, referral))
    assert "Pre-money valuation" in body and "Annual interest rate" not in body
    response = client.post(
        reverse("institution:offer", args=[referral.pk]),
        {
            "offer-amount": "100",
            "offer-pre_money_valuation": "8000",
            "offer-stake": "1.25",
            "offer-valid_until": _valid_until(),
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(referral=referral)
    assert offer.amount == Decimal("1000000.00") and offer.annual_rate is None
    assert offer.terms == {"pre_money_valuation": "80000000.00", "stake": "0.0125"}


def test_an_insurance_offer_takes_cover_and_premium_rate(world):
    request = f.draft_request(
        user=world.applicant_a, enterprise=world.enterprise_a, tranches=[("rd_insurance", "2000000")]
    )
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.rd_insurance.pk])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=world.insurer_user)
    response = client_for(world.insurer_user).post(
        reverse("institution:offer", args=[referral.pk]),
        {
            "offer-amount": "200",
            "offer-annual_rate": "0.8",
            "offer-term_months": "12",
            "offer-valid_until": _valid_until(),
        },
    )
    assert response.status_code == 302
    offer = Offer.objects.get(referral=referral)
    assert (offer.amount, offer.annual_rate, offer.term_months) == (
        Decimal("2000000.00"),
        Decimal("0.0080"),
        12,
    )


def test_decline_with_a_reason_code_from_the_teaser(world, routed):
    """Given a sent referral, when bank X declines it on the page with a reason code and a note, then the
    referral is declined with both, still unopened and unlogged."""
    referral = ref(routed, world.bank_x)
    response = client_for(world.bank_x_user).post(
        reverse("institution:decline", args=[referral.pk]),
        {"reason_code": "insufficient_credit", "note": "below our floor"},
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.decline_reason, referral.decline_note) == (
        "declined",
        "insufficient_credit",
        "below our floor",
    )
    assert referral.opened_at is None and not Disclosure.objects.exists()


def test_decline_without_a_reason_code_is_refused_on_its_field(world, routed):
    referral = ref(routed, world.bank_x)
    response = client_for(world.bank_x_user).post(reverse("institution:decline", args=[referral.pk]), {})
    assert response.status_code == 400 and "reason_code" in response.context["decline_form"].errors
    assert Referral.objects.get(pk=referral.pk).status == "sent"


def test_ask_sends_the_question_to_the_applicant(world, routed):
    """Given an opened referral, when bank X asks a question, then the referral waits on the applicant
    with that question, and the page no longer offers to ask or offer."""
    referral = ref(routed, world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    client = client_for(world.bank_x_user)
    response = client.post(reverse("institution:ask", args=[referral.pk]), {"question": "Latest audit?"})
    assert response.status_code == 302
    referral.refresh_from_db()
    assert (referral.status, referral.info_request) == ("info_requested", "Latest audit?")
    assert page(client, referral).context["actions"] == ["decline"]


def test_a_refused_action_comes_back_with_the_engines_message(world, routed):
    """Given bank X's referral was declined, when an old page posts `open`, then the page says why
    (the engine's conflict) and nothing changes."""
    referral = ref(routed, world.bank_x)
    rs.decline_referral(referral_id=referral.pk, user=world.bank_x_user, reason_code="other")
    client = client_for(world.bank_x_user)
    response = client.post(reverse("institution:open", args=[referral.pk]), follow=True)
    assert response.status_code == 200
    assert any("declined" in str(m) for m in response.context["messages"])
    assert not Disclosure.objects.exists()


def test_withdraw_an_open_offer_and_record_funding(world, routed, settings):
    """Given bank X's offer, when it withdraws it from the page, then it is withdrawn; given a second
    accepted and approved offer, when it records the funding on the page, then the request is funded."""
    referral = ref(routed, world.bank_x)
    offer = _open_and_offer(world, referral)
    client = client_for(world.bank_x_user)
    assert client.post(reverse("institution:withdraw-offer", args=[referral.pk, offer.pk])).status_code == 302
    assert Offer.objects.get(pk=offer.pk).status == "withdrawn"

    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    second = Referral.objects.get(request=request)
    accepted = _open_and_offer(world, second)
    assert "record_funding" not in text(page(client, second))
    rs.accept_offer(offer_id=accepted.pk, user=world.applicant_a)
    approvals.approve_request(request_id=request.pk, user=world.coordinator)
    assert page(client, second).context["can_record_funding"] is True
    response = client.post(reverse("institution:funding", args=[second.pk]), {"amount": "", "funded_on": ""})
    assert response.status_code == 302
    assert FinancingRequest.objects.get(pk=request.pk).status == "funded"
    assert Tranche.objects.get(request=request).funded_amount == Decimal("3000000.00")
    assert page(client, second).context["can_record_funding"] is False


# --- the queue: order, filters, queries -------------------------------------------------------------

_serial = itertools.count(1)


def seed_referrals(world, n, *, due_in_days=5):
    """`n` referrals to bank X, each on a request of its own enterprise (own fields, financials, credit),
    every other one opened, each with its review deadline `due_in_days` from now."""
    for i in range(n):
        enterprise = f.EnterpriseFactory(region=world.pudong, members=[world.applicant_a])
        enterprise.fields.add(f.TechFieldFactory())
        credit_score(enterprise)
        serial = next(_serial)
        request = FinancingRequest.objects.create(
            enterprise=enterprise,
            purpose="p",
            amount=Decimal("3000000"),
            term_months=24,
            created_by=world.applicant_a,
            reference=f"FR-PG-{serial:06d}",
            status="routed",
        )
        tranche = Tranche.objects.create(
            request=request, position=1, instrument="credit_loan", amount=3000000
        )
        referral = Referral.objects.create(
            tranche=tranche,
            request=request,
            product=world.loan_x,
            institution=world.bank_x,
            score=Decimal("70"),
            opened_at=timezone.now() if i % 2 else None,
        )
        Deadline.objects.create(
            request=request,
            object_type="referral",
            object_id=referral.pk,
            stage="institution_review",
            kind=DeadlineKind.EXPIRE,
            due_at=timezone.now() + timedelta(days=due_in_days),
        )


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries.captured_queries)


def test_the_queue_reads_the_same_queries_for_1_and_many_referrals(world):
    """Given one referral, then twelve more (teasers and opened ones mixed), when bank X reads its queue,
    then the number of queries is the same."""
    client = client_for(world.bank_x_user)
    seed_referrals(world, 1)
    one = _count(client, reverse("institution:queue"))
    seed_referrals(world, 12)
    assert len(client.get(reverse("institution:queue")).context["rows"]) == 13
    assert _count(client, reverse("institution:queue")) == one


def test_the_referral_page_reads_the_same_queries_whatever_the_financials_and_documents(world, routed):
    referral = ref(routed, world.bank_x)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    client = client_for(world.bank_x_user)
    url = reverse("institution:referral", args=[referral.pk])
    before = _count(client, url)
    for year in (2020, 2021, 2022, 2023):
        f.FinancialsFactory(enterprise=world.enterprise_a, year=year)
    f.attach_required_documents(routed, world.applicant_a)
    assert _count(client, url) == before


def test_overdue_first_then_by_deadline(world):
    """Given referrals due in 9 and 3 days and one overdue, when bank X reads its queue, then the overdue
    one comes first, marked, then the one due in 3 days, then the one in 9."""
    seed_referrals(world, 1, due_in_days=9)
    seed_referrals(world, 1, due_in_days=3)
    seed_referrals(world, 1, due_in_days=-2)
    rows = client_for(world.bank_x_user).get(reverse("institution:queue")).context["rows"]
    dues = [row.due_at for row in rows]
    assert [row.overdue for row in rows] == [True, False, False]
    assert dues[1] < dues[2] and dues[0] < dues[1]
    # Two calendar days late is 0 business days late over a weekend (due Friday, read on Saturday).
    assert rows[0].business_days_left <= 0 < rows[1].business_days_left < rows[2].business_days_left


def test_filters_and_search(world, routed):
    """Given bank X's sent referral and a declined one, when it filters by status, instrument or searches
    a reference, then only the matching rows are listed."""
    seed_referrals(world, 1)
    declined = Referral.objects.filter(institution=world.bank_x).exclude(request=routed).get()
    Referral.objects.filter(pk=declined.pk).update(status="declined")
    client = client_for(world.bank_x_user)

    def listed(query):
        return [
            row.referral.request.reference for row in client.get(f"/institution/?{query}").context["rows"]
        ]

    assert listed("status=declined") == [declined.request.reference]
    assert listed("status=sent") == [routed.reference]
    assert listed("instrument=equity") == []
    # Part of the reference: its year and serial (its serial alone may also end a seeded FR-PG-… one).
    assert listed(f"q={routed.reference[-11:]}") == [routed.reference]
    assert sorted(listed("")) == sorted([routed.reference, declined.request.reference])


# --- loss claims (DESIGN §10): report a default on a covered funded tranche; its claims with status ------


@pytest.fixture
def covered(world):
    """Bank X's funded 3 000 000-yuan loan to enterprise A, which a national risk pool covers."""
    from tests.factories_policy import ProgrammeFactory
    from tests.policies.test_ledger import accepted

    ProgrammeFactory(kind="risk_compensation", name="Pool SH")
    request = accepted(world, world.enterprise_a)
    approvals.record_funding(request_id=request.pk, user=world.bank_x_user)
    return ref(request, world.bank_x)


def test_the_funding_bank_reports_a_default_in_wan_and_sees_the_claim_with_its_status(world, covered):
    """Given bank X's funded loan under a risk pool, when its page is read, then a "Report a default" form
    shows; when 200 万元 is reported, then the claim (60%: 120 万元) is listed on the page and on the
    claims page as reported."""
    client = client_for(world.bank_x_user)
    before = client.get(reverse("institution:referral", args=[covered.pk]))
    assert before.status_code == 200 and b"Report a default" in before.content
    response = client.post(
        reverse("institution:default", args=[covered.pk]),
        {"loss": "200", "defaulted_on": timezone.localdate().isoformat(), "note": "insolvent"},
    )
    assert response.status_code == 302
    claim = covered.tranche.loss_claims.get()
    assert (claim.loss, claim.amount, claim.status) == (Decimal("2000000"), Decimal("1200000"), "reported")
    after = client.get(reverse("institution:referral", args=[covered.pk])).content.decode()
    assert "Loss claims on this tranche" in after and "Reported" in after and "120" in after
    listing = client.get(reverse("institution:claims"))
    assert listing.status_code == 200
    assert covered.request.reference in listing.content.decode()


def test_a_loss_above_the_principal_is_refused_on_the_form_naming_the_field(world, covered):
    client = client_for(world.bank_x_user)
    response = client.post(
        reverse("institution:default", args=[covered.pk]),
        {"loss": "300.01", "defaulted_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 400
    assert "At most the principal outstanding" in response.content.decode()
    assert not covered.tranche.loss_claims.exists()


def test_no_default_form_where_no_pool_covers_or_the_loan_is_not_funded(world, routed):
    referral = ref(routed, world.bank_x)
    client = client_for(world.bank_x_user)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    assert b"Report a default" not in client.get(reverse("institution:referral", args=[referral.pk])).content
    response = client.post(
        reverse("institution:default", args=[referral.pk]),
        {"loss": "1", "defaulted_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("who", ["bank_y_user", "applicant_a", "coordinator", "national"])
def test_the_claim_pages_are_the_funding_banks_alone(world, covered, who):
    """Another bank (its referral is not this one), the applicant and coordinators get a 404 on the report
    and on the claims page; nothing is written."""
    client = client_for(getattr(world, who))
    report = client.post(
        reverse("institution:default", args=[covered.pk]),
        {"loss": "100", "defaulted_on": timezone.localdate().isoformat()},
    )
    assert report.status_code == 404
    listing = client.get(reverse("institution:claims"))
    if who == "bank_y_user":  # an institution's member: its own claims page, without bank X's claim
        assert listing.status_code == 200 and b"Pool SH" not in listing.content
    else:
        assert listing.status_code == 404
    assert not covered.tranche.loss_claims.exists()
