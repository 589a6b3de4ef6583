"""The GraphQL endpoint's WebSocket side: graphql-transport-ws only, in text frames, with the
refusal reasons a client can act on, and each operation's unit of work (api/context.py).

A socket joins the process's socket registry once its connection_init is accepted, which
closes it when its token or account stops being good. A `subscribe` payload may name a stored
document by `documentId` instead of sending a query (api/persisted_requests.py).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSyntaxError, parse
from starlette.responses import PlainTextResponse
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http.exceptions import WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import (
    ConnectionInitMessage,
    ErrorMessage,
    Message,
    SubscribeMessage,
)
from strawberry.types import ExecutionResult

from api.context import Context, SocketWork, socket_work
from api.domain.error_reasons import ErrorReason
from api.domain.errors import DomainError, RateLimited
from api.errors import format_error, log_client_errors
from api.observability import metrics
from api.persisted_requests import as_graphql_error
from api.realtime.connections import REASONS, CloseCode, LiveSocket
from api.realtime.stream import live_feeds
from api.request_id import current_request_id
from api.request_json import NestedTooDeep

log = logging.getLogger("chainstore.realtime")

if TYPE_CHECKING:
    from api.graphql_view import ChainstoreGraphQL

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
        actor = self.context.actor
        if actor is not None and self.context.live_socket is None:
            sockets = live_feeds(self.context.services).sockets
            claim_id = await sockets.claim(actor.token_id)
            if claim_id is None:
                code = CloseCode.TOO_MANY_SOCKETS
                await self.websocket.close(code=int(code), reason=REASONS[code])
                return
            socket = LiveSocket(
                token_id=actor.token_id,
                staff_id=actor.staff_id,
                claim_id=claim_id,
                close=self.close,
            )
            self.context.live_socket = socket
            sockets.add(socket)
        await self.send_message({"type": "connection_ack"})
        self.connection_acknowledged = True

    async def handle_invalid_message(self, error_message: str) -> None:
        """4400, saying so when the message was nested too deep to read."""
        failure = sys.exc_info()[1]
        if failure is not None and isinstance(failure.__cause__, NestedTooDeep):
            error_message = "WebSocket message nested too deep"
        await super().handle_invalid_message(error_message)

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

    async def handle_subscribe(self, message: SubscribeMessage) -> None:
        """Strawberry's, with the stored document run when the payload names one by
        `documentId`, and a refused document answered by an `error` message (the socket and
        its other operations live on). Before `connection_ack`, or with an id in use,
        Strawberry's own checks close the socket first."""
        payload: Any = message.get("payload")
        ready = self.connection_acknowledged and message["id"] not in self.operations
        cap = self.context.services.settings.ws_max_subscriptions_per_socket
        if ready and len(self.operations) >= cap:
            await self._refuse(message["id"], too_many_operations(cap), payload)
            return
        if ready and isinstance(payload, dict):
            view: ChainstoreGraphQL = self.view  # type: ignore[assignment]
            try:
                query = view.document_to_run(self.context.actor, payload)
            except DomainError as refusal:
                await self._refuse(message["id"], refusal, payload)
                return
            if query is not None:  # none at all: Strawberry closes with 4400
                message = {**message, "payload": {**payload, "query": query}}  # type: ignore[typeddict-item]
        await super().handle_subscribe(message)

    async def _refuse(self, operation_id: str, refusal: DomainError, payload: Any) -> None:
        """An `error` message for one operation: the socket and its other operations live on."""
        error = as_graphql_error(refusal)
        name = payload.get("operationName") if isinstance(payload, dict) else None
        log_client_errors([error], name)
        formatted: Any = format_error(error, current_request_id())
        refused: ErrorMessage = {"id": operation_id, "type": "error", "payload": [formatted]}
        await self.send_message(refused)

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
        metrics.SUBSCRIPTIONS_OPEN.inc()
        try:
            await super().run_operation(operation)
        finally:
            metrics.SUBSCRIPTIONS_OPEN.dec()
            await work.finish(commit=False)

    async def send_message(self, message: Message) -> None:
        if self._closing:
            return
        work = socket_work.get()
        if work is not None and message["type"] == "next":
            # One event (or one query or mutation) is done: commit what it did if it had no
            # errors, like the HTTP view, and give the next event fresh reads.
            failed, wrote = bool(message["payload"].get("errors")), False
            try:
                wrote = await work.finish(commit=not failed)
            except Exception as exc:  # logged with its traceback as INTERNAL, by _coded
                error = _coded(GraphQLError("commit failed", original_error=exc))
                message = {
                    "id": message["id"],
                    "type": "next",
                    "payload": {"data": None, "errors": [error.formatted]},
                }
            if wrote:  # read-your-writes for the token's HTTP reads, before the answer leaves
                await self.context.note_committed_write()
        await super().send_message(message)

    async def _send_result_stream(
        self, operation: Operation[Context, None], result_source: Any
    ) -> None:
        await super()._send_result_stream(operation, _with_codes(result_source))

    async def shutdown(self) -> None:
        socket = self.context.live_socket
        live = self.context.services.live
        if socket is not None and live is not None:
            live.sockets.discard(socket)
            try:
                await live.sockets.release(socket.claim_id)
            except Exception:  # the claim lapses by itself (STALE_CLAIM_SECONDS)
                log.warning("releasing a socket claim failed", exc_info=True)
        await super().shutdown()


def too_many_operations(cap: int) -> RateLimited:
    return RateLimited(
        f"This socket already runs {cap} operations, as many as one may.",
        reason=ErrorReason.OPERATIONS_PER_SOCKET,
        limit=cap,
    )


def authorization_param(params: object) -> object:
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
