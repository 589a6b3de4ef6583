"""Running the reference JavaScript clients of tests/clients/ (graphql-ws, graphql-http) with
Node.js against a live server.

They need `npm ci --prefix tests/clients` (pinned by its package-lock.json). Without it the
tests skip, saying so; `.ci/run` installs them and sets CHAINSTORE_REQUIRE_NODE_CLIENTS=1, so in
CI a missing install fails instead of passing unseen.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CLIENTS = Path(__file__).resolve().parent / "clients"
REQUIRED = os.environ.get("CHAINSTORE_REQUIRE_NODE_CLIENTS") == "1"


def node_or_skip() -> str:
    """The `node` executable, once the clients are installed; otherwise skip (fail in CI)."""
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = "Node.js (`node`) is not on PATH"
    elif not (CLIENTS / "node_modules" / ".package-lock.json").exists():
        problem = "the JS clients are not installed: run `npm ci --prefix tests/clients`"
    if problem is None:
        assert node is not None
        return node
    if REQUIRED:
        pytest.fail(f"CHAINSTORE_REQUIRE_NODE_CLIENTS=1 but {problem}")
    pytest.skip(problem)


async def run_node(script: str, *args: str, within: float = 60) -> str:
    """Run tests/clients/SCRIPT with ARGS; its stdout. Fails with its output unless it exits 0.
    Asynchronous, so a server in this test's event loop keeps serving meanwhile."""
    process = await asyncio.create_subprocess_exec(
        node_or_skip(),
        str(CLIENTS / script),
        *args,
        cwd=CLIENTS,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode == 0, (
        f"node {script} exited {process.returncode}\nstdout:\n{out.decode()}\n"
        f"stderr:\n{err.decode()}"
    )
    return out.decode()


def json_lines(output: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in output.splitlines() if line.strip()]
