"""The layering rule, checked: domain rules and tables import no web or GraphQL framework."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {"strawberry", "starlette", "graphql", "uvicorn", "httpx"}
LOWER_LAYERS = ["db", "api/domain", "api/demo"]


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


@pytest.mark.parametrize("layer", LOWER_LAYERS)
def test_lower_layers_do_not_import_frameworks(layer: str) -> None:
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / layer).rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_tables_do_not_import_the_api() -> None:
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "db").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] == "api"
    }
    assert offenders == set()


def test_modules_stay_small() -> None:
    """A file past ~400 lines is a sign to split; no file is exempt by name."""
    long_files = [
        f"{path.relative_to(ROOT)}: {n} lines"
        for layer in ("api", "db", "clerk_app")
        for path in (ROOT / layer).rglob("*.py")
        if (n := len(path.read_text().splitlines())) > 450
    ]
    assert long_files == []


# Demo data is for `chainstore seed --demo` only: the rules, the schema and the resolvers never
# depend on it, so a deployment without the demo behaves exactly the same.
DEMO_USERS = {"api/cli.py"}


def test_only_the_cli_imports_the_demo() -> None:
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "api").rglob("*.py")
        if not path.is_relative_to(ROOT / "api" / "demo")
        and str(path.relative_to(ROOT)) not in DEMO_USERS
        for module in imported_modules(path)
        if module == "api.demo" or module.startswith("api.demo.")
    }
    assert offenders == set()


def test_the_domain_holds_no_demo_code() -> None:
    demo_files = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "api" / "domain").rglob("*demo*")
    )
    assert demo_files == []
