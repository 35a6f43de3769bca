"""Documents on a request: checked by content (not just the name), stored, served only in scope.

The first bytes must match the name's type, and then the whole file must be what it says: a PDF must
parse as one (pypdf) with nothing but padding after its end, so a PDF header in front of an executable
or an executable appended to a PDF is refused; a DOCX/XLSX must be an Office Open XML zip whose
declared uncompressed size and entry count are bounded (a zip bomb is refused without inflating it).
"""

import logging
import zipfile

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from pypdf import PdfReader

from ..choices import RequestStatus, Role, label_of, lower_first
from ..errors import Conflict, NotFound, PayloadTooLarge, PermissionDenied, UnsupportedMediaType
from ..models import DisclosedData, Disclosure, DisclosureAction, FinancingRequest, RequestDocument
from ..selectors import opened_referrals_of, roles_on_request
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
# The part every Office Open XML package of that kind must have.
OOXML_MAIN_PART = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "word/document.xml",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xl/workbook.xml",
}
# What may follow a PDF's last %%EOF: line ends and the padding some writers add.
PDF_TRAILING_PADDING = b"\r\n\t \x00"
EDITABLE = {RequestStatus.DRAFT, RequestStatus.INFO_REQUESTED}

logging.getLogger("pypdf").setLevel(logging.ERROR)  # a refused file is answered, not logged as a warning


def _refused(name: str, reason) -> UnsupportedMediaType:
    return UnsupportedMediaType(
        _("Only PDF, PNG, JPEG, DOCX and XLSX files whose content matches their name are accepted."),
        fields={"file": [_("%(field)s: %(problems)s") % {"field": f"“{name}”", "problems": reason}]},
    )


def content_type_of(name: str, head: bytes) -> str:
    extension = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    content_type = EXTENSIONS.get(extension)
    if content_type is None or not head.startswith(SIGNATURES[content_type]):
        raise _refused(name, _("not an accepted document"))
    return content_type


def _check_pdf(upload) -> None:
    try:
        pages = len(PdfReader(upload).pages)
    except Exception:  # whatever a malformed file makes the parser raise, it is not a PDF
        pages = 0
    upload.seek(max(upload.size - 2048, 0))
    tail = upload.read()
    end = tail.rfind(b"%%EOF")
    if pages < 1 or end < 0 or tail[end + len(b"%%EOF") :].strip(PDF_TRAILING_PADDING):
        raise _refused(upload.name, _("not a readable PDF, or something follows the PDF's end"))


def _check_ooxml(upload, content_type: str) -> None:
    try:
        entries = zipfile.ZipFile(upload).infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        raise _refused(upload.name, _("not a valid Office Open XML (zip) file")) from None
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names or OOXML_MAIN_PART[content_type] not in names:
        raise _refused(upload.name, _("not a valid Office Open XML (zip) file"))
    max_bytes, max_entries = settings.DOCUMENT_MAX_UNCOMPRESSED_BYTES, settings.DOCUMENT_MAX_ZIP_ENTRIES
    if len(entries) > max_entries or sum(entry.file_size for entry in entries) > max_bytes:
        raise _refused(
            upload.name,
            _("unpacks to more than %(bytes)d bytes or %(entries)d entries")
            % {"bytes": max_bytes, "entries": max_entries},
        )


def check_content(upload) -> str:
    """The upload's content type, from its name, confirmed by its first bytes and by parsing the rest."""
    upload.seek(0)
    content_type = content_type_of(upload.name, upload.read(16))
    upload.seek(0)
    if content_type == "application/pdf":
        _check_pdf(upload)
    elif content_type in OOXML_MAIN_PART:
        _check_ooxml(upload, content_type)
    upload.seek(0)
    return content_type


def upload_document(*, request_id: int, user, kind: str, upload) -> RequestDocument:
    with transaction.atomic():
        request = lock_request(request_id)
        roles = roles_on_request(user, request)
        if not roles:
            raise NotFound()
        if Role.APPLICANT not in roles:
            raise PermissionDenied(_("Only the applicant adds documents to a request."))
        if request.status not in EDITABLE:
            raise Conflict(
                gettext(
                    "Documents can be added while the request is a draft or information is requested, "
                    "not while it is “%(status)s”."
                )
                % {"status": lower_first(label_of(RequestStatus, request.status))},
                code="invalid_state",
            )
        if upload.size > settings.DOCUMENT_MAX_BYTES:
            raise PayloadTooLarge(
                _("The file is too large."),
                fields={
                    "file": [
                        gettext("At most %(mb)s MB.") % {"mb": settings.DOCUMENT_MAX_BYTES // (1024 * 1024)}
                    ]
                },
            )
        content_type = check_content(upload)
        return RequestDocument.objects.create(
            request=request,
            kind=kind,
            file=upload,
            original_name=upload.name[:255],
            content_type=content_type,
            size=upload.size,
            uploaded_by=user,
        )


def document_for_download(*, request_id: int, document_id: int, user) -> RequestDocument:
    """A document of the request, for a user in scope; anything else is NotFound.

    An institution reads a request's documents only once it has opened one of its referrals on it
    (DESIGN §1: until then it reads the anonymised teaser), and each of its downloads is written to
    the applicant's disclosure log. The applicant's own and the coordinators' reads are not disclosures.
    """
    with transaction.atomic():
        request = FinancingRequest.objects.select_related("enterprise__region").filter(pk=request_id).first()
        roles = roles_on_request(user, request) if request is not None else set()
        document = request.documents.filter(pk=document_id).first() if request is not None and roles else None
        if request is None or document is None:
            raise NotFound()
        if roles == {Role.INSTITUTION}:
            referral = opened_referrals_of(user).filter(request=request).order_by("opened_at", "pk").first()
            assert referral is not None, (
                "an institution holds a role on a request only through an opened referral"
            )
            Disclosure.objects.create(
                user=user,
                institution_id=referral.institution_id,
                enterprise_id=request.enterprise_id,
                request=request,
                referral=referral,
                action=DisclosureAction.DOWNLOAD,
                categories=[DisclosedData.DOCUMENTS],
                document=document,
                document_name=document.original_name,
            )
        return document
