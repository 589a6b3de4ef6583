"""The deployment files are checked here, since no container engine runs in CI (no daemon, no
compose plugin, no hadolint): the Dockerfile and compose file are parsed and cross-checked with
the repository and the settings (slim pinned base, non-root, no secrets, health checks, grace
periods that fit the drain), the systemd unit verified with `systemd-analyze` and checked
against the package's console script, and the operator's guide names only real settings."""

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


def settings_variables() -> set[str]:
    """Every environment variable Settings reads (CHAINSTORE_<field>, plus the aliases)."""
    from pydantic import AliasChoices

    from api.config import Settings

    names = set()
    for field_name, info in Settings.model_fields.items():
        names.add(f"CHAINSTORE_{field_name.upper()}")
        if isinstance(info.validation_alias, AliasChoices):
            names |= {str(c) for c in info.validation_alias.choices}
    return names


def unit_settings() -> dict[str, str]:
    unit = (DEPLOY / "chainstore.service").read_text()
    found = {}
    for line in unit.splitlines():
        if line.startswith("Environment="):
            key, _, value = line.removeprefix("Environment=").partition("=")
            found[key] = value
    return found


def test_dockerfile_is_slim_pinned_and_holds_no_secrets() -> None:
    (base,) = instructions("FROM")
    image, _, tag = base.partition(":")
    assert image == "python" and tag.endswith("-slim"), base  # slim, never `latest` or bare
    requires = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["requires-python"]
    assert tag.removesuffix("-slim") == requires.removeprefix(">="), (tag, requires)
    assert instructions("ADD") == []  # COPY only: no remote URLs, no archive surprises
    assert instructions("ARG") == []
    env = " ".join(instructions("ENV"))
    assert "PIP_NO_CACHE_DIR=1" in env  # no wheel cache left in the layer
    for word in ("PASSWORD", "SECRET", "TOKEN", "PII_KEYS", "DATABASE_URL"):
        assert word not in env, f"{word} baked into the image"
    run = " ".join(instructions("RUN"))
    user = instructions("USER")[-1]
    assert "useradd --system" in run and run.rstrip().endswith(user), run
    # The user's home is the data dir and the volume; the health check asks the served port.
    data_dir = next(v.split("=")[1] for v in env.split() if v.startswith("CHAINSTORE_DATA_DIR="))
    assert json.loads(instructions("VOLUME")[0]) == [data_dir] and f"--home-dir {data_dir}" in run
    port = json.loads(instructions("CMD")[-1])
    served = port[port.index("--port") + 1]
    assert f"127.0.0.1:{served}/readyz" in instructions("HEALTHCHECK")[0]
    parser = DockerfileParser(str(DEPLOY / "Dockerfile"))
    order = [i["instruction"] for i in parser.structure]
    assert order.index("USER") < order.index("CMD")  # the server never starts as root


def test_compose_sets_only_real_settings_and_stops_gracefully() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    api, db = compose["services"]["api"], compose["services"]["db"]
    known = settings_variables()
    assert set(api["environment"]) <= known, set(api["environment"]) - known
    assert db["image"].split(":")[1].isdigit()  # a pinned PostgreSQL major, never `latest`
    assert db["environment"]["POSTGRES_USER"] in api["environment"]["DATABASE_URL"]
    assert db["environment"]["POSTGRES_PASSWORD"] in api["environment"]["DATABASE_URL"]
    # The drain plus uvicorn's graceful timeout fit in the grace period before SIGKILL.
    from api.config import Settings

    graceful = Settings.model_fields["graceful_timeout_seconds"].default
    drain = float(api["environment"]["CHAINSTORE_DRAIN_SECONDS"])
    assert drain + graceful < float(api["stop_grace_period"].removesuffix("s"))
    # The metrics port is exposed to the compose network only, never published.
    assert all("9464" not in str(p) for p in api["ports"]) and "9464" in api["expose"]
    mounts = {v.split(":")[1] for v in api["volumes"]}
    data_dir = next(v for v in instructions("ENV")[0].split() if "CHAINSTORE_DATA_DIR=" in v)
    assert data_dir.split("=")[1] in mounts


def test_unit_runs_the_console_script_and_reloads_by_rolling_restart() -> None:
    unit = (DEPLOY / "chainstore.service").read_text()
    scripts = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts.get("chainstore") == "api.cli:main"
    exec_start = next(line for line in unit.splitlines() if line.startswith("ExecStart="))
    assert exec_start.split()[0] == "ExecStart=/opt/chainstore/.venv/bin/chainstore"
    assert "/opt/chainstore/.venv/bin/pip install" in (REPO / "docs" / "operations.md").read_text()
    assert "ExecReload=/bin/kill -HUP $MAINPID" in unit  # docs/operations.md, section 3
    env = unit_settings()
    assert set(env) <= settings_variables(), set(env) - settings_variables()
    assert f"ReadWritePaths={env['CHAINSTORE_DATA_DIR']}" in unit
    from api.config import Settings

    graceful = Settings.model_fields["graceful_timeout_seconds"].default
    stop = int(next(line for line in unit.splitlines() if line.startswith("TimeoutStopSec="))[15:])
    assert float(env["CHAINSTORE_DRAIN_SECONDS"]) + graceful < stop


def test_operators_guide_names_only_settings_that_exist() -> None:
    """docs/operations.md and the deploy files stay true: every CHAINSTORE_ variable they
    name is one the code reads (a `_SUFFIX` shorthand after a full name is skipped)."""
    import re

    known = settings_variables()
    texts = [(REPO / "docs" / "operations.md").read_text()]
    texts += [p.read_text() for p in DEPLOY.iterdir() if p.is_file()]
    named = {m for text in texts for m in re.findall(r"\bCHAINSTORE_[A-Z0-9_]*[A-Z0-9]", text)}
    assert named and named <= known, sorted(named - known)
