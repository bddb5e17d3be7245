"""Reading a correction or deletion request posted with evidence files, at the edge.

Both the API (``multipart/form-data``) and the page's form use ``read_request_form``:
a body whose declared length exceeds what the allowed files could need is refused
before any of it is read (and the platform's body-size middleware refuses a longer
body as it streams); Starlette spools the file parts to disk, and of each file at most
``evidence_max_bytes + 1`` bytes are read, so an oversized file is never held whole.
The service checks the rest (type by magic bytes, size, count) before anything is
stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from smartcity.core.config import PrivacySettings
from smartcity.core.http.deps import SettingsDep
from smartcity.domains.privacy.errors import EvidenceTooLargeError
from smartcity.domains.privacy.service_evidence import (
    FIELD,
    EvidenceDownload,
    EvidenceUpload,
    size_label,
)

FORM_ALLOWANCE = 256 * 1024
"""Room in a request's body for its text fields and the multipart framing."""
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


@dataclass
class RequestForm:
    """The posted text fields and the chosen files (a file input left empty sends a
    part with no name: it is not a file)."""

    fields: dict[str, str] = field(default_factory=dict)
    files: list[EvidenceUpload] = field(default_factory=list)

    def text(self, name: str) -> str:
        return self.fields.get(name, "").strip()


def body_limit(settings: PrivacySettings) -> int:
    """The largest body a request with the most and largest allowed files needs."""
    return settings.evidence_max_files * settings.evidence_max_bytes + FORM_ALLOWANCE


def refuse_oversized_body(request: Request, settings: SettingsDep) -> None:
    """Refuse (413) a body declared larger than ``body_limit`` before anything reads it.
    Declare it first among a route's dependencies: authentication reads a form body for
    its CSRF token.

    Raises:
        EvidenceTooLargeError.
    """
    declared = request.headers.get("content-length", "")
    limit = body_limit(settings.privacy)
    if declared.isdigit() and int(declared) > limit:
        raise EvidenceTooLargeError(
            f"上传内容共 {size_label(int(declared))}，超过上限：最多 "
            f"{settings.privacy.evidence_max_files} 个文件，每个不超过 "
            f"{size_label(settings.privacy.evidence_max_bytes)}。申请未提交",
            field=FIELD,
            max_bytes=limit,
        )


async def read_request_form(request: Request, settings: SettingsDep) -> RequestForm:
    """The posted form: text fields and, of each file of ``evidence``, its name and at
    most ``evidence_max_bytes + 1`` bytes (more would be refused anyway)."""
    if not request.headers.get("content-type", "").startswith(_FORM_TYPES):
        return RequestForm()
    form = await request.form()
    parsed = RequestForm(
        fields={k: v for k, v in form.multi_items() if isinstance(v, str)},
    )
    cap = settings.privacy.evidence_max_bytes + 1
    for value in form.getlist(FIELD):
        if isinstance(value, UploadFile) and value.filename:
            parsed.files.append(
                EvidenceUpload(filename=value.filename, content=await value.read(cap))
            )
    return parsed


def evidence_response(download: EvidenceDownload) -> Response:
    """The file as an attachment (never rendered inline), its name RFC 6266-encoded."""
    ascii_name = download.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        content=download.content,
        media_type=download.media_type,
        headers={
            "Content-Disposition": (
                f'attachment; filename="{ascii_name}"; '
                f"filename*=UTF-8''{quote(download.filename)}"
            ),
            "Cache-Control": "no-store",
        },
    )


BodyLimitDep = Annotated[None, Depends(refuse_oversized_body)]
RequestFormDep = Annotated[RequestForm, Depends(read_request_form)]
