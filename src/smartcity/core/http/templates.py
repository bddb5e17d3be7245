"""The Jinja2 environment shared by every page, with its filters and globals."""

from __future__ import annotations

import re
from datetime import date, datetime
from importlib.resources import files

from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

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


def highlight(value: str, q: str) -> Markup:
    """``value`` escaped, with the words of the query ``q`` marked (search results:
    catalog, open data portal)."""
    terms = sorted({term for term in q.split() if term}, key=len, reverse=True)
    if not terms:
        return escape(value)
    pattern = re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)
    parts: list[Markup] = []
    last = 0
    for match in pattern.finditer(value):
        parts.append(escape(value[last : match.start()]))
        parts.append(Markup("<mark>{}</mark>").format(match.group()))
        last = match.end()
    parts.append(escape(value[last:]))
    return Markup("").join(parts)


templates.env.filters["china_time"] = _china_time
templates.env.filters["date"] = _date
templates.env.globals["t"] = t
templates.env.globals["version"] = __version__
