"""Real processes: the CLI, `chainstore serve --workers 2` on one database, and the embedded
PostgreSQL's lifecycle. These are the issue's "done when" checks, automated."""

from __future__ import annotations

import concurrent.futures
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect
from websockets.typing import Subprotocol

from tests.conftest import REPO

CHAINSTORE = [sys.executable, "-m", "api"]
ME = {"query": "{ me { username role store { code } } }"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_cli(
    *args: str, env: dict[str, str], stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [*CHAINSTORE, *args],
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stderr
    return result


def start_serve(*args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """`chainstore serve ARGS`, its output in a file (a pipe nobody reads would fill and stall
    the server once its access log passes 64 KiB)."""
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed with the process)
        "w+", prefix="chainstore-serve-", suffix=".log", delete=False
    )
    process = subprocess.Popen(
        [*CHAINSTORE, "serve", *args],
        env={"CHAINSTORE_LOG_FORMAT": "console", **env},  # these tests read lines as text
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    process.log_path = log.name  # type: ignore[attr-defined]
    return process


def server_log(process: subprocess.Popen[str]) -> str:
    path = getattr(process, "log_path", None)
    return Path(path).read_text() if path else ""


def wait_ready(port: int, process: subprocess.Popen[str], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited early:\n{server_log(process)}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("server did not become ready")


def stop(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    try:
        return process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        raise


def gone_within(pid: int, seconds: float) -> bool:
    """True once `pid` has exited (a zombie awaiting a reaper counts as exited)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.1)
    return False


@pytest.fixture
def serve(empty_db: str) -> Iterator[tuple[int, dict[str, str], subprocess.Popen[str]]]:
    env = {
        **os.environ,
        "DATABASE_URL": empty_db,
        "CHAINSTORE_LOGIN_MAX_FAILURES_PER_USER": "3",
        "CHAINSTORE_LOGIN_MAX_FAILURES_PER_ADDRESS": "6",
    }
    run_cli("seed", "--demo", env=env)
    port = free_port()
    process = start_serve("--port", str(port), "--workers", "2", env=env)
    try:
        wait_ready(port, process)
        yield port, env, process
    finally:
        if process.poll() is None:
            stop(process)


def gql(port: int, body: dict, token: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    return httpx.post(
        f"http://127.0.0.1:{port}/graphql", json=body, headers=headers, timeout=10
    ).json()


def login(port: int, username: str, password: str) -> dict:
    return gql(
        port,
        {
            "query": "mutation($u: String!, $p: String!) { login(username: $u, password: $p) { token } }",
            "variables": {"u": username, "p": password},
        },
    )


def test_staff_created_by_cli_signs_in_and_freezing_refuses_the_next_request(serve) -> None:
    port, env, process = serve
    run_cli(
        "staff",
        "create",
        "--username",
        "newbie",
        "--role",
        "CLERK",
        "--store",
        "SH-001",
        "--password-stdin",
        env=env,
        stdin="a-fresh-password\n",
    )
    token = login(port, "newbie", "a-fresh-password")["data"]["login"]["token"]
    # Many requests over two workers: the token is good on every one of them.
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: gql(port, ME, token), range(40)))
    assert all(
        a["data"]["me"] == {"username": "newbie", "role": "CLERK", "store": {"code": "SH-001"}}
        for a in answers
    )
    run_cli("staff", "freeze", "newbie", env=env)
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        refused = list(pool.map(lambda _: gql(port, ME, token), range(16)))
    assert all(r["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" for r in refused)
    assert stop(process) == 0


def test_two_workers_share_one_throttle(serve) -> None:
    port, _, _ = serve
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        failures = list(pool.map(lambda _: login(port, "hq.ops", "wrong-password"), range(3)))
    assert all(f["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED" for f in failures)
    for _ in range(4):  # whichever worker answers, the count is the database's
        blocked = login(port, "hq.ops", "chainstore-demo")
        assert blocked["errors"][0]["extensions"]["code"] == "RATE_LIMITED"


def test_a_forwarded_address_does_not_escape_the_address_throttle(serve) -> None:
    """uvicorn believes X-Forwarded-For from 127.0.0.1 unless told otherwise; `serve` is told."""
    port, _, _ = serve
    codes = []
    for n in range(7):
        answer = httpx.post(
            f"http://127.0.0.1:{port}/graphql",
            json={
                "query": 'mutation($u: String!) { login(username: $u, password: "guess-guess") '
                "{ token } }",
                "variables": {"u": f"nobody.{n}"},
            },
            headers={"x-forwarded-for": f"198.51.100.{n + 1}"},
            timeout=10,
        ).json()
        codes.append(answer["errors"][0]["extensions"]["code"])
    assert codes == ["UNAUTHENTICATED"] * 6 + ["RATE_LIMITED"]


def test_demo_seed_is_idempotent_through_the_cli(serve) -> None:
    _, env, _ = serve
    again = run_cli("seed", "--demo", env=env)
    assert again.stdout.startswith("Demo chain: nothing added, it was already complete.")


def test_embedded_server_is_shared_and_stopped_with_serve(tmp_path_factory) -> None:
    # Under the repository, not /tmp/pytest-of-root: pgserver opens every parent directory to
    # its own system user, and that one is private by design.
    data_dir = REPO / "var" / f"test-embedded-{os.getpid()}"
    shutil.rmtree(data_dir, ignore_errors=True)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["CHAINSTORE_DATA_DIR"] = str(data_dir)
    port = free_port()
    process = start_serve("--port", str(port), env=env)
    try:
        wait_ready(port, process, timeout=120)
        pid_file = data_dir / "postgres" / "postmaster.pid"
        postmaster = int(pid_file.read_text().split()[0])
        # A second process on the same data dir attaches to the running server...
        run_cli(
            "staff",
            "create",
            "--username",
            "second",
            "--role",
            "ADMIN",
            "--password-stdin",
            env=env,
            stdin="a-long-password\n",
        )
        # ...and leaves it running for the first when it exits.
        assert httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5).status_code == 200
        assert "token" in login(port, "second", "a-long-password")["data"]["login"]
        # A killed serve never detaches; the next one must still stop the server at exit.
        process.kill()
        process.wait(timeout=10)
        process = start_serve("--port", str(port), env=env)
        wait_ready(port, process, timeout=120)
        assert int(pid_file.read_text().split()[0]) == postmaster  # reused, not restarted
        assert stop(process) == 0
        assert not pid_file.exists()
        assert gone_within(postmaster, seconds=10)
    finally:
        if process.poll() is None:
            process.kill()
        pid_file = data_dir / "postgres" / "postmaster.pid"
        if pid_file.exists():  # a failed run must not leave a server behind
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGINT)
            time.sleep(1)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_cli_refuses_bad_staff_input(empty_db: str) -> None:
    env = {**os.environ, "DATABASE_URL": empty_db}
    result = subprocess.run(
        [*CHAINSTORE, "staff", "create", "--username", "x", "--role", "CLERK", "--password-stdin"],
        env=env,
        input="short\n",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert result.returncode == 2
    assert "BAD_USER_INPUT" in result.stderr
    missing = subprocess.run(
        [*CHAINSTORE, "staff", "freeze", "nobody"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert missing.returncode == 2
    assert "NOT_FOUND" in missing.stderr


def test_websocket_needs_a_token_in_connection_init(serve) -> None:
    port, _, _ = serve
    url = f"ws://127.0.0.1:{port}/graphql"
    token = login(port, "hq.ops", "chainstore-demo")["data"]["login"]["token"]
    with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"authorization": f"Bearer {token}"}})
        )
        ack = ws.recv(timeout=5)
        assert isinstance(ack, str)  # a text frame: standard clients refuse binary ones
        assert json.loads(ack)["type"] == "connection_ack"
    needs = 'connection_init needs {"authorization": "Bearer <token>"}'
    for payload, reason in [
        ({}, needs),
        ({"authorization": "Bearer nope"}, "token unknown, revoked or expired: sign in again"),
        ({"authorization": 42}, needs),
    ]:
        with connect(url, subprotocols=[Subprotocol("graphql-transport-ws")]) as ws:
            ws.send(json.dumps({"type": "connection_init", "payload": payload}))
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=5)
            assert closed.value.rcvd is not None, payload
            assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4403, reason)
    # The legacy graphql-ws subprotocol (auth bypass CVE-2026-35526 in old servers) is refused
    # at the handshake: no 101, a 400 that names the subprotocol to use.
    with pytest.raises(InvalidStatus) as refused:
        connect(url, subprotocols=[Subprotocol("graphql-ws")])
    assert refused.value.response.status_code == 400
    assert b"graphql-transport-ws" in refused.value.response.body
