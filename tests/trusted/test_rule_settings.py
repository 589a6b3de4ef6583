"""CHAINSTORE_TRUSTED_ONLY_ROLES and the document store at start-up: bad settings and broken
documents stop the server before it serves anything, saying what is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydantic import ValidationError

from api.app import create_app
from api.config import Settings
from api.trusted_documents import OPERATIONS_DIR, OperationFileError
from db.models import Role


@pytest.mark.parametrize(
    ("value", "roles"),
    [
        (None, {Role.CLERK, Role.STORE_MANAGER}),  # the default
        ("CLERK,STORE_MANAGER", {Role.CLERK, Role.STORE_MANAGER}),
        (" clerk , region_manager ", {Role.CLERK, Role.REGION_MANAGER}),
        ("INTEGRATOR", {Role.INTEGRATOR}),
        ("none", set()),
        ("NONE", set()),
    ],
)
def test_the_roles_come_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, value: str | None, roles: set[Role]
) -> None:
    if value is None:
        monkeypatch.delenv("CHAINSTORE_TRUSTED_ONLY_ROLES", raising=False)
    else:
        monkeypatch.setenv("CHAINSTORE_TRUSTED_ONLY_ROLES", value)
    assert Settings().trusted_only_roles == frozenset(roles)


@pytest.mark.parametrize("value", ["CLERKS", "CLERK,BOSS", "", " , ", "none,CLERK"])
def test_a_bad_role_name_fails_start_up_clearly(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("CHAINSTORE_TRUSTED_ONLY_ROLES", value)
    with pytest.raises(ValidationError) as refused:
        Settings()
    message = str(refused.value)
    assert "CHAINSTORE_TRUSTED_ONLY_ROLES" in message
    assert "STORE_MANAGER" in message and "none" in message  # what to write instead


def test_a_broken_document_stops_the_server_starting(tmp_path: Path) -> None:
    root = tmp_path / "operations"
    shutil.copytree(OPERATIONS_DIR, root)
    (root / "clerk" / "Me.graphql").write_text("query Me { me { username shoeSize } }")
    with pytest.raises(OperationFileError, match="shoeSize"):
        create_app(Settings(database_url="postgresql://unused/db", operations_dir=root))
    (root / "clerk" / "Me.graphql").write_text("query Me { me { username } }")
    create_app(Settings(database_url="postgresql://unused/db", operations_dir=root))


def test_a_document_past_the_servers_limits_stops_it_starting(tmp_path: Path) -> None:
    root = tmp_path / "operations"
    (root / "clerk").mkdir(parents=True)
    (root / "clerk" / "Deep.graphql").write_text(
        "query Deep { me { store { region { stores { edges { node { code } } } } } } }"
    )
    settings = Settings(database_url="postgresql://unused/db", operations_dir=root)
    create_app(settings)
    with pytest.raises(OperationFileError, match="depth"):
        create_app(settings.model_copy(update={"max_query_depth": 4}))
