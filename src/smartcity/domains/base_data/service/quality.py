"""Quality reports of the base databases (Art. 23–24): completeness, validity,
duplicates and freshness of each ``bd_*`` table.

- **Completeness** per field: the filled (non-NULL) values, by ``COUNT`` in SQL, over
  the rows. The loader stores empty values as NULL; a blank string written past it
  counts as filled, and as invalid.
- **Validity** per field and per rule: the stored values re-checked with the loader's
  own rules (``rules.validate_batch``), streamed in one pass ``BATCH_ROWS`` at a time
  so a table of millions of rows never sits in memory. A stored value was valid when
  it was loaded; it turns invalid when a rule changed since (a new code table, a
  field given a rule) or when rows were written past the loader.
- **Duplicates**: records sharing a key (the unique index should make this 0) and,
  for tables of people, near-duplicates: the same name and birth date under
  different identity numbers (fields ``name`` and ``birth_date`` and an
  ``id_number`` key).
- **Freshness**: the last successful load against the catalog's update cycle.

The **score** (0–100) is ``100 × C × V × U``: C the completeness of the required fields
(filled cells ÷ rows × required fields), V the validity of the checked values
(valid ÷ filled, over every field that has a rule), U the uniqueness of the key
(1 − surplus duplicate rows ÷ rows). Freshness is reported beside it, not in it:
an old table can be perfectly good data.

Reading the report needs ``base_data.read``. Record values (invalid examples,
duplicate groups) are personal data: they appear only for actors who may also look
records up (``base_data.lookup``); the others see the counts.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from uuid import UUID

import polars as pl
from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Table,
    and_,
    cast,
    func,
    select,
)
from sqlalchemy.orm import Session

from smartcity.core.security import Actor, ensure_permission
from smartcity.core.tabular import write_xlsx
from smartcity.core.time import to_china, today_in_china, utcnow
from smartcity.domains.base_data import rules
from smartcity.domains.base_data.models import BaseField, BaseTable, Load, LoadStatus, TableStatus
from smartcity.domains.base_data.permissions import BaseDataPermission
from smartcity.domains.base_data.service.load_plan import BATCH_ROWS, KEY_SEPARATOR, to_spec
from smartcity.domains.base_data.service.tables import (
    ROW_ID,
    DataTable,
    data_table,
    get_table,
    list_tables,
)
from smartcity.domains.base_data.spec import FIELD_RULE_LABELS, FieldRule, FieldType
from smartcity.domains.catalog.enums import (
    BASE_DATABASE_LABELS,
    UPDATE_CYCLE_LABELS,
    BaseDatabase,
    UpdateCycle,
)

#: Invalid values shown per field, and duplicate groups listed per kind.
EXAMPLES_PER_FIELD = 5
GROUPS_LISTED = 50
IDS_PER_GROUP = 20

#: Days a table may go without a successful load, by update cycle (None: never stale).
CYCLE_DAYS: dict[str, int | None] = {
    UpdateCycle.realtime: 1,
    UpdateCycle.daily: 1,
    UpdateCycle.weekly: 7,
    UpdateCycle.monthly: 31,
    UpdateCycle.quarterly: 92,
    UpdateCycle.half_yearly: 183,
    UpdateCycle.yearly: 366,
    UpdateCycle.irregular: None,
}

_TYPE_CHECKS: dict[FieldType, str] = {
    FieldType.integer: "整数",
    FieldType.decimal: "数值",
    FieldType.date: "日期",
    FieldType.datetime: "日期时间",
    FieldType.boolean: "是否值",
    FieldType.geometry: "WKT 几何",
}
_TEXT_TYPES = frozenset({FieldType.string, FieldType.geometry})
BLANK_REASON = "空白值（应为空值）"
#: Columns a near-duplicate check looks for (``spec.POPULATION``'s names).
NAME_COLUMN, BIRTH_COLUMN = "name", "birth_date"


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ReasonCount:
    reason: str
    count: int


@dataclass(frozen=True)
class InvalidExample:
    key: str  # the record's key (parts joined by ``|``)
    value: str
    reason: str


@dataclass(frozen=True)
class FieldQuality:
    """One field: completeness always; validity when the field has a rule (``check``)."""

    name: str
    column: str
    type: FieldType
    rule: FieldRule
    check: str | None  # what is checked ("公民身份号码（GB 11643）", "日期", "长度"), or None
    required: bool
    is_key: bool
    filled: int
    missing: int
    completeness: float | None  # 0–1; None for an empty table
    invalid: int
    validity: float | None  # 0–1; None without a rule or without values
    reasons: tuple[ReasonCount, ...]
    examples: tuple[InvalidExample, ...]  # empty without ``base_data.lookup``


@dataclass(frozen=True)
class RuleQuality:
    """Validity of one kind of check, over the fields that carry it."""

    check: str
    fields: tuple[str, ...]
    checked: int
    invalid: int
    validity: float | None


@dataclass(frozen=True)
class DuplicateGroup:
    values: tuple[str, ...]  # the shared key, or the shared name and birth date
    count: int  # records in the group
    ids: tuple[str, ...]  # near-duplicates: the different identity numbers (first 20)


@dataclass(frozen=True)
class Duplicates:
    key_fields: tuple[str, ...]
    key_groups: int
    key_rows: int  # records in those groups
    key_examples: tuple[DuplicateGroup, ...]
    near_fields: tuple[str, ...]  # (姓名, 出生日期, 公民身份号码), or () when not applicable
    near_groups: int
    near_rows: int
    near_examples: tuple[DuplicateGroup, ...]

    @property
    def near_applicable(self) -> bool:
        return bool(self.near_fields)


class FreshnessState(StrEnum):
    on_time = "on_time"
    overdue = "overdue"
    never_loaded = "never_loaded"


@dataclass(frozen=True)
class Freshness:
    update_cycle: str
    cycle_label: str
    cycle_days: int | None  # None: irregular, never stale
    last_loaded_at: datetime | None
    age_days: int | None  # calendar days (China) since the last successful load
    due_date: date | None  # the last load's date + the cycle
    overdue_days: int
    state: FreshnessState

    @property
    def status(self) -> str:
        """及时 / 超期 N 天 / 从未装载."""
        if self.state is FreshnessState.never_loaded:
            return "从未装载"
        if self.state is FreshnessState.overdue:
            return f"超期 {self.overdue_days} 天"
        return "及时"


@dataclass(frozen=True)
class QualityReport:
    table_id: UUID
    table_name: str
    name: str
    base_database: str
    base_database_label: str
    provider_name: str
    is_retired: bool
    generated_at: datetime
    rows: int
    fields: tuple[FieldQuality, ...]
    rules: tuple[RuleQuality, ...]
    duplicates: Duplicates
    freshness: Freshness
    required_completeness: float | None  # C of the score
    completeness: float | None  # every field
    validity: float | None  # V of the score
    uniqueness: float | None  # U of the score
    invalid_records: int  # records with at least one invalid value
    score: float | None  # 0–100, one decimal; None for an empty table
    shows_values: bool  # examples and duplicate groups are included


# ---------------------------------------------------------------- use cases


def quality_report(session: Session, *, actor: Actor, table: UUID | str) -> QualityReport:
    """The quality report of one base table (id or ``bd_*`` name).

    Reads the whole table once, in batches, for validity, plus a few aggregate
    queries: about ten seconds per million rows (SQLite or PostgreSQL, two cores),
    so the overview (``database_overview``) does without it.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; TableNotFoundError.
    """
    ensure_permission(actor, BaseDataPermission.read)
    base = get_table(session, actor=actor, table=table)
    data = data_table(base)
    shows_values = actor.has(BaseDataPermission.lookup)
    rows, filled = _fill_counts(session, data)
    scan = _Scan(data, shows_values=shows_values)
    if rows:
        scan.run(session)
    fields = tuple(_field_quality(f, rows, filled[f.column_name], scan) for f in data.fields)
    duplicates = _duplicates(session, data, shows_values=shows_values)
    required = [f for f in fields if f.required]
    checked = [f for f in fields if f.check is not None]
    c_required = _required_completeness(rows, [f.filled for f in required])
    validity = _ratio(sum(f.filled - f.invalid for f in checked), sum(f.filled for f in checked))
    uniqueness = 1 - (duplicates.key_rows - duplicates.key_groups) / rows if rows else None
    score = None
    if c_required is not None and uniqueness is not None:
        score = round(100 * c_required * (1.0 if validity is None else validity) * uniqueness, 1)
    return QualityReport(
        table_id=base.id,
        table_name=base.table_name,
        name=base.name,
        base_database=base.base_database,
        base_database_label=_database_label(base.base_database),
        provider_name=base.provider.name,
        is_retired=base.status is TableStatus.retired,
        generated_at=utcnow(),
        rows=rows,
        fields=fields,
        rules=_rule_quality(fields),
        duplicates=duplicates,
        freshness=freshness_of(base.update_cycle, _last_loads(session, [base]).get(base.id)),
        required_completeness=c_required,
        completeness=_ratio(sum(f.filled for f in fields), rows * len(fields)) if rows else None,
        validity=validity,
        uniqueness=uniqueness,
        invalid_records=scan.invalid_records,
        score=score,
        shows_values=shows_values,
    )


@dataclass(frozen=True)
class TableOverview:
    """One line of the overview: only aggregates, no re-validation."""

    table_id: UUID
    table_name: str
    name: str
    is_retired: bool
    rows: int
    required_completeness: float | None
    completeness: float | None
    load_validity: float | None  # valid rows ÷ rows read, in the last successful load
    freshness: Freshness


@dataclass(frozen=True)
class DatabaseOverview:
    base_database: str
    label: str
    tables: tuple[TableOverview, ...]


def database_overview(session: Session, *, actor: Actor) -> list[DatabaseOverview]:
    """Every base table, grouped under the five base databases (Art. 23), in order.

    Quick on big tables: one ``COUNT`` query per table and two over the loads.
    Validity here is the intake's (the last successful load's share of valid rows),
    not a re-check of stored values; the table's own report does that.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError.
    """
    tables = list_tables(session, actor=actor)
    last_loads = _last_loads(session, tables)
    intake = _load_validity(session, tables)
    lines: dict[str, list[TableOverview]] = {str(d): [] for d in BaseDatabase}
    for base in tables:
        data = data_table(base)
        rows, filled = _fill_counts(session, data)
        required = [filled[f.column_name] for f in data.fields if f.required]
        lines.setdefault(base.base_database, []).append(
            TableOverview(
                table_id=base.id,
                table_name=base.table_name,
                name=base.name,
                is_retired=base.status is TableStatus.retired,
                rows=rows,
                required_completeness=_required_completeness(rows, required),
                completeness=_ratio(sum(filled.values()), rows * len(filled)) if rows else None,
                load_validity=intake.get(base.id),
                freshness=freshness_of(base.update_cycle, last_loads.get(base.id)),
            )
        )
    return [
        DatabaseOverview(base_database=key, label=_database_label(key), tables=tuple(found))
        for key, found in lines.items()
    ]


def freshness_of(update_cycle: str, last_loaded_at: datetime | None) -> Freshness:
    """How late a table is against its update cycle, counted in China's calendar days.

    Daily and real-time tables may be one day old, weekly 7, monthly 31, quarterly 92,
    half-yearly 183, yearly 366; irregular (or unknown) cycles are never late.
    """
    cycle_days = CYCLE_DAYS.get(update_cycle)
    label = UPDATE_CYCLE_LABELS[UpdateCycle(update_cycle)] if _is_cycle(update_cycle) else "未规定"
    if last_loaded_at is None:
        state = FreshnessState.never_loaded
        return Freshness(update_cycle, label, cycle_days, None, None, None, 0, state)
    loaded_on = to_china(last_loaded_at).date()
    age = (today_in_china() - loaded_on).days
    due = loaded_on + timedelta(days=cycle_days) if cycle_days is not None else None
    overdue = max(0, age - cycle_days) if cycle_days is not None else 0
    state = FreshnessState.overdue if overdue else FreshnessState.on_time
    return Freshness(update_cycle, label, cycle_days, last_loaded_at, age, due, overdue, state)


def quality_workbook(session: Session, *, actor: Actor, table: UUID | str) -> bytes:
    """The report as a workbook: 概况, 完整性, 有效性, 重复, 时效.

    Raises:
        AuthenticationRequiredError; PermissionDeniedError; TableNotFoundError.
    """
    report = quality_report(session, actor=actor, table=table)
    return write_xlsx(_sheets(report))


# ---------------------------------------------------------------- completeness


def _fill_counts(session: Session, data: DataTable) -> tuple[int, dict[str, int]]:
    """Rows and filled (non-NULL) values per field, in one aggregate query.

    The loader stores an empty value as NULL; ``NULLIF(col, '')`` for strings written
    past it would cost SQLite four times as much, so blank strings count as filled
    here and as invalid in the validity pass (``BLANK_REASON``).
    """
    table = data.table
    statement = select(
        func.count(),
        *[func.count(table.c[f.column_name]).label(f"f{i}") for i, f in enumerate(data.fields)],
    ).select_from(table)
    counts = session.execute(statement).one()
    return int(counts[0]), {
        f.column_name: int(counts[i + 1] or 0) for i, f in enumerate(data.fields)
    }


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _required_completeness(rows: int, filled: Sequence[int]) -> float | None:
    """Filled cells of the required fields ÷ their cells (1 without required fields)."""
    if not rows:
        return None
    return _ratio(sum(filled), rows * len(filled)) if filled else 1.0


# ---------------------------------------------------------------- validity


def _as_text(column: Any, field: BaseField) -> Any:
    """A stored value as the text the rules read (dates ``YYYY-MM-DD``, booleans 1/0 or
    true/false, numbers in plain decimal)."""
    return column if field.type in _TEXT_TYPES else cast(column, String)


def _check(field: BaseField) -> str | None:
    """The field's check for the report, or None when nothing beyond emptiness applies."""
    if field.rule is not FieldRule.none:
        return FIELD_RULE_LABELS[field.rule]
    if field.type in _TYPE_CHECKS:
        return _TYPE_CHECKS[field.type]
    if field.max_length is not None:
        return "长度"
    return None


class _Scan:
    """One pass over the table: stored values back to text, through ``validate_batch``.

    Empty values are completeness's business, so every field is checked as optional.
    """

    def __init__(self, data: DataTable, *, shows_values: bool) -> None:
        self.data = data
        self.fields = [f for f in data.fields if _check(f) is not None]
        self.specs = [dataclasses.replace(to_spec(f), required=False) for f in self.fields]
        self.shows_values = shows_values
        self.invalid: Counter[str] = Counter()  # by field name
        self.reasons: dict[str, Counter[str]] = {f.name: Counter() for f in self.fields}
        self.examples: dict[str, list[InvalidExample]] = {f.name: [] for f in self.fields}
        self.invalid_records = 0

    def _statement(self) -> Select[Any]:
        table: Table = self.data.table
        columns = [
            _as_text(table.c[f.column_name], f).label(f"v{i}") for i, f in enumerate(self.fields)
        ]
        keys = [
            cast(table.c[f.column_name], String).label(f"k{i}")
            for i, f in enumerate(self.data.key_fields)
        ]
        return select(table.c[ROW_ID], *columns, *keys)

    def run(self, session: Session) -> None:
        """One streamed pass (a server-side cursor on PostgreSQL), ``BATCH_ROWS`` at a time,
        in storage order: no sort, no repeated range queries."""
        if not self.fields:
            return
        today = today_in_china()
        names = [f.name for f in self.fields]
        key_names = [f"__key{i}" for i in range(len(self.data.key_fields))]
        schema = {rules.ROW: pl.Int64, **dict.fromkeys(names, pl.String)}
        schema |= dict.fromkeys(key_names, pl.String)
        result = session.execute(self._statement().execution_options(yield_per=BATCH_ROWS))
        for batch in result.partitions():
            frame = pl.DataFrame(batch, schema=schema, orient="row")
            checked = rules.validate_batch(frame.select(rules.ROW, *names), self.specs, today=today)
            errors = pl.concat([checked.errors, _blanks(frame, names)]).sort(
                "row", maintain_order=True
            )
            self._count(errors, frame, key_names)

    def _count(self, errors: pl.DataFrame, frame: pl.DataFrame, key_names: list[str]) -> None:
        if errors.height == 0:
            return
        self.invalid_records += errors.get_column("row").n_unique()
        for column, reason, count in errors.group_by("column", "reason").len().iter_rows():
            self.invalid[column] += count
            self.reasons[column][reason] += count
        if not self.shows_values:
            return
        wanted = [n for n, kept in self.examples.items() if len(kept) < EXAMPLES_PER_FIELD]
        if not wanted:
            return
        key = (
            pl.concat_str([pl.col(k).fill_null("") for k in key_names], separator=KEY_SEPARATOR)
            if key_names
            else pl.col(rules.ROW).cast(pl.String)
        )
        keyed = errors.filter(pl.col("column").is_in(wanted)).join(
            frame.select(pl.col(rules.ROW).alias("row"), key.alias("__key")), on="row", how="left"
        )
        for column, value, reason, record in keyed.select(
            "column", "value", "reason", "__key"
        ).iter_rows():
            kept = self.examples[column]
            if len(kept) < EXAMPLES_PER_FIELD:
                kept.append(InvalidExample(key=record or "", value=value or "", reason=reason))


def _blanks(frame: pl.DataFrame, names: Sequence[str]) -> pl.DataFrame:
    """Stored values that are only whitespace: the loader stores an empty value as NULL,
    so such a value was written past it and counts as filled but invalid."""
    parts = [
        frame.filter(pl.col(n).is_not_null() & rules.required_missing(n)).select(
            pl.col(rules.ROW).alias("row"),
            pl.lit(n, dtype=pl.String).alias("column"),
            pl.col(n).alias("value"),
            pl.lit(BLANK_REASON, dtype=pl.String).alias("reason"),
        )
        for n in names
    ]
    return pl.concat(parts) if parts else pl.DataFrame(schema=rules.ERROR_SCHEMA)


def _field_quality(field: BaseField, rows: int, filled: int, scan: _Scan) -> FieldQuality:
    check = _check(field)
    invalid = scan.invalid[field.name] if check is not None else 0
    reasons = scan.reasons.get(field.name, Counter())
    return FieldQuality(
        name=field.name,
        column=field.column_name,
        type=field.type,
        rule=field.rule,
        check=check,
        required=field.required,
        is_key=field.is_key,
        filled=filled,
        missing=rows - filled,
        completeness=_ratio(filled, rows),
        invalid=invalid,
        validity=_ratio(filled - invalid, filled) if check is not None else None,
        reasons=tuple(ReasonCount(r, n) for r, n in sorted(reasons.items(), key=_most)),
        examples=tuple(scan.examples.get(field.name, ())),
    )


def _most(item: tuple[str, int]) -> tuple[int, str]:
    return -item[1], item[0]


def _rule_quality(fields: Sequence[FieldQuality]) -> tuple[RuleQuality, ...]:
    by_check: dict[str, list[FieldQuality]] = {}
    for f in fields:
        if f.check is not None:
            by_check.setdefault(f.check, []).append(f)
    out = []
    for check, group in by_check.items():
        filled = sum(f.filled for f in group)
        invalid = sum(f.invalid for f in group)
        out.append(
            RuleQuality(
                check=check,
                fields=tuple(f.name for f in group),
                checked=filled,
                invalid=invalid,
                validity=_ratio(filled - invalid, filled),
            )
        )
    return tuple(out)


# ---------------------------------------------------------------- duplicates


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, date) else str(value)


def _present(column: Any, field: BaseField) -> ColumnElement[bool]:
    if field.type in _TEXT_TYPES:
        return and_(column.is_not(None), column != "")
    return column.is_not(None)  # type: ignore[no-any-return]


def _grouped(
    session: Session,
    columns: Sequence[tuple[Any, BaseField]],
    having: ColumnElement[bool],
    *,
    listed: bool,
) -> tuple[int, int, list[tuple[tuple[Any, ...], int]]]:
    """Groups of ``columns`` (no part empty) meeting ``having``: how many, their rows,
    and the largest ``GROUPS_LISTED`` (when ``listed``). One aggregate query."""
    groups = (
        select(*[c.label(f"g{i}") for i, (c, _f) in enumerate(columns)], func.count().label("n"))
        .where(and_(*[_present(c, f) for c, f in columns]))
        .group_by(*[c for c, _f in columns])
        .having(having)
        .subquery()
    )
    parts = [groups.c[f"g{i}"] for i in range(len(columns))]
    statement = (
        select(*parts, groups.c.n, func.count().over(), func.sum(groups.c.n).over())
        .order_by(groups.c.n.desc(), *parts)
        .limit(GROUPS_LISTED if listed else 1)
    )
    found = session.execute(statement).all()
    if not found:
        return 0, 0, []
    width = len(columns)
    total_groups, total_rows = int(found[0][width + 1]), int(found[0][width + 2])
    listed_groups = [(tuple(r[:width]), int(r[width])) for r in found] if listed else []
    return total_groups, total_rows, listed_groups


def _near_columns(data: DataTable) -> tuple[BaseField, BaseField, BaseField] | None:
    by_column = {f.column_name: f for f in data.fields}
    name, birth = by_column.get(NAME_COLUMN), by_column.get(BIRTH_COLUMN)
    ids = [f for f in data.key_fields if f.rule is FieldRule.id_number]
    if name is None or birth is None or len(ids) != 1:
        return None
    return name, birth, ids[0]


def _duplicates(session: Session, data: DataTable, *, shows_values: bool) -> Duplicates:
    table = data.table
    key_groups, key_rows = 0, 0
    key_listed: list[tuple[tuple[Any, ...], int]] = []
    if data.key_fields:
        keys = [(table.c[f.column_name], f) for f in data.key_fields]
        key_groups, key_rows, key_listed = _grouped(
            session, keys, func.count() > 1, listed=shows_values
        )
    near = _near_columns(data)
    near_groups, near_rows = 0, 0
    near_examples: tuple[DuplicateGroup, ...] = ()
    if near is not None:
        name, birth, id_field = (table.c[f.column_name] for f in near)
        near_groups, near_rows, listed = _grouped(
            session,
            [(name, near[0]), (birth, near[1])],
            # different numbers in the group; cheaper than COUNT(DISTINCT …) > 1, which
            # makes PostgreSQL sort instead of hash
            func.min(id_field) != func.max(id_field),
            listed=shows_values,
        )
        near_examples = _near_examples(session, (name, birth, id_field), listed)
    return Duplicates(
        key_fields=tuple(f.name for f in data.key_fields),
        key_groups=key_groups,
        key_rows=key_rows,
        key_examples=tuple(
            DuplicateGroup(tuple(_text(v) for v in values), n, ()) for values, n in key_listed
        ),
        near_fields=tuple(f.name for f in near) if near is not None else (),
        near_groups=near_groups,
        near_rows=near_rows,
        near_examples=near_examples,
    )


def _near_examples(
    session: Session, columns: tuple[Any, Any, Any], listed: list[tuple[tuple[Any, ...], int]]
) -> tuple[DuplicateGroup, ...]:
    """The identity numbers of the listed groups, in one more pass."""
    if not listed:
        return ()
    name, birth, id_column = columns
    members: dict[tuple[Any, ...], list[str]] = {values: [] for values, _n in listed}
    # Two plain IN lists rather than a row-value IN, and no ORDER BY: SQLite would
    # otherwise walk the key index and fetch every record by it.
    found = session.execute(
        select(name, birth, id_column).where(
            name.in_(sorted({values[0] for values in members})),
            birth.in_(sorted({values[1] for values in members})),
        )
    ).all()
    for person, born, number in sorted(found, key=lambda row: str(row[2])):
        ids = members.get((person, born))
        if ids is not None and number is not None and len(ids) < IDS_PER_GROUP:
            ids.append(str(number))
    return tuple(
        DuplicateGroup(tuple(_text(v) for v in values), n, tuple(members[values]))
        for values, n in listed
    )


# ---------------------------------------------------------------- loads


def _last_loads(session: Session, tables: Sequence[BaseTable]) -> dict[UUID, datetime]:
    """Each table's last successful load (the loads, or the table's own record of it)."""
    found: dict[UUID, datetime] = {t.id: t.last_loaded_at for t in tables if t.last_loaded_at}
    if not tables:
        return found
    rows = session.execute(
        select(Load.table_id, func.max(Load.finished_at))
        .where(Load.status == LoadStatus.succeeded, Load.table_id.in_([t.id for t in tables]))
        .group_by(Load.table_id)
    ).all()
    for table_id, finished_at in rows:
        if finished_at is not None:
            found[table_id] = max(finished_at, found.get(table_id, finished_at))
    return found


def _load_validity(session: Session, tables: Sequence[BaseTable]) -> dict[UUID, float]:
    """Valid rows ÷ rows read of each table's last successful load that read rows."""
    if not tables:
        return {}
    latest = (
        select(func.max(Load.id).label("id"))
        .where(
            Load.status == LoadStatus.succeeded,
            Load.rows_read > 0,
            Load.table_id.in_([t.id for t in tables]),
        )
        .group_by(Load.table_id)
        .subquery()
    )
    rows = session.execute(
        select(Load.table_id, Load.rows_read, Load.rows_invalid).where(Load.id.in_(select(latest)))
    ).all()
    return {table_id: (read - invalid) / read for table_id, read, invalid in rows}


# ---------------------------------------------------------------- labels and workbook


def _is_cycle(value: str) -> bool:
    return value in {c.value for c in UpdateCycle}


def _database_label(value: str) -> str:
    if value in {d.value for d in BaseDatabase}:
        return BASE_DATABASE_LABELS[BaseDatabase(value)]
    return value


def percent(value: float | None) -> str:
    """``0.9876`` → ``98.8%``; ``None`` → ``—``."""
    return "—" if value is None else f"{value * 100:.1f}%"


_NEAR_LABEL = "疑似重复（同姓名、同出生日期、不同身份号码）"
Sheets = dict[str, tuple[Sequence[str], Iterable[Sequence[object]]]]


def _yes(flag: bool) -> str:
    return "是" if flag else "否"


def _sheets(report: QualityReport) -> Sheets:
    fresh = report.freshness
    overview: list[list[object]] = [
        ["数据表", report.table_name],
        ["名称", report.name],
        ["基础数据库", report.base_database_label],
        ["提供部门", report.provider_name],
        ["状态", "已撤销（只读）" if report.is_retired else "在用"],
        ["记录数", report.rows],
        ["质量得分", "—" if report.score is None else report.score],
        ["必填项完整率", percent(report.required_completeness)],
        ["全部字段完整率", percent(report.completeness)],
        ["有效率", percent(report.validity)],
        ["主键唯一率", percent(report.uniqueness)],
        ["含不合格值的记录", report.invalid_records],
        ["主键重复组数", report.duplicates.key_groups],
        ["疑似重复组数", report.duplicates.near_groups],
        ["时效", fresh.status],
        ["生成时间", to_china(report.generated_at).strftime("%Y-%m-%d %H:%M:%S")],
        ["得分算法", "必填项完整率 × 有效率 × 主键唯一率 × 100"],
    ]
    completeness: list[list[object]] = [
        [f.name, f.column, _yes(f.required), f.filled, f.missing, percent(f.completeness)]
        for f in report.fields
    ]
    validity: list[list[object]] = []
    for f in report.fields:
        if f.check is None:
            continue
        head: list[object] = [f.name, f.check, f.filled, f.invalid, percent(f.validity)]
        if not f.reasons:
            validity.append([*head, "", "", ""])
        for reason in f.reasons:
            examples = "；".join(
                f"{e.key}：{e.value}" for e in f.examples if e.reason == reason.reason
            )
            validity.append([*head, reason.reason, reason.count, examples])
    duplicates: list[list[object]] = [
        ["主键重复", "、".join(g.values), g.count, ""] for g in report.duplicates.key_examples
    ]
    duplicates += [
        [_NEAR_LABEL, "、".join(g.values), g.count, "、".join(g.ids)]
        for g in report.duplicates.near_examples
    ]
    timeliness: list[list[object]] = [
        ["更新周期", fresh.cycle_label],
        ["允许间隔（天）", "不限" if fresh.cycle_days is None else fresh.cycle_days],
        [
            "最近成功装载",
            ""
            if fresh.last_loaded_at is None
            else to_china(fresh.last_loaded_at).strftime("%Y-%m-%d %H:%M:%S"),
        ],
        ["距今（天）", "" if fresh.age_days is None else fresh.age_days],
        ["应更新日期", "" if fresh.due_date is None else fresh.due_date.isoformat()],
        ["状态", fresh.status],
    ]
    return {
        "概况": (["项目", "内容"], overview),
        "完整性": (["字段", "列名", "必填", "已填", "空缺", "完整率"], completeness),
        "有效性": (
            [
                "字段",
                "校验规则",
                "已检查",
                "不合格",
                "有效率",
                "不合格原因",
                "次数",
                "示例（主键：值）",
            ],
            validity,
        ),
        "重复": (["类型", "分组", "记录数", "公民身份号码"], duplicates),
        "时效": (["项目", "内容"], timeliness),
    }
