"""The GraphQL endpoint: one request, one context, one transaction, formatted errors.

The request's session commits when the operation produced no error and rolls back otherwise,
so a failed mutation leaves nothing behind. GET carries queries only (405 for mutations).
Responses follow GraphQL-over-HTTP (api/media_types.py). WebSockets speak graphql-transport-ws
only, in text frames; any other upgrade is refused before it is accepted.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError, GraphQLSyntaxError, parse
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter, GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    Message,
)
from strawberry.types import ExecutionResult

from api.context import Context, Services, SocketWork, socket_work
from api.domain import auth
from api.domain.errors import Unauthenticated
from api.errors import format_error, has_only_pre_execution_errors, log_client_errors
from api.media_types import APPLICATION_JSON, GRAPHQL_RESPONSE_JSON, negotiate
from api.realtime.connections import CloseCode, LiveSocket
from api.realtime.stream import live_feeds
from api.request_id import current_request_id

log = logging.getLogger("chainstore.graphql")

# Why a connection_init was refused (close code 4403): what to do, never the token or a name.
# A close reason is at most 123 bytes (RFC 6455).
NEEDS_AUTHORIZATION = 'connection_init needs {"authorization": "Bearer <token>"}'
SIGN_IN_AGAIN = "token unknown, revoked or expired: sign in again"
ACCOUNT_FROZEN = "account frozen"

WRONG_SUBPROTOCOL = (
    "Live feeds speak graphql-transport-ws only: "
    "send the header Sec-WebSocket-Protocol: graphql-transport-ws.\n"
)


class TextFrameWebSocketAdapter(ASGIWebSocketAdapter):
    """Every graphql-transport-ws message in a text frame: the protocol is JSON text, and
    standard clients (graphql-ws, gql) refuse binary frames. Strawberry sends bytes as binary,
    and `encode_json` gives bytes (orjson, for HTTP bodies)."""

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        text = encoded.decode() if isinstance(encoded, bytes) else encoded
        try:
            await self.ws.send_text(text)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


async def refuse_upgrade(scope: Scope, receive: Receive, send: Send) -> None:
    """Answer a WebSocket handshake without graphql-transport-ws with a 400 and a body saying
    what to send (no 101, so an old client fails at once). A server without the ASGI denial
    response extension answers 403 instead (closing before accepting)."""
    websocket = WebSocket(scope, receive=receive, send=send)
    if "websocket.http.response" in scope.get("extensions", {}):
        await websocket.send_denial_response(PlainTextResponse(WRONG_SUBPROTOCOL, 400))
    else:
        await websocket.close(code=1002, reason="graphql-transport-ws only")


class LiveSocketHandler(BaseGraphQLTransportWSHandler[Context, None]):
    """graphql-transport-ws, plus: an accepted socket joins the process's socket registry,
    which closes it (ending its subscriptions) when its token or account stops being good."""

    _closing = False

    async def handle_connection_init(self, message: ConnectionInitMessage) -> None:
        """Strawberry's, with a refusal that says why (Strawberry's says only "Forbidden") and
        a `null` payload read as none (the protocol allows it)."""
        if self.connection_timed_out:
            return
        if self.connection_init_timeout_task:
            self.connection_init_timeout_task.cancel()
        payload = message.get("payload")
        if payload is None:
            payload = {}
        if not isinstance(payload, dict):
            reason = "connection_init payload must be a JSON object"
            await self.websocket.close(code=4400, reason=reason)
            return
        if self.connection_init_received:
            await self.websocket.close(code=4429, reason="Too many initialisation requests")
            return
        self.connection_init_received = True
        self.context.connection_params = payload
        try:
            await self.view.on_ws_connect(self.context)
        except ConnectionRejectionError as refused:
            reason = refused.payload.get("reason")
            await self.websocket.close(code=4403, reason=str(reason or NEEDS_AUTHORIZATION))
            return
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True
        actor = self.context.actor
        if actor is not None and self.context.live_socket is None:
            socket = LiveSocket(token_id=actor.token_id, staff_id=actor.staff_id, close=self.close)
            self.context.live_socket = socket
            live_feeds(self.context.services).sockets.add(socket)

    async def close(self, code: CloseCode, reason: str) -> None:
        """Close with `code`, then cancel every running operation of this socket."""
        if self._closing:
            return
        self._closing = True  # nothing more is sent, not even the cancelled ones' `complete`
        try:
            await self.websocket.close(code=int(code), reason=reason)
        finally:
            for operation_id in list(self.operations):
                await self.cleanup_operation(operation_id)

    async def run_operation(self, operation: Operation[Context, None]) -> None:
        # Strawberry's parser cache raises a syntax error outside the result stream, so the
        # client would get a bare `complete` and never learn why. Answer with an `error`
        # message carrying the code HTTP gives (the socket and its other operations live on).
        try:
            parse(operation.query)
        except GraphQLSyntaxError as error:
            log_client_errors([error], operation.operation_name)
            formatted = format_error(error, current_request_id())
            await operation.send_initial_errors(
                [GraphQLError(formatted["message"], extensions=formatted.get("extensions"))]
            )
            self.operations.pop(operation.id, None)
            return
        work = SocketWork()
        socket_work.set(work)  # this operation's task (and its sub-tasks) only
        try:
            await super().run_operation(operation)
        finally:
            await work.finish(commit=False)

    async def send_message(self, message: Message) -> None:
        if self._closing:
            return
        work = socket_work.get()
        if work is not None and message["type"] == "next":
            # One event (or one query or mutation) is done: commit what it did if it had no
            # errors, like the HTTP view, and give the next event fresh reads.
            failed = bool(message["payload"].get("errors"))
            try:
                await work.finish(commit=not failed)
            except Exception as exc:  # logged with its traceback as INTERNAL, by _coded
                error = _coded(GraphQLError("commit failed", original_error=exc))
                message = {
                    "id": message["id"],
                    "type": "next",
                    "payload": {"data": None, "errors": [error.formatted]},
                }
        await super().send_message(message)

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: Any
    ) -> None:
        await super()._send_result_stream(operation, _with_codes(result_source))

    async def shutdown(self) -> None:
        socket = self.context.live_socket
        if socket is not None and self.context.services.live is not None:
            self.context.services.live.sockets.discard(socket)
        await super().shutdown()


def _authorization_param(params: object) -> object:
    """The connection_init payload's `authorization`, its key matched in any case."""
    if not isinstance(params, dict):
        return None
    if "authorization" in params:
        return params["authorization"]
    return next((v for k, v in params.items() if str(k).lower() == "authorization"), None)


async def _with_codes(results: AsyncIterator[Any]) -> AsyncGenerator[Any, None]:
    """Socket results carry the same `extensions.code` errors as HTTP ones."""
    async for result in results:
        if isinstance(result, ExecutionResult) and result.errors:
            result.errors = [_coded(error) for error in result.errors]
        yield result


def _coded(error: GraphQLError) -> GraphQLError:
    if isinstance(error, GraphQLSyntaxError):
        return error  # the protocol closes the socket with 4400 for these
    formatted = format_error(error, current_request_id())
    return GraphQLError(
        formatted["message"],
        nodes=error.nodes,
        source=error.source,
        positions=error.positions,
        path=error.path,
        original_error=error.original_error,
        extensions=formatted.get("extensions"),
    )


class ChainstoreGraphQL(GraphQL[Context, None]):
    services: Services  # set by the app's lifespan, once the database is up
    graphql_transport_ws_handler_class = LiveSocketHandler
    websocket_adapter_class = TextFrameWebSocketAdapter

    def __init__(self, schema: Any, *, dev: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if dev else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )

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
        context = await self._new_context(request)
        response: Response
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
            if context.has_session:
                await context.session.close()
        await response(scope, receive, send)

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
        authorization = _authorization_param(context.connection_params)
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
        if context is not None and context.has_session:
            errors = await self._finish_transaction(context, errors)
        request_id = current_request_id()
        formatted = [format_error(e, request_id) for e in errors]
        request_error = result.data is None and has_only_pre_execution_errors(formatted)
        data: GraphQLHTTPResponse = {}
        if isinstance(request, Request):
            request.scope["chainstore.request_error"] = request_error
            graphql_response = request.scope.get("chainstore.media_type") == GRAPHQL_RESPONSE_JSON
        else:
            graphql_response = False
        if not (request_error and graphql_response):
            # graphql-response+json: no `data` when nothing ran. application/json keeps the
            # `"data": null` legacy clients look for.
            data["data"] = result.data
        if formatted:
            data["errors"] = [*formatted]
        if result.extensions:
            data["extensions"] = result.extensions
        return data

    async def _finish_transaction(
        self, context: Context, errors: list[GraphQLError]
    ) -> list[GraphQLError]:
        session = context.session
        if errors:
            await session.rollback()
            return errors
        try:
            await session.commit()
        except Exception as exc:
            await session.rollback()
            return [GraphQLError("commit failed", original_error=exc)]
        return errors

    def encode_json(self, response_data: Any) -> bytes:
        import orjson

        return orjson.dumps(response_data)
