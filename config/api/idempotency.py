"""`Idempotency-Key` on every POST: the same key and body replay the first response; another body is a 422."""

import hashlib
import json

from django.db import IntegrityError, transaction
from rest_framework.response import Response

from coordination.errors import IdempotencyMismatch
from coordination.models import IdempotencyRecord

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 100


class Replay(Exception):
    def __init__(self, record: IdempotencyRecord):
        self.record = record


class ConcurrentFirst(Exception):
    pass


def fingerprint(request) -> str:
    body = request.body if hasattr(request, "body") else b""
    return hashlib.sha256(b"\n".join([request.method.encode(), request.path.encode(), body])).hexdigest()


class IdempotentPostMixin:
    def _idempotency_key(self, request) -> str:
        return (request.headers.get(HEADER) or "").strip()

    def dispatch(self, request, *args, **kwargs):
        if request.method != "POST" or not self._idempotency_key(request):
            return super().dispatch(request, *args, **kwargs)
        try:
            with transaction.atomic():
                response = super().dispatch(request, *args, **kwargs)
                self._store(response)
                return response
        except ConcurrentFirst:
            record = IdempotencyRecord.objects.get(
                actor=self.request.user, key=self._idempotency_key(request)
            )
            return self.finalize_response(self.request, self._replayed(record), *args, **kwargs)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        key = self._idempotency_key(request)
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
        self._fingerprint = fingerprint(request._request)
        record = IdempotencyRecord.objects.filter(actor=request.user, key=key).first()
        if record is None or not record.fingerprint:
            return
        if record.fingerprint != self._fingerprint:
            raise IdempotencyMismatch(
                "This Idempotency-Key was already used with another request.",
                fields={"Idempotency-Key": ["already used with a different method, path or body"]},
            )
        raise Replay(record)

    def handle_exception(self, exc):
        if isinstance(exc, Replay):
            return self._replayed(exc.record)
        return super().handle_exception(exc)

    def _replayed(self, record: IdempotencyRecord) -> Response:
        response = Response(record.response, status=record.response_status)
        response["Idempotent-Replayed"] = "true"
        response._idempotent_replay = True
        return response

    def _store(self, response) -> None:
        user = self.request.user
        if (
            getattr(response, "_idempotent_replay", False)
            or not user.is_authenticated
            or response.status_code >= 500
        ):
            return
        if not hasattr(self, "_fingerprint"):
            return
        data = json.loads(json.dumps(response.data, default=str)) if response.data is not None else None
        try:
            with transaction.atomic():
                IdempotencyRecord.objects.update_or_create(
                    actor=user,
                    key=self._idempotency_key(self.request),
                    defaults={
                        "fingerprint": self._fingerprint,
                        "response": data,
                        "response_status": response.status_code,
                    },
                    create_defaults={
                        "fingerprint": self._fingerprint,
                        "response": data,
                        "response_status": response.status_code,
                        "action": "http",
                        "object_type": "",
                        "object_id": 0,
                    },
                )
        except IntegrityError:
            raise ConcurrentFirst() from None
