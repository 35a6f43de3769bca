"""The fast lists answer the same bytes as before: the request, offer and referral lists against their
serializers over model instances rendered by DRF's own JSON renderer (what the lists answered before
issue 16), for every role, over every situation of `build_state` with a few more fields filled in; and the
API's renderer against DRF's on values that json and orjson write differently unless told."""

from datetime import UTC, date, datetime
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer as DrfJSONRenderer

from config.api.renderers import JSONRenderer
from coordination import selectors
from coordination.api import serializers as s
from coordination.models import FinancingRequest, Offer, Referral, Tranche
from projects.models import Enterprise, EnterpriseFinancials, InnovationCreditScore, Region
from tests import factories as f

pytestmark = pytest.mark.django_db

ROLES = ["applicant_a", "applicant_b", "bank_x", "bank_y", "coordinator", "national"]


def _fill_in(state):
    """Fields that `build_state` leaves empty: a major task, dates, an escalation with a proposal, funding;
    and applicants unlike each other in every fact a referral's teaser or profile shows: A has two fields,
    an innovation credit and no financials; B is not a registered tech-SME (its years are evaluated), has
    no credit, and sits in a district under a city under its province; B's routed request has a second
    tranche, made after the first but before it in position."""
    world = state.world
    enterprise_a, enterprise_b = world.enterprise_a, world.enterprise_b
    enterprise_a.fields.add(f.TechFieldFactory(code="z-photonics"), f.TechFieldFactory(code="a-quantum"))
    EnterpriseFinancials.objects.filter(enterprise=enterprise_a).delete()
    f.FinancialsFactory(enterprise=enterprise_b, year=2024, revenue=Decimal("21000000.5"))
    InnovationCreditScore.objects.filter(enterprise=enterprise_b).delete()
    Enterprise.objects.filter(pk=enterprise_b.pk).update(
        tech_sme_registration_no="",
        tech_sme_registration_year=None,
        high_tech_certificate_no="GR202411000001",
        high_tech_valid_until=date(2027, 12, 31),
    )
    city = f.RegionFactory(code="110100", name="市辖区", parent=world.beijing)
    Region.objects.filter(pk=world.haidian.pk).update(parent=city)
    Tranche.objects.filter(request_id=state["routed_b"]).update(position=3)
    Tranche.objects.create(request_id=state["routed_b"], position=2, instrument="equity", amount=500000)
    FinancingRequest.objects.filter(pk=state["triage_a"]).update(
        major_task_id=state["major_task"],
        needed_by=date(2027, 3, 31),
        info_request="Please add the 2025 accounts\u2028(audited).",
        escalated=True,
        overdue=True,
    )
    FinancingRequest.objects.filter(pk=state["accepted_a"]).update(
        approval_proposed_by=world.national, partial_package_reason="Only the loan is needed.", escalated=True
    )
    Tranche.objects.filter(pk=state["tranche_accepted_a"]).update(
        funded_amount=Decimal("1234.5"), funded_on=date(2027, 1, 2)
    )
    support = {"programme": state["programme_sh"], "kind": "interest_subsidy", "amount": "12000.5"}
    Offer.objects.filter(pk=state["offer_x"]).update(
        policy_support=[{**support, "explanation": "贴息 1.5%\u2028"}],
        net_annual_rate=Decimal("0.0215"),
        terms={"fee": 0.00001, "collateral": None, "notes": ["a", 1e16]},
    )


def _requests(user):
    return (
        selectors.requests_visible_to(user).select_related("enterprise__region").prefetch_related("tranches")
    )


def _offers(user):
    return selectors.offers_visible_to(user).select_related("request__enterprise__region", "referral")


def _referrals(user):
    referrals = selectors.with_teaser_data(selectors.referrals_visible_to(user))
    return referrals.select_related("institution", "product", "tranche", "request__enterprise__region")


def _referral_serializer(user):
    return s.ReferralSerializer if selectors.is_applicant_only(user) else s.InstitutionReferralSerializer


LISTS = {
    "financing-requests": (_requests, lambda user: s.FinancingRequestSerializer),
    "offers": (_offers, lambda user: s.OfferSerializer),
    "referrals": (_referrals, _referral_serializer),
}


def _before(path, user, rows):
    """The page as the serializer showed it from model instances (what the list answered before)."""
    queryset, serializer = LISTS[path]
    objects = {obj.pk: obj for obj in queryset(user).filter(pk__in=[row["id"] for row in rows])}
    context = {"request": SimpleNamespace(user=user)}
    return serializer(user)([objects[row["id"]] for row in rows], many=True, context=context).data


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", LISTS)
def test_list_answers_the_serializers_bytes(state, api, path, role):
    # Given every situation of build_state, some rows with every field filled in
    _fill_in(state)
    user = state.users[role]
    # When the caller lists them
    response = api(user).get(f"/api/v1/{path}/?page_size=200")
    assert response.status_code == 200
    body = response.json()
    if path in ("financing-requests", "referrals"):
        assert body["results"], "the role sees no row: the test would prove nothing"
    # Then the answer is, byte for byte, what the serializer over model instances gave, in DRF's JSON
    before = {
        "next": body["next"],
        "previous": body["previous"],
        "results": _before(path, user, body["results"]),
    }
    assert response.content == DrfJSONRenderer().render(before)


def test_list_rows_are_what_retrieve_answers(state, api):
    # Given the national coordinator, who sees every request and offer
    _fill_in(state)
    client = api(state.users["national"])
    for path in ("financing-requests", "offers"):
        # When it lists them and opens each
        rows = client.get(f"/api/v1/{path}/?page_size=200").json()["results"]
        # Then each row is the object as its own page shows it
        assert len(rows) >= 3
        for row in rows:
            assert client.get(f"/api/v1/{path}/{row['id']}/").json() == row


# Who reads what of a referral in build_state: the applicants their own referrals' state; bank X one
# referral unopened (declined: a teaser) and two it opened; bank Y one unopened (sent) and one opened; the
# Shanghai coordinator A's and the national one every referral, each with the applicant's profile.
REFERRAL_READERS = {
    "applicant_a": {"plain"},
    "applicant_b": {"plain"},
    "bank_x": {"teaser", "disclosed"},
    "bank_y": {"teaser", "disclosed"},
    "coordinator": {"disclosed"},
    "national": {"disclosed"},
}


def _kind(row):
    if "disclosed" not in row:
        return "plain"
    return "disclosed" if row["disclosed"] else "teaser"


@pytest.mark.parametrize("role", REFERRAL_READERS)
def test_referral_rows_are_what_retrieve_answers(state, api, role):
    # Given every kind of referral a caller reads: its own, a teaser before opening, a disclosed one
    _fill_in(state)
    client = api(state.users[role])
    # When the caller lists its referrals and opens each
    rows = client.get("/api/v1/referrals/?page_size=200").json()["results"]
    # Then it read the kinds it should, and each row is the referral as its own page shows it
    assert {_kind(row) for row in rows} == REFERRAL_READERS[role]
    for row in rows:
        assert client.get(f"/api/v1/referrals/{row['id']}/").json() == row


@pytest.mark.parametrize(
    ("role", "query"),
    [
        ("bank_x", "status=declined"),
        ("bank_x", "status=reviewing&status=offered"),
        ("national", "instrument=credit_loan"),
        ("national", "overdue=false&created_after=2020-01-01T00:00:00Z"),
        ("bank_y", "search={reference}"),
        ("national", "institution={institution_x}"),
        ("coordinator", "request={routed_a}"),
        ("national", "page_size=2"),
    ],
)
def test_filtered_referral_lists_answer_the_serializers_bytes(state, api, role, query):
    # Given referrals of every kind
    _fill_in(state)
    user = state.users[role]
    reference = FinancingRequest.objects.get(pk=state["routed_b"]).reference
    query = query.format(reference=reference, **state.ids)
    # When the caller filters, searches or pages its list
    body = api(user).get(f"/api/v1/referrals/?{query}")
    assert body.status_code == 200
    rows = body.json()["results"]
    # Then it gets what the same filter over the referrals in its scope finds, in the serializer's bytes
    assert rows, "the filter found nothing: the test would prove nothing"
    in_scope = set(selectors.referrals_visible_to(user).values_list("pk", flat=True))
    assert {row["id"] for row in rows} <= in_scope
    expected = {"next": body.json()["next"], "previous": body.json()["previous"]}
    assert body.content == DrfJSONRenderer().render({**expected, "results": _before("referrals", user, rows)})


def test_a_page_of_referrals_reads_no_row_out_of_scope(state, api):
    # Given referrals to banks X and Y of the same requests
    _fill_in(state)
    # When bank Y lists its referrals
    rows = api(state.users["bank_y"]).get("/api/v1/referrals/?page_size=200").json()["results"]
    # Then it reads its own only, and none of bank X's
    assert {row["id"] for row in rows} == set(
        Referral.objects.filter(institution_id=state.world.bank_y.pk).values_list("pk", flat=True)
    )


def test_the_renderer_writes_drfs_bytes():
    # Given values json and orjson write differently unless told: times with microseconds, naive and
    # aware, dates, decimals, lazy strings, sets, keys that are not strings, U+2028/2029, control characters
    data = {
        "at": datetime(2026, 11, 28, 18, 0, 1, 123456, tzinfo=UTC),
        "local": timezone.localtime(datetime(2026, 1, 2, 3, 4, 5, 600000, tzinfo=UTC)),
        "naive": datetime(2026, 1, 2, 3, 4, 5),
        "day": date(2026, 2, 28),
        "amount": Decimal("3000000.50"),
        "lazy": gettext_lazy("financing request"),
        "set": {"a"},
        1: "int key",
        "text": '上海\u2028line\u2029end \x00\x1f\b\f\n\r\t"\\ /\x7f',
        "numbers": [0, -1, 2**63 - 1, 1.5, 0.1, 100.0, -0.0, 1e15, 0.0001, None, True, False],
        "floats json writes with an exponent": [1e-05, -2.5e-09, 1e16, 1.2345678901234568e16],
        "nested": [{"b": [1, {"c": "d"}]}, []],
    }
    # When both render it
    # Then the bytes are the same
    assert JSONRenderer().render(data) == DrfJSONRenderer().render(data)


@pytest.mark.parametrize(
    "data",
    [{"huge": 2**64}, {"surrogate": "\ud800"}],
    ids=["integer beyond 64 bits", "lone surrogate"],
)
def test_what_orjson_refuses_drf_writes(data):
    # Given a value orjson cannot write
    # When the API's renderer renders it, Then DRF's renderer answers (or fails) as it did before
    try:
        expected = DrfJSONRenderer().render(data)
    except UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            JSONRenderer().render(data)
    else:
        assert JSONRenderer().render(data) == expected


def test_an_indent_asked_for_is_drfs():
    # Given a client that asks for indented JSON
    # When the API's renderer renders, Then it is DRF's indented JSON
    media_type = "application/json; indent=2"
    data = {"a": [1, 2], "b": "c"}
    assert JSONRenderer().render(data, media_type) == DrfJSONRenderer().render(data, media_type)


def test_a_plain_page_is_written_by_orjson(monkeypatch):
    # Given a page of the usual kind: strings, decimal strings, ints, floats in the usual range, times
    data = {
        "results": [{"id": 1, "amount": "3000000.00", "score": 72.5, "at": datetime(2026, 1, 1, tzinfo=UTC)}]
    }
    expected = DrfJSONRenderer().render(data)

    # When the API's renderer renders it, with DRF's renderer out of reach
    class Unreachable(DrfJSONRenderer):
        def render(self, *args, **kwargs):
            raise AssertionError("DRF's renderer wrote the page")

    monkeypatch.setattr(JSONRenderer, "fallback", Unreachable())
    # Then orjson alone wrote DRF's bytes
    assert JSONRenderer().render(data) == expected
