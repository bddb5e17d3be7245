"""``smartcity demo load``: a synthetic Jining to try the platform with.

Loads the city government, its 11 county-level units, the municipal departments
and units, county departments, the three development zones of Art. 73, some
associations and enterprises (Art. 16–17, 29–30), who carries which duty of
the regulation today, the starting legal-basis vocabulary, about 60 registered
information systems with their city-cloud status, about 300 published catalog
entries, and one account per role. Everything goes through the registry,
catalog and identity services as ``SYSTEM`` in one transaction, so every change
is in the hash-chained audit log. Then the base databases are built from the
published catalog and a synthetic slice (50,000 people, 20,000 legal entities,
divisions, addresses, economic indicators, credit records) is loaded by the
source departments (``smartcity.domains.base_data.demo``).

Idempotent: organizations are matched by code, systems by code, catalog entries
by resource code and users by name; a second run changes nothing except the demo
passwords, which it resets and prints again. The data itself is in
:mod:`smartcity.demo_data`, :mod:`smartcity.domains.registry.demo_systems` and
:mod:`smartcity.domains.catalog.demo_content`.
"""

from __future__ import annotations

import hashlib
import secrets
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from uuid import UUID

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table
from sqlalchemy.orm import Session

from smartcity import demo_data as data
from smartcity.core.db.engine import Database
from smartcity.core.identifiers import make_credit_code
from smartcity.core.security import SYSTEM
from smartcity.domains.base_data import demo as base_data_demo
from smartcity.domains.base_data import synthetic as base_data_synthetic
from smartcity.domains.catalog import service as catalog_service
from smartcity.domains.catalog.demo_content import DemoEntry, generate_entries
from smartcity.domains.catalog.schemas import EntryDraft
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.errors import WeakPasswordError
from smartcity.domains.identity.passwords import password_problems
from smartcity.domains.identity.permissions import ROLE_LABELS, Role
from smartcity.domains.identity.schemas import UserCreate, UserUpdate
from smartcity.domains.onceonly import demo as onceonly_demo
from smartcity.domains.onceonly import demo_prefill as onceonly_prefill_demo
from smartcity.domains.opendata import demo as opendata_demo
from smartcity.domains.opendata import demo_requests as opendata_requests_demo
from smartcity.domains.privacy import demo as privacy_demo
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.demo_systems import seed_demo_systems
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.schemas import DutyWrite, OrganizationCreate, OrganizationUpdate
from smartcity.domains.sharing import demo as sharing_demo

URL = "http://127.0.0.1:8000/"
COORDINATOR_CODE = data.municipal_code("DSJ")
# Unambiguous characters only (no 0/O, 1/l/I), so a printed password can be typed.
_PASSWORD_ALPHABET = "".join(c for c in string.ascii_letters + string.digits if c not in "0O1lI")


@dataclass(frozen=True)
class OrganizationSpec:
    """One organization to load, flattened from :mod:`smartcity.demo_data`."""

    code: str
    name: str
    short_name: str
    kind: OrganizationKind
    parent_code: str | None
    division_code: str
    credit_code: str
    zone_code: str = ""
    description: str = ""
    sort_order: int = 0
    address: str = ""
    phone: str = ""
    duties: dict[tuple[int, str], str] = field(default_factory=dict)


@dataclass(frozen=True)
class DemoAccount:
    """A demo account as printed after loading."""

    role: Role
    username: str
    password: str
    organization_name: str
    note: str = ""

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]


# ------------------------------------------------------------------ building the specs


def synthetic_credit_code(
    code: str, *, authority: str, entity_type: str, region: str, prefix: str = "0"
) -> str:
    """A valid, synthetic GB 32100 code derived from the directory code.

    The organisation-code body is ``prefix`` followed by digits of the SHA-256 of
    ``code``, so it is stable across runs and independent of list order.
    """
    width = 8 - len(prefix)
    digits = int(hashlib.sha256(code.encode("utf-8")).hexdigest(), 16) % 10**width
    return make_credit_code(authority, entity_type, region, f"{prefix}{digits:0{width}d}")


def _duties(*groups: tuple[data.Duty, ...]) -> dict[tuple[int, str], str]:
    """Merge duty lists; a non-empty note wins over an empty one."""
    merged: dict[tuple[int, str], str] = {}
    for group in groups:
        for article, body, note in group:
            key = (article, body)
            if note or key not in merged:
                merged[key] = note
    return merged


# Duties every body of a kind carries (the regulation addresses them collectively).
_PUBLIC_INFORMATION: data.Duty = (68, "掌握公众信息的部门、单位", "")
_GOVERNMENT_DEPARTMENT: data.Duty = (28, "各政务部门", "")
_MUNICIPAL_PLANNING: data.Duty = (9, "市人民政府有关部门、单位", "")
_MUNICIPAL_CLOUD: tuple[data.Duty, ...] = (
    (22, "市直部门、单位", ""),
    (27, "市直部门、单位", ""),
)


def _municipal_duties(unit: data.MunicipalUnit) -> dict[tuple[int, str], str]:
    collective: list[data.Duty] = [_PUBLIC_INFORMATION]
    if unit.kind is OrganizationKind.municipal_department:
        collective.append(_GOVERNMENT_DEPARTMENT)
        if not unit.vertical:
            collective.append(_MUNICIPAL_PLANNING)
    if (
        unit.kind in (OrganizationKind.municipal_department, OrganizationKind.public_institution)
        and not unit.vertical
    ):
        # Art. 22/27 bind the city's own departments and units, not vertically managed ones.
        collective.extend(_MUNICIPAL_CLOUD)
    return _duties(unit.duties, tuple(collective))


def _address(place: str, number: int) -> str:
    return f"{place}演示路{number}号"


def _phone(number: int) -> str:
    # A leading 0 after the area code: no real Jining number looks like this.
    return f"0537-0{number:06d}"


def organization_specs() -> list[OrganizationSpec]:
    """Every organization of the demo, parents before children, in directory order."""
    specs: list[OrganizationSpec] = []
    city = data.CITY_DIVISION

    specs.append(
        OrganizationSpec(
            code=data.CITY_CODE,
            name=data.CITY_GOVERNMENT_NAME,
            short_name="市政府",
            kind=OrganizationKind.city_government,
            parent_code=None,
            division_code=city,
            credit_code=synthetic_credit_code(
                data.CITY_CODE, authority="1", entity_type="1", region=city
            ),
            description="条例第四条：建立智慧城市建设管理协调推进机制。",
            sort_order=0,
            address=_address("济宁市", 1),
            phone=_phone(1),
            duties=_duties(data.CITY_DUTIES, (_PUBLIC_INFORMATION,)),
        )
    )
    # Some units name a parent listed after them; _parents_first sorts that out.
    units = [*data.MUNICIPAL_UNITS, data.SUPERVISION_COMMISSION]
    for index, municipal in enumerate(units, start=1):
        code = data.municipal_code(municipal.abbr)
        parent = None
        if municipal.parent == "CITY":
            parent = data.CITY_CODE
        elif municipal.parent is not None:
            parent = data.municipal_code(municipal.parent)
        specs.append(
            OrganizationSpec(
                code=code,
                name=municipal.name if municipal.full_name else f"{data.CITY_NAME}{municipal.name}",
                short_name=municipal.short_name,
                kind=municipal.kind,
                parent_code=parent,
                division_code=city,
                credit_code=synthetic_credit_code(
                    code, authority="1", entity_type=municipal.entity_type, region=city
                ),
                description=municipal.description,
                sort_order=100 + 10 * index,
                address=_address("济宁市", 100 + index),
                phone=_phone(100 + index),
                duties=_municipal_duties(municipal),
            )
        )
    for index, zone in enumerate(data.ZONES, start=1):
        specs.append(
            OrganizationSpec(
                code=zone.code,
                name=zone.name,
                short_name=zone.short_name,
                kind=OrganizationKind.development_zone,
                parent_code=data.CITY_CODE,
                division_code=city,
                zone_code=zone.zone_code,
                credit_code=synthetic_credit_code(
                    zone.code, authority="1", entity_type="1", region=city
                ),
                description=(
                    f"条例第七十三条功能区；功能区代码 {zone.zone_code}"
                    "（统计用区划代码，不是 GB/T 2260 行政区划代码）。"
                ),
                sort_order=800 + 10 * index,
                address=_address("济宁市", 800 + index),
                phone=_phone(800 + index),
                duties=_duties(((73, zone.name, ""),), (_PUBLIC_INFORMATION,)),
            )
        )
    for county_index, county in enumerate(data.COUNTIES, start=1):
        base = 1000 + 100 * county_index
        government_duties = list(data.COUNTY_GOVERNMENT_DUTIES)
        if not county.is_district:
            government_duties.append(data.COUNTY_TOWN_WIFI_DUTY)
        specs.append(
            OrganizationSpec(
                code=county.division_code,
                name=f"{county.name}人民政府",
                short_name=county.name,
                kind=OrganizationKind.county_government,
                parent_code=data.CITY_CODE,
                division_code=county.division_code,
                credit_code=synthetic_credit_code(
                    county.division_code,
                    authority="1",
                    entity_type="1",
                    region=county.division_code,
                ),
                sort_order=base,
                address=_address(county.name, 1),
                phone=_phone(base),
                duties=_duties(tuple(government_duties), (_PUBLIC_INFORMATION,)),
            )
        )
        for unit_index, unit in enumerate(data.COUNTY_UNITS, start=1):
            code = data.county_unit_code(county, unit)
            collective: list[data.Duty] = [_PUBLIC_INFORMATION]
            if unit.kind is OrganizationKind.county_department:
                collective.append(_GOVERNMENT_DEPARTMENT)
            specs.append(
                OrganizationSpec(
                    code=code,
                    name=data.county_unit_name(county, unit),
                    short_name=f"{county.name}{unit.short_suffix}",
                    kind=unit.kind,
                    parent_code=data.county_unit_parent(county, unit),
                    division_code=county.division_code,
                    credit_code=synthetic_credit_code(
                        code,
                        authority="1",
                        entity_type=unit.entity_type,
                        region=county.division_code,
                    ),
                    sort_order=base + unit_index,
                    address=_address(county.name, 1 + unit_index),
                    phone=_phone(base + unit_index),
                    duties=_duties(unit.duties, tuple(collective)),
                )
            )
    for index, body in enumerate(data.OUTSIDE_BODIES, start=1):
        specs.append(
            OrganizationSpec(
                code=body.code,
                name=body.name,
                short_name=body.short_name,
                kind=body.kind,
                parent_code=None,
                division_code=body.division_code,
                credit_code=synthetic_credit_code(
                    body.code,
                    authority=body.authority,
                    entity_type=body.entity_type,
                    region=body.division_code,
                    prefix=body.body_prefix,
                ),
                description=body.description,
                sort_order=5000 + 10 * index,
                address=_address("济宁市", 5000 + index),
                phone=_phone(5000 + index),
                duties=_duties(body.duties, (_PUBLIC_INFORMATION,)),
            )
        )
    return _parents_first(specs)


def _parents_first(specs: list[OrganizationSpec]) -> list[OrganizationSpec]:
    by_code = {spec.code: spec for spec in specs}
    ordered: list[OrganizationSpec] = []
    placed: set[str] = set()

    def place(spec: OrganizationSpec) -> Iterator[OrganizationSpec]:
        if spec.code in placed:
            return
        if spec.parent_code is not None and spec.parent_code not in placed:
            yield from place(by_code[spec.parent_code])
        placed.add(spec.code)
        yield spec

    for spec in specs:
        ordered.extend(place(spec))
    return ordered


# ------------------------------------------------------------------ passwords


def generate_password() -> str:
    """A strong random password in four groups (``Abcd-efGh-2jkm-NpQr``) that satisfies
    identity's password rules for every demo user name."""
    while True:
        raw = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(16))
        password = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        if not any(password_problems(password, username=u.username) for u in data.DEMO_USERS):
            return password


# ------------------------------------------------------------------ loading


def _upsert_organization(session: Session, spec: OrganizationSpec, ids: dict[str, UUID]) -> UUID:
    values = {
        "name": spec.name,
        "short_name": spec.short_name,
        "kind": spec.kind,
        "parent_id": ids[spec.parent_code] if spec.parent_code else None,
        "division_code": spec.division_code,
        "zone_code": spec.zone_code,
        "credit_code": spec.credit_code,
        "address": spec.address,
        "phone": spec.phone,
        "description": spec.description,
        "sort_order": spec.sort_order,
    }
    existing = registry_service.find_organization_by_code(session, spec.code)
    if existing is None:
        created = registry_service.create_organization(
            session, actor=SYSTEM, data=OrganizationCreate(code=spec.code, **values)
        )
        return created.id
    changed = {key: value for key, value in values.items() if getattr(existing, key) != value}
    if not existing.is_active:
        changed["is_active"] = True
    if changed:
        registry_service.update_organization(
            session, actor=SYSTEM, organization_id=existing.id, data=OrganizationUpdate(**changed)
        )
    return existing.id


def _upsert_user(
    session: Session, user: data.DemoUser, password: str, ids: dict[str, UUID]
) -> None:
    organization_id = ids[user.organization] if user.organization else None
    existing = identity_service.find_user_by_username(session, user.username)
    if existing is None:
        identity_service.create_user(
            session,
            actor=SYSTEM,
            data=UserCreate(
                username=user.username,
                display_name=user.display_name,
                organization_id=organization_id,
                roles=[user.role],
                password=password,
            ),
        )
        return
    identity_service.update_user(
        session,
        actor=SYSTEM,
        user_id=existing.id,
        data=UserUpdate(display_name=user.display_name, roles=[user.role], is_active=True),
    )
    identity_service.set_password(session, actor=SYSTEM, user_id=existing.id, password=password)


def _catalog_draft(session: Session, entry: DemoEntry) -> EntryDraft:
    """A demo catalog entry as a draft: its provider, legal-basis and system codes
    resolved to the ids the registry gave them."""
    provider = registry_service.find_organization_by_code(session, entry.provider_code)
    if provider is None:
        raise LookupError(f"demo catalog: no organization {entry.provider_code}")
    bases = []
    for code in entry.legal_basis_codes:
        basis = registry_service.find_legal_basis_by_code(session, code)
        if basis is None:
            raise LookupError(f"demo catalog: no legal basis {code}")
        bases.append(basis.id)
    system = (
        registry_service.find_information_system_by_code(session, entry.source_system_code)
        if entry.source_system_code
        else None
    )
    fields = entry.as_dict()
    for reference in (
        "provider_code",
        "provider_name",
        "legal_basis_codes",
        "source_system_code",
        "source_system_name",
    ):
        fields.pop(reference)
    return EntryDraft.model_validate(
        {
            **fields,
            "provider_organization_id": provider.id,
            "legal_basis_ids": bases,
            "source_system_id": system.id if system is not None else None,
        }
    )


def _load_catalog(session: Session, entries: list[DemoEntry], advance: Callable[[], None]) -> int:
    """Draft the demo entries that are missing and publish them together (the review
    steps are audited one by one); returns how many were added."""
    catalog_service.ensure_default_grades(session, actor=SYSTEM)
    drafted = []
    for entry in entries:
        if catalog_service.find_entry_by_code(session, entry.resource_code) is None:
            data = _catalog_draft(session, entry)
            version = catalog_service.create_draft(session, actor=SYSTEM, data=data)
            drafted.append(version.entry_id)
        advance()
    if drafted:
        catalog_service.publish_many(
            session, actor=SYSTEM, entry_ids=drafted, opinion="演示目录，审核通过。"
        )
    return len(drafted)


def load(
    database: Database, password: str | None = None, *, console: Console | None = None
) -> list[DemoAccount]:
    """Load (or bring up to date) the demo Jining in one transaction and return the accounts.

    With ``password`` every demo account gets it; otherwise each gets a new
    random one.

    Raises:
        WeakPasswordError: ``password`` breaks the password rules (nothing is loaded).
    """
    if password is not None:
        for user in data.DEMO_USERS:
            problems = password_problems(password, username=user.username)
            if problems:
                raise WeakPasswordError("密码" + "；".join(problems), problems=problems)
    specs = organization_specs()
    names = {spec.code: spec.name for spec in specs}
    passwords = {u.username: password or generate_password() for u in data.DEMO_USERS}
    output = console or Console(stderr=True)
    ids: dict[str, UUID] = {}
    catalog = generate_entries()
    with (
        database.session_scope() as session,
        Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=output,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task(
            "载入单位", total=2 * len(specs) + 3 + len(catalog) + len(data.DEMO_USERS)
        )
        for spec in specs:
            ids[spec.code] = _upsert_organization(session, spec, ids)
            progress.advance(task)
        progress.update(task, description="指定平台主管部门")
        registry_service.set_coordinator(
            session, actor=SYSTEM, organization_id=ids[COORDINATOR_CODE]
        )
        progress.advance(task)
        progress.update(task, description="登记条例职责")
        for spec in specs:
            registry_service.set_duties(
                session,
                actor=SYSTEM,
                organization_id=ids[spec.code],
                duties=[
                    DutyWrite(article=a, named_body=b, note=n)
                    for (a, b), n in sorted(spec.duties.items())
                ],
            )
            progress.advance(task)
        progress.update(task, description="载入法律依据")
        # The vocabulary that refusals and exemptions cite (Art. 22, 27, 70).
        registry_service.seed_legal_bases(session, actor=SYSTEM)
        progress.advance(task)
        progress.update(task, description="登记信息系统")
        seed_demo_systems(session, actor=SYSTEM)
        progress.advance(task)
        progress.update(task, description="编制并发布资源目录")
        _load_catalog(session, catalog, lambda: progress.advance(task))
        progress.update(task, description="创建演示账号")
        for user in data.DEMO_USERS:
            _upsert_user(session, user, passwords[user.username], ids)
            progress.advance(task)
    # The base databases: tables from the published catalog, a synthetic slice loaded
    # by the source departments (each load is its own transaction, as in real use).
    with output.status("装载基础数据库…") as status:
        base_data_demo.load(
            database, city_code=data.municipal_code, progress=lambda text: status.update(text)
        )
        status.update("共享申请示例")
        with database.session_scope() as session:
            sharing_demo.load(
                session, city_code=data.municipal_code, coordinator_code=COORDINATOR_CODE
            )
        status.update("个人数据权利示例")
        subject_key = demo_subject_key()
        with database.session_scope() as session:
            privacy_demo.load(session, subject_key=subject_key)
        status.update("一次采集事项示例")
        with database.session_scope() as session:
            onceonly_demo.load(session, city_code=data.municipal_code)
        status.update("授权回填示例")
        with database.session_scope() as session:
            onceonly_prefill_demo.load(
                session, city_code=data.municipal_code, subject_key=subject_key
            )
        status.update("开放数据（去标识化发布）")
        with database.session_scope() as session:
            opendata_demo.load(session, entries=catalog)
        status.update("数据开放申请示例")
        with database.session_scope() as session:
            opendata_requests_demo.load(session)
    masked = privacy_service.mask_key(subject_key, privacy_service.subject_kind_of(subject_key))
    notes = {
        privacy_demo.CITIZEN: f"已绑定演示人口 {masked}，登录后打开 /privacy/my-data 查看"
        "“我的数据”，/onceonly/my-cases 查看“重复索要反映”，/onceonly/prefill 确认“授权回填”"
    }
    return [
        DemoAccount(
            role=u.role,
            username=u.username,
            password=passwords[u.username],
            organization_name=names[u.organization] if u.organization else "",
            note=notes.get(u.username, ""),
        )
        for u in data.DEMO_USERS
    ]


def demo_subject_key() -> str:
    """The ID number of the demo population's first person: the demo citizen's (Art. 68)."""
    frame = base_data_synthetic.population_frame(1, seed=base_data_demo.SEED)
    return str(frame["公民身份号码"][0])


def print_accounts(accounts: list[DemoAccount], *, console: Console | None = None) -> None:
    """Print the demo accounts as a table, and where to log in."""
    output = console or Console()
    table = Table(title="济宁演示账号", title_justify="left")
    table.add_column("角色", no_wrap=True)
    table.add_column("用户名", no_wrap=True, style="bold")
    table.add_column("密码", no_wrap=True, style="green")
    table.add_column("所属单位")
    for account in accounts:
        table.add_row(
            account.role_label, account.username, account.password, account.organization_name or "—"
        )
    output.print(table)
    for account in accounts:
        if account.note:
            output.print(f"{account.username}：{account.note}", soft_wrap=True)
    # Never wrap the addresses: they are meant to be copied.
    output.print(f"平台地址：{URL}    API 文档：{URL}api/docs", soft_wrap=True)
    output.print("[dim]再次执行 smartcity demo load 会重置演示账号的密码。[/dim]", soft_wrap=True)
