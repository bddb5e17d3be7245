"""The one translation function for user-facing text.

The platform ships Chinese only; every UI string still goes through ``t`` so a
second language is a catalogue, not a rewrite.
"""

from __future__ import annotations

_CATALOG: dict[str, str] = {}


def t(text: str, /, **values: object) -> str:
    """Translate ``text`` (Chinese source) and fill ``{name}`` placeholders."""
    translated = _CATALOG.get(text, text)
    return translated.format(**values) if values else translated
