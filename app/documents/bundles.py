"""Certified bundles: a ZIP of files, a manifest of their SHA-256, and an issued index.

A bundle holds the members, `manifest.json` (every other member's name, SHA-256 and
size) and `index.pdf` (a document issued through this framework, so the register knows
its SHA-256 and number). The index lists the members with their hashes and prints the
manifest's SHA-256, which the register keeps beside the index (`documents.attests`). So:
the index is checked against the register by its hash, the manifest against the hash the
index certifies, and each member against the manifest. A changed byte anywhere, a member
added or removed, or a manifest rewritten to match changed members, is found.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from app.documents.models import Document
from app.documents.services import verify_copy

INDEX_NAME = "index.pdf"
MANIFEST_NAME = "manifest.json"
FORMAT = "certified-bundle/1"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_of(entries: list[dict], **about) -> bytes:
    """The manifest of these members (name, sha256, size), as the bytes that are hashed and
    stored (keys sorted, so the same members give the same bytes)."""
    body = {"format": FORMAT, **about, "members": entries}
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).encode("utf-8")


class BundleWriter:
    """Write a bundle to a ZIP file one member at a time, so that no more than one member is
    ever held in memory; the manifest and the index go in last."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.zip = zipfile.ZipFile(self.path, "w", compression=zipfile.ZIP_DEFLATED)
        self.entries: list[dict] = []

    def add(self, name: str, data: bytes) -> None:
        if name in (INDEX_NAME, MANIFEST_NAME) or any(e["name"] == name for e in self.entries):
            raise ValueError(f"a bundle cannot hold two members named {name}")
        self.zip.writestr(name, data)
        self.entries.append({"name": name, "sha256": sha256(data), "size": len(data)})

    def manifest(self, **about) -> bytes:
        return manifest_of(self.entries, **about)

    def close(self, index_pdf: bytes, manifest: bytes) -> None:
        self.zip.writestr(MANIFEST_NAME, manifest)
        self.zip.writestr(INDEX_NAME, index_pdf)
        self.zip.close()

    def abort(self) -> None:
        """Close the file if still open (the caller removes it)."""
        if self.zip.fp is not None:
            self.zip.close()


@dataclass
class BundleCheck:
    index: Document | None = None
    members: int = 0
    failures: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


def _hash_member(bundle: zipfile.ZipFile, info: zipfile.ZipInfo) -> str:
    digest = hashlib.sha256()
    with bundle.open(info) as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify_bundle(source) -> BundleCheck:
    """Check a bundle (a path or a binary file): its index against the register, the
    manifest against the index, each member against the manifest, read member by member.
    Every failure is listed, not only the first."""
    check = BundleCheck()
    try:
        bundle = zipfile.ZipFile(source)
        infos = {info.filename: info for info in bundle.infolist() if not info.is_dir()}
        index = bundle.read(infos[INDEX_NAME]) if INDEX_NAME in infos else None
        manifest = bundle.read(infos[MANIFEST_NAME]) if MANIFEST_NAME in infos else None
    except Exception as error:  # not a ZIP, or a corrupt index or manifest
        check.failures.append(f"not a readable bundle ({error})")
        return check

    if index is None:
        check.failures.append(f"{INDEX_NAME}: missing")
    else:
        result = verify_copy(index)
        if not result.matches:
            check.failures.append(f"{INDEX_NAME}: not an issued document (its SHA-256 "
                                  f"{result.sha256} is not in the register)")
        else:
            check.index = result.document

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

    members = {n: i for n, i in infos.items() if n not in (INDEX_NAME, MANIFEST_NAME)}
    for name, expected in listed.items():
        if name not in members:
            check.failures.append(f"{name}: missing from the ZIP")
            continue
        try:
            actual = _hash_member(bundle, members[name])
        except Exception as error:  # a corrupt member (bad CRC, bad compression)
            check.failures.append(f"{name}: cannot be read ({error})")
            continue
        if actual != expected:
            check.failures.append(f"{name}: changed (SHA-256 {actual}, the manifest says "
                                  f"{expected})")
        else:
            check.members += 1
    for name in sorted(set(members) - set(listed)):
        check.failures.append(f"{name}: not in the manifest (added to the ZIP)")
    return check
