"""The applicant's forms and actions: the new-request form (errors on the fields they are about, nothing
half-written), submit, answer, withdraw, accept; a refused action is a message on the page, never a 500."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from coordination.models import (
    FinancingRequest,
    Offer,
    ReferenceCounter,
    Referral,
    RequestDocument,
    Tranche,
    TransitionEvent,
)
from coordination.services import financing_requests as rq
from coordination.services import referrals as rs
from coordination.services import routing
from tests import factories as f

pytestmark = pytest.mark.django_db

NEW = "/sme/requests/new/"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, f.pdf_bytes(), content_type="application/pdf")


def form_data(world, **changes) -> dict:
    """A valid two-tranche request of enterprise A, with both documents screening requires."""
    data = {
        "enterprise": str(world.enterprise_a.pk),
        "amount": "5000000",
        "term_months": "24",
        "purpose": "Pilot production line for the new sensor",
        "needed_by": (timezone.localdate() + timedelta(days=60)).isoformat(),
        "major_task": "",
        "tranches-TOTAL_FORMS": "3",
        "tranches-INITIAL_FORMS": "0",
        "tranches-MIN_NUM_FORMS": "1",
        "tranches-MAX_NUM_FORMS": "10",
        "tranches-0-instrument": "credit_loan",
        "tranches-0-amount": "3000000",
        "tranches-1-instrument": "equity",
        "tranches-1-amount": "2000000",
        "tranches-2-instrument": "",
        "tranches-2-amount": "",
        "document_business_plan": pdf("plan.pdf"),
        "document_financial_statements": pdf("statements.pdf"),
        "intent": "submit",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def written() -> tuple[int, ...]:
    return (
        FinancingRequest.objects.count(),
        Tranche.objects.count(),
        RequestDocument.objects.count(),
        TransitionEvent.objects.count(),
        sum(ReferenceCounter.objects.values_list("last", flat=True)),
    )


def summary(response) -> str:
    html = response.content.decode()
    start = html.index('id="error-summary"')
    return html[start : html.index("</div>", start)]


# --- the new-request form ---------------------------------------------------------------------------------


def test_a_two_tranche_request_with_documents_is_submitted(world):
    """Given A's enterprise with financials, when A submits a two-tranche request with both documents, then
    it is created, screened and waits in triage, with its documents, and A is told so on its page."""
    response = client_for(world.applicant_a).post(NEW, form_data(world), follow=True)
    request = FinancingRequest.objects.get(enterprise=world.enterprise_a)
    assert response.redirect_chain == [(f"/sme/requests/{request.reference}/", 302)]
    assert request.status == "triage"
    assert [(t.instrument, t.amount) for t in request.tranches.order_by("position")] == [
        ("credit_loan", Decimal("3000000.00")),
        ("equity", Decimal("2000000.00")),
    ]
    assert sorted(request.documents.values_list("kind", flat=True)) == [
        "business_plan",
        "financial_statements",
    ]
    assert "passed screening" in response.content.decode()
    assert request.events.filter(action="submit", actor=world.applicant_a).exists()


def test_save_as_draft_shares_nothing(world):
    """Given the same form, when A saves it as a draft, then the request is a draft and not submitted."""
    response = client_for(world.applicant_a).post(NEW, form_data(world, intent="draft"), follow=True)
    request = FinancingRequest.objects.get(enterprise=world.enterprise_a)
    assert request.status == "draft" and request.submitted_at is None
    assert request.documents.count() == 2
    assert "Saved as a draft" in response.content.decode()


def test_tranches_that_do_not_add_up_are_refused_naming_the_tranches(world):
    """Given tranches of 3 000 000 + 1 000 000 for an amount of 5 000 000, when A submits, then the form comes
    back naming the tranches, with the figures, and nothing at all is written."""
    before = written()
    response = client_for(world.applicant_a).post(NEW, form_data(world, **{"tranches-1-amount": "1000000"}))
    assert response.status_code == 200
    assert response.context["tranche_errors"]
    text = summary(response)
    assert 'href="#tranches-legend">Tranches</a>' in text and "4000000" in text and "5000000" in text
    assert written() == before
    assert response.context["files_dropped"] is True
    assert 'id="files-dropped"' in response.content.decode()


def test_a_missing_amount_is_named(world):
    """Given no amount, when A submits, then the amount field carries the error and nothing is written."""
    before = written()
    response = client_for(world.applicant_a).post(NEW, form_data(world, amount=""))
    assert response.status_code == 200
    assert "amount" in response.context["form"].errors
    assert '<a href="#id_amount">Amount (yuan)</a>' in summary(response)
    assert written() == before


def test_a_file_of_the_wrong_type_is_named_and_nothing_is_written(world):
    """Given a Windows executable named plan.pdf, when A submits, then the business-plan field names the file
    and why, the request itself is not created (no reference used), and the page asks for the files again."""
    before = written()
    exe = SimpleUploadedFile("plan.pdf", b"MZ\x90\x00" + b"\x00" * 200, content_type="application/pdf")
    response = client_for(world.applicant_a).post(NEW, form_data(world, document_business_plan=exe))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == ["document_business_plan"] and "plan.pdf" in errors["document_business_plan"][0]
    assert '<a href="#id_document_business_plan">Business plan</a>' in summary(response)
    assert written() == before


def test_an_unknown_extension_is_refused_on_its_field(world):
    """Given a .exe for the financial statements, when A saves a draft, then that field says so."""
    exe = SimpleUploadedFile("statements.exe", b"MZ" + b"\x00" * 100)
    response = client_for(world.applicant_a).post(
        NEW, form_data(world, intent="draft", document_financial_statements=exe)
    )
    assert "document_financial_statements" in response.context["form"].errors
    assert FinancingRequest.objects.count() == 0


def test_a_tranche_without_instrument_is_named_on_its_row(world):
    """Given a tranche amount with no instrument, when A submits, then that row's instrument has the error."""
    response = client_for(world.applicant_a).post(NEW, form_data(world, **{"tranches-1-instrument": ""}))
    assert response.context["tranches"].forms[1].errors["instrument"]
    assert "Tranche 2, Instrument" in summary(response)
    assert FinancingRequest.objects.count() == 0


def test_an_instrument_twice_is_refused(world):
    """Given two credit-loan tranches, when A submits, then they are refused as the API refuses them."""
    response = client_for(world.applicant_a).post(
        NEW, form_data(world, **{"tranches-1-instrument": "credit_loan"})
    )
    assert response.context["tranches"].non_form_errors()
    assert FinancingRequest.objects.count() == 0


def test_a_date_in_the_past_is_named_by_the_service(world):
    """Given a needed-by date in the past, when A submits, then the service's error is on that field."""
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = client_for(world.applicant_a).post(NEW, form_data(world, needed_by=yesterday))
    assert "needed_by" in response.context["form"].errors
    assert FinancingRequest.objects.count() == 0


def test_no_tranche_at_all_is_refused(world):
    """Given every tranche row blank, when A submits, then at least one tranche is asked for."""
    blank = {
        "tranches-0-instrument": "",
        "tranches-0-amount": "",
        "tranches-1-instrument": "",
        "tranches-1-amount": "",
    }
    response = client_for(world.applicant_a).post(NEW, form_data(world, **blank))
    assert response.status_code == 200
    assert response.context["tranches"].forms[0].errors or response.context["tranches"].non_form_errors()
    assert FinancingRequest.objects.count() == 0


def test_another_enterprise_cannot_be_chosen(world):
    """Given B's enterprise id in A's form, when A submits, then the enterprise field refuses it."""
    response = client_for(world.applicant_a).post(
        NEW, form_data(world, enterprise=str(world.enterprise_b.pk))
    )
    assert "enterprise" in response.context["form"].errors
    assert FinancingRequest.objects.count() == 0


def test_a_coordinator_who_is_a_member_is_refused_by_the_service(world):
    """Given a coordinator who is also a member of an enterprise, when they submit, then the service's refusal
    is on the enterprise field (a coordinator never acts as an applicant) and nothing is written."""
    world.enterprise_a.members.add(world.coordinator)
    response = client_for(world.coordinator).post(NEW, form_data(world))
    assert response.status_code == 200
    assert "Coordinators do not file" in response.context["form"].errors["enterprise"][0]
    assert FinancingRequest.objects.count() == 0


# --- actions on the request page ----------------------------------------------------------------------------


def page(client, request):
    return client.get(f"/sme/requests/{request.reference}/")


def post(client, request, path, data=None):
    return client.post(f"/sme/requests/{request.reference}/{path}", data or {}, follow=True)


def test_a_draft_is_submitted_from_its_page_with_documents_added(world):
    """Given A's draft without documents, when A adds both on its page and submits, then it is in triage."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = client_for(world.applicant_a)
    assert page(client, request).context["submit_form"] is not None
    response = post(
        client,
        request,
        "actions/submit/",
        {
            "submit-document_business_plan": pdf("plan.pdf"),
            "submit-document_financial_statements": pdf("fs.pdf"),
            "intent": "submit",
        },
    )
    request.refresh_from_db()
    assert request.status == "triage" and request.documents.count() == 2
    assert "passed screening" in response.content.decode()


def test_documents_only_keep_the_draft(world):
    """Given A's draft, when A only adds a document, then it is stored and the request stays a draft."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    post(
        client_for(world.applicant_a),
        request,
        "actions/submit/",
        {"submit-document_other": pdf("letter.pdf"), "intent": "documents"},
    )
    request.refresh_from_db()
    assert request.status == "draft" and request.documents.get().kind == "other"


def test_an_information_request_is_answered_with_documents(world):
    """Given A's request submitted without documents (screening asks for them), when A reads the question,
    adds both documents and resubmits, then the request passes screening into triage."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    client = client_for(world.applicant_a)
    shown = page(client, request)
    html = shown.content.decode()
    assert 'id="info-question"' in html and "business plan" in html
    assert shown.context["answer_form"] is not None and shown.context["submit_form"] is None
    post(
        client,
        request,
        "actions/resubmit/",
        {
            "answer-note": "Both attached.",
            "answer-document_business_plan": pdf("plan.pdf"),
            "answer-document_financial_statements": pdf("fs.pdf"),
        },
    )
    request.refresh_from_db()
    assert request.status == "triage"
    assert request.events.filter(action="resubmit", reason="Both attached.").exists()


def test_a_refused_answer_keeps_nothing_and_says_why(world):
    """Given A's request in information_requested, when A answers with a bad file, then nothing is stored,
    the request stays where it was, and the page says which file and that files must be chosen again."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    response = post(
        client_for(world.applicant_a),
        request,
        "actions/resubmit/",
        {
            "answer-document_business_plan": SimpleUploadedFile("plan.pdf", b"MZ" + b"\x00" * 50),
            "answer-document_financial_statements": pdf("fs.pdf"),
        },
    )
    request.refresh_from_db()
    assert request.status == "info_requested" and request.documents.count() == 0
    html = response.content.decode()
    assert "Business plan: “plan.pdf”" in html and "choose them again" in html


def test_a_refused_answer_reads_as_chinese_writes_it(world):
    """Given a reader of Chinese, when A's answer is refused for two bad files, then the message names each
    file after a full-width colon, the two apart by a full-width semicolon, and runs on after the full stop,
    as Chinese is written."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    client = client_for(world.applicant_a)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    response = post(
        client,
        request,
        "actions/resubmit/",
        {
            "answer-document_business_plan": SimpleUploadedFile("plan.pdf", b"MZ" + b"\x00" * 50),
            "answer-document_financial_statements": SimpleUploadedFile("fs.pdf", b"MZ" + b"\x00" * 50),
        },
    )
    message = [m.message for m in response.context["messages"]][0]
    assert "商业计划书：“plan.pdf”" in message and "；财务报表：“fs.pdf”：" in message
    assert "。 " not in message and ": " not in message


def test_withdraw(world):
    """Given A's request in triage, when A withdraws it with a reason, then it is withdrawn."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    response = post(
        client_for(world.applicant_a), request, "actions/withdraw/", {"withdraw-reason": "Funded"}
    )
    request.refresh_from_db()
    assert request.status == "withdrawn"
    assert "withdrawn" in response.content.decode()
    assert page(client_for(world.applicant_a), request).context["withdraw_form"] is None


def test_an_action_the_engine_refuses_is_a_message(world):
    """Given A's withdrawn request, when A posts submit or withdraw, then a message says why; no 500."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.withdraw_request(request_id=request.pk, user=world.applicant_a)
    client = client_for(world.applicant_a)
    for action in ("submit", "withdraw", "resubmit"):
        response = post(client, request, f"actions/{action}/", {"intent": "submit"})
        assert response.status_code == 200
        assert "alert-danger" in response.content.decode()
    assert client.post(f"/sme/requests/{request.reference}/actions/approve/").status_code == 404


def _routed_with_offers(world):
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(
        request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk, world.loan_y.pk]
    )
    offers = {}
    for user, institution in ((world.bank_x_user, world.bank_x), (world.bank_y_user, world.bank_y)):
        referral = Referral.objects.get(request=request, institution=institution)
        rs.open_referral(referral_id=referral.pk, user=user)
        offers[institution.name] = rs.make_offer(
            referral_id=referral.pk,
            user=user,
            amount=referral.tranche.amount,
            annual_rate=Decimal("0.0325"),
            term_months=24,
            valid_until=timezone.localdate() + timedelta(days=30),
        )
    return request, offers["Bank X"], offers["Bank Y"]


def test_accepting_an_offer_settles_the_tranche(world):
    """Given two open offers on A's one tranche, when A accepts X's, then it is accepted, Y's is closed and
    the request waits for approval; the page shows no accept button any more."""
    request, offer_x, offer_y = _routed_with_offers(world)
    client = client_for(world.applicant_a)
    response = post(client, request, f"offers/{offer_x.pk}/accept/", {f"offer-{offer_x.pk}-form_key": "k1"})
    assert "Offer accepted" in response.content.decode()
    offer_x.refresh_from_db(), offer_y.refresh_from_db(), request.refresh_from_db()
    assert (offer_x.status, offer_y.status, request.status) == ("accepted", "superseded", "offer_accepted")
    assert not any(row.can_accept for block in response.context["blocks"] for row in block.offers)


def test_a_second_accept_on_the_tranche_is_a_clear_message(world):
    """Given A accepted X's offer, when a stale page posts accept on Y's offer, then a message says it cannot
    be accepted, no 500, and X's stays the accepted one."""
    request, offer_x, offer_y = _routed_with_offers(world)
    client = client_for(world.applicant_a)
    post(client, request, f"offers/{offer_x.pk}/accept/")
    response = post(client, request, f"offers/{offer_y.pk}/accept/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-danger" in html and "superseded" in html
    assert Offer.objects.get(tranche__request=request, status="accepted").pk == offer_x.pk


def test_a_double_click_on_accept_replays(world):
    """Given one accept form (one key), when it is posted twice, then the second replays the first."""
    request, offer_x, _ = _routed_with_offers(world)
    client = client_for(world.applicant_a)
    data = {f"offer-{offer_x.pk}-form_key": "same-key"}
    post(client, request, f"offers/{offer_x.pk}/accept/", data)
    again = post(client, request, f"offers/{offer_x.pk}/accept/", data)
    assert "Offer accepted" in again.content.decode() and "alert-danger" not in again.content.decode()
    assert (
        TransitionEvent.objects.filter(object_type="offer", object_id=offer_x.pk, action="accept").count()
        == 1
    )


def test_an_institutions_question_is_answered_on_the_page(world):
    """Given bank X asked A a question on its referral, when A opens the request, then the question and an
    answer form show on X's referral; when A answers, X's referral is back in review."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    rq.submit_request(request_id=request.pk, user=world.applicant_a)
    routing.route_request(request_id=request.pk, user=world.coordinator, product_ids=[world.loan_x.pk])
    referral = Referral.objects.get(request=request)
    rs.open_referral(referral_id=referral.pk, user=world.bank_x_user)
    rs.request_referral_info(referral_id=referral.pk, user=world.bank_x_user, reason="Order book for 2026?")
    client = client_for(world.applicant_a)
    shown = page(client, request)
    row = shown.context["blocks"][0].referrals[0]
    assert row.question == "Order book for 2026?" and row.form is not None and row.asked and row.opened
    assert f'id="answer-referral-{referral.pk}"' in shown.content.decode()
    post(
        client,
        request,
        f"referrals/{referral.pk}/answer/",
        {f"referral-{referral.pk}-note": "Attached: 12 orders"},
    )
    referral.refresh_from_db()
    assert referral.status == "reviewing"


def test_a_coordinator_who_is_a_member_gets_no_applicants_button(world):
    """Given a coordinator who is also a member of A's enterprise, when they open A's routed request, then
    they see it (a member) but the engine offers them no applicant's action: no button, and a posted accept
    is refused with a message."""
    request, offer_x, _ = _routed_with_offers(world)
    world.enterprise_a.members.add(world.coordinator)
    client = client_for(world.coordinator)
    shown = page(client, request)
    assert shown.status_code == 200
    assert shown.context["withdraw_form"] is None
    assert not any(row.can_accept for block in shown.context["blocks"] for row in block.offers)
    response = post(client, request, f"offers/{offer_x.pk}/accept/")
    assert "alert-danger" in response.content.decode()
    offer_x.refresh_from_db()
    assert offer_x.status == "open"
