"""``smartcity calendar`` commands against a migrated SQLite file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from smartcity.cli import app
from smartcity.core.config import get_settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.core.time import freeze_time
from tests.domains.calendar import as_file, invented_2027

# Wide enough that Rich does not wrap the Chinese lines the tests look for.
runner = CliRunner(env={"COLUMNS": "250"})
TODAY_2026 = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    database.dispose()
    monkeypatch.setenv("SMARTCITY_DATABASE__URL", url)
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()


@pytest.fixture
def invented_file(tmp_path: Path) -> Path:
    path = tmp_path / "2027.json"
    path.write_bytes(as_file(invented_2027()))  # INVENTED data, not the real 2027 notice
    return path


def test_load_prints_the_year_its_holidays_and_make_up_days(
    database_url: str, invented_file: Path
) -> None:
    result = runner.invoke(app, ["calendar", "load", str(invented_file)])

    assert result.exit_code == 0, result.output
    assert "已载入2027年节假日安排（测试〔2026〕99号）" in result.output
    assert "节假日 2 个，调休上班日 1 天" in result.output
    assert "虚构假期甲：2027-01-01 至 2027-01-03，共 3 天" in result.output
    assert "调休上班：2027-02-27" in result.output


def test_load_refuses_an_invalid_file_and_stores_nothing(database_url: str, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(as_file({**invented_2027(), "makeup_workdays": ["2027-02-26"]}))

    result = runner.invoke(app, ["calendar", "load", str(bad)])

    assert result.exit_code == 1
    assert "调休上班日 2027-02-26 不是周六或周日" in result.output
    with freeze_time(TODAY_2026):
        years = runner.invoke(app, ["calendar", "years"])
    assert "尚未载入2027年节假日安排" in years.output


def test_years_warns_about_the_missing_next_year_until_it_is_loaded(
    database_url: str, invented_file: Path
) -> None:
    with freeze_time(TODAY_2026):
        before = runner.invoke(app, ["calendar", "years"])
        runner.invoke(app, ["calendar", "load", str(invented_file)])
        after = runner.invoke(app, ["calendar", "years"])

    assert before.exit_code == 0, before.output
    assert "国办发明电〔2025〕7号" in before.output
    assert "2027（下一年）" in before.output
    assert "警告：尚未载入2027年节假日安排" in before.output
    assert after.exit_code == 0, after.output
    assert "尚未载入" not in after.output
    assert "已载入" in after.output


def test_deadline_across_the_2026_spring_festival(database_url: str) -> None:
    result = runner.invoke(app, ["calendar", "deadline", "2026-02-13T10:00", "5"])

    assert result.exit_code == 0, result.output
    assert "期限：2026-02-27 24:00" in result.output


def test_deadline_into_an_unknown_year_fails_unless_provisional(
    database_url: str, invented_file: Path
) -> None:
    strict = runner.invoke(app, ["calendar", "deadline", "2026-12-28T10:00", "10"])
    estimate = runner.invoke(
        app, ["calendar", "deadline", "2026-12-28T10:00", "10", "--provisional"]
    )
    runner.invoke(app, ["calendar", "load", str(invented_file)])
    loaded = runner.invoke(app, ["calendar", "deadline", "2026-12-28T10:00", "10"])

    assert strict.exit_code == 1
    assert "尚未载入2027年节假日安排" in strict.output
    assert estimate.exit_code == 0, estimate.output
    assert "2027-01-11" in estimate.output
    assert "暂按周末推算" in estimate.output
    assert loaded.exit_code == 0, loaded.output
    assert "2027-01-12" in loaded.output


def test_deadline_refuses_an_unreadable_time(database_url: str) -> None:
    result = runner.invoke(app, ["calendar", "deadline", "next friday", "5"])
    assert result.exit_code == 2
    assert "无法识别的时间" in result.output
