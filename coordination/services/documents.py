"""Documents on a request: checked by content (not just the name), stored, served only in scope."""

from django.conf import settings
from django.db import transaction

from ..choices import RequestStatus, Role
from ..errors import Conflict, NotFound, PayloadTooLarge, PermissionDenied, UnsupportedMediaType
from ..models import RequestDocument
from ..selectors import roles_on_request
from .locking import lock_request

# Signature bytes of what we accept: a renamed executable is refused whatever its name says.
SIGNATURES = {
    "application/pdf": (b"%PDF-",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}
EXTENSIONS = {
    ".pdf": "application/pdf",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EDITABLE = {RequestStatus.DRAFT, RequestStatus.INFO_REQUESTED}


def content_type_of(name: str, head: bytes) -> str:
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = EXTENSIONS.get(extension)
    if content_type is None or not head.startswith(SIGNATURES[content_type]):
        raise UnsupportedMediaType(
            "Only PDF, PNG, JPEG, DOCX and XLSX files whose content matches their name are accepted.",
            fields={"file": [f"'{name}' is not an accepted document"]},
        )
    return content_type


def upload_document(*, request_id: int, user, kind: str, upload) -> RequestDocument:
    with transaction.atomic():
        request = lock_request(request_id)
        roles = roles_on_request(user, request)
        if not roles:
            raise NotFound()
        if Role.APPLICANT not in roles:
            raise PermissionDenied("Only the applicant adds documents to a request.")
        if request.status not in EDITABLE:
            raise Conflict(
                f"Documents can be added while the request is draft or information is requested, "
                f"not {request.status}.",
                code="invalid_state",
            )
        if upload.size > settings.DOCUMENT_MAX_BYTES:
            raise PayloadTooLarge(
                "The file is too large.",
                fields={"file": [f"At most {settings.DOCUMENT_MAX_BYTES // (1024 * 1024)} MB."]},
            )
        head = upload.read(16)
        upload.seek(0)
        content_type = content_type_of(upload.name, head)
        return RequestDocument.objects.create(
            request=request,
            kind=kind,
            file=upload,
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            uploaded_by=user,
        )
