"""Idempotency-Key under concurrency, on PostgreSQL: many requests with one key, each on its own connection.

Every racing thread waits at a barrier right before it claims the key (`race` of the row-lock races),
so all of them insert the claim at once: one holds it, the others wait on the unique index for its
transaction and then replay its response (or refuse another body). Nothing here sleeps: waits are
on barriers and events, bounded.
"""

import threading
from collections.abc import Callable

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.client import encode_multipart

from coordination.api import idempotency as http_idempotency
from coordination.errors import Conflict
from coordination.models import FinancingRequest, IdempotencyRecord, RequestDocument, TransitionEvent
from coordination.services import financing_requests as rq
from coordination.services import locking
from tests import factories as f

# _postgresql_only is autouse: every test here fails under CI (skips locally) without PostgreSQL.
from tests.coordination.test_concurrency import _postgresql_only, race  # noqa: F401

from .helpers import assert_error_shape, new_key
from .test_api_errors import valid_body

FR = "/api/v1/financing-requests/"


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(committed_world):
    """The conftest world, committed, so that the racing threads' own connections see it."""
    return committed_world


def post_with(client, key: str, data: dict) -> Callable[[], object]:
    return lambda: client.post(FR, data, format="json", HTTP_IDEMPOTENCY_KEY=key)


@pytest.mark.django_db(transaction=True)
@override_settings(IDEMPOTENCY_WAIT_SECONDS=60)
def test_twenty_simultaneous_posts_with_one_key_and_body_create_one_request(world, api, monkeypatch):
    """Given 20 clients of one applicant, when they POST one body with one key at the same moment,
    then one request exists and every answer is that request's 201 body, byte for byte (19 replays)."""
    key = new_key()
    clients = [api(world.applicant_a) for _ in range(20)]
    calls = [post_with(c, key, valid_body(world)) for c in clients]
    responses = race(monkeypatch, calls, lockers=[(http_idempotency, "claim")])

    assert FinancingRequest.objects.count() == 1
    assert TransitionEvent.objects.filter(action="create").count() == 1
    assert IdempotencyRecord.objects.filter(actor=world.applicant_a, key=key).count() == 1
    assert all(not isinstance(r, BaseException) for r in responses), responses
    assert {r.status_code for r in responses} == {201}, [r.status_code for r in responses]
    first = [r for r in responses if "Idempotent-Replayed" not in r]
    replays = [r for r in responses if r.get("Idempotent-Replayed") == "true"]
    assert len(first) == 1 and len(replays) == 19
    assert all(r.content == first[0].content for r in replays)  # the same bytes, not just equal JSON
    assert first[0].json()["id"] == FinancingRequest.objects.get().pk


@pytest.mark.django_db(transaction=True)
@override_settings(IDEMPOTENCY_WAIT_SECONDS=60)
def test_ten_simultaneous_bodies_with_one_key_create_one_request_and_refuse_the_rest(world, api, monkeypatch):
    """Given one key and ten different bodies sent at once, then exactly one is created (201) and the
    other nine are refused with 422, whichever body won."""
    key = new_key()
    purposes = [f"Pilot line {n}" for n in range(10)]
    calls = [post_with(api(world.applicant_a), key, valid_body(world, purpose=p)) for p in purposes]
    responses = race(monkeypatch, calls, lockers=[(http_idempotency, "claim")])

    assert all(not isinstance(r, BaseException) for r in responses), responses
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201] + [422] * 9, statuses
    (created,) = [r for r in responses if r.status_code == 201]
    assert FinancingRequest.objects.get().purpose == created.json()["purpose"] in purposes
    for refused in (r for r in responses if r.status_code == 422):
        assert assert_error_shape(refused)["code"] == "idempotency_key_reused"


@pytest.mark.django_db(transaction=True)
def test_a_key_still_in_progress_is_a_409_with_retry_after_then_replays(world, api, monkeypatch):
    """Given a first POST holding its key (its effect not yet committed), when a second one with the key
    waits longer than IDEMPOTENCY_WAIT_SECONDS, then it gets 409 in progress with Retry-After and nothing
    is created twice; once the first has finished, the same POST replays the first response."""
    key = new_key()
    inside, release = threading.Event(), threading.Event()
    original = rq.create_request

    def held(**kwargs):
        inside.set()
        assert release.wait(timeout=30), "the test never released the first request"
        return original(**kwargs)

    monkeypatch.setattr(rq, "create_request", held)
    first_client, second_client = api(world.applicant_a), api(world.applicant_a)
    outcome: dict = {}

    def first() -> None:
        try:
            outcome["response"] = first_client.post(
                FR, valid_body(world), format="json", HTTP_IDEMPOTENCY_KEY=key
            )
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert inside.wait(timeout=30), "the first request never reached its effect"
        with override_settings(IDEMPOTENCY_WAIT_SECONDS=0.2):
            busy = post_with(second_client, key, valid_body(world))()
        assert busy.status_code == 409, busy.content
        assert assert_error_shape(busy)["code"] == "idempotency_key_in_progress"
        assert int(busy["Retry-After"]) >= 1
    finally:
        release.set()
        thread.join(timeout=60)
    assert not thread.is_alive()
    created = outcome["response"]
    assert created.status_code == 201 and "Idempotent-Replayed" not in created

    again = post_with(second_client, key, valid_body(world))()
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.content == created.content
    assert FinancingRequest.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@override_settings(IDEMPOTENCY_WAIT_SECONDS=60)
def test_an_action_retried_at_once_through_the_service_runs_once(world, monkeypatch):
    """Given ten submits of one draft with one key at once (as the admin's action pages send them),
    then one submit happens and the nine others replay it, without a conflict."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    key = new_key()
    submit = lambda: rq.submit_request(request_id=request.pk, user=world.applicant_a, idempotency_key=key)  # noqa: E731
    results = race(monkeypatch, [submit] * 10, lockers=[(locking, "claim")])

    assert all(isinstance(r, FinancingRequest) and r.pk == request.pk for r in results), results
    events = TransitionEvent.objects.filter(request=request, object_type="financing_request")
    assert list(events.values_list("action", flat=True)) == ["create", "submit", "screen_pass"]


@pytest.mark.django_db
def test_an_error_after_a_partial_write_keeps_nothing_but_the_answer_and_a_crash_keeps_nothing(
    world, api, monkeypatch
):
    """Given the effect writes and then fails: with a 4xx nothing it wrote remains and the same 4xx is
    replayed; with an unexpected crash (a 5xx) not even the key remains, so the retry runs afresh."""
    original, key, client = rq.create_request, new_key(), api(world.applicant_a)

    def written_then_refused(**kwargs):
        original(**kwargs)
        raise Conflict("refused after writing", code="test_refusal")

    monkeypatch.setattr(rq, "create_request", written_then_refused)
    refused = post_with(client, key, valid_body(world))()
    assert refused.status_code == 409 and assert_error_shape(refused)["code"] == "test_refusal"
    assert not FinancingRequest.objects.exists()
    replay = post_with(client, key, valid_body(world))()
    assert replay.status_code == 409 and replay["Idempotent-Replayed"] == "true"
    assert replay.content == refused.content and not FinancingRequest.objects.exists()

    def written_then_crashed(**kwargs):
        original(**kwargs)
        raise RuntimeError("the database went away")

    crash_key = new_key()
    monkeypatch.setattr(rq, "create_request", written_then_crashed)
    with pytest.raises(RuntimeError):
        post_with(client, crash_key, valid_body(world))()
    assert not IdempotencyRecord.objects.filter(key=crash_key).exists()
    assert not FinancingRequest.objects.exists()
    monkeypatch.setattr(rq, "create_request", original)
    retried = post_with(client, crash_key, valid_body(world))()
    assert retried.status_code == 201 and "Idempotent-Replayed" not in retried
    assert FinancingRequest.objects.count() == 1


# --- large uploads --------------------------------------------------------------------------------


def pdf_of_size(size: int) -> bytes:
    """A well-formed one-page PDF whose content stream (comment lines) brings it to `size` bytes."""
    head = b"%PDF-1.4\n"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
    ]
    fixed = 400  # room for the stream's dictionary, the cross-reference table and the trailer
    line = b"% business plan padding line\n"
    stream = line * max(1, (size - len(head) - sum(len(o) for o in objects) - fixed) // len(line))
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    out, offsets = bytearray(head), []
    for number, content in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + content + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


@pytest.mark.django_db
def test_a_nine_megabyte_upload_with_a_key_is_stored_once_and_replays(world, api):
    """Given a 9 MB PDF (above the 2 MB form-data limit, under DOCUMENT_MAX_BYTES), when it is uploaded
    with an Idempotency-Key and retried (once with another multipart boundary), then it is stored once
    and both retries replay the first 201."""
    request = f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)
    client = api(world.applicant_a)
    content = pdf_of_size(9 * 1024 * 1024)
    assert len(content) > 9 * 1024 * 1024 - 1024
    url, key = f"{FR}{request.pk}/documents/", new_key()

    def upload():
        file = SimpleUploadedFile("plan.pdf", content, "application/pdf")
        return client.post(url, {"kind": "business_plan", "file": file}, HTTP_IDEMPOTENCY_KEY=key)

    first, again = upload(), upload()
    assert first.status_code == 201, first.content[:500]
    assert first.json()["size"] == len(content)
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.content == first.content

    boundary = "another-boundary-7f3a"
    data = {"kind": "business_plan", "file": SimpleUploadedFile("plan.pdf", content, "application/pdf")}
    other_boundary = client.generic(
        "POST",
        url,
        encode_multipart(boundary, data),
        content_type=f"multipart/form-data; boundary={boundary}",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other_boundary.status_code == 201 and other_boundary["Idempotent-Replayed"] == "true"
    document = RequestDocument.objects.get(request=request)
    assert document.size == len(content) and document.file.read() == content

    edited = content.replace(b"padding", b"Padding", 1)
    changed = {"kind": "business_plan", "file": SimpleUploadedFile("plan.pdf", edited)}
    refused = client.post(url, changed, HTTP_IDEMPOTENCY_KEY=key)
    assert refused.status_code == 422 and assert_error_shape(refused)["code"] == "idempotency_key_reused"
    assert RequestDocument.objects.filter(request=request).count() == 1
