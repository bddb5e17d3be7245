"""Publisher pages of the open data portal (Art. 29–31), under ``/opendata/publish``.

- ``/opendata/publish``: the catalog entries the signed-in publisher may open (a
  department admin: its own published entries whose open attribute is 开放 or
  有条件开放; the coordinator: every department's), with their open dataset if any.
- ``/opendata/publish/entries/{id}``: the entry's items with their personal-data flags,
  its releases, and the form to prepare a release from a CSV or XLSX table.
- ``/opendata/publish/releases/{id}``: the de-identification plan, the check result
  (k found, suppressed cells, violations) and a preview of the rows; the publish form
  only when the check passed, otherwise the reason it is blocked.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from smartcity.core.errors import AppError
from smartcity.core.http.deps import SessionDep
from smartcity.core.http.forms import FormDep, app_error_fields, redirect, text, upload
from smartcity.core.http.htmx import render
from smartcity.core.pagination import PageParams
from smartcity.core.security import Actor, ensure_permission
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.enums import OPEN_TYPE_LABELS, OpenType
from smartcity.domains.catalog.schemas import EntrySearch
from smartcity.domains.identity.deps import ActorDep
from smartcity.domains.opendata import service
from smartcity.domains.opendata.api import read_upload, release_form
from smartcity.domains.opendata.enums import (
    DATASET_STATE_LABELS,
    FIELD_TREATMENT_LABELS,
    LICENSES,
    RELEASE_KIND_LABELS,
    RELEASE_STATE_LABELS,
    FieldTreatment,
    ReleaseKind,
)
from smartcity.domains.opendata.errors import InvalidReleaseError
from smartcity.domains.opendata.permissions import OpenDataPermission
from smartcity.domains.opendata.schemas import ReleasePublish
from smartcity.domains.opendata.service.deidentify import ROLE_LABELS

router = APIRouter(prefix="/opendata/publish", include_in_schema=False)

_ENTRIES = PageParams(page=1, size=100)


def _labels() -> dict[str, Any]:
    return {
        "kind_labels": {k.value: v for k, v in RELEASE_KIND_LABELS.items()},
        "state_labels": {k.value: v for k, v in RELEASE_STATE_LABELS.items()},
        "treatment_labels": {k.value: v for k, v in FIELD_TREATMENT_LABELS.items()},
        "role_labels": ROLE_LABELS,
        "dataset_state_labels": {k.value: v for k, v in DATASET_STATE_LABELS.items()},
        "open_type_labels": {k.value: v for k, v in OPEN_TYPE_LABELS.items()},
    }


def _openable(session: Session, actor: Actor) -> list[Any]:
    provider = None if actor.has(OpenDataPermission.publish_any) else actor.organization_id
    found: list[Any] = []
    for open_type in (OpenType.open, OpenType.conditional):
        result = catalog_service.search_entries(
            session,
            actor=actor,
            search=EntrySearch(open_type=open_type, provider=provider),
            page=_ENTRIES,
        )
        found += list(result.page.items)
    return sorted(found, key=lambda e: e.resource_code)


@router.get("", response_class=HTMLResponse)
def index(request: Request, session: SessionDep, actor: ActorDep) -> HTMLResponse:
    """The entries the publisher may open, with their datasets."""
    ensure_permission(actor, OpenDataPermission.publish)
    entries = _openable(session, actor)
    datasets = {}
    for entry in entries:
        dataset_id = service.find_dataset_id_by_entry(session, entry.id)
        if dataset_id is not None:
            datasets[entry.id] = service.get_dataset(session, actor=actor, id_or_name=dataset_id)
    return render(
        request, "opendata/publish_index.html", entries=entries, datasets=datasets, **_labels()
    )


def _entry_page(
    request: Request,
    session: Session,
    actor: Actor,
    entry_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    entry = catalog_service.get_entry(session, actor=actor, entry_id=entry_id)
    releases = service.list_releases(session, actor=actor, entry_id=entry_id)
    return render(
        request,
        "opendata/publish_entry.html",
        status_code=status_code,
        entry=entry,
        releases=releases,
        errors=errors or {},
        form=form or {"kind": "record", "k": "5", "min_cell": "10"},
        kind_options=[(k.value, v) for k, v in RELEASE_KIND_LABELS.items()],
        treatment_options=[(t.value, v) for t, v in FIELD_TREATMENT_LABELS.items()],
        **_labels(),
    )


@router.get("/entries/{entry_id}", response_class=HTMLResponse)
def entry_page(
    entry_id: UUID, request: Request, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    ensure_permission(actor, OpenDataPermission.publish)
    return _entry_page(request, session, actor, entry_id)


@router.post("/entries/{entry_id}/releases", response_class=HTMLResponse)
def prepare(
    entry_id: UUID, request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Prepare a release from the uploaded table; errors are shown at the form (422)."""
    values = {name: text(form, name) for name in ("kind", "k", "min_cell", "group_by")}
    treatments = {
        key.removeprefix("treatment:"): str(value)
        for key, value in form.multi_items()
        if key.startswith("treatment:") and str(value)
    }
    file = upload(form, "file")
    try:
        if file is None:
            raise _missing_file()
        data = release_form(
            entry_id,
            ReleaseKind(values["kind"] or "record"),
            int(values["k"] or 5),
            int(values["min_cell"] or 10),
            values["group_by"],
            "",
        ).model_copy(update={"treatments": {k: FieldTreatment(v) for k, v in treatments.items()}})
        header, rows, name = read_upload(file)
        # A refused release leaves nothing behind (not even its staging table): the page
        # is rendered, and the request's transaction commits, after the savepoint rolled back.
        with session.begin_nested():
            release = service.prepare_release(
                session, actor=actor, data=data, header=header, rows=rows, source_name=name
            )
    except AppError as error:
        return _entry_page(
            request,
            session,
            actor,
            entry_id,
            errors=app_error_fields(error, "file"),
            form=values,
            status_code=422 if error.status < 500 else error.status,
        )
    except ValueError:
        return _entry_page(
            request,
            session,
            actor,
            entry_id,
            errors={"k": "k 与最小记录数须为整数"},
            form=values,
            status_code=422,
        )
    return redirect(request, f"/opendata/publish/releases/{release.id}")


def _missing_file() -> AppError:
    return InvalidReleaseError("请选择数据文件", field="file")


def _release_page(
    request: Request,
    session: Session,
    actor: Actor,
    release_id: UUID,
    *,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    release = service.get_release(session, actor=actor, release_id=release_id)
    entry = catalog_service.get_entry(session, actor=actor, entry_id=release.entry_id)
    dataset = (
        service.get_dataset(session, actor=actor, id_or_name=release.dataset_id)
        if release.dataset_id
        else None
    )
    return render(
        request,
        "opendata/publish_release.html",
        status_code=status_code,
        release=release,
        entry=entry,
        dataset=dataset,
        errors=errors or {},
        license_options=[(key, title) for key, (title, _) in LICENSES.items()],
        **_labels(),
    )


@router.get("/releases/{release_id}", response_class=HTMLResponse)
def release_page(
    release_id: UUID, request: Request, session: SessionDep, actor: ActorDep
) -> HTMLResponse:
    """Plan, check result and preview of a release."""
    return _release_page(request, session, actor, release_id)


@router.post("/releases/{release_id}/publish", response_class=HTMLResponse)
def publish(
    release_id: UUID, request: Request, session: SessionDep, actor: ActorDep, form: FormDep
) -> Response:
    """Publish a passed release; a failed check is shown on the page (409)."""
    tags = [t.strip() for t in text(form, "tags").replace("，", ",").split(",") if t.strip()]
    try:
        data = ReleasePublish(
            name=text(form, "name") or None,
            tags=tags,
            license_id=text(form, "license_id") or "jining-open-data",
        )
        with session.begin_nested():
            service.publish_release(session, actor=actor, release_id=release_id, data=data)
    except AppError as error:
        return _release_page(
            request,
            session,
            actor,
            release_id,
            errors=app_error_fields(error),
            status_code=error.status,
        )
    except ValueError:
        return _release_page(
            request,
            session,
            actor,
            release_id,
            errors={"name": "URL 标识只能含小写字母、数字、- 和 _（2–100 个字符）"},
            status_code=422,
        )
    return redirect(request, f"/opendata/publish/releases/{release_id}")


@router.post("/releases/{release_id}/discard", response_class=HTMLResponse)
def discard(release_id: UUID, request: Request, session: SessionDep, actor: ActorDep) -> Response:
    release = service.discard_release(session, actor=actor, release_id=release_id)
    return redirect(request, f"/opendata/publish/entries/{release.entry_id}")
