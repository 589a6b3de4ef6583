"""`GET /`: where things are, for whoever opens the server's address first.

A browser (Accept with text/html) gets a small page, anything else the same as JSON.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

SIGN_IN = 'mutation { login(username: "<username>", password: "<password>") { token } }'


def directions(*, dev: bool) -> dict[str, str]:
    return {
        "service": "Chainstore GraphQL API",
        "graphql": "/graphql (POST application/json; GET for queries)",
        "signIn": f"POST /graphql {SIGN_IN}, then send 'Authorization: Bearer <token>'",
        "demo": "on the demo chain (chainstore seed --demo): sm.sh-001, password chainstore-demo",
        "websocket": (
            "/graphql with the graphql-transport-ws subprotocol; connection_init payload "
            '{"authorization": "Bearer <token>"}'
        ),
        "graphiql": (
            "open /graphql in a browser"
            if dev
            else "off: start the server with --dev (python3 run.py demo --dev) for GraphiQL"
        ),
        "health": "/healthz (the process is up)",
        "ready": "/readyz (the database answers and is migrated)",
        "photos": "POST /photos (multipart, field 'file'), GET /photos/{id}",
        "schema": "schema.graphql in the repository, or `chainstore schema`",
    }


def _page(items: dict[str, str]) -> str:
    rows = "\n".join(
        f"<dt>{escape(name)}</dt><dd><code>{escape(text)}</code></dd>"
        for name, text in items.items()
    )
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>Chainstore API</title></head>\n<body><h1>Chainstore API</h1>\n"
        f"<dl>\n{rows}\n</dl>\n</body></html>\n"
    )


def front_page(*, dev: bool) -> Callable[[Request], Awaitable[Response]]:
    """The `GET /` endpoint of a server started with or without --dev."""
    items = directions(dev=dev)
    page = _page(items)

    async def endpoint(request: Request) -> Response:
        if "text/html" in request.headers.get("accept", "").lower():
            return HTMLResponse(page)
        return JSONResponse(items)

    return endpoint
