"""The compiled path of the HTTP endpoint: a request naming a trusted query by `documentId`
is answered from its plan when one fits the caller, before Strawberry runs; any other request,
and any the plan declines, goes on to the interpreter unchanged (api/graphql_view.py).

The access log and metrics see what they see for the interpreter: the operation's label,
the outcome code, the caller (the scope's `chainstore.context`), the statements run.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLSchema, OperationType
from starlette.requests import Request
from starlette.responses import Response

from api import request_json
from api.compiled.executor import Executor
from api.compiled.plan import Plan, compile_plan
from api.compiled.sale import SalePlan, compile_sale_plan
from api.compiled.selection import Unsupported
from api.domain.access import Actor, Role
from api.domain.members.limits import LookupPolicy
from api.trusted_documents import TrustedDocument, TrustedDocuments

log = logging.getLogger("chainstore.compiled")


@dataclass
class CompiledCaller:
    """What the access log reads from `chainstore.context` for a compiled request."""

    actor: Actor
    has_session: bool = False

    async def close_read_session(self) -> None:
        return None


class CompiledOperations:
    """Every (trusted query, role) plan, built once at start-up, and the executor running them."""

    def __init__(
        self,
        schema: GraphQLSchema,
        documents: TrustedDocuments,
        lookup_policy: LookupPolicy | None = None,
    ) -> None:
        self.plans: dict[tuple[str, Role], Plan] = {}
        self.sales: dict[tuple[str, Role], SalePlan] = {}  # the trusted recordSale (sale.py)
        self.declined: dict[tuple[str, Role], str] = {}  # why a pair runs on the interpreter
        self._documents: dict[str, TrustedDocument] = {}
        self._sale_documents: dict[str, tuple[TrustedDocument, str]] = {}
        for document in documents:
            for role in Role:
                try:
                    if document.type is OperationType.MUTATION:
                        sale = self.sales[document.id, role] = compile_sale_plan(
                            schema, document, role
                        )
                        self._sale_documents[document.id] = (document, sale.auth_sql)
                        continue
                    self.plans[document.id, role] = compile_plan(
                        schema, document, role, lookup_policy
                    )
                    self._documents[document.id] = document
                except Unsupported as why:
                    self.declined[document.id, role] = str(why)
        self.documents = list(documents)
        self.executor: Executor | None = None

    def compiled_documents(self) -> list[TrustedDocument]:
        """The queries with a plan for some role (the mutations with one: `sales`)."""
        return list(self._documents.values())

    async def respond(self, request: Request, media_type: str) -> Response | None:
        """The compiled answer to this request, or None to let the interpreter answer."""
        if self.executor is None:
            return None
        authorization = request.headers.get("authorization")
        if not authorization:
            return None  # anonymous: every compiled field needs a caller
        payload = await _payload(request)
        if payload is None or payload.keys() - {"documentId", "variables", "operationName"}:
            return None  # a query text, extensions, ...: the interpreter checks them
        document_id = payload.get("documentId")
        document = self._documents.get(document_id)  # type: ignore[arg-type]
        sale = self._sale_documents.get(document_id)  # type: ignore[arg-type]
        if sale is not None:
            document = sale[0]
        if document is None:
            return None
        operation_name = payload.get("operationName")
        if operation_name is not None and operation_name != document.name:
            return None
        try:
            if sale is not None:
                if request.method != "POST":
                    return None  # the interpreter answers 405
                answered = await self.executor.record_sale(
                    authorization,
                    sale[1],
                    lambda actor: self.sales.get((document.id, actor.role)),
                    payload.get("variables"),
                )
            else:
                answered = await self.executor.answer(
                    authorization,
                    lambda actor: self.plans.get((document.id, actor.role)),
                    payload.get("variables"),
                )
        except Exception:  # a broken connection, say: the interpreter answers (and reports)
            log.warning("compiled %s failed; interpreting", document.name, exc_info=True)
            return None
        if answered is None:
            return None
        actor, body = answered
        scope = request.scope
        scope["chainstore.operation"] = f"{document.client}/{document.name}"
        scope["chainstore.outcome"] = "OK"
        scope["chainstore.context"] = CompiledCaller(actor)
        return Response(body, media_type=media_type)


async def _payload(request: Request) -> dict[str, Any] | None:
    """documentId, variables and operationName as the view reads them (GET parameters or a
    POST body); None for anything the interpreter must judge."""
    try:
        if request.method == "GET":
            params: dict[str, Any] = dict(request.query_params)
            if params.get("variables"):
                params["variables"] = request_json.parse_value(params["variables"])
            return params
        if request.method != "POST":
            return None
        content_type = request.headers.get("content-type", "")
        if not content_type.startswith("application/json"):
            return None
        parsed = request_json.parse_body(await request.body())
    except Exception:  # malformed: the interpreter words the 400
        return None
    return parsed if isinstance(parsed, dict) else None
