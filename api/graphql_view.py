"""The GraphQL HTTP endpoint: one request, one context, one transaction, formatted errors.

The request's session commits when the operation produced no error and rolls back otherwise,
so a failed mutation leaves nothing behind. GET carries queries only (405 for mutations).
"""

from __future__ import annotations

import logging
from typing import Any

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLHTTPResponse
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult

from api.context import Context, Services
from api.domain import auth
from api.domain.errors import Unauthenticated
from api.errors import format_error, has_only_pre_execution_errors
from api.request_id import current_request_id

log = logging.getLogger("chainstore.graphql")

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def negotiate(accept: str | None) -> str | None:
    """The response type GraphQL-over-HTTP asks for: graphql-response+json unless the client
    accepts only application/json (legacy clients); None when it accepts neither."""
    if not accept:
        return GRAPHQL_RESPONSE_JSON
    kinds = {part.split(";", 1)[0].strip().lower() for part in accept.split(",")}
    if kinds & {GRAPHQL_RESPONSE_JSON, "*/*", "application/*"}:
        return GRAPHQL_RESPONSE_JSON
    if "application/json" in kinds:
        return "application/json"
    return None


class ChainstoreGraphQL(GraphQL[Context, None]):
    services: Services  # set by the app's lifespan, once the database is up

    def __init__(self, schema: Any, *, dev: bool) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if dev else None,
            allow_queries_via_get=True,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await super().__call__(scope, receive, send)
            return
        request = Request(scope, receive=receive)
        media_type = negotiate(request.headers.get("accept"))
        if media_type is None and not self.should_render_graphql_ide(
            self.request_adapter_class(request)
        ):
            refusal = PlainTextResponse(
                f"Acceptable: {GRAPHQL_RESPONSE_JSON} or application/json.", status_code=406
            )
            await refusal(scope, receive, send)
            return
        context = await self._new_context(request)
        response: Response
        try:
            response = await self.run(request, context=context)
            if media_type == GRAPHQL_RESPONSE_JSON and response.media_type == "application/json":
                response.headers["content-type"] = GRAPHQL_RESPONSE_JSON
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
        """Accept a socket only with a valid `{"authorization": "Bearer <token>"}` payload;
        otherwise it is closed with 4403 before any subscription runs."""
        params = context.connection_params
        authorization = params.get("authorization") if isinstance(params, dict) else None
        if not isinstance(authorization, str) or not authorization:
            raise ConnectionRejectionError({"reason": "connection_init needs an authorization"})
        async with self.services.sessions() as session:
            try:
                actor = await auth.authenticate(session, authorization)
            except Unauthenticated as exc:
                raise ConnectionRejectionError({"reason": exc.message}) from exc
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
        data: GraphQLHTTPResponse = {"data": result.data}
        if errors:
            data["errors"] = [format_error(e, request_id) for e in errors]
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

    def create_response(
        self, response_data: GraphQLHTTPResponse | list[GraphQLHTTPResponse], sub_response: Response
    ) -> Response:
        response = super().create_response(response_data, sub_response)
        if (
            isinstance(response_data, dict)
            and response_data.get("data") is None
            and has_only_pre_execution_errors(response_data.get("errors") or [])  # type: ignore[arg-type]
        ):
            response.status_code = 400
        return response

    def encode_json(self, response_data: Any) -> bytes:
        import orjson

        return orjson.dumps(response_data)
