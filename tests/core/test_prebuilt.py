"""Prebuilt statements: the same rows, converted the same way, as SQLAlchemy's execution."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import bindparam, func, literal_column, select
from sqlalchemy.orm import Session, aliased

from smartcity.core.db.prebuilt import PREFETCHED, Prebuilt, Read, prefetch
from smartcity.core.security import SYSTEM
from smartcity.domains.identity import service as identity_service
from smartcity.domains.identity.models import ApiClient
from smartcity.domains.identity.permissions import Role
from smartcity.domains.identity.schemas import ApiClientCreate
from smartcity.domains.registry.enums import OrganizationKind
from smartcity.domains.registry.models import Organization
from tests.factories.registry import make_organization

_OTHER = aliased(ApiClient)
# UUIDs, text, JSON, time stamps (one NULL), a boolean, an enum, a literal enum
# parameter beside a named one, and a scalar subquery.
CLIENTS = select(
    ApiClient.id,
    ApiClient.name,
    ApiClient.roles,
    ApiClient.expires_at,
    ApiClient.revoked_at,
    Organization.is_active,
    Organization.kind,
    select(func.count(_OTHER.id))
    .where(_OTHER.organization_id == Organization.id)
    .scalar_subquery()
    .label("clients"),
).join(Organization, Organization.id == ApiClient.organization_id)
BY_ORGANIZATION = CLIENTS.where(
    ApiClient.organization_id == bindparam("organization_id"),
    Organization.kind == OrganizationKind.municipal_department,
).order_by(ApiClient.name)


def _clients(session: Session, organization: Organization, *names: str) -> list[ApiClient]:
    return [
        identity_service.create_api_client(
            session,
            actor=SYSTEM,
            data=ApiClientCreate(
                name=name, organization_id=organization.id, roles=[Role.org_staff]
            ),
            max_days=365,
        )[0]
        for name in names
    ]


def test_rows_and_their_types_are_those_sqlalchemy_gives(session: Session) -> None:
    organization = make_organization(session)
    _clients(session, organization, "审批系统", "受理系统")

    expected = session.execute(BY_ORGANIZATION, {"organization_id": organization.id}).all()
    rows = Prebuilt(BY_ORGANIZATION).all(session, organization_id=organization.id)

    assert [tuple(row) for row in rows] == [tuple(row) for row in expected]
    assert len(rows) == 2
    first = rows[0]
    assert first.name == "受理系统"
    assert isinstance(first.id, UUID)
    assert first.roles == [Role.org_staff.value]
    assert isinstance(first.expires_at, datetime)
    assert first.expires_at.tzinfo is not None
    assert first.revoked_at is None
    assert first.is_active is True
    assert first.kind is OrganizationKind.municipal_department
    assert first.clients == 2


def test_the_literal_parameter_filters(session: Session) -> None:
    district = make_organization(session, kind=OrganizationKind.county_government)
    _clients(session, district, "区级系统")
    statement = Prebuilt(BY_ORGANIZATION)

    assert statement.all(session, organization_id=district.id) == []
    assert statement.first(session, organization_id=uuid4()) is None


def test_pending_changes_are_flushed_first(session: Session) -> None:
    organization = make_organization(session)
    (client,) = _clients(session, organization, "旧名称")
    client.name = "新名称"  # not flushed

    row = Prebuilt(BY_ORGANIZATION).first(session, organization_id=organization.id)

    assert row is not None
    assert row.name == "新名称"


def test_a_list_parameter_is_refused(session: Session) -> None:
    statement = Prebuilt(CLIENTS.where(ApiClient.id.in_(bindparam("ids", expanding=True))))
    with pytest.raises(ValueError, match="list parameters"):
        statement.all(session, ids=[uuid4()])


def test_a_parameter_used_twice_and_a_statement_past_psycopgs_cache_run_alike(
    session: Session,
) -> None:
    """On psycopg a prebuilt statement is sent with PostgreSQL's own ``$n`` placeholders
    (a parameter used twice is one ``$n``); the text's length no longer matters."""
    organization = make_organization(session)
    _clients(session, organization, "甲系统", "乙系统")
    twice = BY_ORGANIZATION.where(Organization.id == bindparam("organization_id"))
    padding = (literal_column(f"'{'x' * 300}{n}'") for n in range(20))  # in the text
    long = twice.where(*(ApiClient.name != text for text in padding))
    expected = Prebuilt(BY_ORGANIZATION).all(session, organization_id=organization.id)

    for statement in (Prebuilt(twice), Prebuilt(long)):
        assert statement.all(session, organization_id=organization.id) == expected
    plan = Prebuilt(long)._plan(session.get_bind().dialect)
    assert len(plan.sql.encode()) > 4096
    if session.get_bind().dialect.driver == "psycopg":
        assert "$1" in plan.sql
        assert "%(" not in plan.sql


def test_unconverted_rows_are_the_drivers_values_and_compare_equal(session: Session) -> None:
    organization = make_organization(session)
    _clients(session, organization, "审批系统")
    statement = Prebuilt(BY_ORGANIZATION, converted=False)

    first = statement.first(session, organization_id=organization.id)
    again = statement.first(session, organization_id=organization.id)

    assert first is not None
    assert first == again
    assert not isinstance(first.kind, OrganizationKind)
    assert first.kind == OrganizationKind.municipal_department.value
    assert (
        UUID(str(first.id))
        == Prebuilt(BY_ORGANIZATION).all(session, organization_id=organization.id)[0].id
    )


# ---------------------------------------------------------------- prefetch

BY_ID = CLIENTS.where(ApiClient.id == bindparam("organization_id"))
"""A one-row read whose parameter has the same name as ``BY_ORGANIZATION``'s."""
COUNT = Prebuilt(
    select(func.count(ApiClient.id)).where(
        ApiClient.organization_id == bindparam("organization_id")
    )
)


def test_prefetched_rows_are_each_reads_own_rows_from_one_statement(session: Session) -> None:
    first, second = make_organization(session), make_organization(session)
    a, b = _clients(session, first, "审批系统", "受理系统")
    _clients(session, second, "区级系统")
    one, raw, many = (
        Prebuilt(BY_ID),
        Prebuilt(BY_ORGANIZATION, converted=False),
        Prebuilt(BY_ORGANIZATION),
    )
    reads: list[Read] = [
        (one, {"organization_id": a.id}),  # same parameter name, other values
        (raw, {"organization_id": second.id}),  # driver values, as its own run gives
        (COUNT, {"organization_id": first.id}),
        (one, {"organization_id": uuid4()}),  # no row
    ]
    expected = [prebuilt.all(session, **params) for prebuilt, params in reads]
    expected_many = many.all(session, organization_id=first.id)

    prefetch(session, reads, (many, {"organization_id": first.id}))
    got = [prebuilt.all(session, **params) for prebuilt, params in reads]
    got_many = many.all(session, organization_id=first.id)

    assert got == expected
    assert [type(v) for v in got[0][0]] == [type(v) for v in expected[0][0]]
    assert got[0][0].name == "审批系统"
    assert not isinstance(got[1][0].kind, OrganizationKind)  # unconverted stays so
    assert got[2] == [(2,)]
    assert got[3] == []
    assert got_many == expected_many
    assert [r.name for r in got_many] == ["受理系统", "审批系统"]
    assert b.id in {r.id for r in got_many}


def test_a_prefetched_read_is_taken_once_without_a_query(session: Session) -> None:
    organization = make_organization(session)
    (client,) = _clients(session, organization, "旧名称")
    statement = Prebuilt(BY_ID)

    prefetch(session, [(statement, {"organization_id": client.id})])
    client.name = "新名称"  # changed after the prefetch: a query now would see it
    session.flush()

    assert statement.first(session, organization_id=client.id).name == "旧名称"
    assert statement.first(session, organization_id=client.id).name == "新名称"
    assert session.info[PREFETCHED] == {}


def test_a_read_with_other_parameters_runs_as_usual(session: Session) -> None:
    first, second = make_organization(session), make_organization(session)
    _clients(session, first, "甲系统")
    _clients(session, second, "乙系统")
    statement = Prebuilt(BY_ORGANIZATION)

    prefetch(session, [(statement, {"organization_id": first.id})])

    assert [r.name for r in statement.all(session, organization_id=second.id)] == ["乙系统"]
    assert [r.name for r in statement.all(session, organization_id=first.id)] == ["甲系统"]


def test_nothing_to_read_is_no_statement(session: Session) -> None:
    prefetch(session, [])

    assert PREFETCHED not in session.info
