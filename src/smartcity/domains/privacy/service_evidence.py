"""Evidence files of the data subjects' correction and deletion requests (Art. 68: a
subject who says a value held about him is wrong may show why).

- **Checked before stored.** A file is accepted by its content, not its name: its magic
  bytes must be those of a PDF (``%PDF-``), JPEG (``FF D8 FF``) or PNG (``89 50 4E 47 0D
  0A 1A 0A``), and its name's extension, when it has one, must be that type's. It must
  not be empty nor larger than ``PrivacySettings.evidence_max_bytes``; a request takes at
  most ``evidence_max_files``. One bad file refuses the whole request: the request and
  its files are filed in one transaction, or nothing is.
- **Stored in the database** (``DataRequestEvidence``, a ``LargeBinary`` column, the same
  on SQLite and PostgreSQL) with its name, detected type, size and SM3 (the national
  standard hash) and SHA-256 digests.
- **Read by few, every read audited.** The filer (the subject whose key the request is
  on), the source department's answering staff, and the coordinator and auditors may
  download a file; anyone else is told it does not exist. Each download writes
  ``privacy.evidence.downloaded``.

Nothing here commits.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from smartcity.core.config import PrivacySettings
from smartcity.core.hashchain import sm3_hex
from smartcity.core.security import Actor, ActorKind, ensure_authenticated
from smartcity.domains.audit import service as audit_service
from smartcity.domains.privacy.errors import (
    EvidenceNotFoundError,
    EvidenceTooLargeError,
    InvalidEvidenceError,
)
from smartcity.domains.privacy.models import DataRequest, DataRequestEvidence
from smartcity.domains.privacy.permissions import PrivacyPermission
from smartcity.domains.privacy.schemas import EvidenceRead
from smartcity.domains.privacy.service import binding_for_user

FIELD = "evidence"
"""The form and multipart field of the files."""

_TYPES: tuple[tuple[bytes, str, str, frozenset[str]], ...] = (
    (b"%PDF-", "application/pdf", "PDF", frozenset({".pdf"})),
    (b"\xff\xd8\xff", "image/jpeg", "JPEG", frozenset({".jpg", ".jpeg"})),
    (b"\x89PNG\r\n\x1a\n", "image/png", "PNG", frozenset({".png"})),
)
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"
"""The ``accept`` attribute of the file input (a hint to the browser; the server checks
the content)."""
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/]")


@dataclass(frozen=True, slots=True)
class EvidenceUpload:
    """One uploaded file as the edge read it: its name and at most
    ``evidence_max_bytes + 1`` bytes of its content (the edge stops reading there, so an
    oversized file is never held whole)."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class EvidenceDownload:
    filename: str
    media_type: str
    content: bytes


def size_label(size: int) -> str:
    """``5 MB``, ``1.5 MB``, ``4 KB``: a size as people read it."""
    if size >= 1024 * 1024:
        return f"{round(size / 1024 / 1024, 1):g} MB"
    return f"{round(size / 1024, 1):g} KB"


def sniff(content: bytes) -> str | None:
    """The media type the content's magic bytes say, if it is one we accept."""
    for magic, media_type, _, _ in _TYPES:
        if content.startswith(magic):
            return media_type
    return None


def clean_filename(name: str) -> str:
    """The name without any path (either separator), control characters or quotes,
    at most 255 characters; ``证明材料`` when nothing is left."""
    base = PureWindowsPath(PurePosixPath(name.strip()).name).name
    cleaned = _UNSAFE.sub("", base).strip().lstrip(".")
    if len(cleaned) > 255:
        stem, dot, extension = cleaned.rpartition(".")
        cleaned = f"{stem[: 254 - len(extension)]}.{extension}" if dot else cleaned[:255]
    return cleaned or "证明材料"


def check_evidence(
    files: Sequence[EvidenceUpload], settings: PrivacySettings
) -> list[DataRequestEvidence]:
    """The files as rows to store (not yet added), in order, after every check passed.

    Raises:
        InvalidEvidenceError: too many files, an empty one, a content that is not a
            PDF, JPEG or PNG, a name whose extension says another type.
        EvidenceTooLargeError: a file over ``evidence_max_bytes``.
    """
    if len(files) > settings.evidence_max_files:
        raise InvalidEvidenceError(
            f"最多上传 {settings.evidence_max_files} 个证明材料文件，您选择了 {len(files)} 个",
            field=FIELD,
        )
    rows: list[DataRequestEvidence] = []
    for position, upload in enumerate(files):
        filename = clean_filename(upload.filename)
        if not upload.content:
            raise InvalidEvidenceError(f"文件“{filename}”是空文件", field=FIELD)
        if len(upload.content) > settings.evidence_max_bytes:
            raise EvidenceTooLargeError(
                f"文件“{filename}”超过 {size_label(settings.evidence_max_bytes)} 的上限",
                field=FIELD,
                max_bytes=settings.evidence_max_bytes,
            )
        media_type = sniff(upload.content)
        if media_type is None:
            raise InvalidEvidenceError(
                f"文件“{filename}”不是 PDF、JPEG 或 PNG 文件（按文件内容判断，改扩展名无效）",
                field=FIELD,
            )
        extension = PurePosixPath(filename).suffix.lower()
        label, extensions = next((t[2], t[3]) for t in _TYPES if t[1] == media_type)
        if extension and extension not in extensions:
            raise InvalidEvidenceError(
                f"文件“{filename}”的内容是 {label}，与扩展名 {extension} 不符", field=FIELD
            )
        rows.append(
            DataRequestEvidence(
                position=position,
                filename=filename,
                media_type=media_type,
                size=len(upload.content),
                sm3=sm3_hex(upload.content),
                sha256=hashlib.sha256(upload.content).hexdigest(),
                content=upload.content,
            )
        )
    return rows


def evidence_reads(request: DataRequest) -> list[EvidenceRead]:
    """The request's files (loaded with it), without their content."""
    return [
        EvidenceRead(
            id=e.id,
            filename=e.filename,
            media_type=e.media_type,
            size=e.size,
            sm3=e.sm3,
            sha256=e.sha256,
        )
        for e in request.evidence
    ]


def _may_read(session: Session, actor: Actor, request: DataRequest) -> bool:
    if actor.has(PrivacyPermission.read_requests):
        return True
    if (
        actor.has(PrivacyPermission.answer)
        and actor.organization_id is not None
        and actor.organization_id == request.source_organization_id
    ):
        return True
    if actor.kind is ActorKind.user and actor.id is not None:
        binding = binding_for_user(session, actor.id)
        return (
            binding is not None
            and actor.has(PrivacyPermission.own_data)
            and binding.subject_key == request.subject_key
        )
    return False


def get_evidence(
    session: Session, *, actor: Actor, request_id: UUID, evidence_id: UUID
) -> EvidenceDownload:
    """One evidence file's content, for the filer, the request's source department, the
    coordinator and auditors; the download is audited (``privacy.evidence.downloaded``).

    Raises:
        AuthenticationRequiredError; EvidenceNotFoundError (no such file on that request,
        or not the reader's to see).
    """
    ensure_authenticated(actor)
    request = session.get(DataRequest, request_id)
    if request is None or not _may_read(session, actor, request):
        raise EvidenceNotFoundError(evidence_id=str(evidence_id))
    evidence = session.scalars(
        select(DataRequestEvidence)
        .options(undefer(DataRequestEvidence.content))
        .where(
            DataRequestEvidence.id == evidence_id,
            DataRequestEvidence.request_id == request.id,
        )
    ).one_or_none()
    if evidence is None:
        raise EvidenceNotFoundError(evidence_id=str(evidence_id))
    audit_service.record(
        session,
        actor=actor,
        action="privacy.evidence.downloaded",
        subject=evidence,
        changes={
            "request": request.number,
            "filename": evidence.filename,
            "size": evidence.size,
            "sm3": evidence.sm3,
        },
        organization_id=request.source_organization_id,
    )
    session.flush()
    return EvidenceDownload(
        filename=evidence.filename, media_type=evidence.media_type, content=evidence.content
    )


__all__ = [
    "ACCEPT",
    "FIELD",
    "EvidenceDownload",
    "EvidenceUpload",
    "check_evidence",
    "clean_filename",
    "evidence_reads",
    "get_evidence",
    "size_label",
    "sniff",
]
