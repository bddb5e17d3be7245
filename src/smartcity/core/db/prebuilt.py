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
On psycopg the statement is compiled with PostgreSQL's own ``$n`` placeholders and
sent as it is (``RawCursor``), so the driver does not parse it again on every call.
The driver's errors are raised as SQLAlchemy's own execution raises them
(``DBAPIError``; a connection the server dropped invalidated and said so). What it
gives up: execution events and SQL echo do not see these statements, and a parameter
that expands to a list (``IN``) is not supported. Use it for column reads
on the hottest paths (the exchange API runs four per call), not for entities.

``prefetch`` runs several of them as one statement — one round trip to a database
across the network instead of one each — and hands each its rows when it runs.
"""

from __future__ import annotations

import copy
import threading
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from sqlalchemy import (
    BindParameter,
    Connection,
    Select,
    bindparam,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session
from sqlalchemy.sql import visitors
from sqlalchemy.sql.visitors import ExternallyTraversible

_Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Plan:
    sql: str
    positional: tuple[str, ...] | None  # parameter order for qmark/numeric styles
    literals: dict[str, Any]  # parameters whose value is in the statement
    binds: dict[str, _Processor]
    results: tuple[_Processor, ...]
    row: Any  # the namedtuple class of a result row
    cursor: Callable[[Any], Any]  # a cursor of the driver's connection to run it on


def _cursor(connection: Any) -> Any:
    return connection.cursor()


def _numbered(dialect: Dialect) -> tuple[Dialect, Callable[[Any], Any]]:
    """The dialect to compile with and the cursor to run on.

    psycopg takes ``%(name)s`` placeholders and turns them into PostgreSQL's ``$n`` on
    every execution; it keeps the result only for statements up to 4,096 bytes, and the
    exchange lookup's combined read is longer (33 µs a call to convert it again). A
    prebuilt statement is compiled once, so it is compiled with ``$n`` placeholders
    (SQLAlchemy's ``numeric_dollar`` style, on a copy of the connection's dialect) and
    run on psycopg's ``RawCursor``, which sends the text as it is."""
    if dialect.driver != "psycopg":
        return dialect, _cursor
    import psycopg

    numbered = copy.copy(dialect)
    numbered.paramstyle = "numeric_dollar"
    numbered.positional = True
    return numbered, psycopg.RawCursor


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
        self._last: tuple[Dialect, _Plan] | None = None
        self._lock = threading.Lock()

    def _plan(self, dialect: Dialect) -> _Plan:
        last = self._last  # the usual case: the same dialect object as the last call
        if last is not None and last[0] is dialect:
            return last[1]
        key = f"{dialect.name}+{dialect.driver}"
        plan = self._plans.get(key)
        if plan is not None:
            self._last = (dialect, plan)
            return plan
        with self._lock:
            compile_with, cursor = _numbered(dialect)
            compiled = self.statement.compile(dialect=compile_with)
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
                # A positional style takes a sequence even with no parameters (psycopg's
                # raw cursor refuses a mapping).
                positional=tuple(compiled.positiontup or ()) if compiled.positional else None,
                literals=literals,
                binds=binds,
                results=tuple(
                    column[3]._cached_result_processor(dialect, None) if self.converted else None
                    for column in columns
                ),
                row=namedtuple("Row", [str(column[0]) for column in columns], rename=True),
                cursor=cursor,
            )
            self._plans[key] = plan
        return plan

    def all(self, session: Session, /, **params: Any) -> list[Any]:
        """Every row, after flushing the session's pending changes (as ``execute`` would);
        the rows ``prefetch`` read ahead for these parameters, if it did."""
        rows = self.prefetched(session, params)
        if rows is not None:
            return rows
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
        driver = connection.connection.dbapi_connection
        cursor = plan.cursor(driver)
        try:
            cursor.execute(plan.sql, arguments)
            fetched = cursor.fetchall()
        except connection.dialect.loaded_dbapi.Error as error:
            raise driver_error(connection, driver, error, plan.sql, arguments) from error
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

    def prefetched(self, session: Session, params: Mapping[str, Any]) -> list[Any] | None:
        """The rows ``prefetch`` read ahead in ``session`` for these parameters (taken:
        a second call runs the statement), or None."""
        prefetched = session.info.get(PREFETCHED)
        if prefetched:
            return cast("list[Any] | None", prefetched.pop(_read_key(self, params), None))
        return None

    def first(self, session: Session, /, **params: Any) -> Any | None:
        """The first row, or None."""
        rows = self.all(session, **params)
        return rows[0] if rows else None


def driver_error(
    connection: Connection, driver: Any, error: Exception, sql: str, arguments: Any
) -> StatementError:
    """The driver's ``error``, from a statement run on ``connection``'s driver connection
    ``driver`` outside SQLAlchemy's execution, as SQLAlchemy raises it from an execution
    of its own: a ``DBAPIError``; when the connection is gone (the server dropped it),
    the connection invalidated and the error saying so (``connection_invalidated``), so
    that whoever holds the connection replaces it and may try again."""
    dialect = connection.dialect
    invalidated = dialect.is_disconnect(cast(Any, error), driver, None)
    if invalidated:
        connection.invalidate(error)
    return DBAPIError.instance(
        sql,
        arguments,
        error,
        dialect.loaded_dbapi.Error,
        connection_invalidated=invalidated,
        dialect=dialect,
    )


# ---------------------------------------------------------------- several reads as one

PREFETCHED: Final = "smartcity.prebuilt_prefetched"
"""``session.info`` key of the rows ``prefetch`` read ahead, by statement and parameters."""

Read = tuple[Prebuilt, Mapping[str, Any]]
"""A prebuilt statement and the parameters it will be run with."""


def _read_key(prebuilt: Prebuilt, params: Mapping[str, Any]) -> tuple[Any, ...]:
    return (prebuilt, *sorted(params.items()))


def _renamed(statement: Select[Any], prefix: str) -> Select[Any]:
    """``statement`` with its named parameters prefixed (members of one statement must
    not share a parameter by name)."""

    def rename(element: Any, **_: Any) -> Any:
        if isinstance(element, BindParameter) and not element.unique:
            return bindparam(
                prefix + element.key,
                value=element.value,
                type_=element.type,
                required=element.required,
                callable_=element.callable,
            )
        return None

    traversed = visitors.replacement_traverse(cast(ExternallyTraversible, statement), {}, rename)
    return cast("Select[Any]", traversed)


@dataclass(frozen=True, slots=True)
class _Combined:
    statement: Prebuilt
    widths: tuple[int, ...]  # each member's column count (its marker not included)


_combined: dict[tuple[Prebuilt | bool, ...], _Combined] = {}
"""By members (the objects themselves: kept alive, so never confused with a later one)."""
_combined_lock = threading.Lock()


def _combine(members: tuple[Prebuilt, ...], many: bool) -> _Combined:
    """One statement that reads every member: ``(SELECT 1) LEFT JOIN member ON true``
    for each, each member's row marked (``1``; a ``many`` last member's by its row
    number, which orders the result) so that no row tells from a row of NULLs. Every
    member but a ``many`` last one is cut to its first row."""
    key: tuple[Prebuilt | bool, ...] = (*members, many)
    held = _combined.get(key)
    if held is not None:
        return held
    with _combined_lock:
        held = _combined.get(key)
        if held is not None:
            return held
        anchor = select(literal_column("1").label("anchor")).subquery("anchor")
        joined: Any = anchor
        columns: list[Any] = []
        widths: list[int] = []
        last = len(members) - 1
        order: Any = None
        for index, member in enumerate(members):
            statement = _renamed(member.statement, f"m{index}_")
            if many and index == last:
                # Its rows in its own order: a subquery's ORDER BY does not carry
                # through the joins, its row number does.
                marker: Any = func.row_number().over(order_by=list(statement._order_by_clauses))
            else:
                marker = literal_column("1")
                statement = statement.limit(1)
            part = statement.add_columns(marker.label("present")).subquery(f"m{index}")
            joined = joined.outerjoin(part, true())
            widths.append(len(part.c) - 1)
            columns += [c.label(f"m{index}_{n}") for n, c in enumerate(part.c)]
            order = part.c.present
        combined = select(*columns).select_from(joined)
        if many:
            combined = combined.order_by(order)
        held = _Combined(Prebuilt(combined, converted=False), tuple(widths))
        _combined[key] = held
    return held


def prefetch(session: Session, reads: Sequence[Read], many: Read | None = None) -> None:
    """Run ``reads`` (each at most one row; and ``many``, any number) as **one**
    statement, one round trip instead of one each, and keep their rows in the session:
    each member's next ``all``/``first`` with the same parameters takes its rows from
    there (once), converted exactly as its own execution would convert them.

    For reads that are independent of each other and that a call makes in a row (the
    exchange API's token, grant, stamps and disputes). A read prefetched but not made
    is simply dropped with the session; a read made with other parameters than
    prefetched runs as usual.
    """
    members = [*reads, *([many] if many is not None else [])]
    if not members:
        return
    combined = _combine(tuple(p for p, _ in members), many is not None)
    params = {
        f"m{index}_{name}": value
        for index, (_, values) in enumerate(members)
        for name, value in values.items()
    }
    rows = combined.statement.all(session, **params)
    dialect = session.get_bind().dialect
    store: dict[tuple[Any, ...], list[Any]] = session.info.setdefault(PREFETCHED, {})
    start = 0
    for index, (prebuilt, values) in enumerate(members):
        width = combined.widths[index]
        plan = prebuilt._plan(dialect)
        found: list[Any] = []
        for row in rows if (many is not None and index == len(members) - 1) else rows[:1]:
            if row[start + width] is None:  # the member's marker: no row of its own
                continue
            raw = row[start : start + width]
            found.append(
                plan.row(
                    *(
                        raw
                        if not prebuilt.converted
                        else (
                            value if process is None else process(value)
                            for value, process in zip(raw, plan.results, strict=True)
                        )
                    )
                )
            )
        store[_read_key(prebuilt, values)] = found
        start += width + 1
