"""`Idempotency-Key` on every POST: the same key and body replay the first response; another body is a 422.

One transaction holds the key's claim (an insert that only one writer can make, see
`coordination.services.idempotency`), the effect and the stored response. A concurrent request with the
same key waits for that transaction and replays what it stored, or gets a 409 "in progress" with
Retry-After when the first one takes longer than IDEMPOTENCY_WAIT_SECONDS. An error response (4xx) is
stored and replayed too, but its partial effects are undone; a 5xx stores nothing, so a retry runs afresh.
"""

import hashlib
import json
from contextlib import ExitStack

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.utils.translation import gettext_lazy as _

from ..errors import IdempotencyMismatch, KeyInProgress
from ..models import IdempotencyRecord
from ..services.idempotency import claim

HEADER = "Idempotency-Key"
JSON = "application/json"  # the API's one renderer
MAX_KEY_LENGTH = 100


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


def key_of(request) -> str:
    return (request.headers.get(HEADER) or "").strip()


def fingerprint(request) -> str:
    """What makes two POSTs "the same": method, path and body.

    A multipart body is hashed as parsed (fields, then each file's name, type and bytes in chunks), so an
    upload as large as DOCUMENT_MAX_BYTES is fingerprinted without being read into memory at once, and a
    retry with another multipart boundary is still the same request. Other bodies are small (Django refuses
    them above DATA_UPLOAD_MAX_MEMORY_SIZE) and are hashed as sent.
    """
    digest = hashlib.sha256()
    digest.update(b"\n".join([request.method.encode(), request.path.encode(), b""]))
    if request.content_type.split(";")[0].strip().lower() == "multipart/form-data":
        _hash_form(digest, request.data)
    else:
        digest.update(request.body)
    return digest.hexdigest()


def _hash_form(digest, data) -> None:
    for name in sorted(data.keys()):
        for value in data.getlist(name):
            if isinstance(value, UploadedFile):
                header = [name, "file", value.name, value.content_type, value.size]
                digest.update(json.dumps(header).encode() + b"\n")
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)  # the view reads the file after us
            else:
                digest.update(json.dumps([name, "field", str(value)]).encode() + b"\n")


class IdempotentPostMixin:
    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or not key_of(request):
            return super().dispatch(request, *args, **kwargs)
        self._claim = None
        with transaction.atomic(), ExitStack() as effect:
            # `initial` opens the effect's savepoint on this stack once it holds the key.
            self._effect = effect
            response = super().dispatch(request, *args, **kwargs)
            if self._claim is None:  # a replay, a mismatch, or refused before the key was claimed
                return response
            if response.status_code >= 400:
                transaction.set_rollback(True)  # the effect's savepoint: an error leaves nothing half-done
            effect.close()
            if response.status_code >= 500:
                transaction.set_rollback(True)  # the claim too: a retry runs afresh
            else:
                self._store(response)
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = key_of(request)
        if request.method != "POST" or not key or not request.user.is_authenticated:
            return
        if len(key) > MAX_KEY_LENGTH:
            raise IdempotencyMismatch(
                "Idempotency-Key is too long.",
                fields={"Idempotency-Key": [f"At most {MAX_KEY_LENGTH} characters."]},
                code="idempotency_key_invalid",
            )
        if not key.isprintable():  # a NUL or other control character cannot be stored (PostgreSQL text)
            raise IdempotencyMismatch(
                "Idempotency-Key has control characters.",
                fields={"Idempotency-Key": ["Only printable characters."]},
                code="idempotency_key_invalid",
            )
        digest = fingerprint(request)
        record, claimed = claim(user=request.user, key=key, fingerprint=digest)
        if claimed:
            self._claim = record
            self._effect.enter_context(transaction.atomic())
            return
        if not record.fingerprint:
            return  # claimed by an action outside the API (the admin): the service replays or refuses it
        if record.fingerprint != digest:
            raise IdempotencyMismatch(
                _("This Idempotency-Key was already used with another request."),
                fields={"Idempotency-Key": [_("already used with a different method, path or body")]},
            )
        raise Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return self._replayed(exc.record)
        response = super().handle_exception(exc)
        if isinstance(exc, KeyInProgress):
            response["Retry-After"] = str(exc.retry_after)
        return response

    def _replayed(self, record: IdempotencyRecord) -> HttpResponse:
        response = HttpResponse(record.response, status=record.response_status, content_type=JSON)
        response["Idempotent-Replayed"] = "true"
        return response

    def _store(self, response) -> None:
        IdempotencyRecord.objects.filter(pk=self._claim.pk).update(
            response=response.render().content.decode(), response_status=response.status_code
        )
