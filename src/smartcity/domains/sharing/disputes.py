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

from smartcity.core.db.prebuilt import Read

DisputeSource = Callable[[Session, str, Sequence[str]], set[tuple[str, str]]]
DisputeRead = Callable[[str, str], Read]
"""``(table_name, key) -> `` the prebuilt read a source makes for one key."""

_sources: list[DisputeSource] = []
_reads: dict[DisputeSource, DisputeRead] = {}


def register_dispute_source(source: DisputeSource, read: DisputeRead | None = None) -> None:
    """Consult ``source`` on every exchange call (registering it again is harmless);
    ``read`` says which prebuilt read it makes for one key, so that a lookup can
    ``prefetch`` it with its other reads."""
    if source not in _sources:
        _sources.append(source)
    if read is not None:
        _reads[source] = read


def unregister_dispute_source(source: DisputeSource) -> None:
    if source in _sources:
        _sources.remove(source)
    _reads.pop(source, None)


def read_for(table_name: str, key: str) -> Read | None:
    """The one read ``disputed`` will make for ``key`` (None: none, or several)."""
    if len(_sources) != 1 or _sources[0] not in _reads:
        return None
    return _reads[_sources[0]](table_name, key)


def disputed(session: Session, table_name: str, keys: Sequence[str]) -> set[tuple[str, str]]:
    """The (key, field) pairs of ``table_name`` disputed for any of ``keys``; no query
    at all when no source is registered or there are no keys."""
    if not _sources or not keys:
        return set()
    found: set[tuple[str, str]] = set()
    for source in _sources:
        found |= source(session, table_name, keys)
    return found
