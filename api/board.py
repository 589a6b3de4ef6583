"""`/board`: the HQ data board, static HTML/CSS/JS modules from the checkout's `board/` folder.

The page speaks only the public GraphQL API (its trusted documents are in operations/board/);
this module serves files and nothing else, under a Content-Security-Policy that lets the page
load and connect to its own origin only.
"""

from __future__ import annotations

import re
from pathlib import Path

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.trusted_documents import TrustedDocuments

BOARD_DIR = Path(__file__).resolve().parent.parent / "board"
# The clerk app's bundled Noto Sans SC subset (tools/build_cjk_font.py): the board serves the
# same files, so its Chinese renders on a tablet or PC with no CJK font installed.
FONTS_DIR = Path(__file__).resolve().parent.parent / "clerk_app" / "assets" / "fonts"

# Same origin only. 'self' covers ws:/wss: to the same host in CSP 3; the explicit same-host
# socket sources are for browsers that read 'self' strictly. Inline style attributes are
# allowed because ECharts writes its tooltips as HTML with style attributes; no script is
# inline, nothing is loaded from another origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self'; connect-src 'self'{sockets}; "
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$")


def content_security_policy(host: str | None) -> str:
    """The policy for a page served to `host` (the request's Host header)."""
    sockets = f" ws://{host} wss://{host}" if host and _HOST.match(host) else ""
    return _CSP.format(sockets=sockets)


class _BoardHeaders:
    """Adds the policy and a few hardening headers to every response of the wrapped app."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), None)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", content_security_policy(host).encode()),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-cache"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def _to_index(request: Request) -> Response:
    return RedirectResponse("/board/", status_code=308)


def board_routes(
    trusted_documents: TrustedDocuments, directory: Path = BOARD_DIR
) -> list[BaseRoute]:
    """`/board` (to `/board/`), the ids of the board's trusted documents by operation name
    (`/board/operations.json`, from what this server loaded), and the board's files."""
    ids = {d.name: d.id for d in trusted_documents if d.client == "board"}

    async def operations(request: Request) -> Response:
        return JSONResponse(ids, headers={"cache-control": "no-cache"})

    files = StaticFiles(directory=directory, html=True)
    return [
        Route("/board", _to_index, methods=["GET"]),
        Route("/board/operations.json", operations, methods=["GET"]),
        Mount("/board/fonts", app=_BoardHeaders(StaticFiles(directory=FONTS_DIR))),
        Mount("/board", app=_BoardHeaders(files)),
    ]
