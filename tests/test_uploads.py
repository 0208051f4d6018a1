"""Evidence uploads: the type comes from the content, refusals leave nothing behind."""
from __future__ import annotations

import hashlib
import io
import os
import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage

from app.cases import uploads
from app.cases.uploads import (
    StoredFile,
    UploadRejected,
    check_and_store,
    check_batch,
    delete_stored,
    stored_path,
)

# Tiny real files ------------------------------------------------------------------

PDF = (b"%PDF-1.4\n"
       b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
       b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
       b"trailer <</Root 1 0 R>>\n%%EOF\n")

# The classic 1x1 transparent GIF
GIF = (b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00"
       b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

# A JFIF header and the end-of-image marker: enough for the content check
JPEG = (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
        b"\xff\xd9")

# An OLE2 compound file header (legacy .doc), padded to one 512-byte sector
DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)

TEXT = "Minutes of 3 March — the respondent said “no comment”. Café.\n".encode()

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(56)

HTML = b"<!doctype html><html><body><script>alert(1)</script></body></html>"


def png_1x1() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 6, 0, 0, 0)  # 1x1, 8-bit RGBA
    pixels = zlib.compress(b"\x00" + b"\xff\x00\x00\xff")  # filter byte + one red pixel
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


def docx(macros: bool = False) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                   '<Default Extension="rels" '
                   'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   '<Default Extension="xml" ContentType="application/xml"/>'
                   '<Override PartName="/word/document.xml" ContentType="application/'
                   'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
                   "</Types>")
        z.writestr("_rels/.rels",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                   'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats'
                   '.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="word/document.xml"/></Relationships>')
        z.writestr("word/document.xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/'
                   '2006/main"><w:body><w:p><w:r><w:t>Statement</w:t></w:r></w:p></w:body>'
                   "</w:document>")
        if macros:
            z.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0")
    return buf.getvalue()


def odf(mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        z.writestr("META-INF/manifest.xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
                   'manifest:1.0" manifest:version="1.2"><manifest:file-entry '
                   f'manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                   '<manifest:file-entry manifest:full-path="content.xml" '
                   'manifest:media-type="text/xml"/></manifest:manifest>',
                   compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("content.xml",
                   '<?xml version="1.0" encoding="UTF-8"?>'
                   '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:'
                   'xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:'
                   'text:1.0" office:version="1.2"><office:body><office:text><text:p>'
                   "Statement</text:p></office:text></office:body></office:document-content>",
                   compress_type=zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def plain_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    return buf.getvalue()


def upload(data: bytes, filename: str | None, content_type: str = "application/octet-stream"):
    return FileStorage(stream=io.BytesIO(data), filename=filename, content_type=content_type)


# Fixtures -------------------------------------------------------------------------


@pytest.fixture
def upload_dir(app, tmp_path, monkeypatch):
    """A request context and an empty upload directory of the test's own."""
    directory = tmp_path / "evidence"
    monkeypatch.setitem(app.config, "UPLOAD_DIR", directory)
    with app.test_request_context():
        yield directory


def files_in(directory) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


def refused(file: FileStorage) -> UploadRejected:
    with pytest.raises(UploadRejected) as info:
        check_and_store(file)
    return info.value


# Settings ---------------------------------------------------------------------------


def test_settings(app):
    from config import INSTANCE_DIR, Config, TestingConfig

    assert app.config["UPLOAD_MAX_BYTES"] == 20 * 1024 * 1024
    assert app.config["UPLOAD_MAX_FILES"] == 10
    if "UPLOAD_DIR" not in os.environ:
        assert Config.UPLOAD_DIR == INSTANCE_DIR / "evidence"  # outside the web root
    assert Path(app.static_folder) not in Path(Config.UPLOAD_DIR).parents
    # the suite stores evidence in a temporary directory, never under instance/
    assert Path(app.config["UPLOAD_DIR"]) != Path(TestingConfig.UPLOAD_DIR)
    assert Path(app.config["UPLOAD_DIR"]).is_dir()
    assert app.config["MAX_CONTENT_LENGTH"] >= (app.config["UPLOAD_MAX_FILES"]
                                                * app.config["UPLOAD_MAX_BYTES"])


# Accepted types ---------------------------------------------------------------------


@pytest.mark.parametrize("data, filename, mime", [
    (PDF, "statement.pdf", "application/pdf"),
    (png_1x1(), "screenshot.png", "image/png"),
    (JPEG, "photo.jpg", "image/jpeg"),
    (JPEG, "photo.JPEG", "image/jpeg"),
    (GIF, "pixel.gif", "image/gif"),
    (TEXT, "minutes.txt", "text/plain"),
    (b"\xef\xbb\xbfwith a byte order mark\n", "bom.txt", "text/plain"),
    (docx(), "letter.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    (DOC, "old letter.doc", "application/msword"),
    (odf(), "letter.odt", "application/vnd.oasis.opendocument.text"),
])
def test_each_allowed_type_is_stored_with_its_bytes_and_hash(upload_dir, data, filename, mime):
    stored = check_and_store(upload(data, filename, content_type="text/html"))  # browser type ignored

    assert isinstance(stored, StoredFile)
    assert stored.mime == mime
    assert stored.original_name == filename
    assert stored.size == len(data)
    assert stored.sha256 == hashlib.sha256(data).hexdigest()
    assert re.fullmatch(r"[0-9a-f]{32}", stored.stored_name)
    path = stored_path(stored.stored_name)
    assert path.parent == upload_dir
    assert path.read_bytes() == data
    assert files_in(upload_dir) == [stored.stored_name]  # no temporary file left over


def test_stored_names_are_random_and_carry_nothing_from_the_user(upload_dir):
    a = check_and_store(upload(PDF, "same.pdf"))
    b = check_and_store(upload(PDF, "same.pdf"))

    assert a.stored_name != b.stored_name
    assert a.sha256 == b.sha256
    assert "." not in a.stored_name and "same" not in a.stored_name
    assert files_in(upload_dir) == sorted([a.stored_name, b.stored_name])


def test_a_large_file_is_read_in_chunks(upload_dir):
    data = PDF + bytes(range(256)) * 2000  # ~512 KB, several chunks
    stored = check_and_store(upload(data, "big.pdf"))

    assert stored.size == len(data)
    assert stored_path(stored.stored_name).read_bytes() == data


# Refusals ---------------------------------------------------------------------------


def test_empty_file_is_refused(upload_dir):
    error = refused(upload(b"", "statement.pdf"))

    assert str(error) == "statement.pdf: is empty"
    assert (error.filename, error.reason) == ("statement.pdf", "is empty")
    assert files_in(upload_dir) == []


def test_file_over_the_configured_limit_is_refused(upload_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 1024)

    assert check_and_store(upload(PDF + bytes(1024 - len(PDF)), "exact.pdf")).size == 1024
    error = refused(upload(PDF + bytes(1025 - len(PDF)), "big.pdf"))

    assert str(error) == "big.pdf: is larger than 1 KB"
    assert len(files_in(upload_dir)) == 1  # only exact.pdf


def test_default_limit_is_named_in_megabytes(upload_dir, app):
    limit = app.config["UPLOAD_MAX_BYTES"]
    error = refused(upload(PDF + bytes(limit + 1 - len(PDF)), "scan.pdf"))

    assert str(error) == "scan.pdf: is larger than 20 MB"
    assert files_in(upload_dir) == []


class EndlessStream(io.RawIOBase):
    """A body that never ends; the check must stop reading once the limit is passed."""

    def __init__(self):
        self.read_total = 0

    def readable(self):
        return True

    def read(self, size=-1):
        size = 65536 if size is None or size < 0 else size
        self.read_total += size
        return b"%PDF-" + bytes(size - 5) if self.read_total == size else bytes(size)


def test_reading_stops_as_soon_as_the_limit_is_passed(upload_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_BYTES", 200_000)
    stream = EndlessStream()

    error = refused(FileStorage(stream=stream, filename="endless.pdf"))

    assert error.reason == "is larger than 195.3 KB"
    assert stream.read_total <= 200_000 + uploads.CHUNK_SIZE
    assert files_in(upload_dir) == []


@pytest.mark.parametrize("data, filename, reason", [
    (ELF, "program.exe", "is not a PDF, image, text, Word or OpenDocument file (its name ends in .exe)"),
    (HTML, "page.html", "is not a PDF, image, text, Word or OpenDocument file (its name ends in .html)"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "logo.svg",
     "is not a PDF, image, text, Word or OpenDocument file (its name ends in .svg)"),
    (ELF, "report.pdf", "is not a PDF, image, text, Word or OpenDocument file"),
    (plain_zip(), "letter.docx", "is not a PDF, image, text, Word or OpenDocument file"),
    (odf("application/vnd.oasis.opendocument.spreadsheet"), "sheet.odt",
     "is not a PDF, image, text, Word or OpenDocument file"),
    (b"PK\x03\x04 not really a zip", "broken.docx", "is not a PDF, image, text, Word or OpenDocument file"),
])
def test_types_not_allowed_are_refused(upload_dir, data, filename, reason):
    error = refused(upload(data, filename, content_type="application/pdf"))

    assert error.filename == filename
    assert error.reason == reason
    assert files_in(upload_dir) == []


@pytest.mark.parametrize("data, filename, message", [
    (PDF, "photo.png", "photo.png: its name says PNG image but its content is a PDF document"),
    (png_1x1(), "statement.pdf", "statement.pdf: its name says PDF document but its content is a PNG image"),
    (docx(), "letter.odt",
     "letter.odt: its name says OpenDocument text but its content is a Word document"),
    (odf(), "letter.docx",
     "letter.docx: its name says Word document but its content is an OpenDocument text"),
    (TEXT, "scan.jpg", "scan.jpg: its name says JPEG image but its content is plain text"),
    (DOC, "letter.docx", "letter.docx: its name says Word document but its content is "
                         "a Word 97-2003 document"),
])
def test_renamed_files_are_refused(upload_dir, data, filename, message):
    error = refused(upload(data, filename, content_type="image/png"))

    assert str(error) == message
    assert files_in(upload_dir) == []


@pytest.mark.parametrize("data", [
    b"looks like text\x00but has a NUL byte",
    "café in Windows-1252".encode("cp1252"),
    "cut in the middle of é".encode()[:-1],
])
def test_text_must_be_utf8_without_nul_bytes(upload_dir, data):
    error = refused(upload(data, "notes.txt", content_type="text/plain"))

    assert str(error) == ("notes.txt: is not plain text: it contains binary data or is not saved "
                          "as UTF-8")
    assert files_in(upload_dir) == []


def test_html_named_txt_is_kept_as_plain_text(upload_dir):
    # Harmless as long as it is served back as text/plain (with nosniff), never as HTML.
    assert check_and_store(upload(HTML, "page.txt")).mime == "text/plain"


NO_EXTENSION = ("has no extension such as .pdf or .docx at the end of its name, so its type "
                "cannot be checked")


@pytest.mark.parametrize("filename, message", [
    ("README", f"README: {NO_EXTENSION}"),
    ("statement.", f"statement: {NO_EXTENSION}"),
    (".pdf", f"pdf: {NO_EXTENSION}"),
    ("...", "(unnamed file): has no file name"),
])
def test_a_name_without_extension_is_refused(upload_dir, filename, message):
    assert str(refused(upload(PDF, filename))) == message
    assert files_in(upload_dir) == []


def test_a_word_file_with_macros_is_refused(upload_dir):
    error = refused(upload(docx(macros=True), "letter.docx"))

    assert error.reason.startswith("contains macros")
    assert files_in(upload_dir) == []


def test_an_unexpected_error_leaves_no_partial_file(upload_dir):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def read(self, size=-1):
            raise OSError("connection reset")

    with pytest.raises(OSError):
        check_and_store(FileStorage(stream=Broken(), filename="statement.pdf"))
    assert files_in(upload_dir) == []


# Display names ----------------------------------------------------------------------


@pytest.mark.parametrize("given, shown", [
    ("Beschwerde über Müller.pdf", "Beschwerde über Müller.pdf"),
    ("жалоба.pdf", "жалоба.pdf"),
    (r"C:\Users\me\Desktop\statement.pdf", "statement.pdf"),
    ("../../etc/statement.pdf", "statement.pdf"),
    ("  .hidden  statement.pdf. ", "hidden statement.pdf"),
    ('what? "this" <one>.pdf', "what_ _this_ _one_.pdf"),
    ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override cannot hide .exe
])
def test_original_name_is_cleaned_but_readable(given, shown):
    assert uploads.display_name(given) == shown


def test_original_name_is_cut_to_200_characters_keeping_the_extension(upload_dir):
    stored = check_and_store(upload(PDF, "a" * 300 + ".pdf"))

    assert stored.original_name == "a" * 196 + ".pdf"
    assert len(uploads.display_name("b" * 300)) == 200


def test_the_refusal_names_the_cleaned_file_name(upload_dir):
    error = refused(upload(b"", "/home/me/Beweis 1.pdf"))

    assert str(error) == "Beweis 1.pdf: is empty"


# Batches ----------------------------------------------------------------------------


def test_batch_stores_the_good_and_collects_the_bad(upload_dir):
    files = [
        upload(PDF, "statement.pdf"),
        upload(b"", "", content_type="application/octet-stream"),  # an empty file input
        upload(PDF, "photo.png"),
        upload(png_1x1(), "photo.png"),
        FileStorage(stream=io.BytesIO(b""), filename=None),  # another empty input
        upload(b"", "empty.txt"),
    ]

    stored, rejected = check_batch(files)

    assert [s.original_name for s in stored] == ["statement.pdf", "photo.png"]
    assert [str(r) for r in rejected] == [
        "photo.png: its name says PNG image but its content is a PDF document",
        "empty.txt: is empty",
    ]
    assert files_in(upload_dir) == sorted(s.stored_name for s in stored)


def test_batch_refuses_files_beyond_the_limit(upload_dir, app, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_MAX_FILES", 2)
    files = [upload(b"", "")] + [upload(PDF, f"page {n}.pdf") for n in range(1, 5)]

    stored, rejected = check_batch(files)

    assert [s.original_name for s in stored] == ["page 1.pdf", "page 2.pdf"]
    assert [str(r) for r in rejected] == [
        "page 3.pdf: was not accepted: at most 2 files can be sent at once",
        "page 4.pdf: was not accepted: at most 2 files can be sent at once",
    ]
    assert len(files_in(upload_dir)) == 2


def test_batch_default_limit_is_ten(upload_dir):
    stored, rejected = check_batch([upload(TEXT, f"note {n}.txt") for n in range(11)])

    assert len(stored) == 10
    assert [r.reason for r in rejected] == ["was not accepted: at most 10 files can be sent at once"]


def test_batch_removes_what_it_stored_when_something_unexpected_fails(upload_dir):
    class Broken(io.RawIOBase):
        def readable(self):
            return True

        def read(self, size=-1):
            raise OSError("connection reset")

    files = [upload(PDF, "first.pdf"), FileStorage(stream=Broken(), filename="second.pdf")]

    with pytest.raises(OSError):
        check_batch(files)
    assert files_in(upload_dir) == []


def test_batch_of_nothing(upload_dir):
    assert check_batch([]) == ([], [])
    assert check_batch([upload(b"", "")]) == ([], [])


# Stored paths -----------------------------------------------------------------------


@pytest.mark.parametrize("name", [
    "../etc/passwd",
    "/etc/passwd",
    "",
    "0" * 31,
    "0" * 33,
    "A" * 32,
    "g" * 32,
    "0" * 31 + "/",
    "0" * 32 + "\n",
    "0" * 32 + ".pdf",
    None,
])
def test_stored_path_refuses_anything_but_our_names(upload_dir, name):
    with pytest.raises(ValueError):
        stored_path(name)
    with pytest.raises(ValueError):
        delete_stored(name)


def test_stored_path_is_inside_the_upload_dir(upload_dir):
    assert stored_path("0123456789abcdef" * 2) == upload_dir / ("0123456789abcdef" * 2)


def test_delete_stored(upload_dir):
    stored = check_and_store(upload(PDF, "statement.pdf"))

    delete_stored(stored.stored_name)
    assert files_in(upload_dir) == []
    delete_stored(stored.stored_name)  # already gone: not an error


def test_upload_rejected_message_and_attributes():
    error = UploadRejected("a.pdf", "is empty")

    assert str(error) == "a.pdf: is empty"
    assert error.filename == "a.pdf" and error.reason == "is empty"
    assert isinstance(error, Exception)
