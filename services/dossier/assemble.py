"""One level's dossier put together: its documents rendered (and their PDFs when LibreOffice is
there), the evidence listed, the table of contents first, everything written into one ZIP on
disk (reports/dossier_zip.py streams the photos from the file store)."""

from __future__ import annotations

import functools
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from reports import dossier as docs
from reports.columns import ascii_slug
from reports.dossier_zip import Entry, write_zip
from services.dossier.content import Content
from services.dossier.evidence import Photo
from storage.files import FileStore

EVIDENCE = "08-minh-chung"
MAGIC = ((b"\xff\xd8\xff", "jpg"), (b"\x89PNG", "png"), (b"GIF8", "gif"), (b"RIFF", "webp"))


@dataclass(frozen=True)
class Assembled:
    """What went into the ZIP."""

    size: int
    sha256: str
    files: int  # evidence files in it
    missing: tuple[Photo, ...]  # photos that could not be had


def fingerprint(content: Content, photos: Sequence[Photo]) -> str:
    """A digest of what goes in (not of the day it is built): the same inputs, the same dossier."""
    h = content.header
    data = {
        "header": [h.school, h.parent_body, h.place, h.code, h.addressee, h.level, h.signer],
        "round": [content.round_name, str(content.meeting_day)],
        "nominees": [n.__dict__ for n in content.nominees],
        "minutes": [m.version_id for m in content.minutes],
        "parts": [[p.path, p.title, p.section, content_digest(p.data)] for p in content.parts],
        "photos": [[p.photo_id, p.sha256, p.problem] for p in photos],
    }
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


# What an office document's ZIP says about when it was written, not what it says.
_STAMPS = frozenset({"docProps/core.xml", "docProps/app.xml"})


def content_digest(data: bytes) -> str:
    """A digest of a part's content: for a DOCX or XLSX (a ZIP), of its files' names and CRCs
    without the ZIP's timestamps and the document's dates, so a part made again unchanged is the
    same part; else of the bytes."""
    if data[:4] == b"PK\x03\x04":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                entries = sorted(
                    f"{i.filename}:{i.CRC}:{i.file_size}"
                    for i in archive.infolist()
                    if i.filename not in _STAMPS
                )
            return hashlib.sha256("\n".join(entries).encode()).hexdigest()
        except zipfile.BadZipFile:
            pass
    return hashlib.sha256(data).hexdigest()


def _ext(path: Path) -> str:
    with path.open("rb") as f:
        head = f.read(12)
    return next((ext for magic, ext in MAGIC if head.startswith(magic)), "bin")


def _folders(photos: Sequence[Photo]) -> dict[int, str]:
    """A folder per nominee, named after them (two people of one name: their ids tell them
    apart)."""
    names: dict[int, str] = {}
    for p in photos:
        names.setdefault(p.person_id, ascii_slug(p.nominee) or "nguoi")
    counts: dict[str, int] = {}
    for slug in names.values():
        counts[slug] = counts.get(slug, 0) + 1
    return {pid: slug if counts[slug] == 1 else f"{slug}-{pid}" for pid, slug in names.items()}


def assemble(
    content: Content,
    photos: Sequence[Photo],
    store: FileStore,
    out: Path,
    *,
    version: int,
    to_pdf: Callable[[bytes], bytes | None] | None,
    progress: Callable[[int, int], None] | None = None,
) -> Assembled:
    """Write the dossier's ZIP to `out` (run in a thread: rendering and LibreOffice are slow):
    the table of contents first, the documents (and their PDFs), then the evidence."""
    h = content.header
    kept = [p for p in photos if p.sha256 is not None]
    missing = tuple(p for p in photos if p.sha256 is None)
    folders = _folders(kept)
    evidence: list[tuple[Photo, str, Path]] = []
    for p in kept:
        assert p.sha256 is not None
        source = store.path(p.sha256)
        name = f"cau-chuyen-{p.story_id}-anh-{p.position}.{_ext(source)}"
        evidence.append((p, f"{EVIDENCE}/{folders[p.person_id]}/{name}", source))

    # What the documents are (title, path, how to make them), before any is made: the table of
    # contents names them all.
    def index() -> bytes:
        return docs.index_docx(
            h,
            [
                docs.EvidenceLine(p.nominee, p.story_id, p.story_date, path, p.size, p.sha256 or "")
                for p, path, _ in evidence
            ],
            [
                docs.GoneLine(p.nominee, p.story_id, p.story_date, p.position, p.problem or "gone")
                for p in missing
            ],
        )

    planned: list[tuple[str, str, Callable[[], bytes]]] = [
        (
            "Tờ trình đề nghị công nhận danh hiệu thi đua",
            "01-to-trinh.docx",
            lambda: docs.to_trinh_docx(
                h, content.nominees, meeting_day=content.meeting_day, round_name=content.round_name
            ),
        ),
        (
            "Danh sách kèm theo",
            "02-danh-sach-kem-theo.docx",
            lambda: docs.list_docx(h, content.nominees),
        ),
        (
            "Danh sách kèm theo",
            "02-danh-sach-kem-theo.xlsx",
            lambda: docs.list_xlsx(h, content.nominees),
        ),
    ]
    for m in content.minutes:
        kind = "Biên bản kiểm phiếu" if m.name.startswith("bien-ban-kiem-phieu") else "Biên bản họp"
        planned.append(
            (
                f"{kind} Hội đồng Thi đua – Khen thưởng",
                f"03-bien-ban/{m.name}",
                functools.partial(bytes, m.content),
            )
        )
    for part in sorted(content.parts, key=lambda p: p.path):
        planned.append((part.title, part.path, functools.partial(bytes, part.data)))
    planned.append(("Danh mục minh chứng", f"{EVIDENCE}/00-danh-muc-minh-chung.docx", index))

    lines: dict[str, list[str]] = {}
    for title, path, _ in planned:
        lines.setdefault(title, []).append(path)
    contents = [docs.ContentsLine(title, ", ".join(paths)) for title, paths in lines.items()]
    per_person: dict[int, int] = {}
    for p, _, _ in evidence:
        per_person[p.person_id] = per_person.get(p.person_id, 0) + 1
    named = {p.person_id: p.nominee for p in kept}
    contents += [
        docs.ContentsLine(f"Minh chứng của {named[pid]}: {n} ảnh", f"{EVIDENCE}/{folders[pid]}/")
        for pid, n in per_person.items()
    ]
    notes = []
    if to_pdf is not None:
        notes.append("Mỗi tài liệu Word (.docx) có kèm bản PDF cùng tên để xem và in.")
    if missing:
        notes.append(
            f"{len(missing)} ảnh không tải được từ Telegram nên không có trong hồ sơ "
            "(xem Danh mục minh chứng)."
        )
    toc = docs.contents_docx(h, contents, version=version, notes=notes)

    def render() -> list[Entry]:
        made = []
        for _, path, make in [("", "00-muc-luc.docx", lambda: toc), *planned]:
            data = make()
            if path != "00-muc-luc.docx":
                made.append(Entry(path, data=data))
            if path.endswith(".docx") and to_pdf is not None:
                pdf = to_pdf(data)
                if pdf is not None:
                    made.append(Entry(path.removesuffix(".docx") + ".pdf", data=pdf))
        return made

    # The documents first, then the photos streamed from the store. (Rendering them in a second
    # thread while the photos stream was measured slower: the rendering thread holds the GIL
    # each time the copying one lets it go for a read or a write.)
    entries = [Entry("00-muc-luc.docx", data=toc), *render()]
    entries += [Entry(path, source=source) for _, path, source in evidence]
    size, sha256 = write_zip(out, entries, progress, len(evidence))
    return Assembled(size, sha256, len(evidence), missing)
