"""Uploads are checked beyond their first bytes, and an oversized body is refused before it is read."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from coordination.models import RequestDocument
from tests import factories as f

pytestmark = pytest.mark.django_db

ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 4000
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 46 + b"PE\x00\x00" + b"\x00" * 4000
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def ooxml(main_part: str | None = "word/document.xml", *, extra: dict[str, bytes] | None = None) -> bytes:
    parts = {"[Content_Types].xml": b'<?xml version="1.0"?><Types/>', "_rels/.rels": b"<Relationships/>"}
    if main_part:
        parts[main_part] = b'<?xml version="1.0"?><document/>'
    parts.update(extra or {})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.fixture
def draft(world):
    return f.draft_request(user=world.applicant_a, enterprise=world.enterprise_a, documents=False)


def upload(api, world, draft, name: str, content: bytes, **extra):
    return api(world.applicant_a).post(
        f"/api/v1/financing-requests/{draft.pk}/documents/",
        {"kind": "business_plan", "file": SimpleUploadedFile(name, content, "application/octet-stream")},
        format="multipart",
        **extra,
    )


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("plan.pdf", b"%PDF-1.7\n" + ELF),
        ("plan.pdf", b"%PDF-1.4\n" + PE),
        ("plan.pdf", b"%PDF-1.7\n" + ELF + b"\n%%EOF\n"),
        ("plan.pdf", f.pdf_bytes() + ELF),
        ("plan.pdf", f.pdf_bytes()[:200]),
        ("plan.pdf", b"%PDF-1.4 demo"),
    ],
    ids=[
        "header-then-elf",
        "header-then-pe",
        "header-elf-eof",
        "pdf-then-appended-elf",
        "truncated",
        "header-only",
    ],
)
def test_a_pdf_that_does_not_parse_as_one_is_refused(api, world, draft, name, content):
    """Given a draft, when the applicant uploads something that starts like a PDF but is not one whole (an
    executable behind the header, or appended after the end), then it is a 415 naming the file."""
    response = upload(api, world, draft, name, content)
    assert response.status_code == 415, response.json()
    error = response.json()["error"]
    assert error["code"] == "unsupported_media_type" and "plan.pdf" in " ".join(error["fields"]["file"])
    assert not RequestDocument.objects.filter(request=draft).exists()


def test_a_real_pdf_with_trailing_line_ends_is_stored_whole(api, world, draft):
    content = f.pdf_bytes(pages=3) + b"\r\n\x00\x00"
    response = upload(api, world, draft, "plan.pdf", content)
    assert response.status_code == 201, response.json()
    document = RequestDocument.objects.get(request=draft)
    assert document.content_type == "application/pdf" and document.file.read() == content


def test_office_documents_must_be_whole_ooxml_packages(api, world, draft):
    """Given a draft, DOCX and XLSX are accepted only as zips holding the parts of their kind."""
    assert upload(api, world, draft, "plan.docx", ooxml()).status_code == 201
    assert upload(api, world, draft, "sheet.xlsx", ooxml("xl/workbook.xml")).status_code == 201
    for name, content in [
        ("plan.docx", b"PK\x03\x04" + ELF),  # a zip signature, then no zip
        ("plan.docx", ooxml(None)),  # a zip, but no document in it
        ("plan.docx", ooxml("xl/workbook.xml")),  # a spreadsheet named .docx
        ("plan.xlsx", ooxml()),  # a document named .xlsx
    ]:
        response = upload(api, world, draft, name, content)
        assert response.status_code == 415, (name, response.json())
        assert name in " ".join(response.json()["error"]["fields"]["file"])
    assert RequestDocument.objects.filter(request=draft).count() == 2


@override_settings(DOCUMENT_MAX_UNCOMPRESSED_BYTES=1_000_000)
def test_a_zip_bomb_is_refused_from_its_declared_size(api, world, draft):
    """Given a limit of 1 MB unpacked, 4 MB of zeros (a few KB packed) is refused without inflating it."""
    bomb = ooxml(extra={"word/media/zeros.bin": b"\x00" * 4_000_000})
    assert len(bomb) < 50_000
    response = upload(api, world, draft, "plan.docx", bomb)
    assert response.status_code == 415, response.json()
    assert "1000000 bytes" in " ".join(response.json()["error"]["fields"]["file"])
    assert upload(api, world, draft, "plan.docx", ooxml()).status_code == 201


@override_settings(DOCUMENT_MAX_ZIP_ENTRIES=10)
def test_a_zip_of_too_many_entries_is_refused(api, world, draft):
    many = ooxml(extra={f"word/part{i}.xml": b"<x/>" for i in range(20)})
    assert upload(api, world, draft, "plan.docx", many).status_code == 415


def test_an_oversized_body_is_refused_from_its_content_length_before_it_is_read(api, world, draft):
    """Given a body that declares more than a document and its envelope, then the answer is a 413 in the API's
    shape, and the body is never read (the test client's payload would raise if it were read past its end)."""
    from django.conf import settings

    declared = settings.DOCUMENT_MAX_BYTES + 1024 * 1024
    response = upload(api, world, draft, "plan.pdf", f.pdf_bytes(), CONTENT_LENGTH=str(declared))
    assert response.status_code == 413, response.content
    error = response.json()["error"]
    assert error["code"] == "too_large" and "body" in error["fields"]
    assert not RequestDocument.objects.filter(request=draft).exists()


def test_a_document_at_the_limit_still_fits_its_envelope(api, world, draft):
    """The guard leaves room for the multipart envelope: a file of exactly DOCUMENT_MAX_BYTES is read and
    judged by the service."""
    content = f.pdf_bytes()
    with override_settings(DOCUMENT_MAX_BYTES=len(content)):
        assert upload(api, world, draft, "plan.pdf", content).status_code == 201
        response = upload(api, world, draft, "plan.pdf", content + b" ")
    assert response.status_code == 413 and "file" in response.json()["error"]["fields"]
