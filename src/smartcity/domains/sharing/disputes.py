"""Disputed values in exchange responses (Art. 68: a value whose correction the data
subject has asked for is served flagged ``disputed``).

Sharing does not know who keeps the disputes (the privacy domain depends on sharing,
not the reverse): the composition layer (``smartcity.wiring``) registers a source, a
function ``(session, table_name, keys) -> {(key, field), …}``. The exchange asks once
per call for all its keys; with no source registered it asks nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session

DisputeSource = Callable[[Session, str, Sequence[str]], set[tuple[str, str]]]

_sources: list[DisputeSource] = []


def register_dispute_source(source: DisputeSource) -> None:
    """Consult ``source`` on every exchange call (registering it again is harmless)."""
    if source not in _sources:
        _sources.append(source)


def unregister_dispute_source(source: DisputeSource) -> None:
    if source in _sources:
        _sources.remove(source)


def disputed(session: Session, table_name: str, keys: Sequence[str]) -> set[tuple[str, str]]:
    """The (key, field) pairs of ``table_name`` disputed for any of ``keys``; no query
    at all when no source is registered or there are no keys."""
    if not _sources or not keys:
        return set()
    found: set[tuple[str, str]] = set()
    for source in _sources:
        found |= source(session, table_name, keys)
    return found
