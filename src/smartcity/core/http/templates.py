"""The Jinja2 environment shared by every page, with its filters and globals."""

from __future__ import annotations

from datetime import date, datetime
from importlib.resources import files

from fastapi.templating import Jinja2Templates

from smartcity import __version__
from smartcity.core.i18n import t
from smartcity.core.time import to_china

TEMPLATE_DIR = str(files("smartcity") / "templates")

templates = Jinja2Templates(directory=TEMPLATE_DIR)


def _china_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M:%S") -> str:
    if value is None:
        return ""
    return to_china(value).strftime(fmt)


def _date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


templates.env.filters["china_time"] = _china_time
templates.env.filters["date"] = _date
templates.env.globals["t"] = t
templates.env.globals["version"] = __version__
