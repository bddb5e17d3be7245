"""Domains talk to each other only through their public modules (STYLE.md §4)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
DOMAINS_DIR = ROOT / "src" / "smartcity" / "domains"
DOMAINS = sorted(p.name for p in DOMAINS_DIR.iterdir() if (p / "__init__.py").exists())
PUBLIC_MODULES = {"service", "schemas", "errors", "permissions", "enums", "deps", "events"}
SHARED_MODELS = {"identity", "registry"}  # foundation tables others may join and relate to


def cross_domain_imports(path: Path, own: str) -> Iterator[tuple[str, str]]:
    """Yield (domain, module) for every import of another domain in ``path``."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[:2] == ["smartcity", "domains"] and len(parts) > 3 and parts[2] != own:
                yield parts[2], parts[3]


@pytest.mark.parametrize("domain", DOMAINS)
def test_other_domains_are_used_through_their_public_modules(domain: str) -> None:
    offenders = [
        f"{path.relative_to(DOMAINS_DIR)} imports {other}.{module}"
        for path in sorted((DOMAINS_DIR / domain).rglob("*.py"))
        for other, module in cross_domain_imports(path, own=domain)
        if module not in PUBLIC_MODULES and not (module == "models" and other in SHARED_MODELS)
    ]
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize("domain", DOMAINS)
def test_services_never_commit(domain: str) -> None:
    """The edge owns the transaction: services flush, never commit (STYLE.md §5, §7)."""
    offenders = []
    paths = [
        *(DOMAINS_DIR / domain).rglob("service*.py"),
        *(DOMAINS_DIR / domain).glob("service/*.py"),
    ]
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "commit"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id == "session"
            ):
                offenders.append(f"{path.relative_to(DOMAINS_DIR)}:{node.lineno}")
    assert not offenders, offenders


@pytest.mark.parametrize("domain", DOMAINS)
def test_routes_have_no_sql(domain: str) -> None:
    """API routes and pages call services; they never build queries (STYLE.md §3)."""
    offenders = []
    for name in ("api.py", "web.py"):
        path = DOMAINS_DIR / domain / name
        if not path.exists():
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and (
                    node.module == "sqlalchemy"
                    and any(
                        a.name in {"select", "text", "insert", "update", "delete"}
                        for a in node.names
                    )
                )
            ):
                offenders.append(f"{domain}/{name}:{node.lineno}")
            if (
                isinstance(node, ast.ImportFrom)
                and node.module
                and node.module.endswith(".models")
                and node.module.startswith("smartcity.domains")
            ):
                offenders.append(f"{domain}/{name}:{node.lineno} imports models")
    assert not offenders, offenders


def test_import_linter_contracts_hold() -> None:
    """The layer contracts in pyproject.toml (kernel knows no domain, …)."""
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed in this environment")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
