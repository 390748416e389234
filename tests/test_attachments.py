"""Files on messages: accepted by what their bytes are, named safely, kept in the database on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest

from helpcenter.attachments.kinds import detect_kind, safe_filename
from helpcenter.attachments.operations import AttachmentLimits, Upload, UploadError, check_uploads
from helpcenter.attachments.store import attachment_store
from helpcenter.db import database
from helpcenter.library import current_policies
from helpcenter.tickets.operations import create_ticket, reply

from .helpers import ticket_request

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(32)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00"
WEBP = b"RIFF\x24\x00\x00\x00WEBPVP8 "
PDF = b"%PDF-1.4\n%%EOF\n"


def zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("logs/alerts.log", "ERROR no SMS\n")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("screen.png", PNG, "image/png"),
        ("photo.JPG", JPEG, "image/jpeg"),
        ("anim.gif", GIF, "image/gif"),
        ("pic.webp", WEBP, "image/webp"),
        ("manual.pdf", PDF, "application/pdf"),
        ("logs.zip", zip_bytes(), "application/zip"),
        ("alerts.log", "2026-11-30 ERROR: délai dépassé\n".encode(), "text/plain"),
        ("export.csv", b"reference,subject\nHC-1,Alerts\n", "text/csv"),
        ("notes", b"plain words", "text/plain"),
        ("screen.png.txt", PNG, "image/png"),
    ],
)
def test_kinds_come_from_the_bytes(name, data, content_type):
    kind = detect_kind(name, data)
    assert kind is not None and kind.content_type == content_type


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("holiday.png", b"MZ\x90\x00\x03 a Windows program"),
        ("tool.png", b"\x7fELF\x02\x01\x01 a Linux program"),
        ("page.txt", b"\xff\xfe<\x00h\x00t\x00m\x00l\x00>"),
        ("data.csv", b"a,b\n\x00\x01\x02"),
        ("latin1.log", "café".encode("latin-1")),
    ],
)
def test_anything_else_is_refused_whatever_its_name(name, data):
    assert detect_kind(name, data) is None


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("../../etc/passwd", b"root:x:0:0", "passwd.txt"),
        ("C:\\Users\\me\\shot.png", PNG, "shot.png"),
        ("photo.exe", PNG, "photo.exe.png"),
        ("report.PDF", PDF, "report.pdf"),
        ('a"b<c>.png', PNG, "a_b_c_.png"),
        ("\u202egnp.exe", PNG, "gnp.exe.png"),
        ("..png", PNG, "png.png"),
        ("...", PNG, "file.png"),
        ("x" * 400 + ".log", b"log", "x" * 146 + ".log"),
    ],
)
def test_names_are_made_safe_and_match_the_kind(name, data, expected):
    assert safe_filename(name, detect_kind(name, data)) == expected


def test_limits_on_count_size_and_emptiness():
    limits = AttachmentLimits(max_files=2, max_bytes=10)
    assert [file.filename for file in check_uploads([Upload("a.log", b"x" * 10)], limits)] == ["a.log"]
    cases = [
        ([Upload("a.log", b"x")] * 3, "too_many"),
        ([Upload("a.log", b"x" * 11)], "too_large"),
        ([Upload("a.log", b"")], "empty"),
        ([Upload("a.png", b"MZ\x90\x00")], "wrong_type"),
    ]
    for uploads, reason in cases:
        with pytest.raises(UploadError) as error:
            check_uploads(uploads, limits)
        assert error.value.reason == reason


def test_files_are_kept_in_the_database_on_sqlite_and_postgresql(app_factory, database_url):
    app = app_factory(DATABASE_URL=database_url, index=False)
    big = b"%PDF-1.7\n" + bytes(range(256)) * 8192  # 2 MB of every byte value
    limits = AttachmentLimits(max_files=5, max_bytes=10 * 1024 * 1024)
    with app.app_context(), database(app).sessions() as session:
        store = attachment_store()
        files = check_uploads([Upload("manual.pdf", big), Upload("screen.png", PNG)], limits)
        ticket, _token = create_ticket(session, ticket_request(), current_policies(), files=files, store=store)
        reply(session, ticket, "Here is the fix.", author_name="Alex", actor="agent@fulgur.example",
              files=check_uploads([Upload("fix.log", b"patched\n")], limits), store=store)  # fmt: skip
        ticket_id = ticket.id
    with app.app_context(), database(app).sessions() as session:
        from helpcenter.tickets.models import Ticket

        ticket = session.get(Ticket, ticket_id)
        first, answer = ticket.messages[0], ticket.messages[1]
        assert [(a.filename, a.size) for a in first.attachments] == [("manual.pdf", len(big)), ("screen.png", len(PNG))]
        assert attachment_store().get(session, first.attachments[0].storage_key) == big
        assert first.attachments[0].sha256 == hashlib.sha256(big).hexdigest()
        assert [a.filename for a in answer.attachments] == ["fix.log"]
