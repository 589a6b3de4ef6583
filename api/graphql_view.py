"""The GraphQL endpoint: one request, one context, one transaction, formatted errors.

The request's session commits when the operation produced no error and rolls back otherwise,
so a failed mutation leaves nothing behind. GET carries queries only (405 for mutations).
Responses follow GraphQL-over-HTTP (api/media_types.py). WebSockets speak graphql-transport-ws
only, in text frames (api/graphql_socket.py); any other upgrade is refused before it is
accepted. Both run a stored
document when the request names one by `documentId` (api/persisted_requests.py).
"""

from __future__ import annotations

import contextlib
import logging
from datetime import timedelta
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse, GraphQLRequestData
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api import request_json
from api.channel import API, channel_of_client, use_channel
from api.compiled.http import CompiledOperations
from api.context import Context, Services
from api.domain import auth
from api.domain.access import Actor, Role
from api.domain.errors import DomainError, Unauthenticated
from api.errors import (
    UNAVAILABLE_RETRY_SECONDS,
    database_unavailable,
    format_error,
    has_only_pre_execution_errors,
    log_client_errors,
    unavailable_error,
)
from api.graphql_socket import (
    ACCOUNT_FROZEN,
    NEEDS_AUTHORIZATION,
    SIGN_IN_AGAIN,
    LiveSocketHandler,
    TextFrameWebSocketAdapter,
    authorization_param,
    refuse_upgrade,
)
from api.media_types import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, negotiate
from api.observability import metrics
from api.persisted_requests import as_graphql_error, document_to_run, requested_document_id
from api.request_id import current_request_id
from api.trusted_documents import TrustedDocuments

log = logging.getLogger("chainstore.errors")


def _caller(context: Context) -> Actor | None:
    """The HTTP caller, None when anonymous or their token was refused (every field they ask
    for then answers UNAUTHENTICATED; a sign-in needs no trusted document)."""
    try:
        return context.actor
    except Unauthenticated:
        return None


async def _wire_document_id(view: ChainstoreGraphQL, adapter: Any) -> object:
    """The request's `documentId`: a query parameter of a GET, a member of a POST's JSON (read
    again only when the body mentions it; Starlette keeps the body it read)."""
    if adapter.method == "GET":
        return adapter.query_params.get("documentId")
    body = await adapter.get_body()
    if b'"documentId"' not in body:
        return None
    parsed = view.parse_json(body)
    return parsed.get("documentId") if isinstance(parsed, dict) else None


class ChainstoreGraphQL(GraphQL[Context, None]):
    services: Services  # set by the app's lifespan, once the database is up
    graphql_transport_ws_handler_class = LiveSocketHandler
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(
        self,
        schema: Any,
        *,
        dev: bool,
        trusted_documents: TrustedDocuments,
        trusted_only_roles: frozenset[Role],
        socket_init_timeout: timedelta = timedelta(minutes=1),
        compiled: CompiledOperations | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if dev else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=socket_init_timeout,  # then closed with 4408
        )
        self.trusted_documents = trusted_documents
        self.trusted_only_roles = trusted_only_roles
        self.compiled = compiled  # trusted queries answered by one SQL statement (api/compiled/)

    def document_to_run(self, actor: Actor | None, payload: dict[str, Any]) -> str | None:
        """The text a request runs: the trusted document it names, or its own query if its
        caller may send one (api/persisted_requests.py); a refusal raises a DomainError. An
        empty query is none (clients sending an id often send `"query": ""` beside it)."""
        query = payload.get("query")
        return document_to_run(
            self.trusted_documents,
            self.trusted_only_roles,
            actor,
            query if isinstance(query, str) and query else None,
            requested_document_id(payload),
        )

    def operation_label(self, query: str | None) -> str:
        """The metrics and access-log name of what runs: a trusted document's `client/Name`,
        else `adhoc` (a free-form document's own name is the client's, never a label)."""
        if not query:
            return metrics.NO_DOCUMENT
        trusted = self.trusted_documents.by_text(query)
        return f"{trusted.client}/{trusted.name}" if trusted else metrics.ADHOC

    def should_render_graphql_ide(self, request: Any) -> bool:
        """A GET naming a stored document is a request, not a browser asking for GraphiQL."""
        params = request.query_params
        persisted = "documentId" in params or "extensions" in params
        return not persisted and super().should_render_graphql_ide(request)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            if GRAPHQL_TRANSPORT_WS_PROTOCOL in scope.get("subprotocols", ()):
                await super().__call__(scope, receive, send)
            else:  # legacy graphql-ws, or none: refused before Strawberry accepts
                await refuse_upgrade(scope, receive, send)
            return
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None and not self.should_render_graphql_ide(
            self.request_adapter_class(request)
        ):
            refusal = PlainTextResponse(
                f"Acceptable: {GRAPHQL_RESPONSE_JSON} or {APPLICATION_JSON}.", status_code=406
            )
            await refusal(scope, receive, send)
            return
        scope["chainstore.media_type"] = media_type
        if self.compiled is not None and media_type is not None:
            compiled = await self.compiled.respond(request, media_type)
            if compiled is not None:
                await compiled(scope, receive, send)
                return
        response: Response
        try:
            context = await self._new_context(request)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            await self._close_session(scope)
            log.warning("database unavailable before the operation ran: %s", type(exc).__name__)
            response = self._unavailable(media_type)
            await response(scope, receive, send)
            return
        try:
            response = await self.run(request, context=context)
            if media_type == GRAPHQL_RESPONSE_JSON and response.media_type == APPLICATION_JSON:
                response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
                if scope.get("chainstore.request_error"):
                    # A request error (parse, validation, variables, cost): nothing ran.
                    # Under application/json the spec wants 200 for it, as for any result.
                    response.status_code = 400
        except ClientDisconnect:
            return  # the client went away mid-request; nobody is left to answer
        except HTTPException as exc:
            response = PlainTextResponse(exc.reason, status_code=exc.status_code)
            if exc.status_code == 405:
                response.headers["Allow"] = "POST" if request.method == "GET" else "GET, POST"
        finally:
            await self._close_session(scope)
            await context.close_read_session()
        await response(scope, receive, send)

    @staticmethod
    async def _close_session(scope: Scope) -> None:
        context = scope.get("chainstore.context")
        if context is not None and context.has_session:
            with contextlib.suppress(Exception):  # a dead connection is discarded by the pool
                await context.session.close()

    @staticmethod
    def _unavailable(media_type: str | None) -> Response:
        """503 with a GraphQL error body: the database was away before anything ran."""
        return JSONResponse(
            {"errors": [unavailable_error(current_request_id())]},
            status_code=503,
            media_type=media_type or APPLICATION_JSON,
            headers={"Retry-After": str(UNAVAILABLE_RETRY_SECONDS)},
        )

    async def _new_context(self, request: Request | WebSocket) -> Context:
        client = request.client
        context = Context(
            request=request,
            services=self.services,
            request_id=current_request_id(),
            client_address=client.host if client else "unknown",
        )
        request.scope["chainstore.context"] = context
        authorization = request.headers.get("authorization")
        if authorization:
            try:
                context.authenticated(await auth.authenticate(context.session, authorization), None)
            except Unauthenticated as exc:
                context.authenticated(None, exc)
        return context

    async def get_context(self, request: Request | WebSocket, response: Any) -> Context:
        if isinstance(request, WebSocket):
            # Sockets authenticate with connection_init (on_ws_connect), not with headers.
            client = request.client
            return Context(
                request=request,
                services=self.services,
                request_id=current_request_id(),
                client_address=client.host if client else "unknown",
            )
        return await self._new_context(request)

    async def on_ws_connect(self, context: Context) -> None:
        """Accept a socket only with a valid `{"authorization": "Bearer <token>"}` payload (the
        key in any case, like an HTTP header); otherwise it is closed with 4403 and a reason
        before any subscription runs."""
        authorization = authorization_param(context.connection_params)
        if not isinstance(authorization, str) or not authorization:
            raise ConnectionRejectionError({"reason": NEEDS_AUTHORIZATION})
        async with self.services.sessions() as session:
            try:
                actor = await auth.authenticate(session, authorization)
            except auth.MalformedAuthorization as exc:
                raise ConnectionRejectionError({"reason": NEEDS_AUTHORIZATION}) from exc
            except auth.AccountFrozen as exc:
                raise ConnectionRejectionError({"reason": ACCOUNT_FROZEN}) from exc
            except Unauthenticated as exc:
                raise ConnectionRejectionError({"reason": SIGN_IN_AGAIN}) from exc
        context.authenticated(actor, None)

    async def execute_single(self, *args: Any, **kwargs: Any) -> ExecutionResult:
        request_data: GraphQLRequestData = kwargs["request_data"]
        context: Context = kwargs["context"]
        adapter = kwargs["request_adapter"]
        try:
            request_data.query = self.document_to_run(
                _caller(context),
                {
                    "query": request_data.query,
                    "documentId": await _wire_document_id(self, adapter),
                    "extensions": request_data.extensions,
                },
            )
        except DomainError as refusal:  # nothing ran: a request error, like a bad document
            context.request.scope["chainstore.operation"] = metrics.ADHOC
            error = as_graphql_error(refusal)
            log_client_errors([error], request_data.operation_name)
            context.request.scope["chainstore.document_refused"] = True
            return ExecutionResult(data=None, errors=[error])
        # The channel of the writes this request makes: its trusted document's client.
        stored = self.trusted_documents.by_text(request_data.query)
        context.channel = channel_of_client(stored.client if stored is not None else None)
        if context.channel != API and isinstance(context.request, Request):
            await use_channel(context.session, context.channel)
        context.request.scope["chainstore.operation"] = self.operation_label(request_data.query)
        try:
            return await super().execute_single(*args, **kwargs)
        except HTTPException as exc:
            cause = exc.__cause__
            if (
                isinstance(cause, InvalidOperationTypeError)
                and kwargs["request_adapter"].method == "GET"
            ):
                raise HTTPException(405, "Mutations are not allowed over GET; use POST.") from cause
            raise

    async def process_result(
        self, request: Request | WebSocket, result: ExecutionResult
    ) -> GraphQLHTTPResponse:
        context: Context | None = None
        errors: list[GraphQLError] = list(result.errors or [])
        if isinstance(request, Request):
            context = request.scope.get("chainstore.context")
        result_data = result.data
        if context is not None and context.has_session:
            errors, committed = await self._finish_transaction(context, errors)
            if not committed:
                # Nothing was written: an answer built before the commit must not reach the
                # client, who would take it for an acknowledgement (a till would drop the sale).
                result_data = None
        request_id = current_request_id()
        formatted = [format_error(e, request_id) for e in errors]
        request_error = result_data is None and (
            has_only_pre_execution_errors(formatted)
            or request.scope.get("chainstore.document_refused", False)
        )
        data: GraphQLHTTPResponse = {}
        if isinstance(request, Request):
            request.scope["chainstore.request_error"] = request_error
            graphql_response = request.scope.get("chainstore.media_type") == GRAPHQL_RESPONSE_JSON
        else:
            graphql_response = False
        if not (request_error and graphql_response):
            # graphql-response+json: no `data` when nothing ran. application/json keeps the
            # `"data": null` legacy clients look for.
            data["data"] = result_data
        if formatted:
            data["errors"] = [*formatted]
        request.scope["chainstore.outcome"] = (
            str(formatted[0].get("extensions", {}).get("code", "INTERNAL")) if formatted else "OK"
        )
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    async def _finish_transaction(
        self, context: Context, errors: list[GraphQLError]
    ) -> tuple[list[GraphQLError], bool]:
        """Commit the request's transaction unless it had errors; the errors to answer with
        and whether the commit happened."""
        session = context.session
        if errors:
            await session.rollback()
            return errors, True  # nothing to commit; the result says what failed
        try:
            await session.commit()
        except Exception as exc:
            with contextlib.suppress(Exception):  # the connection may be gone already
                await session.rollback()
            return [GraphQLError("commit failed", original_error=exc)], False
        return errors, True

    def parse_json(self, data: str | bytes) -> Any:
        return request_json.parse_body(data)

    def decode_json(self, data: str | bytes) -> object:
        return request_json.decode(data)

    def parse_query_params(self, params: Any) -> dict[str, Any]:
        """Strawberry's, with `variables` and `extensions` read by request_json (any value:
        the view then says which must be an object)."""
        parsed = dict(params)
        for name in ("variables", "extensions"):
            if parsed.get(name):
                parsed[name] = request_json.parse_value(parsed[name])
        return parsed

    def encode_json(self, response_data: Any) -> bytes:
        import orjson

        return orjson.dumps(response_data)
