"""De-identification rules of open releases (Art. 31), as pure functions.

An entry's information items carry the catalog's flags: ``identifies`` (the item
identifies a person or a legal entity), ``is_personal`` (it describes a person)
and ``is_sensitive``. From them each field gets a **role**:

- ``direct``: identifies a person (name, ID number, phone...). Always removed.
- ``sensitive``: sensitive personal information. Always removed.
- ``quasi``: describes a person without identifying him (birth date, sex,
  address...). Kept only generalized by default (a date → its year, an address
  → its district) and checked: in a record-level release every combination of
  quasi-identifier values must occur at least ``k`` times (k-anonymity, default 5).
- ``plain``: not personal information. Kept.

A statistical release counts records per group of (generalized) fields; a cell
with fewer than ``min_cell`` records (default 10) is suppressed. As a last
safety net, kept text values that look like a 公民身份号码 or a mobile number fail
the check whatever the flags say.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from smartcity.core.identifiers.id_number import is_valid_id_number
from smartcity.domains.catalog.enums import DataType, Identifies
from smartcity.domains.opendata.enums import FieldTreatment, FieldType
from smartcity.domains.opendata.errors import InvalidReleaseError
from smartcity.domains.opendata.schemas import CheckResult, FieldPlan

DIRECT = "direct"
SENSITIVE = "sensitive"
QUASI = "quasi"
PLAIN = "plain"

ROLE_LABELS = {
    DIRECT: "直接标识符",
    SENSITIVE: "敏感个人信息",
    QUASI: "准标识符",
    PLAIN: "非个人信息",
}

_ADDRESS_WORDS = ("地址", "住址", "居住地", "户籍地", "住所", "地点")
_DIVISION_WORDS = ("区划", "行政区")
_POSTAL_WORDS = ("邮编", "邮政编码")
_DISTRICT = re.compile(r"^(?:山东省)?(?:济宁市)?(.{1,8}?(?:区|县|市))")
_ID_LIKE = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")
_MOBILE_LIKE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
#: Suppressed cells are published as absent; this label is the count column's title.
COUNT_FIELD = "记录数"


@dataclass(frozen=True, slots=True)
class Item:
    """What de-identification needs of a catalog information item."""

    name: str
    data_type: DataType
    identifies: Identifies
    is_personal: bool
    is_sensitive: bool
    description: str = ""


def role_of(item: Item) -> str:
    if item.identifies is Identifies.person:
        return DIRECT
    if item.is_sensitive:
        return SENSITIVE
    if item.is_personal:
        return QUASI
    return PLAIN


def default_treatment(item: Item) -> tuple[FieldTreatment, str]:
    """The treatment a field gets unless the publisher chooses another, and why."""
    role = role_of(item)
    if role == DIRECT:
        return FieldTreatment.drop, "直接识别个人，删除"
    if role == SENSITIVE:
        return FieldTreatment.drop, "敏感个人信息，删除"
    if role == QUASI:
        if item.data_type in {DataType.date, DataType.datetime}:
            return FieldTreatment.year, "准标识符：日期泛化为年份"
        if any(word in item.name for word in _ADDRESS_WORDS + _DIVISION_WORDS):
            return FieldTreatment.district, "准标识符：地址泛化为区县"
        if any(word in item.name for word in _POSTAL_WORDS):
            return FieldTreatment.prefix, "准标识符：截取前三位"
        return FieldTreatment.keep, "准标识符：保留并参与 k-匿名检查"
    return FieldTreatment.keep, "非个人信息，保留"


def plan_fields(items: Sequence[Item], overrides: Mapping[str, FieldTreatment]) -> list[FieldPlan]:
    """Each item's role and treatment; a direct identifier or a sensitive item can never
    be kept or merely generalized.

    Raises:
        InvalidReleaseError: an override names an unknown item or keeps an identifier.
    """
    names = {item.name for item in items}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise InvalidReleaseError(f"信息项不存在：{'、'.join(unknown)}", field="treatments")
    plans: list[FieldPlan] = []
    for item in items:
        role = role_of(item)
        treatment, reason = default_treatment(item)
        chosen = overrides.get(item.name)
        if chosen is not None and chosen is not treatment:
            if role in {DIRECT, SENSITIVE} and chosen is not FieldTreatment.drop:
                raise InvalidReleaseError(
                    f"“{item.name}”是{ROLE_LABELS[role]}，只能删除（第三十一条）",
                    field="treatments",
                )
            treatment, reason = chosen, "发布者指定"
        plans.append(FieldPlan(name=item.name, role=role, treatment=treatment, reason=reason))
    return plans


def field_type(item: Item, treatment: FieldTreatment) -> FieldType:
    """The open field's type after its treatment."""
    if treatment is FieldTreatment.year:
        return FieldType.int
    if treatment is not FieldTreatment.keep:
        return FieldType.text
    return {
        DataType.integer: FieldType.int,
        DataType.decimal: FieldType.numeric,
        DataType.date: FieldType.date,
        DataType.datetime: FieldType.timestamp,
        DataType.boolean: FieldType.bool,
    }.get(item.data_type, FieldType.text)


def generalize(value: str, treatment: FieldTreatment) -> str | None:
    """A value after its treatment (``None``: empty)."""
    text = value.strip()
    if not text:
        return None
    match treatment:
        case FieldTreatment.keep:
            return text
        case FieldTreatment.drop:
            return None
        case FieldTreatment.year:
            digits = re.match(r"^\s*(\d{4})", text)
            return digits.group(1) if digits else None
        case FieldTreatment.district:
            if text.isdigit() and len(text) >= 6:
                return text[:6]
            match = _DISTRICT.match(text.replace(" ", ""))
            return match.group(1) if match else "其他"
        case FieldTreatment.prefix:
            return text[:3]
    return None  # pragma: no cover


def apply(
    plans: Sequence[FieldPlan], header: Sequence[str], rows: Iterable[Sequence[str]]
) -> Iterable[list[str | None]]:
    """The rows with dropped fields removed and the others generalized, in plan order
    (kept fields only)."""
    position = {name: i for i, name in enumerate(header)}
    kept = [
        (position[p.name], p.treatment) for p in plans if p.treatment is not FieldTreatment.drop
    ]
    for row in rows:
        yield [generalize(row[i] if i < len(row) else "", treatment) for i, treatment in kept]


def k_anonymity(
    rows: Iterable[Sequence[Any]], quasi_positions: Sequence[int]
) -> Counter[tuple[Any, ...]]:
    """Size of every equivalence class of the quasi-identifier values."""
    return Counter(tuple(row[i] for i in quasi_positions) for row in rows)


def check_records(
    classes: Counter[tuple[Any, ...]], k: int, row_count: int, pii_hits: Sequence[str]
) -> CheckResult:
    """The decision of a record-level release: k-anonymity holds when the smallest
    class has at least ``k`` rows (no quasi-identifier: nothing can single anyone out)."""
    violations = list(pii_hits)
    if row_count == 0:
        violations.append("没有数据行")
    has_quasi = bool(classes) and len(next(iter(classes))) > 0
    k_found: int | None = min(classes.values()) if has_quasi else None
    small = [size for size in classes.values() if size < k] if has_quasi else []
    if small:
        violations.append(
            f"k-匿名检查未通过：{len(small)} 个准标识符组合少于 {k} 条记录（最小 {k_found} 条）"
        )
    return CheckResult(
        passed=not violations,
        k_required=k,
        k_found=k_found,
        small_classes=len(small),
        rows_in_small_classes=sum(small),
        violations=violations,
    )


def aggregate(
    rows: Iterable[Sequence[Any]], min_cell: int
) -> tuple[list[tuple[Any, ...]], int, int]:
    """Counts per group (rows are the generalized group values); cells below
    ``min_cell`` suppressed. Returns (published cells with their count, suppressed
    cells, records in suppressed cells)."""
    counts = Counter(tuple(row) for row in rows)
    published = sorted(
        ((*group, n) for group, n in counts.items() if n >= min_cell),
        key=lambda cell: tuple("" if v is None else str(v) for v in cell[:-1]),
    )
    suppressed = [n for n in counts.values() if n < min_cell]
    return published, len(suppressed), sum(suppressed)


def pii_in_values(
    names: Sequence[str], rows: Iterable[Sequence[Any]], *, first_row: int = 1, limit: int = 5
) -> list[str]:
    """Kept text values that look like a valid 公民身份号码 or a mobile number."""
    found: list[str] = []
    seen: set[tuple[str, str]] = set()
    for number, row in enumerate(rows, start=first_row):
        for name, value in zip(names, row, strict=False):
            if not isinstance(value, str) or len(value) < 11:
                continue
            kinds = []
            if any(is_valid_id_number(m) for m in _ID_LIKE.findall(value)):
                kinds.append("公民身份号码")
            if _MOBILE_LIKE.search(value):
                kinds.append("手机号码")
            for kind in kinds:
                if (name, kind) not in seen:
                    seen.add((name, kind))
                    found.append(f"字段“{name}”第 {number} 行的值疑似{kind}")
        if len(found) >= limit:
            break
    return found
