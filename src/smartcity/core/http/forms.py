"""HTML forms at the edge: read what was posted, explain what is wrong in Chinese, and
answer a successful post.

Pages parse forms into the same ``Create``/``Update`` schemas the API uses. A
``ValidationError`` becomes one Chinese message per field, so the form can be
shown again next to what the user typed (status 422).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from smartcity.core.errors import AppError

M = TypeVar("M", bound=BaseModel)

FieldErrors = dict[str, str]

FORM_MEDIA_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def read_form(request: Request) -> FormData:
    """The posted form (empty for other bodies). Starlette caches it, so the CSRF check
    and the page read the same parsed body."""
    if request.headers.get("content-type", "").startswith(FORM_MEDIA_TYPES):
        return await request.form()
    return FormData()


FormDep = Annotated[FormData, Depends(read_form)]


def text(form: FormData, name: str) -> str:
    """One text field, stripped; missing fields and file parts read as ``""``."""
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    """Every non-empty value of a repeated field (checkbox groups)."""
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def checked(form: FormData, name: str) -> bool:
    """A checkbox: present means checked."""
    return name in form


def upload(form: FormData, name: str) -> UploadFile | None:
    value = form.get(name)
    return value if isinstance(value, UploadFile) else None


def optional(value: str) -> str | None:
    """``""`` from an empty input or an unselected ``<select>`` means "not given"."""
    return value or None


def _message(error: Mapping[str, Any], hint: str | None) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "missing" or (kind == "string_too_short" and ctx.get("min_length") == 1):
        return "必填"
    if kind == "string_too_short":
        return f"至少 {ctx.get('min_length')} 个字符"
    if kind == "string_too_long":
        return f"最多 {ctx.get('max_length')} 个字符"
    if kind == "too_long":
        return f"最多选择 {ctx.get('max_length')} 项"
    if kind == "too_short":
        return f"至少选择 {ctx.get('min_length')} 项"
    if kind == "string_pattern_mismatch":
        return f"格式不正确：{hint}" if hint else "格式不正确"
    if kind in ("greater_than_equal", "greater_than"):
        return f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    if kind in ("less_than_equal", "less_than"):
        return f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    return {
        "int_parsing": "应为整数",
        "int_from_float": "应为整数",
        "uuid_parsing": "请选择有效的选项",
        "uuid_type": "请选择有效的选项",
        "enum": "不是允许的取值",
        "literal_error": "不是允许的取值",
        "bool_parsing": "应为是或否",
        "date_parsing": "应为日期，如 2026-01-31",
        "date_from_datetime_parsing": "应为日期，如 2026-01-31",
        "datetime_parsing": "应为日期时间，如 2026-01-31 08:00",
        "datetime_from_date_parsing": "应为日期时间，如 2026-01-31 08:00",
        "extra_forbidden": "不允许的字段",
        "value_error": str(error.get("msg", "取值无效")).removeprefix("Value error, "),
    }.get(kind, "取值无效")


def field_errors(exc: ValidationError, model: type[BaseModel] | None = None) -> FieldErrors:
    """The first Chinese message for each field named in ``exc``.

    A pattern mismatch quotes the field's ``description`` from ``model`` (for
    example the rule for user names), so the user learns what is expected.
    """
    errors: FieldErrors = {}
    for error in exc.errors():
        location = error.get("loc") or ("",)
        field = str(location[0]) if location else ""
        if field in errors:
            continue
        hint = None
        if model is not None and field in model.model_fields:
            hint = model.model_fields[field].description
        errors[field] = _message(error, hint)
    return errors


def app_error_fields(exc: AppError, default_field: str = "") -> FieldErrors:
    """A service error shown at the field it names (its ``field``/``fields`` extension),
    or at ``default_field`` (``""``: a message for the whole form)."""
    fields = exc.extensions.get("fields")
    if isinstance(fields, list) and fields:
        return {str(f): exc.detail for f in fields}
    field = exc.extensions.get("field")
    return {str(field) if field else default_field: exc.detail}


def redirect(request: Request, url: str) -> Response:
    """After a successful post: ``303 See Other``, or ``HX-Redirect`` for htmx, which
    would otherwise follow the redirect itself and swap a whole page into a fragment."""
    if request.headers.get("HX-Request") == "true":
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def query_model(
    model: type[M], *, exclude: frozenset[str] = frozenset({"page", "size"})
) -> Callable[[Request], M]:
    """A dependency that reads ``model`` from the query string of a filter form.

    Unlike ``Annotated[Model, Query()]`` it drops empty values, which HTML forms send
    for untouched inputs and selects, and ignores parameters the model does not know.
    Bad values are a 422 problem, as for any other request.
    """

    def dependency(request: Request) -> M:
        data = {
            key: value
            for key, value in request.query_params.items()
            if value != "" and key not in exclude and key in model.model_fields
        }
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            raise RequestValidationError(
                [{**e, "loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
            ) from exc

    return dependency
