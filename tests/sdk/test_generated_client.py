"""Given a client generated from the schema, when the applicant, the bank and the coordinator each use it
against a live server, then the whole journey runs — token, create, upload, submit, route, open, offer,
accept, approve, download, record funding — with no hand-written HTTP."""

import importlib
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import pdf_bytes

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "pw-for-tests"


def api(sdk, name: str):
    return importlib.import_module(f"techfin_client.api.{name}")


def signed_in(sdk, base_url: str, username: str):
    models = sdk.models
    token = api(sdk, "auth.create_auth_token").sync(
        client=sdk.Client(base_url=base_url),
        body=models.TokenRequestRequest(username=username, password=PASSWORD),
    )
    assert isinstance(token, models.Token), token
    return sdk.AuthenticatedClient(base_url=base_url, token=token.token, raise_on_unexpected_status=True)


def test_the_generated_client_walks_the_journey_as_applicant_bank_and_coordinator(
    generated_client, live_server, committed_world
):
    sdk, world = generated_client, committed_world
    models = importlib.import_module("techfin_client.models")
    types = importlib.import_module("techfin_client.types")
    requests = "financing_requests"
    applicant = signed_in(sdk, live_server.url, "applicant-a")
    coordinator = signed_in(sdk, live_server.url, "coord-sh")
    bank = signed_in(sdk, live_server.url, "bank-x")

    me = api(sdk, "me.get_me").sync(client=applicant)
    assert me.username == "applicant-a" and [e.id for e in me.enterprises] == [world.enterprise_a.pk]

    created = api(sdk, f"{requests}.create_financing_request").sync(
        client=applicant,
        body=models.FinancingRequestCreateRequest(
            enterprise=world.enterprise_a.pk,
            purpose="Pilot line for a quantum sensor",
            amount="3000000",
            term_months=24,
            tranches=[
                models.TrancheInputRequest(instrument=models.InstrumentEnum.CREDIT_LOAN, amount="3000000")
            ],
        ),
    )
    assert isinstance(created, models.FinancingRequest), created
    assert created.status == models.RequestStatusEnum.DRAFT
    for kind in ("business_plan", "financial_statements"):
        document = api(sdk, f"{requests}.upload_financing_request_document").sync(
            created.id,
            client=applicant,
            body=models.DocumentUploadRequest(
                kind=models.DocumentKindEnum(kind),
                file=types.File(payload=pdf_bytes(), file_name=f"{kind}.pdf", mime_type="application/pdf"),
            ),
        )
        assert isinstance(document, models.Document), document
    submitted = api(sdk, f"{requests}.submit_financing_request").sync(created.id, client=applicant)
    assert submitted.status == models.RequestStatusEnum.TRIAGE

    proposal = api(sdk, f"{requests}.get_financing_request_proposal").sync(created.id, client=coordinator)
    assert world.loan_x.pk in [c.product for tranche in proposal.tranches for c in tranche.candidates]
    routed = api(sdk, f"{requests}.route_financing_request").sync(
        created.id, client=coordinator, body=models.RouteRequest(products=[world.loan_x.pk])
    )
    assert routed.status == models.RequestStatusEnum.ROUTED

    referral = api(sdk, "referrals.list_referrals").sync(client=bank).results[0]
    opened = api(sdk, "referrals.open_referral").sync(referral.id, client=bank)
    assert opened.disclosed is True
    download = api(sdk, f"{requests}.download_financing_request_document").sync_detailed(
        created.id, document_id=document.id, client=bank
    )
    assert download.status_code == 200 and download.content == pdf_bytes()
    offer = api(sdk, "referrals.offer_on_referral").sync(
        referral.id,
        client=bank,
        body=models.OfferInputRequest(
            amount="3000000",
            annual_rate="0.0345",
            term_months=24,
            valid_until=timezone.localdate() + timedelta(days=30),
        ),
    )
    assert isinstance(offer, models.Offer), offer

    accepted = api(sdk, "offers.accept_offer").sync(offer.id, client=applicant)
    assert accepted.status == models.OfferStatusEnum.ACCEPTED
    approved = api(sdk, f"{requests}.approve_financing_request").sync(created.id, client=coordinator)
    assert approved.status == models.RequestStatusEnum.APPROVED
    funded = api(sdk, f"{requests}.record_financing_request_funding").sync(created.id, client=bank)
    assert funded.status == models.RequestStatusEnum.FUNDED


def test_an_error_comes_back_as_the_error_model_naming_the_field(
    generated_client, live_server, committed_world
):
    """Given the generated client, when the applicant sends a request whose tranches do not add up, then the
    client returns the schema's Error with the field named, not an exception or raw JSON."""
    sdk = generated_client
    models = importlib.import_module("techfin_client.models")
    applicant = signed_in(sdk, live_server.url, "applicant-a")
    refused = api(sdk, "financing_requests.create_financing_request").sync(
        client=applicant,
        body=models.FinancingRequestCreateRequest(
            enterprise=committed_world.enterprise_a.pk,
            purpose="x",
            amount="3000000",
            term_months=24,
            tranches=[
                models.TrancheInputRequest(instrument=models.InstrumentEnum.CREDIT_LOAN, amount="1000000")
            ],
        ),
    )
    assert isinstance(refused, models.Error)
    assert "tranches" in refused.error.fields.additional_properties
