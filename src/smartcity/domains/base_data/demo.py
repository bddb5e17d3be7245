"""The demo base databases: a small slice of synthetic Jining, loaded the way departments
would load it.

Population is loaded in four files by four departments — the police (identity and
household registration), civil affairs (marital status), education (education)
and human resources (occupation) — each the one source of its fields (一数一源),
so every record shows four provenances and three history entries. The other
tables are loaded by their providers. Idempotent: a table that holds rows is
left alone. Everything is synthetic (``synthetic``), generated from fixed seeds.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import polars as pl

from smartcity.core.db.engine import Database
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import service, synthetic, tasks
from smartcity.domains.base_data.models import Load, LoadMode, LoadStatus, OnError
from smartcity.domains.base_data.spec import (
    ADDRESSES,
    DIVISIONS,
    LEGAL_ENTITY,
    MACRO_ECONOMY,
    POPULATION,
    SOCIAL_CREDIT,
    TableSpec,
)
from smartcity.domains.registry import service as registry_service

SEED = 2026
POPULATION_ROWS = 50_000
ENTITY_ROWS = 20_000
ADDRESS_ROWS = 20_000
CREDIT_ROWS = 5_000


@dataclass(frozen=True)
class DemoLoad:
    table: str
    organization: str
    rows: int
    status: str


def _organization(session: object, code: str) -> UUID:
    organization = registry_service.find_organization_by_code(session, code)  # type: ignore[arg-type]
    if organization is None:
        raise LookupError(f"demo base data: no organization {code}")
    return organization.id


def _frames(spec: TableSpec) -> pl.DataFrame:
    if spec is POPULATION:
        return synthetic.population_frame(POPULATION_ROWS, seed=SEED)
    if spec is LEGAL_ENTITY:
        return synthetic.legal_entity_frame(ENTITY_ROWS, seed=SEED)
    if spec is DIVISIONS:
        return synthetic.division_frame()
    if spec is ADDRESSES:
        return synthetic.address_frame(ADDRESS_ROWS, seed=SEED)
    if spec is MACRO_ECONOMY:
        return synthetic.macro_frame(seed=SEED)
    return synthetic.credit_record_frame(
        CREDIT_ROWS,
        seed=SEED,
        entity_seed=SEED,
        population_seed=SEED,
        entity_count=ENTITY_ROWS,
        population_count=POPULATION_ROWS,
    )


def load(
    database: Database,
    *,
    city_code: Callable[[str], str],
    progress: Callable[[str], None] | None = None,
) -> list[DemoLoad]:
    """Build the base tables from the published catalog, assign the population fields'
    source departments, and load the synthetic slice into every empty standard table.

    ``city_code`` maps a department abbreviation (``GAJ``) to its organization code.
    """
    done: list[DemoLoad] = []
    with database.session_scope() as session:
        service.sync_tables(session, actor=SYSTEM)
        tables = {t.table_name: t for t in service.list_tables(session, actor=SYSTEM)}
        plans: list[tuple[TableSpec, UUID, list[tuple[str, list[str]]]]] = []
        for spec in (POPULATION, LEGAL_ENTITY, DIVISIONS, ADDRESSES, MACRO_ECONOMY, SOCIAL_CREDIT):
            base = tables.get(spec.table)
            if base is None or base.row_count:
                continue
            # One file per source department, each with the key and its own fields.
            sources: dict[str, list[str]] = {}
            for field in spec.fields:
                source = field.source or spec.provider
                if field.source and field.source != spec.provider:
                    service.set_field(
                        session,
                        actor=SYSTEM,
                        table_id=base.id,
                        column=field.column,
                        source_organization_id=_organization(session, city_code(source)),
                    )
                if not field.key:
                    sources.setdefault(source, []).append(field.name)
            keys = [f.name for f in spec.fields if f.key]
            files = [(spec.provider, keys + sources.pop(spec.provider, []))]
            files += [(abbr, keys + names) for abbr, names in sources.items()]
            plans.append((spec, base.id, files))
        organizations = {
            abbr: _organization(session, city_code(abbr))
            for _spec, _id, files in plans
            for abbr, _names in files
        }
    with tempfile.TemporaryDirectory(prefix="smartcity-demo-") as scratch:
        for spec, table_id, files in plans:
            frame = _frames(spec)
            for abbr, columns in files:
                if progress is not None:
                    progress(f"装载基础数据：{spec.entry_name}（{abbr}）")
                path = Path(scratch) / f"{spec.table}-{abbr}.csv"
                with path.open("wb") as handle:
                    synthetic.write_frame_csv(frame.select(columns), handle)
                with database.session_scope() as session:
                    started = service.start_load(
                        session,
                        actor=SYSTEM,
                        table_id=table_id,
                        mode=LoadMode.upsert,
                        on_error=OnError.quarantine,
                        filename=path.name,
                        organization_id=organizations[abbr],
                    )
                    load_id = started.id
                outcome: Load = tasks.execute_load(
                    database, actor=SYSTEM, load_id=load_id, path=path
                )
                if outcome.status is not LoadStatus.succeeded:
                    raise RuntimeError(f"demo load of {path.name} failed: {outcome.message}")
                done.append(DemoLoad(spec.table, abbr, outcome.rows_read, outcome.status.value))
    return done
