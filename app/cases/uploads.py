"""Evidence uploads: check a file's type from its content, then store it under a random name.

A file is accepted only when its content is one of the allowed types AND its name's
extension says the same type. It is streamed in chunks into a temporary file in
``UPLOAD_DIR`` while it is hashed and measured, and renamed to its random final name only
once every check has passed; a refused file leaves nothing behind.
"""
from __future__ import annotations

import codecs
import hashlib
import os
import re
import secrets
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from werkzeug.datastructures import FileStorage

from app.storage import store

CHUNK_SIZE = 64 * 1024
MAX_DISPLAY_NAME = 200
STORED_NAME = re.compile(r"[0-9a-f]{32}")
NOT_ALLOWED = "is not a PDF, image, text, Word or OpenDocument file"
UNNAMED = "(unnamed file)"

# Characters kept out of display names: path separators and what Windows forbids in names
_UNSAFE_IN_NAME = re.compile(r'[\\/:*?"<>|]')
_ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


@dataclass(frozen=True)
class _Kind:
    mime: str
    label: str  # what a name's extension says: "its name says PNG image"
    phrase: str  # what content is: "its content is a PDF document"


PDF = _Kind("application/pdf", "PDF document", "a PDF document")
PNG = _Kind("image/png", "PNG image", "a PNG image")
JPEG = _Kind("image/jpeg", "JPEG image", "a JPEG image")
GIF = _Kind("image/gif", "GIF image", "a GIF image")
TEXT = _Kind("text/plain", "text file", "plain text")
DOCX = _Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
             "Word document", "a Word document")
DOC = _Kind("application/msword", "Word 97-2003 document", "a Word 97-2003 document")
ODT = _Kind("application/vnd.oasis.opendocument.text", "OpenDocument text",
            "an OpenDocument text")

EXTENSIONS: dict[str, _Kind] = {
    "pdf": PDF,
    "png": PNG,
    "jpg": JPEG,
    "jpeg": JPEG,
    "gif": GIF,
    "txt": TEXT,
    "docx": DOCX,
    "doc": DOC,
    "odt": ODT,
}


class UploadRejected(Exception):
    """A file was refused; ``reason`` is written for the person who sent it."""

    def __init__(self, filename: str, reason: str):
        super().__init__(filename, reason)
        self.filename = filename
        self.reason = reason

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"


@dataclass(frozen=True)
class StoredFile:
    stored_name: str  # 32 random hex digits; the file's name in UPLOAD_DIR
    original_name: str  # the sender's file name, cleaned for display
    sha256: str
    size: int
    mime: str  # sniffed from the content


def check_and_store(file: FileStorage) -> StoredFile:
    """Check one uploaded file and store it; raise UploadRejected with the reason if refused."""
    name = display_name(file.filename or "")
    if not name:
        raise UploadRejected(UNNAMED, "has no file name")
    ext = _extension(name)
    if not ext:
        raise UploadRejected(name, "has no extension such as .pdf or .docx at the end of its "
                                   "name, so its type cannot be checked")
    claimed = EXTENSIONS.get(ext)
    if claimed is None:
        raise UploadRejected(name, f"{NOT_ALLOWED} (its name ends in .{ext})")

    upload_dir = _upload_dir()
    upload_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    max_bytes = int(current_app.config["UPLOAD_MAX_BYTES"])
    fd, tmp_name = tempfile.mkstemp(dir=upload_dir, prefix=".partial-")
    tmp_path = Path(tmp_name)
    try:
        with os.fdopen(fd, "w+b") as out:
            digest, size, is_text = _copy(file.stream, out, name, max_bytes)
            if size == 0:
                raise UploadRejected(name, "is empty")
            out.flush()
            os.fsync(out.fileno())
            out.seek(0)
            actual = _sniff(out, is_text, name)
        if actual is None:
            if claimed is TEXT:
                raise UploadRejected(name, "is not plain text: it contains binary data or is "
                                           "not saved as UTF-8")
            raise UploadRejected(name, NOT_ALLOWED)
        if actual is not claimed:
            raise UploadRejected(name, f"its name says {claimed.label} but its content is "
                                       f"{actual.phrase}")
        stored_name = secrets.token_hex(16)
        store("evidence").adopt(tmp_path, stored_name)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise
    return StoredFile(stored_name=stored_name, original_name=name, sha256=digest,
                      size=size, mime=actual.mime)


def check_batch(files: list[FileStorage]) -> tuple[list[StoredFile], list[UploadRejected]]:
    """Store the acceptable files of one form submission and collect the refusals.

    Empty file inputs (no file chosen) are skipped. Files beyond ``UPLOAD_MAX_FILES`` are
    refused without being read. If something other than a refusal goes wrong (a full
    disk, a dropped connection), the files stored so far are deleted and the error raised.
    The caller owns the stored files: delete them if the submission is not saved after all.
    """
    max_files = int(current_app.config["UPLOAD_MAX_FILES"])
    stored: list[StoredFile] = []
    rejected: list[UploadRejected] = []
    chosen = [f for f in files if f is not None and f.filename]
    try:
        for position, file in enumerate(chosen):
            if position >= max_files:
                rejected.append(UploadRejected(
                    display_name(file.filename or "") or UNNAMED,
                    f"was not accepted: at most {max_files} files can be sent at once"))
                continue
            try:
                stored.append(check_and_store(file))
            except UploadRejected as refusal:
                rejected.append(refusal)
    except BaseException:
        for done in stored:
            delete_stored(done.stored_name)
        raise
    return stored, rejected


def within_case_limits(stored: list[StoredFile], files_on_case: int, bytes_on_case: int
                       ) -> tuple[list[StoredFile], list[UploadRejected]]:
    """Keep the stored files the case still has room for; delete and refuse the others.

    A case holds at most ``UPLOAD_MAX_FILES_PER_CASE`` files adding up to at most
    ``UPLOAD_MAX_BYTES_PER_CASE`` bytes, however many submissions bring them.
    """
    max_files = int(current_app.config["UPLOAD_MAX_FILES_PER_CASE"])
    max_bytes = int(current_app.config["UPLOAD_MAX_BYTES_PER_CASE"])
    kept: list[StoredFile] = []
    refused: list[UploadRejected] = []
    for file in stored:
        if files_on_case + len(kept) >= max_files:
            reason = f"was not accepted: a case holds at most {max_files} files"
        elif bytes_on_case + sum(k.size for k in kept) + file.size > max_bytes:
            reason = f"was not accepted: a case's files add up to at most {_format_size(max_bytes)}"
        else:
            kept.append(file)
            continue
        delete_stored(file.stored_name)
        refused.append(UploadRejected(file.original_name, reason))
    return kept, refused


def stored_path(stored_name: str) -> Path:
    """The path of a stored file; ValueError unless the name is one of ours (hex only)."""
    if not isinstance(stored_name, str) or not STORED_NAME.fullmatch(stored_name):
        raise ValueError(f"not a stored file name: {stored_name!r}")
    return _upload_dir() / stored_name


def delete_stored(stored_name: str) -> None:
    """Delete a stored file; deleting one that is already gone is not an error."""
    stored_path(stored_name)  # refuses a name that is not one of ours
    store("evidence").delete(stored_name)


def display_name(filename: str) -> str:
    """The sender's file name made safe to show and to offer for download.

    Keeps letters of any script and spaces (unlike secure_filename); drops any directory
    part, control and invisible formatting characters (such as right-to-left overrides
    that disguise an extension), characters Windows forbids, and leading or trailing dots
    and spaces; cuts the name to MAX_DISPLAY_NAME characters, keeping the extension.
    """
    name = unicodedata.normalize("NFC", filename)
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE_IN_NAME.sub("_", name)
    name = " ".join(name.split())
    name = name.strip(". ")
    if len(name) > MAX_DISPLAY_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and stem and 0 < len(ext) <= 16:
            name = stem[:MAX_DISPLAY_NAME - len(ext) - 1].rstrip(". ") + "." + ext
        else:
            name = name[:MAX_DISPLAY_NAME].rstrip(". ")
    return name


def _extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return ext.lower() if dot and stem else ""


def _upload_dir() -> Path:
    return Path(current_app.config["UPLOAD_DIR"])


def _copy(stream: BinaryIO, out: BinaryIO, name: str, max_bytes: int) -> tuple[str, int, bool]:
    """Copy in chunks, hashing and counting; refuse as soon as the size limit is passed.

    Also tracks whether the content is UTF-8 text without NUL bytes.
    """
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    is_text = True
    size = 0
    while True:
        chunk = stream.read(CHUNK_SIZE)
        if not chunk:
            break
        size += len(chunk)
        if size > max_bytes:
            raise UploadRejected(name, f"is larger than {_format_size(max_bytes)}")
        digest.update(chunk)
        out.write(chunk)
        if is_text:
            is_text = _still_text(decoder, chunk, final=False)
    if is_text:
        is_text = _still_text(decoder, b"", final=True)
    return digest.hexdigest(), size, is_text


def _still_text(decoder: codecs.IncrementalDecoder, chunk: bytes, final: bool) -> bool:
    if b"\x00" in chunk:
        return False
    try:
        decoder.decode(chunk, final)
    except UnicodeDecodeError:
        return False
    return True


def _sniff(f: BinaryIO, is_text: bool, name: str) -> _Kind | None:
    """The allowed type the content is, from its bytes alone; None if none."""
    head = f.read(16)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return DOC
    if head.startswith(b"PK\x03\x04"):
        f.seek(0)
        return _sniff_zip(f, name)
    if is_text:
        return TEXT
    return None


def _sniff_zip(f: BinaryIO, name: str) -> _Kind | None:
    """OpenDocument text or Word .docx, from the archive's entries (nothing is unpacked
    except the few bytes of an OpenDocument ``mimetype`` entry)."""
    try:
        with zipfile.ZipFile(f) as archive:
            entries = archive.infolist()
            if not entries:
                return None
            first = entries[0]
            if first.filename == "mimetype" and first.file_size <= 256:
                if archive.read(first).strip() == _ODT_MIMETYPE:
                    return ODT
                return None
            names = {entry.filename for entry in entries}
            if "[Content_Types].xml" in names and "word/document.xml" in names:
                if "word/vbaProject.bin" in names:
                    raise UploadRejected(name, "contains macros, which are not accepted; "
                                               "save it as a plain Word document or a PDF")
                return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError, RuntimeError):
        return None
    return None


def _format_size(n: int) -> str:
    """20971520 -> "20 MB"; binary units, the way file managers usually count."""
    for unit, factor in (("GB", 1024 ** 3), ("MB", 1024 ** 2), ("KB", 1024)):
        if n >= factor:
            value = n / factor
            return f"{value:.0f} {unit}" if value == int(value) else f"{value:.1f} {unit}"
    return f"{n} bytes" if n != 1 else "1 byte"
