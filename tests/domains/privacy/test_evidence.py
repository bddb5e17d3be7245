"""Evidence files of correction requests (Art. 68; issue #6: "claim, evidence upload",
"uploads are size- and type-checked"): accepted by their content, stored with the
request in one transaction, read only by the filer, the source department, the
coordinator and auditors, every download audited."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smartcity.core.config import PrivacySettings
from smartcity.core.errors import AuthenticationRequiredError
from smartcity.core.hashchain import sm3_hex
from smartcity.core.pagination import PageParams
from smartcity.core.security import ANONYMOUS, SYSTEM
from smartcity.domains.audit.models import AuditEvent
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy import service as privacy_service
from smartcity.domains.privacy import service_evidence as evidence
from smartcity.domains.privacy import service_requests as requests
from smartcity.domains.privacy.enums import DataRequestKind
from smartcity.domains.privacy.errors import (
    EvidenceNotFoundError,
    EvidenceTooLargeError,
    InvalidEvidenceError,
)
from smartcity.domains.privacy.models import DataRequest, DataRequestEvidence
from smartcity.domains.privacy.schemas import DataRequestCreate, DataRequestFilter
from smartcity.domains.privacy.service_evidence import EvidenceUpload
from tests.domains.privacy.evidence_files import JPEG, PDF, PNG, TEXT
from tests.domains.privacy.world import PrivacyWorld, privacy_world
from tests.factories.catalog import staff_of
from tests.factories.identity import actor_of, make_user
from tests.factories.registry import make_organization

SETTINGS = PrivacySettings(evidence_max_bytes=4096, evidence_max_files=2)


@pytest.fixture
def world(session: Session, tmp_path: Path) -> PrivacyWorld:
    return privacy_world(session, tmp_path)


def _count(session: Session, model: Any) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


def _file(session: Session, world: PrivacyWorld, *files: EvidenceUpload) -> Any:
    return requests.file_request(
        session,
        actor=world.citizen,
        data=DataRequestCreate(
            kind=DataRequestKind.correction,
            table_name=world.exchange.table_name,
            field_name="姓名",
            claimed_value="王更正",
        ),
        settings=SETTINGS,
        evidence=files,
    )


class TestFilingWithEvidence:
    def test_files_are_stored_with_type_size_and_digests_and_listed(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = _file(
            session,
            world,
            EvidenceUpload("C:\\扫描\\户口簿.png", PNG),
            EvidenceUpload("证明.PDF", PDF),
        )

        assert [(e.filename, e.media_type, e.size) for e in filed.evidence] == [
            ("户口簿.png", "image/png", len(PNG)),
            ("证明.PDF", "application/pdf", len(PDF)),
        ]
        assert filed.evidence[0].sm3 == sm3_hex(PNG)
        assert filed.evidence[0].sha256 == hashlib.sha256(PNG).hexdigest()
        stored = session.scalars(
            select(DataRequestEvidence.content).where(
                DataRequestEvidence.id == filed.evidence[1].id
            )
        ).one()
        assert stored == PDF
        queue = requests.request_queue(
            session,
            actor=staff_of(session, world.exchange.provider),
            filters=DataRequestFilter(),
            page=PageParams(),
        )
        assert [e.filename for e in queue.items[0].evidence] == ["户口簿.png", "证明.PDF"]
        event = session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "privacy.request.filed",
                AuditEvent.subject_id == str(filed.id),
            )
        ).one()
        assert [f["sm3"] for f in event.changes_dict["evidence"]] == [sm3_hex(PNG), sm3_hex(PDF)]

    def test_a_jpeg_is_recognised_by_its_content(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = _file(session, world, EvidenceUpload("photo", JPEG))
        assert [(e.filename, e.media_type) for e in filed.evidence] == [("photo", "image/jpeg")]

    @pytest.mark.parametrize(
        ("files", "error", "message"),
        [
            ([EvidenceUpload("学历.pdf", TEXT)], InvalidEvidenceError, "不是 PDF、JPEG 或 PNG"),
            ([EvidenceUpload("学历.pdf", PNG)], InvalidEvidenceError, "内容是 PNG，与扩展名"),
            ([EvidenceUpload("空.png", b"")], InvalidEvidenceError, "空文件"),
            (
                [EvidenceUpload("大.png", PNG + bytes(4096))],
                EvidenceTooLargeError,
                "超过 4 KB 的上限",
            ),
            (
                [EvidenceUpload(f"{n}.png", PNG) for n in range(3)],
                InvalidEvidenceError,
                "最多上传 2 个",
            ),
            (
                [EvidenceUpload("好.png", PNG), EvidenceUpload("坏.jpg", TEXT)],
                InvalidEvidenceError,
                "坏.jpg",
            ),
        ],
    )
    def test_a_bad_file_refuses_the_whole_request_and_nothing_is_filed(
        self,
        session: Session,
        world: PrivacyWorld,
        files: list[EvidenceUpload],
        error: type[Exception],
        message: str,
    ) -> None:
        before = (_count(session, DataRequest), _count(session, DataRequestEvidence))

        with pytest.raises(error, match=message) as raised:
            _file(session, world, *files)

        assert getattr(raised.value, "extensions", {}).get("field") == "evidence"
        assert (_count(session, DataRequest), _count(session, DataRequestEvidence)) == before

    def test_sizes_read_as_people_read_them(self) -> None:
        assert evidence.size_label(5 * 1024 * 1024) == "5 MB"
        assert evidence.size_label(1536 * 1024) == "1.5 MB"
        assert evidence.size_label(4096) == "4 KB"

    def test_the_filename_loses_its_path_and_control_characters(self) -> None:
        assert evidence.clean_filename("../../etc/pass\x00wd.png") == "passwd.png"
        assert evidence.clean_filename('a"b.pdf') == "ab.pdf"
        assert evidence.clean_filename("   ") == "证明材料"


class TestDownloadingEvidence:
    def test_the_filer_source_department_coordinator_and_auditor_may_each_audited(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = _file(session, world, EvidenceUpload("户口簿.png", PNG))
        evidence_id = filed.evidence[0].id
        readers = [
            world.citizen,
            staff_of(session, world.exchange.provider),
            world.coordinator,
            staff_of(session, make_organization(session), Role.auditor),
        ]
        for reader in readers:
            download = evidence.get_evidence(
                session, actor=reader, request_id=filed.id, evidence_id=evidence_id
            )
            assert (download.filename, download.media_type, download.content) == (
                "户口簿.png",
                "image/png",
                PNG,
            )
        events = session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.action == "privacy.evidence.downloaded",
                AuditEvent.subject_id == str(evidence_id),
            )
            .order_by(AuditEvent.seq)
        ).all()
        assert [e.actor_id for e in events] == [r.id for r in readers]
        assert events[0].changes_dict["request"] == filed.number

    def test_anyone_else_is_told_it_does_not_exist(
        self, session: Session, world: PrivacyWorld
    ) -> None:
        filed = _file(session, world, EvidenceUpload("户口簿.png", PNG))
        neighbour = make_user(session, organization=None, roles=[Role.citizen])
        privacy_service.bind_subject(
            session, actor=SYSTEM, username=neighbour.username, key=world.exchange.key(1)
        )
        outsiders = [
            actor_of(neighbour),
            world.exchange.staff,  # the consumer department, not the source
            actor_of(make_user(session, organization=None, roles=[Role.citizen])),  # unbound
        ]
        for outsider in outsiders:
            with pytest.raises(EvidenceNotFoundError):
                evidence.get_evidence(
                    session,
                    actor=outsider,
                    request_id=filed.id,
                    evidence_id=filed.evidence[0].id,
                )
        with pytest.raises(AuthenticationRequiredError):
            evidence.get_evidence(
                session, actor=ANONYMOUS, request_id=filed.id, evidence_id=filed.evidence[0].id
            )
        other = _file_deletion(session, world)
        with pytest.raises(EvidenceNotFoundError):  # the file is not of that request
            evidence.get_evidence(
                session,
                actor=world.citizen,
                request_id=other.id,
                evidence_id=filed.evidence[0].id,
            )
        assert _count_downloads(session) == 0, "a refused download writes no download event"


def _file_deletion(session: Session, world: PrivacyWorld) -> Any:
    return requests.file_request(
        session,
        actor=world.citizen,
        data=DataRequestCreate(
            kind=DataRequestKind.deletion,
            table_name=world.exchange.table_name,
            field_name="性别",
            reason="不应保存",
        ),
        settings=SETTINGS,
    )


def _count_downloads(session: Session) -> int:
    return (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "privacy.evidence.downloaded")
        )
        or 0
    )
