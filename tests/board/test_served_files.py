"""What /board serves without a browser: the redirect, the policy on every file, the board's
trusted document ids, the vendored chart library's recorded sum, no URL outside the origin."""

from __future__ import annotations

import hashlib
import re

from api.board import BOARD_DIR, content_security_policy
from api.trusted_documents import OPERATIONS_DIR
from tests.conftest import Api

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?(?:https?:)?//|import\s+[^;]*["']https?://""")


async def test_board_files_carry_the_policy(api: Api) -> None:
    moved = await api.client.get("/board", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/board/"
    for path in ("/board/", "/board/js/app.js", "/board/vendor/echarts.min.js", "/board/board.css"):
        response = await api.client.get(path)
        assert response.status_code == 200, path
        policy = response.headers["content-security-policy"]
        assert policy.startswith("default-src 'self'; script-src 'self';"), policy
        assert "connect-src 'self' ws://testserver wss://testserver;" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    page = await api.client.get("/board/")
    assert page.headers["content-type"].startswith("text/html")
    js = await api.client.get("/board/js/app.js")
    assert "javascript" in js.headers["content-type"]  # served as a module script
    assert (await api.client.get("/board/../api/board.py")).status_code == 404


def test_a_forged_host_header_adds_no_source() -> None:
    assert "evil" not in content_security_policy("x; script-src https://evil")
    assert "ws:" not in content_security_policy(None)


async def test_operations_json_names_the_board_documents_only(api: Api) -> None:
    ids = (await api.client.get("/board/operations.json")).json()
    names = {p.stem for p in (OPERATIONS_DIR / "board").glob("*.graphql")}
    assert set(ids) == names
    assert all(value.startswith("sha256:") for value in ids.values())
    assert "SignIn" not in ids  # the clerk's operations are not the board's


def test_every_document_the_page_runs_is_a_board_document() -> None:
    names = {p.stem for p in (OPERATIONS_DIR / "board").glob("*.graphql")}
    used: set[str] = set()
    for path in (BOARD_DIR / "js").rglob("*.js"):
        text = path.read_text()
        used |= set(re.findall(r"""run\("(\w+)\"""", text))
        used |= set(re.findall(r"""subscribe\("(\w+)\"""", text))
    assert used and used <= names, used - names


def test_no_file_loads_anything_from_elsewhere() -> None:
    for path in [
        BOARD_DIR / "index.html",
        *(BOARD_DIR / "js").rglob("*.js"),
        BOARD_DIR / "board.css",
    ]:
        assert not EXTERNAL.search(path.read_text()), path
        assert "innerHTML" not in path.read_text(), path  # nothing from the API parsed as HTML


def test_vendored_echarts_is_the_recorded_one() -> None:
    readme = (BOARD_DIR / "vendor" / "README.md").read_text()
    recorded = re.search(r"`echarts.min.js`.*\| `([0-9a-f]{64})` \|", readme)
    assert recorded is not None
    actual = hashlib.sha256((BOARD_DIR / "vendor" / "echarts.min.js").read_bytes()).hexdigest()
    assert actual == recorded.group(1)
    assert "Apache License" in (BOARD_DIR / "vendor" / "LICENSE").read_text()
