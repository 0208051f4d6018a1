"""Certified bundles: a ZIP of files, a manifest of their SHA-256, and an issued index.

A bundle holds `index.pdf` (a document issued through this framework, so the register
knows its SHA-256 and number), `manifest.json` (every other member's name, SHA-256 and
size) and the members. The index lists the members with their hashes and prints the
manifest's SHA-256, which the register keeps beside the index (`documents.attests`). So:
the index is checked against the register by its hash, the manifest against the hash the
index certifies, and each member against the manifest. A changed byte anywhere, a member
added or removed, or a manifest rewritten to match changed members, is found.
"""
from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field

from app.documents.models import Document
from app.documents.services import verify_copy

INDEX_NAME = "index.pdf"
MANIFEST_NAME = "manifest.json"
FORMAT = "certified-bundle/1"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(members: list[tuple[str, bytes]], **about) -> bytes:
    """The manifest of these members, as the bytes that are hashed and stored (stable)."""
    entries = [{"name": name, "sha256": sha256(data), "size": len(data)}
               for name, data in members]
    body = {"format": FORMAT, **about, "members": entries}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


def write_zip(index_pdf: bytes, manifest: bytes, members: list[tuple[str, bytes]]) -> bytes:
    """The bundle: the index first, then the manifest, then the members in order."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr(INDEX_NAME, index_pdf)
        bundle.writestr(MANIFEST_NAME, manifest)
        for name, data in members:
            bundle.writestr(name, data)
    return out.getvalue()


@dataclass
class BundleCheck:
    index: Document | None = None
    members: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def verify_bundle(data: bytes) -> BundleCheck:
    """Check a bundle: its index against the register, the manifest against the index,
    each member against the manifest. Every failure is listed, not only the first."""
    check = BundleCheck()
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
        files = {info.filename: bundle.read(info) for info in bundle.infolist()
                 if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError) as error:
        check.failures.append(f"not a readable ZIP file ({error})")
        return check
    except Exception as error:  # a corrupt member (bad CRC, bad compression)
        check.failures.append(f"a member of the ZIP cannot be read ({error})")
        return check

    index = files.pop(INDEX_NAME, None)
    if index is None:
        check.failures.append(f"{INDEX_NAME}: missing")
    else:
        result = verify_copy(index)
        if not result.matches:
            check.failures.append(f"{INDEX_NAME}: not an issued document (its SHA-256 "
                                  f"{result.sha256} is not in the register)")
        else:
            check.index = result.document

    manifest = files.pop(MANIFEST_NAME, None)
    if manifest is None:
        check.failures.append(f"{MANIFEST_NAME}: missing")
        return check
    if check.index is not None:
        if not check.index.attests:
            check.failures.append(f"{INDEX_NAME}: {check.index.number} certifies no manifest")
        elif sha256(manifest) != check.index.attests:
            check.failures.append(f"{MANIFEST_NAME}: changed (its SHA-256 {sha256(manifest)} "
                                  f"is not the {check.index.attests} that "
                                  f"{check.index.number} certifies)")
    try:
        entries = json.loads(manifest.decode("utf-8"))["members"]
        listed = {e["name"]: e["sha256"] for e in entries}
    except (ValueError, KeyError, TypeError, AttributeError):
        check.failures.append(f"{MANIFEST_NAME}: not a manifest this application wrote")
        return check

    for name, expected in listed.items():
        if name not in files:
            check.failures.append(f"{name}: missing from the ZIP")
        elif sha256(files[name]) != expected:
            check.failures.append(f"{name}: changed (SHA-256 {sha256(files[name])}, the "
                                  f"manifest says {expected})")
        else:
            check.members += 1
    for name in sorted(set(files) - set(listed)):
        check.failures.append(f"{name}: not in the manifest (added to the ZIP)")
    return check
