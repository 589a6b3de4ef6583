"""The README's first five minutes, done as a new user does them: the quick-start shell block,
pasted into bash against `chainstore serve` on a seeded demo (under the default rule: the store
manager's `me` goes by documentId), and `GET /` on the same server."""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import REPO
from tests.test_processes import free_port, run_cli, server_log, start_serve, stop, wait_ready


def quick_start_block() -> str:
    """The first ```sh block of the README's set-up section."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Set-up on a fresh machine", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```sh\n(.*?)^```$", section, re.MULTILINE | re.DOTALL)
    assert blocks, "no ```sh block in the README's set-up section"
    return str(blocks[0])


@pytest.fixture
def demo_server(empty_db: str) -> Iterator[int]:
    env = {**os.environ, "DATABASE_URL": empty_db}
    env.pop("CHAINSTORE_TRUSTED_ONLY_ROLES", None)  # the README's commands meet the default rule
    run_cli("seed", "--demo", env=env)
    port = free_port()
    process = start_serve("--port", str(port), env=env)
    try:
        wait_ready(port, process)
        yield port
    finally:
        if process.poll() is None:
            stop(process)
        assert "Traceback" not in server_log(process), server_log(process)


def test_the_readme_commands_work_pasted_into_a_shell(demo_server: int) -> None:
    block = quick_start_block()
    assert block.count("localhost:8000") == 2  # the test only points them at its own port
    assert "jq" not in block.split()  # only what the target machine has: bash, curl, python3
    script = block.replace("localhost:8000", f"127.0.0.1:{demo_server}")
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        capture_output=True,
        text=True,
        timeout=60,
        env={k: v for k, v in os.environ.items() if k != "TOKEN"},  # TOKEN: from the block
        check=False,
    )
    assert result.returncode == 0, result.stderr
    me = httpx.Response(200, content=result.stdout.strip().splitlines()[-1]).json()
    assert me["data"]["me"]["username"] == "sm.sh-001"
    assert me["data"]["me"]["store"]["code"] == "SH-001"


def test_the_root_says_where_everything_is(demo_server: int) -> None:
    base = f"http://127.0.0.1:{demo_server}"
    answer = httpx.get(f"{base}/", timeout=10)
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    said = answer.json()
    assert said["graphql"].startswith("/graphql")
    assert "login" in said["signIn"] and "Bearer" in said["signIn"]
    assert "--dev" in said["graphiql"]  # this server runs without it
    for path in ("/healthz", "/readyz"):
        assert any(text.startswith(path) for text in said.values()), path
        assert httpx.get(f"{base}{path}", timeout=10).status_code == 200
    browser = httpx.get(f"{base}/", headers={"accept": "text/html,*/*;q=0.8"}, timeout=10)
    assert browser.headers["content-type"].startswith("text/html")
    assert "/graphql" in browser.text and "--dev" in browser.text and "/readyz" in browser.text


def test_the_served_demo_holds_store_staff_to_trusted_documents(demo_server: int) -> None:
    """The default rule in a real `chainstore serve`: the README's `me` sent as a document of
    the manager's own is refused, saying what to send instead."""
    url = f"http://127.0.0.1:{demo_server}/graphql"
    signed_in = httpx.post(
        url,
        json={
            "query": 'mutation { login(username: "sm.sh-001", password: "chainstore-demo") { token } }'
        },
        timeout=10,
    ).json()
    headers = {"authorization": f"Bearer {signed_in['data']['login']['token']}"}
    ad_hoc = httpx.post(url, json={"query": "{ me { username } }"}, headers=headers, timeout=10)
    [error] = ad_hoc.json()["errors"]
    assert error["extensions"] == {"code": "FORBIDDEN", "reason": "TRUSTED_DOCUMENT_REQUIRED"}
    assert "documentId" in error["message"]
