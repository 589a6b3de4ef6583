"""The deployment files are checked here, since no container engine runs in CI: the Dockerfile
and compose file are parsed and cross-checked with the repository, the systemd unit verified."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from dockerfile_parse import DockerfileParser  # type: ignore[import-untyped]

REPO = Path(__file__).resolve().parent.parent
DEPLOY = REPO / "deploy"


def instructions(kind: str) -> list[str]:
    parser = DockerfileParser(str(DEPLOY / "Dockerfile"))
    return [i["value"] for i in parser.structure if i["instruction"] == kind]


def test_dockerfile_copies_what_the_package_needs_and_runs_unprivileged() -> None:
    copied = {value.split()[0] for value in instructions("COPY")}
    copied |= {name for value in instructions("COPY") for name in value.split()[:-1]}
    for name in copied:
        assert (REPO / name).exists(), f"COPY of a missing path: {name}"
    packages = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    needed = {p.rstrip("*") for p in packages["packages"]["find"]["include"]} | {"alembic"}
    assert needed <= copied
    assert instructions("USER")[-1] not in ("root", "0")
    assert "/readyz" in instructions("HEALTHCHECK")[0]
    command = json.loads(instructions("CMD")[-1])
    assert command[:2] == ["chainstore", "serve"]
    port = command[command.index("--port") + 1]
    metrics = {v.split("=")[1] for v in instructions("ENV")[0].split() if "METRICS_PORT=" in v}
    assert instructions("EXPOSE") == [port, *metrics] and len(metrics) == 1


def test_compose_waits_for_a_healthy_database_it_points_at() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    api, db = compose["services"]["api"], compose["services"]["db"]
    assert api["depends_on"]["db"]["condition"] == "service_healthy"
    assert "healthcheck" in db
    url = api["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://") and "@db:5432/" in url
    assert url.endswith("/" + db["environment"]["POSTGRES_DB"])
    assert (
        REPO / api["build"]["context"].replace("..", ".") / api["build"]["dockerfile"]
    ).resolve() == (DEPLOY / "Dockerfile").resolve()


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_unit_verifies(tmp_path: Path) -> None:
    unit = (DEPLOY / "chainstore.service").read_text()
    assert "ExecStart=/opt/chainstore/.venv/bin/chainstore serve" in unit
    # Verify the unit as written, pointing only its paths and user at what exists here.
    local = unit.replace(
        "/opt/chainstore/.venv/bin/chainstore", shutil.which("true") or "/bin/true"
    )
    local = local.replace("User=chainstore", "User=root").replace("Group=chainstore", "Group=root")
    path = tmp_path / "chainstore.service"
    path.write_text(local)
    result = subprocess.run(
        ["systemd-analyze", "verify", str(path)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
