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


@pytest.mark.parametrize(
    ("documents", "screened_to"), [(False, RequestStatus.INFO_REQUESTED), (True, RequestStatus.TRIAGE)]
)
def test_submit_and_its_screening_write_the_request_row_once(documents, screened_to):
    # Given a draft (without or with its required documents)
    user, draft = _applicant_and_draft(documents=documents)

    # When the applicant submits it and screening moves it on at once
    with CaptureQueriesContext(connection) as queries:
        answer = rq.submit_request(request_id=draft.pk, user=user)

    # Then the row is written once, with both moves in it
    assert len(_request_row_updates(queries)) == 1
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
    topics = OutboxMessage.objects.filter(request=draft).order_by("pk").values_list("topic", flat=True)
    assert list(topics) == [f"financing_request.{action}" for action in actions]
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

    # Then the row was not written
    assert _request_row_updates(queries) == []
    assert FinancingRequest.objects.get(pk=draft.pk).status == RequestStatus.DRAFT


def test_outside_one_write_each_move_writes_at_once():
    # Given a draft, When it is submitted with the engine alone
    user, draft = _applicant_and_draft(documents=True)
    locked = FinancingRequest.objects.get(pk=draft.pk)
    with CaptureQueriesContext(connection) as queries:
        engine.transition(locked, "submit", user=user)
    # Then its row is written by the move itself
    assert len(_request_row_updates(queries)) == 1
    assert FinancingRequest.objects.get(pk=draft.pk).status == RequestStatus.SCREENING
