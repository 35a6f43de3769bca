"""engine.one_write: a submit and the screening it runs move the request twice in one transaction and write
its row once, with the same result as two writes (status, version, events, deadlines, outbox)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coordination.choices import RequestStatus
from coordination.errors import Conflict
from coordination.models import Deadline, FinancingRequest, OutboxMessage, TransitionEvent
from coordination.services import financing_requests as rq
from coordination.workflow import engine
from tests.factories import EnterpriseFactory, UserFactory, draft_request

pytestmark = pytest.mark.django_db


def _applicant_and_draft(*, documents: bool):
    user = UserFactory()
    enterprise = EnterpriseFactory()
    enterprise.members.add(user)
    return user, draft_request(user=user, enterprise=enterprise, documents=documents)


def _request_row_updates(queries) -> list[str]:
    table = FinancingRequest._meta.db_table
    return [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f'UPDATE "{table}"')]


def _inserts_into(model, queries) -> int:
    table = model._meta.db_table
    return sum(1 for q in queries.captured_queries if q["sql"].startswith(f'INSERT INTO "{table}"'))


@pytest.mark.parametrize(
    ("documents", "screened_to"), [(False, RequestStatus.INFO_REQUESTED), (True, RequestStatus.TRIAGE)]
)
def test_submit_and_its_screening_write_the_request_row_once(documents, screened_to):
    # Given a draft (without or with its required documents)
    user, draft = _applicant_and_draft(documents=documents)

    # When the applicant submits it and screening moves it on at once
    with CaptureQueriesContext(connection) as queries:
        answer = rq.submit_request(request_id=draft.pk, user=user)

    # Then the row is written once, with both moves in it, and both events and messages in one statement each
    assert len(_request_row_updates(queries)) == 1
    assert _inserts_into(TransitionEvent, queries) == _inserts_into(OutboxMessage, queries) == 1
    stored = FinancingRequest.objects.get(pk=draft.pk)
    assert (stored.status, stored.version) == (screened_to, draft.version + 2)
    assert stored.submitted_at == answer.submitted_at
    assert stored.screening == answer.screening
    # And each move kept its own event and outbox message, and the stage screening entered its deadlines
    events = TransitionEvent.objects.filter(request=draft, object_type="financing_request").order_by("pk")
    actions = ["create", "submit", "screen_pass" if documents else "screen_fail"]
    assert [e.action for e in events] == actions
    assert [(e.from_status, e.to_status) for e in events][1:] == [
        (RequestStatus.DRAFT, RequestStatus.SCREENING),
        (RequestStatus.SCREENING, screened_to),
    ]
    messages = list(OutboxMessage.objects.filter(request=draft).order_by("pk"))
    assert [m.topic for m in messages] == [f"financing_request.{action}" for action in actions]
    # each message names its own event, and carries that move's statuses and time
    assert [m.payload["event_id"] for m in messages] == [e.pk for e in events]
    assert [(m.payload["from_status"], m.payload["to_status"]) for m in messages] == [
        (e.from_status, e.to_status) for e in events
    ]
    assert [m.created_at for m in messages] == [e.created_at for e in events]
    assert [m.payload["at"] for m in messages] == [e.created_at.isoformat() for e in events]
    assert Deadline.objects.filter(request=draft, object_id=draft.pk).count() == 2


def test_resubmit_and_its_screening_write_the_request_row_once():
    # Given a request screening sent back for its documents
    user, draft = _applicant_and_draft(documents=False)
    rq.submit_request(request_id=draft.pk, user=user)

    # When the applicant resubmits it (still without them)
    with CaptureQueriesContext(connection) as queries:
        rq.resubmit_request(request_id=draft.pk, user=user)

    # Then one write of the row holds both moves
    assert len(_request_row_updates(queries)) == 1
    assert _inserts_into(TransitionEvent, queries) == _inserts_into(OutboxMessage, queries) == 1
    stored = FinancingRequest.objects.get(pk=draft.pk)
    assert (stored.status, stored.version) == (RequestStatus.INFO_REQUESTED, draft.version + 4)


def test_nothing_is_written_when_the_block_fails():
    # Given a draft
    user, draft = _applicant_and_draft(documents=True)
    locked = FinancingRequest.objects.get(pk=draft.pk)

    # When a move inside one_write is refused after an earlier one was applied in memory
    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(Conflict, match="Cannot"),
        engine.one_write(locked),
    ):
        engine.transition(locked, "submit", user=user)
        engine.transition(locked, "submit", user=user)

    # Then the row was not written, nor the event of the move applied in memory
    assert _request_row_updates(queries) == []
    assert _inserts_into(TransitionEvent, queries) == 0
    assert FinancingRequest.objects.get(pk=draft.pk).status == RequestStatus.DRAFT


def test_outside_one_write_each_move_writes_at_once():
    # Given a draft, When it is submitted with the engine alone
    user, draft = _applicant_and_draft(documents=True)
    locked = FinancingRequest.objects.get(pk=draft.pk)
    with CaptureQueriesContext(connection) as queries:
        engine.transition(locked, "submit", user=user)
    # Then its row, event and message are written by the move itself
    assert len(_request_row_updates(queries)) == 1
    assert _inserts_into(TransitionEvent, queries) == _inserts_into(OutboxMessage, queries) == 1
    assert FinancingRequest.objects.get(pk=draft.pk).status == RequestStatus.SCREENING


def test_a_decision_audited_inside_the_block_is_written_though_nothing_moved():
    # Given a draft
    user, draft = _applicant_and_draft(documents=True)
    locked = FinancingRequest.objects.get(pk=draft.pk)
    before = TransitionEvent.objects.filter(request=locked).count(), OutboxMessage.objects.count()

    # When a decision that keeps the status is audited inside one_write, with no move
    with engine.one_write(locked):
        engine.record_decision(locked, "edit_proposal", user=user, role="applicant", reason="checked")

    # Then its event and its message are written all the same, and the row is not
    assert TransitionEvent.objects.filter(request=locked).count() == before[0] + 1
    assert OutboxMessage.objects.count() == before[1] + 1
    assert FinancingRequest.objects.get(pk=draft.pk).version == locked.version


def test_a_block_inside_another_for_the_same_request_keeps_the_moves_in_order():
    # Given a draft with its documents
    user, draft = _applicant_and_draft(documents=True)
    locked = FinancingRequest.objects.get(pk=draft.pk)

    # When the submit is held by an outer block and the screening's move by an inner one
    with engine.one_write(locked):
        engine.transition(locked, "submit", user=user)
        with engine.one_write(locked):
            engine.transition(locked, "screen_pass", user=None)

    # Then the events and the outbox messages are written in the order of the moves
    events = list(
        TransitionEvent.objects.filter(request=locked).order_by("pk").values_list("action", flat=True)
    )
    assert events[-2:] == ["submit", "screen_pass"]
    topics = list(OutboxMessage.objects.filter(request=locked).order_by("pk").values_list("topic", flat=True))
    assert topics[-2:] == ["financing_request.submit", "financing_request.screen_pass"]
    assert FinancingRequest.objects.get(pk=draft.pk).status == locked.status
