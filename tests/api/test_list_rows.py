"""The fast lists answer the same bytes as before: each list endpoint against its serializer over model
instances rendered by DRF's own JSON renderer (what the list answered before issue 16), for every role,
over requests in every situation of `build_state` and a few more fields filled in; and the API's renderer
against DRF's on values that json and orjson write differently unless told."""

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
from coordination.models import FinancingRequest, Tranche

pytestmark = pytest.mark.django_db

ROLES = ["applicant_a", "applicant_b", "bank_x", "bank_y", "coordinator", "national"]


def _fill_in(state):
    """Fields that `build_state` leaves empty: a major task, dates, an escalation with a proposal, funding."""
    world = state.world
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


def _before(user, rows):
    """The page as the serializer showed it from model instances, as DRF's renderer wrote it."""
    objects = {
        obj.pk: obj
        for obj in selectors.requests_visible_to(user)
        .select_related("enterprise__region")
        .prefetch_related("tranches")
        .filter(pk__in=[row["id"] for row in rows])
    }
    context = {"request": SimpleNamespace(user=user)}
    return s.FinancingRequestSerializer([objects[row["id"]] for row in rows], many=True, context=context).data


@pytest.mark.parametrize("role", ROLES)
def test_financing_request_list_answers_the_serializers_bytes(state, api, role):
    # Given every situation of build_state, some rows with every field filled in
    _fill_in(state)
    user = state.users[role]
    # When the caller lists its requests
    response = api(user).get("/api/v1/financing-requests/?page_size=200")
    assert response.status_code == 200
    body = response.json()
    assert body["results"], "the role sees no request: the test would prove nothing"
    # Then the answer is, byte for byte, what the serializer over model instances gave before
    before = {"next": body["next"], "previous": body["previous"], "results": _before(user, body["results"])}
    assert response.content == DrfJSONRenderer().render(before)


def test_financing_request_list_rows_are_what_retrieve_answers(state, api):
    # Given the national coordinator, who sees every request
    _fill_in(state)
    client = api(state.users["national"])
    # When it lists them and opens each
    rows = client.get("/api/v1/financing-requests/?page_size=200").json()["results"]
    # Then each row is the object as its own page shows it
    assert len(rows) >= 6
    for row in rows:
        assert client.get(f"/api/v1/financing-requests/{row['id']}/").json() == row


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
        "numbers": [0, -1, 2**63 - 1, 1.5, 0.1, 100.0, None, True, False],
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
