"""The plan of a load: which fields of the file are loaded or refused (一数一源), the
error report being built, the counts and the progress."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from smartcity.domains.base_data.errors import (
    LoadFileError,
)
from smartcity.domains.base_data.models import (
    MAX_STORED_ERRORS,
    BaseField,
    BaseTable,
    Load,
    LoadMode,
)
from smartcity.domains.base_data.service.tables import (
    DataTable,
    data_table,
)
from smartcity.domains.base_data.spec import FieldSpec

BATCH_ROWS = 100_000
ROW = "__row"
HEADER_ROW = 1
KEY_SEPARATOR = "|"


@dataclass
class LoadProgress:
    """Where a running load stands (for a progress bar)."""

    load_id: int
    rows_done: int = 0
    bytes_done: int = 0
    total_bytes: int = 0
    total_rows: int | None = None
    phase: str = "reading"  # reading / indexing / finishing / done


ProgressCallback = Callable[[LoadProgress], None]


@dataclass
class Report:
    """Errors kept for the report (capped) and counted (exact)."""

    frames: list[pl.DataFrame] = field(default_factory=list)
    kept: int = 0
    count: int = 0
    invalid_rows: set[int] = field(default_factory=set)
    quarantined: list[pl.DataFrame] = field(default_factory=list)

    def add(self, errors: pl.DataFrame) -> None:
        if errors.height == 0:
            return
        self.count += errors.height
        self.invalid_rows.update(errors.get_column("row").to_list())
        room = MAX_STORED_ERRORS - self.kept
        if room > 0:
            kept = errors.head(room)
            self.frames.append(kept)
            self.kept += kept.height

    def add_one(self, row: int, column: str, value: str, reason: str) -> None:
        self.add(
            pl.DataFrame(
                {"row": [row], "column": [column], "value": [value], "reason": [reason]},
                schema={
                    "row": pl.Int64,
                    "column": pl.String,
                    "value": pl.String,
                    "reason": pl.String,
                },
            )
        )

    def rows(self) -> Iterator[dict[str, Any]]:
        for frame in self.frames:
            yield from frame.iter_rows(named=True)


@dataclass
class Counts:
    read: int = 0
    inserted: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


# ---------------------------------------------------------------- the plan of a file


@dataclass
class Plan:
    base: BaseTable
    data: DataTable
    load: Load
    present: list[BaseField]  # fields of the file that are loaded (keys included)
    refused: list[BaseField]  # fields of another source department
    missing_required: list[BaseField]  # required fields the file lacks (new records fail)
    owns_key: bool  # the submitter is the source of every key field
    header_names: list[str]

    @property
    def specs(self) -> list[FieldSpec]:
        return [to_spec(f) for f in self.present]

    @property
    def key_columns(self) -> list[str]:
        return [f.column_name for f in self.data.key_fields]

    @property
    def value_fields(self) -> list[BaseField]:
        return [f for f in self.present if not f.is_key]


def to_spec(f: BaseField) -> FieldSpec:
    return FieldSpec(
        name=f.name,
        column=f.column_name,
        type=f.type,
        rule=f.rule,
        required=f.required,
        key=f.is_key,
        max_length=f.max_length,
        enumeration=dict(f.enumeration or {}),
    )


def plan_file(load: Load, base: BaseTable, header: Sequence[str], report: Report) -> Plan:
    data = data_table(base)
    by_name = {f.name: f for f in data.fields}
    retired = {f.name for f in base.fields if f.retired}
    unknown = [h for h in header if h not in by_name]
    if unknown:
        hint = "（已从目录中删除的字段）" if set(unknown) <= retired else ""
        raise LoadFileError(
            f"文件中有本表没有的列{hint}：{'、'.join(unknown)}。"
            f"本表的列为：{'、'.join(f.name for f in data.fields)}",
            unknown_columns=unknown,
        )
    missing_keys = [f.name for f in data.key_fields if f.name not in header]
    if missing_keys:
        raise LoadFileError(
            f"文件缺少主键列：{'、'.join(missing_keys)}", missing_columns=missing_keys
        )
    present = [f for f in data.fields if f.name in header]
    missing_required = [f for f in data.fields if f.required and f.name not in header]
    if load.mode in (LoadMode.insert, LoadMode.full) and missing_required:
        names = [f.name for f in missing_required]
        raise LoadFileError(f"文件缺少必填列：{'、'.join(names)}", missing_columns=names)
    refused: list[BaseField] = []
    if load.mode is not LoadMode.delete:
        for f in present:
            if not f.is_key and f.source_organization_id != load.organization_id:
                refused.append(f)
                source = f.source.name if f.source is not None else "其他部门"
                report.add_one(
                    HEADER_ROW,
                    f.name,
                    f.name,
                    f"本部门不是该字段的数据源部门（一数一源：数据源部门为{source}），该列数据不予接收",
                )
    else:
        present = [f for f in present if f.is_key]
    loaded = [f for f in present if f not in refused]
    owns_key = all(f.source_organization_id == load.organization_id for f in data.key_fields)
    return Plan(
        base=base,
        data=data,
        load=load,
        present=loaded,
        refused=refused,
        missing_required=missing_required,
        owns_key=owns_key,
        header_names=list(header),
    )
