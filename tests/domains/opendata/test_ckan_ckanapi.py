"""The unmodified ``ckanapi`` client (PyPI) against the real application served by
uvicorn on 127.0.0.1 (Art. 31: existing open data tools work with the portal):
its command line (``action``, ``dump datasets --all``) and its ``RemoteCKAN`` class."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import ckanapi
import pytest

from smartcity.app import create_app
from smartcity.core.config import DatabaseSettings, Settings
from smartcity.core.db.engine import Database
from smartcity.core.db.migrate import upgrade
from smartcity.domains.identity.permissions import Role
from smartcity.domains.opendata.service import keys
from tests.factories.identity import actor_of, make_user
from tests.factories.opendata import make_dataset
from tests.factories.registry import make_organization
from tests.helpers.live import serving

BIN = Path(sys.executable).parent
CKANAPI = BIN / "ckanapi"


@dataclass
class Portal:
    url: str
    names: dict[str, str]  # title → dataset name
    resource_id: str
    key: str  # a registered user's open data API key


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    """Three published datasets and a draft on a migrated SQLite file, served by uvicorn."""
    url = f"sqlite:///{tmp_path_factory.mktemp('ckanapi') / 'portal.sqlite3'}"
    database = Database(url)
    upgrade(database.engine)
    with database.session_scope() as session:
        transport = make_organization(session, name="济宁市交通运输局")
        environment = make_organization(session, name="济宁市生态环境局")
        bus = make_dataset(session, provider=transport, title="城市公交线路数据", tags=["公交"])
        air = make_dataset(session, provider=environment, title="空气质量小时数据", tags=["空气"])
        school = make_dataset(session, provider=transport, title="校车线路信息", tags=["交通"])
        make_dataset(session, provider=transport, title="公交草稿", publish=False)
        names = {d.title: d.name for d in (bus, air, school)}
        resource_id = str(bus.resources[0].id)
        user = make_user(session, organization=None, roles=[Role.citizen])
        key = keys.create_api_key(session, actor=actor_of(user), name="采集").key
    app = create_app(
        Settings(environment="test", database=DatabaseSettings(url=url)), database=database
    )
    try:
        with serving(app) as base_url:
            yield Portal(base_url, names, resource_id, key)
    finally:
        database.dispose()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``ckanapi`` as a user runs it (``dump`` starts workers by name from ``PATH``)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CKANAPI_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["CKANAPI_REQUEST_TIMEOUT"] = "30"
    return subprocess.run(
        [str(CKANAPI), *args], capture_output=True, text=True, env=env, timeout=120, check=False
    )


class TestCommandLine:
    def test_action_package_search_finds_a_two_character_chinese_word(self, portal: Portal) -> None:
        run = cli("action", "package_search", "q=公交", "-r", portal.url)

        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result["count"] == 1
        assert [r["title"] for r in result["results"]] == ["城市公交线路数据"]

    def test_action_package_search_by_get_with_facets(self, portal: Portal) -> None:
        run = cli(
            "action", "package_search", "-g", 'facet.field=["tags"]', "rows=0", "-r", portal.url
        )

        assert run.returncode == 0, run.stderr
        result = json.loads(run.stdout)
        assert result["count"] == 3
        assert {i["name"] for i in result["search_facets"]["tags"]["items"]} == {
            "公交",
            "空气",
            "交通",
        }

    def test_action_package_show(self, portal: Portal) -> None:
        name = portal.names["空气质量小时数据"]

        run = cli("action", "package_show", f"id={name}", "-r", portal.url)

        assert run.returncode == 0, run.stderr
        package = json.loads(run.stdout)
        assert package["name"] == name
        assert package["organization"]["title"] == "济宁市生态环境局"

    def test_action_package_show_of_an_unknown_dataset_fails_with_not_found(
        self, portal: Portal
    ) -> None:
        run = cli("action", "package_show", "id=no-such-dataset", "-r", portal.url)

        assert run.returncode != 0
        assert "NotFound" in run.stderr

    def test_dump_datasets_all_writes_every_published_dataset_as_json_lines(
        self, portal: Portal, tmp_path: Path
    ) -> None:
        output = tmp_path / "datasets.jsonl"

        run = cli("dump", "datasets", "--all", "-O", str(output), "-r", portal.url, "-q")

        assert run.returncode == 0, run.stderr
        lines = output.read_text(encoding="utf-8").splitlines()
        dumped = [json.loads(line) for line in lines]
        assert sorted(d["name"] for d in dumped) == sorted(portal.names.values())
        assert {d["title"] for d in dumped} == set(portal.names)
        assert all(d["resources"] and d["type"] == "dataset" for d in dumped)


class TestRemoteCKAN:
    def test_actions_return_results_and_raise_ckans_errors(self, portal: Portal) -> None:
        remote = ckanapi.RemoteCKAN(portal.url, user_agent="smartcity-tests")

        found = remote.action.package_search(q="空气质量", fq="tags:空气", rows=5)
        assert [r["title"] for r in found["results"]] == ["空气质量小时数据"]
        assert sorted(remote.action.package_list()) == sorted(portal.names.values())
        assert len(remote.action.organization_list()) == 2
        records = remote.action.datastore_search(
            resource_id=portal.resource_id, filters={"night": True}
        )
        assert [r["line_no"] for r in records["records"]] == ["N1"]
        with pytest.raises(ckanapi.NotFound):
            remote.action.package_show(id="no-such-dataset")
        with pytest.raises(ckanapi.ValidationError):
            remote.action.package_search(rows=5000)
        with pytest.raises(ckanapi.SearchQueryError):
            remote.action.package_search(fq="-tags:x")
        with pytest.raises(ckanapi.CKANAPIError):
            remote.action.no_such_action()

    def test_get_only_reads_by_get(self, portal: Portal) -> None:
        remote = ckanapi.RemoteCKAN(portal.url, get_only=True)

        shown = remote.action.package_show(id=portal.names["校车线路信息"])

        assert shown["title"] == "校车线路信息"

    def test_an_api_key_is_accepted_and_a_bad_one_refused(self, portal: Portal) -> None:
        keyed = ckanapi.RemoteCKAN(portal.url, apikey=portal.key)
        forged = ckanapi.RemoteCKAN(portal.url, apikey="odk_000000000000_forged")

        assert sorted(keyed.action.package_list()) == sorted(portal.names.values())
        with pytest.raises(ckanapi.NotAuthorized):
            forged.action.package_list()

    def test_the_command_line_sends_a_key_with_a(self, portal: Portal) -> None:
        run = cli("action", "status_show", "-a", portal.key, "-r", portal.url)

        assert run.returncode == 0, run.stderr
        assert json.loads(run.stdout)["site_title"] == "济宁市公共数据开放平台"
