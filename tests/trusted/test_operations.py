"""operations/: every trusted document validates against the committed schema.graphql, the
layout rules hold (one named operation per file, named after it, names unique across
clients, no unused fragment), and the committed manifest is current."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from graphql import FieldNode, GraphQLSchema, Visitor, build_schema, visit

from api.trusted_documents import (
    MANIFEST_NAME,
    OPERATIONS_DIR,
    OperationFileError,
    TrustedDocuments,
    document_id,
    manifest_text,
    read_operations,
    validation_errors,
)
from tests.conftest import REPO


@pytest.fixture(scope="module")
def sdl_schema() -> GraphQLSchema:
    return build_schema((REPO / "schema.graphql").read_text())


def operation_files() -> list[Path]:
    return sorted(p for p in OPERATIONS_DIR.glob("*/*.graphql"))


@pytest.mark.parametrize("path", operation_files(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_each_operation_validates_against_the_committed_schema(
    path: Path, sdl_schema: GraphQLSchema
) -> None:
    [(stored, written)] = [(s, w) for s, w in read_operations() if s.path == path]
    assert validation_errors(written, sdl_schema) == []
    assert validation_errors(stored.document, sdl_schema) == []
    assert stored.id == document_id(stored.text)


def test_the_clients_have_the_operations_they_need_today() -> None:
    names = {(s.client, s.name, s.type.value) for s, _ in read_operations()}
    assert names >= {
        ("clerk", "SignIn", "mutation"),
        ("clerk", "Me", "query"),
        ("clerk", "MemberByCode", "query"),
        ("clerk", "MemberByPhone", "query"),
        ("clerk", "StockLevel", "query"),
        ("clerk", "SearchStock", "query"),
        ("clerk", "NearbyStock", "query"),
        ("clerk", "StartShift", "mutation"),
        ("clerk", "MyOpenShift", "query"),
        ("clerk", "CompleteHandover", "mutation"),
        ("clerk", "FileComplaint", "mutation"),
        ("clerk", "StockAlerts", "subscription"),
        ("clerk", "ComplaintEvents", "subscription"),
        ("pos", "RecordSale", "mutation"),
        ("pos", "RecordReturn", "mutation"),
    }


def test_no_operation_asks_for_a_phone_number() -> None:
    """The member card the apps show never carries the number, masked or not."""

    class Fields(Visitor):
        def __init__(self) -> None:
            super().__init__()
            self.names: set[str] = set()

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            self.names.add(node.name.value)

    for stored, _ in read_operations():
        fields = Fields()
        visit(stored.document, fields)
        assert not fields.names & {"phone", "phoneMasked"}, stored.name


def test_the_committed_manifest_is_current() -> None:
    """Fails when an operation changed without `chainstore operations` (CI then fails)."""
    committed = (OPERATIONS_DIR / MANIFEST_NAME).read_text()
    assert committed == manifest_text([s for s, _ in read_operations()]), (
        "operations/manifest.json is stale: run `chainstore operations`"
    )
    entries = json.loads(committed)
    assert all(key.startswith("sha256:") and len(key) == 71 for key in entries)
    assert {"client", "name", "type"} == set(next(iter(entries.values())))


def test_the_id_ignores_layout_comments_and_where_a_fragment_lives(tmp_path: Path) -> None:
    one = tmp_path / "one"
    (one / "clerk" / "fragments").mkdir(parents=True)
    (one / "clerk" / "fragments" / "Who.graphql").write_text("fragment Who on Me { username }")
    (one / "clerk" / "WhoAmI.graphql").write_text("query WhoAmI { me { ...Who role } }")
    two = tmp_path / "two"
    (two / "clerk").mkdir(parents=True)
    (two / "clerk" / "WhoAmI.graphql").write_text(
        "# the same document, laid out otherwise\nfragment Who on Me {\n  username\n}\n\n"
        "query WhoAmI {\n  me {\n    ...Who\n    role\n  }\n}\n"
    )
    [(first, _)], [(second, _)] = read_operations(one), read_operations(two)
    assert first.id == second.id
    assert first.text.startswith("query WhoAmI")  # the operation, then its fragments


def broken(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "operations"
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("files", "problem"),
    [
        ({"clerk/Me.graphql": "query Me { me { username } } query Two { me { role } }"}, "one"),
        ({"clerk/Me.graphql": "{ me { username } }"}, "one named operation"),
        ({"clerk/Me.graphql": "query WhoAmI { me { username } }"}, "named after the file"),
        ({"clerk/Me.graphql": "query Me { me { username }"}, "Syntax Error"),
        ({"clerk/Me.graphql": "query Me { me { ...Gone } }"}, "Gone is defined nowhere"),
        (
            {
                "clerk/Me.graphql": "query Me { me { role } }",
                "pos/Me.graphql": "query Me { me { id } }",
            },
            "Me is also",
        ),
        (
            {
                "clerk/Me.graphql": "query Me { me { role } }",
                "clerk/fragments/Unused.graphql": "fragment Unused on Me { id }",
            },
            "used by no operation",
        ),
    ],
)
def test_a_file_breaking_the_layout_rules_is_refused(
    tmp_path: Path, files: dict[str, str], problem: str
) -> None:
    with pytest.raises(OperationFileError, match=problem):
        read_operations(broken(tmp_path, files))


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("query Me { me { usernam } }", "Cannot query field 'usernam'"),
        ("query Me($x: Int) { me { username } }", "Variable '$x' is never used"),
        ("query Me { stockLevel(storeCode: $s, sku: 1) { onHand } }", "not defined"),
        ("query Me { me { role } }\nfragment Spare on Me { id }", "Fragment 'Spare' is never used"),
    ],
)
def test_a_document_the_schema_refuses_fails_validation_and_start_up(
    tmp_path: Path, sdl_schema: GraphQLSchema, text: str, problem: str
) -> None:
    root = broken(tmp_path, {"clerk/Me.graphql": text})
    [(_, written)] = read_operations(root)
    assert any(problem in message for message in validation_errors(written, sdl_schema))
    with pytest.raises(OperationFileError, match=r"Me\.graphql"):
        TrustedDocuments.load(sdl_schema, root)


def test_chainstore_operations_writes_the_manifest_and_check_says_when_it_is_stale(
    tmp_path: Path,
) -> None:
    root = tmp_path / "operations"
    shutil.copytree(OPERATIONS_DIR, root)
    (root / MANIFEST_NAME).unlink()
    env = {**os.environ, "CHAINSTORE_OPERATIONS_DIR": str(root)}
    command = [sys.executable, "-m", "api", "operations"]

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*command, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    stale = run("--check")
    assert stale.returncode == 1 and "stale" in stale.stderr
    assert not (root / MANIFEST_NAME).exists()
    wrote = run()
    assert wrote.returncode == 0, wrote.stderr
    assert "clerk" in wrote.stderr and "pos" in wrote.stderr and "wrote" in wrote.stderr
    assert (root / MANIFEST_NAME).read_text() == (OPERATIONS_DIR / MANIFEST_NAME).read_text()
    assert run("--check").returncode == 0
    (root / "clerk" / "Me.graphql").write_text("query Me { me { username } }")
    assert run("--check").returncode == 1
    (root / "clerk" / "Me.graphql").write_text("query Me { me { usernam } }")
    invalid = run()
    assert invalid.returncode == 2 and "usernam" in invalid.stderr
