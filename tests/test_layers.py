"""The layering rules, checked: domain rules and tables import no web or GraphQL framework,
GraphQL types import no resolvers, and domain rules read no configuration from the
environment."""

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
            # `from api import resolvers` imports api.resolvers as surely as `import` does.
            modules.update(f"{node.module}.{alias.name}" for alias in node.names)
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


def test_types_do_not_import_resolvers() -> None:
    """Resolvers call the domain and build types; a type reaching back into a resolver knots
    the layers (and hides a rule in a field). Only the root composes the resolvers' classes."""
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "api" / "schema").rglob("*.py")
        if path.name != "root.py"
        for module in imported_modules(path)
        if module == "api.resolvers" or module.startswith("api.resolvers.")
    }
    assert offenders == set()


def test_the_domain_holds_no_demo_code() -> None:
    demo_files = sorted(
        str(path.relative_to(ROOT)) for path in (ROOT / "api" / "domain").rglob("*demo*")
    )
    assert demo_files == []


ENVIRONMENT_READERS = {"environ", "getenv", "environb", "key_ring_from_environment"}


def environment_reads(path: Path) -> set[str]:
    """Names and string constants in `path` by which a module would read its configuration
    (os.environ, os.getenv, the PII key variable, the key ring's own environment loader)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in ENVIRONMENT_READERS:
            found.add(node.attr)
        elif isinstance(node, ast.Name) and node.id in ENVIRONMENT_READERS:
            found.add(node.id)
        elif isinstance(node, ast.alias) and node.name in ENVIRONMENT_READERS:
            found.add(node.name)
        elif isinstance(node, ast.Constant) and str(node.value).startswith("CHAINSTORE_"):
            found.add(str(node.value))
    return found


def test_domain_rules_read_no_environment() -> None:
    """Configuration, the PII key ring included, is read once at start-up (api/config.py,
    the app factory) and handed to the rules; a rule reading the environment would use keys
    other than the process's."""
    offenders = {
        f"{path.relative_to(ROOT)} reads {name}"
        for path in (ROOT / "api" / "domain").rglob("*.py")
        for name in environment_reads(path)
    }
    assert offenders == set()


def test_the_clerk_apps_core_never_imports_kivy_or_the_server() -> None:
    """clerk_app/core/ is the app's brain: plain Python the screens call, tested without a
    window, and it speaks to the server only over the public API."""
    offenders = {
        f"{path.relative_to(ROOT)} imports {module}"
        for path in (ROOT / "clerk_app" / "core").rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in {"kivy", "api", "db"}
    }
    assert offenders == set()
