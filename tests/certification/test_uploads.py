"""Uploads are judged by their content: a renamed program, an oversized file, a type we
do not take and an empty file are refused with a clear message at the field, and what
was already saved stays as it was."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from PIL import Image

from certification.models import EvidenceFile, FileKind, TaskResponse
from certification.uploads import sniff

from .portfolio_world import PDF_BYTES, build_world

pytestmark = pytest.mark.django_db


def upload(name, content, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def png_bytes():
    out = io.BytesIO()
    Image.new("RGB", (4, 4), "teal").save(out, "PNG")
    return out.getvalue()


def docx_bytes(macros=False):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        if macros:
            archive.writestr("word/vbaProject.bin", b"\x00" * 10)
    return out.getvalue()


# The sniffing itself


@pytest.mark.parametrize(
    ("content", "kind", "content_type"),
    [
        (PDF_BYTES, FileKind.PDF, "application/pdf"),
        (png_bytes(), FileKind.IMAGE, "image/png"),
        (
            docx_bytes(),
            FileKind.WORD,
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
    ],
)
def test_accepted_kinds_are_read_from_the_content(content, kind, content_type):
    # The name and the browser's claim say otherwise; the content decides.
    result = sniff(upload("misleading.txt", content, "text/plain"))
    assert (result.kind, result.content_type) == (kind, content_type)
    assert result.size == len(content) and len(result.sha256) == 64


@pytest.mark.parametrize(
    ("name", "content", "code", "words"),
    [
        ("notes.pdf", b"MZ\x90\x00" + b"\x00" * 200, "program", "is a program"),
        ("notes.pdf", b"\x7fELF\x02\x01" + b"\x00" * 200, "program", "is a program"),
        ("notes.docx", b"#!/bin/sh\nrm -rf ~\n", "program", "is a program"),
        ("notes.pdf", b"", "empty", "empty"),
        ("notes.html", b"<html><script>alert(1)</script></html>", "type", "can't be uploaded"),
        ("notes.svg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "type", "can't be uploaded"),
        ("macro.docx", docx_bytes(macros=True), "type", "other than a Word document"),
        ("archive.docx", b"PK\x03\x04not really a zip", "type", "other than a Word document"),
    ],
)
def test_refused_uploads_say_why(name, content, code, words):
    with pytest.raises(ValidationError) as refused:
        sniff(upload(name, content))
    assert refused.value.code == code
    assert words in refused.value.messages[0]


@override_settings(PORTFOLIO_MAX_UPLOAD_BYTES=1024)
def test_a_file_over_the_limit_is_refused_with_its_size():
    with pytest.raises(ValidationError) as refused:
        sniff(upload("big.pdf", PDF_BYTES + b"0" * 2000))
    assert refused.value.code == "too_big"
    assert "the most a file can be" in refused.value.messages[0]


def test_the_limit_is_ten_megabytes(settings):
    assert settings.PORTFOLIO_MAX_UPLOAD_BYTES == 10 * 1024 * 1024
    with pytest.raises(ValidationError) as refused:
        sniff(upload("big.pdf", PDF_BYTES + b"0" * (10 * 1024 * 1024)))
    assert "10.0 MB; the most a file can be is 10 MB" in refused.value.messages[0]


# Through the pages: the message at the field, nothing saved lost


@pytest.fixture
def world():
    return build_world()


BAD = [
    ("renamed program", "setup.pdf", b"MZ\x90\x00" + b"\x00" * 100, "is a program"),
    ("empty", "empty.pdf", b"", "empty"),
    ("disallowed type", "page.html", b"<html></html>", "can't be uploaded"),
]


@pytest.mark.parametrize(("case", "name", "content", "words"), BAD)
def test_the_files_page_refuses_at_the_field_and_keeps_what_was_there(
    client, world, case, name, content, words
):
    client.force_login(world.people["participant"])
    before = list(EvidenceFile.objects.filter(enrolment=world.enrolment).values_list("pk"))
    response = client.post(
        reverse("certification:files", args=[world.enrolment.pk]),
        {"upload": upload(name, content), "description": "My lesson plan"},
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert words in " ".join(form.errors["upload"])
    assert form["description"].value() == "My lesson plan"  # what was typed is kept
    page = response.content.decode()
    assert 'id="error_1_id_upload"' in page or "invalid-feedback" in page
    after = list(EvidenceFile.objects.filter(enrolment=world.enrolment).values_list("pk"))
    assert after == before


@override_settings(PORTFOLIO_MAX_UPLOAD_BYTES=1024)
def test_an_oversized_attachment_keeps_the_task_answer_being_written(client, world):
    client.force_login(world.people["participant"])
    task, saved = world.objects["task"], world.objects["answer"]
    response = client.post(
        reverse("certification:task", args=[world.enrolment.pk, task.pk]),
        {
            "answer": "A longer answer I have just written",
            "complete": "on",
            "attachment": upload("big.pdf", PDF_BYTES + b"0" * 5000),
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert "the most a file can be" in " ".join(form.errors["attachment"])
    assert form["answer"].value() == "A longer answer I have just written"
    saved.refresh_from_db()
    assert saved.answer == "Mine answer"  # the saved answer is untouched
    assert TaskResponse.objects.filter(enrolment=world.enrolment).count() == 1


def test_a_good_upload_is_stored_privately_and_served_only_to_those_allowed(client, world):
    client.force_login(world.people["participant"])
    client.post(
        reverse("certification:files", args=[world.enrolment.pk]),
        {"upload": upload("photo.jpg", png_bytes(), "image/jpeg"), "description": "Board"},
    )
    stored = EvidenceFile.objects.get(enrolment=world.enrolment, name="photo.jpg")
    assert stored.kind == FileKind.IMAGE and stored.content_type == "image/png"
    assert "photo" not in stored.file.name  # a random name on disk
    url = reverse("certification:file", args=[world.enrolment.pk, stored.pk])
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == png_bytes()
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    client.force_login(world.people["impact lead"])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("page.pdf", b"<html><!-- %PDF-1.4 --><script>alert(1)</script></html>"),
        ("run.pdf", b"@echo off\r\nREM %PDF-1.7\r\ndel *.*\r\n"),
    ],
)
def test_a_pdf_must_start_as_one(name, content):
    with pytest.raises(ValidationError):
        sniff(upload(name, content))


def _zip(entries):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for entry_name, data in entries:
            archive.writestr(entry_name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "entries",
    [
        # A macro-enabled document, whatever its parts are called.
        [
            (
                "[Content_Types].xml",
                '<Types><Override ContentType="application/vnd.ms-word.document'
                '.macroEnabled.main+xml"/></Types>',
            ),
            ("word/document.xml", "<w:document/>"),
        ],
        # An embedded object (which can carry a program).
        [
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document/>"),
            ("word/embeddings/oleObject1.bin", b"MZ" + b"\x00" * 50),
        ],
        # A zip whose first entry's name starts like a PDF.
        [
            ("%PDF-.xml", "x"),
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", "<w:document/>"),
            ("word/vbaProject.bin", b"\x00"),
        ],
    ],
)
def test_word_documents_with_macros_or_embedded_objects_are_refused(entries):
    with pytest.raises(ValidationError) as refused:
        sniff(upload("report.docx", _zip(entries)))
    assert "other than a Word document" in refused.value.messages[0]


def test_a_download_is_named_for_what_it_is_not_what_it_was_called(client, world):
    from certification.services.portfolio import add_file

    content = upload("run.bat", PDF_BYTES)
    stored = add_file(world.enrolment, content, sniff(content))
    client.force_login(world.people["assessor"])
    response = client.get(reverse("certification:file", args=[world.enrolment.pk, stored.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="run.pdf"'
    assert response["Content-Type"] == "application/pdf"
