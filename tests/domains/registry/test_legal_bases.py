"""The legal-basis vocabulary: citable articles instead of free text."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from smartcity.core.config import Settings
from smartcity.core.errors import PermissionDeniedError
from smartcity.core.pagination import PageParams
from smartcity.core.security import SYSTEM
from smartcity.domains.audit import service as audit_service
from smartcity.domains.identity.permissions import Role
from smartcity.domains.registry import service as registry_service
from smartcity.domains.registry.enums import LegalLevel
from smartcity.domains.registry.errors import (
    LegalBasisCodeTakenError,
    LegalBasisNotCitableError,
    LegalBasisNotFoundError,
)
from smartcity.domains.registry.legal_catalogue import STARTING_VOCABULARY
from smartcity.domains.registry.schemas import LegalBasisCreate, LegalBasisFilter, LegalBasisUpdate
from tests.factories.identity import actor_of, login, make_user
from tests.factories.registry import coordinator_organization, make_organization
from tests.helpers.problems import assert_problem


def _basis(session: Session, **values: object) -> registry_service.LegalBasis:
    data: dict[str, object] = {
        "code": "TEST-1",
        "title": "《测试条例》",
        "article": "第一条",
        "level": LegalLevel.local_regulation,
    }
    data.update(values)
    return registry_service.create_legal_basis(
        session, actor=SYSTEM, data=LegalBasisCreate.model_validate(data)
    )


class TestVocabulary:
    def test_seeding_is_idempotent_and_audited(self, session: Session) -> None:
        assert registry_service.seed_legal_bases(session, actor=SYSTEM) == len(STARTING_VOCABULARY)
        assert registry_service.seed_legal_bases(session, actor=SYSTEM) == 0
        basis = registry_service.find_legal_basis_by_code(session, "PIPL-34")
        assert basis is not None
        assert basis.citation == "《中华人民共和国个人信息保护法》第三十四条"
        assert audit_service.actions_for(session, subject_id=basis.id) == [
            "registry.legal_basis.created"
        ]

    def test_codes_are_unique(self, session: Session) -> None:
        _basis(session)
        with pytest.raises(LegalBasisCodeTakenError):
            _basis(session)

    def test_only_the_coordinator_maintains_it(self, session: Session) -> None:
        staff = actor_of(
            make_user(session, organization=make_organization(session), roles=[Role.org_admin])
        )
        with pytest.raises(PermissionDeniedError):
            registry_service.create_legal_basis(
                session,
                actor=staff,
                data=LegalBasisCreate(
                    code="X", title="《某法》", article="第一条", level=LegalLevel.law
                ),
            )

    def test_a_repealed_article_stays_but_cannot_be_cited(self, session: Session) -> None:
        basis = _basis(session)
        assert (
            registry_service.ensure_citable(session, actor=SYSTEM, legal_basis_id=basis.id) is basis
        )
        registry_service.update_legal_basis(
            session,
            actor=SYSTEM,
            legal_basis_id=basis.id,
            data=LegalBasisUpdate(repealed_date=date(2020, 1, 1)),
        )
        with pytest.raises(LegalBasisNotCitableError):
            registry_service.ensure_citable(session, actor=SYSTEM, legal_basis_id=basis.id)
        assert (
            audit_service.actions_for(session, subject_id=basis.id)[-1]
            == "registry.legal_basis.repealed"
        )
        listed = registry_service.list_legal_bases(
            session, actor=SYSTEM, page=PageParams(), filters=LegalBasisFilter(q="测试条例")
        )
        assert listed.total == 0
        everything = registry_service.list_legal_bases(
            session,
            actor=SYSTEM,
            page=PageParams(),
            filters=LegalBasisFilter(q="测试条例", include_repealed=True),
        )
        assert everything.total == 1

    def test_an_article_not_yet_in_force_cannot_be_cited(self, session: Session) -> None:
        basis = _basis(session, effective_date=date(2999, 1, 1))
        with pytest.raises(LegalBasisNotCitableError):
            registry_service.ensure_citable(session, actor=SYSTEM, legal_basis_id=basis.id)

    def test_an_unknown_id_is_not_found(self, session: Session) -> None:
        with pytest.raises(LegalBasisNotFoundError):
            registry_service.ensure_citable(
                session, actor=SYSTEM, legal_basis_id=make_organization(session).id
            )


class TestApi:
    def test_coordinator_creates_and_anyone_signed_in_searches(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.coordinator]
            ),
            settings,
        )
        created = client.post(
            "/api/v1/registry/legal-bases",
            json={
                "code": "DSL-21X",
                "title": "《中华人民共和国数据安全法》",
                "article": "第二十一条",
                "level": "law",
            },
        )
        assert created.status_code == 201, created.text
        found = client.get("/api/v1/registry/legal-bases", params={"q": "数据安全"}).json()
        assert [b["code"] for b in found["items"]] == ["DSL-21X"]

    def test_unknown_level_is_refused(
        self, client: TestClient, session: Session, settings: Settings
    ) -> None:
        login(
            client,
            session,
            make_user(
                session, organization=coordinator_organization(session), roles=[Role.coordinator]
            ),
            settings,
        )
        response = client.post(
            "/api/v1/registry/legal-bases",
            json={"code": "X", "title": "《某法》", "article": "第一条", "level": "whim"},
        )
        assert_problem(response, status=422, code="invalid-input")
