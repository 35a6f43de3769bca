"""The applicant's page forms as use cases, each in one transaction: a request with its documents (and,
when asked, its submission); documents added to a draft or an answer; an answer and its resubmission.
An error anywhere leaves nothing written, and names the form field it is about.

The rules stay where they are: `create_request` checks the request, `upload_document` each file, the
engine each transition. This module only runs them together and keys each document's error by its field.
"""

from dataclasses import dataclass
from datetime import date

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..errors import DomainError, NotFound, ValidationFailed
from ..models import FinancingRequest, IdempotencyRecord
from .documents import upload_document
from .financing_requests import TrancheInput, create_request, resubmit_request, submit_request


@dataclass(frozen=True)
class DocumentInput:
    field: str  # the form field the file came from: its errors are reported under this name
    kind: str
    upload: UploadedFile


def _attach(request_id: int, user, documents: list[DocumentInput]) -> None:
    """Every document through `upload_document`, each in its own savepoint so that every refused file is
    reported at once; any refusal fails the whole (the caller's transaction rolls back)."""
    errors: dict[str, list[str]] = {}
    for document in documents:
        try:
            with transaction.atomic():
                upload_document(request_id=request_id, user=user, kind=document.kind, upload=document.upload)
        except NotFound:
            raise
        except DomainError as error:
            errors[document.field] = [str(m) for m in error.fields.get("file", [])] or [str(error.message)]
    if errors:
        raise ValidationFailed(_("A document was refused; nothing was saved."), fields=errors)


def file_request(
    *,
    user,
    enterprise_id: int,
    purpose: str,
    amount,
    term_months: int,
    tranches: list[TrancheInput],
    documents: list[DocumentInput],
    major_task_id: int | None = None,
    needed_by: date | None = None,
    submit: bool = False,
) -> FinancingRequest:
    """Create a draft with its documents; with `submit`, submit it too (the applicant's consent)."""
    with transaction.atomic():
        request = create_request(
            user=user,
            enterprise_id=enterprise_id,
            purpose=purpose,
            amount=amount,
            term_months=term_months,
            tranches=tranches,
            major_task_id=major_task_id,
            needed_by=needed_by,
        )
        _attach(request.pk, user, documents)
        if submit:
            request = submit_request(request_id=request.pk, user=user)
    return request


def _replaying(user, idempotency_key: str) -> bool:
    """A form posted twice (a double click) with the same key: its documents went in with the first."""
    return (
        bool(idempotency_key) and IdempotencyRecord.objects.filter(actor=user, key=idempotency_key).exists()
    )


def add_documents(*, request_id: int, user, documents: list[DocumentInput]) -> None:
    with transaction.atomic():
        _attach(request_id, user, documents)


def submit_with_documents(
    *, request_id: int, user, documents: list[DocumentInput], idempotency_key: str = ""
) -> FinancingRequest:
    with transaction.atomic():
        if not _replaying(user, idempotency_key):
            _attach(request_id, user, documents)
        return submit_request(request_id=request_id, user=user, idempotency_key=idempotency_key)


def answer_with_documents(
    *, request_id: int, user, note: str, documents: list[DocumentInput], idempotency_key: str = ""
) -> FinancingRequest:
    """Answer an information request: the documents asked for, a note, and the request back to screening."""
    with transaction.atomic():
        if not _replaying(user, idempotency_key):
            _attach(request_id, user, documents)
        return resubmit_request(request_id=request_id, user=user, note=note, idempotency_key=idempotency_key)
