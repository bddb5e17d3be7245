"""``smartcity privacy bind``: validated keys, Chinese errors, nothing written on error."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from smartcity.cli import app
from smartcity.core.config import get_settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.identifiers import make_id_number
from smartcity.domains.identity.permissions import Role
from smartcity.domains.privacy.models import SubjectBinding
from tests.factories.identity import make_user


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Database]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    db = Database(url)
    upgrade(db.engine)
    monkeypatch.setenv("SMARTCITY_DATABASE__URL", url)
    get_settings.cache_clear()
    yield db
    db.dispose()
    get_settings.cache_clear()


def test_binds_a_user_and_refuses_a_bad_key_in_chinese(database: Database) -> None:
    with database.session_scope() as session:
        make_user(session, organization=None, roles=[Role.citizen], username="zhang.san")
    key = make_id_number("370811", date(1988, 8, 8), 21)
    runner = CliRunner()

    wrong_check = key[:-1] + ("1" if key[-1] != "1" else "2")
    bad = runner.invoke(app, ["privacy", "bind", "zhang.san", wrong_check])
    assert bad.exit_code == 1
    assert "公民身份号码或统一社会信用代码不正确" in bad.output
    with database.read_scope() as session:
        assert session.scalars(select(SubjectBinding)).first() is None

    good = runner.invoke(app, ["privacy", "bind", "zhang.san", key])
    assert good.exit_code == 0, good.output
    assert "已将 zhang.san 绑定为公民" in good.output
    assert key not in good.output  # masked
    with database.read_scope() as session:
        assert session.scalars(select(SubjectBinding.subject_key)).one() == key

    unknown = runner.invoke(app, ["privacy", "bind", "nobody", key])
    assert unknown.exit_code == 1
    assert "用户不存在" in unknown.output
