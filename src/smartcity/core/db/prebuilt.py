"""Statements built once, for the few queries that run on every API call.

Building a ``select()`` costs more than running it: each call coerces every column
and clause again before SQLAlchemy's compiled cache can even be consulted, the ORM's
``Session.execute`` adds its own layer, and even a Core execution of a statement
built once sets up an execution context, fires events and wraps the cursor: about
70 µs on SQLite for a query the driver answers in 3 µs.

``Prebuilt`` compiles its statement once per dialect and keeps what SQLAlchemy would
work out on every execution — the SQL text, the order of its parameters, the values
of its literal parameters, and each parameter's and column's type conversion — then
runs it on the DB-API connection under the session's connection, in the session's
transaction, converting values exactly as SQLAlchemy would (the same processors).
What it gives up: execution events and SQL echo do not see these statements, and a
parameter that expands to a list (``IN``) is not supported. Use it for column reads
on the hottest paths (the exchange API runs four per call), not for entities.
"""

from __future__ import annotations

import threading
from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import Session

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for qmark/numeric styles
    literals: dict[str, Any]  # parameters whose value is in the statement
    binds: dict[str, _Processor]
    results: tuple[_Processor, ...]
    row: Any  # the namedtuple class of a result row


class Prebuilt:
    """A select built at import: ``Prebuilt(select(...).where(col == bindparam("x")))``,
    then ``.first(session, x=…)`` or ``.all(session, x=…)``: rows as named tuples
    (fields named by the selected columns' labels).

    ``converted=False`` leaves the values as the driver returns them (no UUIDs,
    enums or time zones made): for stamps that are only compared for equality."""

    def __init__(self, statement: Select[*tuple[Any, ...]], *, converted: bool = True) -> None:
        self.statement = statement
        self.converted = converted
        self._plans: dict[str, _Plan] = {}
        self._lock = threading.Lock()

    def _plan(self, dialect: Dialect) -> _Plan:
        key = f"{dialect.name}+{dialect.driver}"
        plan = self._plans.get(key)
        if plan is not None:
            return plan
        with self._lock:
            compiled = self.statement.compile(dialect=dialect)
            literals: dict[str, Any] = {}
            binds: dict[str, _Processor] = {}
            for parameter, name in compiled.bind_names.items():
                if parameter.expanding:
                    raise ValueError(f"Prebuilt does not expand list parameters ({name})")
                binds[name] = parameter.type._cached_bind_processor(dialect)
                if parameter.key != name or parameter.value is not None or parameter.callable:
                    literals[name] = parameter.effective_value
            columns = compiled._result_columns  # (keyname, name, objects, type)
            plan = _Plan(
                sql=compiled.string,
                positional=tuple(compiled.positiontup) if compiled.positiontup else None,
                literals=literals,
                binds=binds,
                results=tuple(
                    column[3]._cached_result_processor(dialect, None) if self.converted else None
                    for column in columns
                ),
                row=namedtuple("Row", [str(column[0]) for column in columns], rename=True),
            )
            self._plans[key] = plan
        return plan

    def all(self, session: Session, /, **params: Any) -> list[Any]:
        """Every row, after flushing the session's pending changes (as ``execute`` would)."""
        session.flush()  # nothing to do (and cheap) when the session has no changes
        connection = session.connection()
        plan = self._plan(connection.dialect)
        values: dict[str, Any] = {**plan.literals, **params}
        for name, process in plan.binds.items():
            if process is not None:
                values[name] = process(values[name])
        arguments: Mapping[str, Any] | tuple[Any, ...] = (
            values if plan.positional is None else tuple(values[n] for n in plan.positional)
        )
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(plan.sql, arguments)
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        results = plan.results
        if not self.converted:
            return [plan.row(*raw) for raw in fetched]
        return [
            plan.row(
                *(
                    value if process is None else process(value)
                    for value, process in zip(raw, results, strict=True)
                )
            )
            for raw in fetched
        ]

    def first(self, session: Session, /, **params: Any) -> Any | None:
        """The first row, or None."""
        rows = self.all(session, **params)
        return rows[0] if rows else None
