"""The schema: Query, Mutation and Subscription composed from per-domain classes, with the
endpoint's limits."""

from __future__ import annotations

from typing import Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaxTokensLimiter, SchemaExtension
from strawberry.schema.config import StrawberryConfig
from strawberry.types import ExecutionContext

from api.config import Settings
from api.errors import log_client_errors
from api.input_text import StorableText
from api.limits import QueryLimits, ShapeCheckedValidation, ShapeLimits, TrustedParse
from api.operation_choice import OperationChoice
from api.resolvers.analytics import AnalyticsQuery
from api.resolvers.auth import AuthMutation, AuthQuery
from api.resolvers.complaints import (
    ComplaintsMutation,
    ComplaintsQuery,
    ComplaintsSubscription,
)
from api.resolvers.customer_calls import CustomerCallsMutation
from api.resolvers.forecasting import ForecastingQuery
from api.resolvers.help import HelpMutation, HelpQuery, HelpSubscription
from api.resolvers.insights import InsightsMutation, InsightsQuery
from api.resolvers.live import LiveSubscription
from api.resolvers.markdowns import MarkdownMutation, MarkdownQuery
from api.resolvers.members import MembersMutation, MembersQuery
from api.resolvers.nodes import NodeQuery
from api.resolvers.organisation import OrganisationMutation, OrganisationQuery
from api.resolvers.promotions import PromotionsMutation, PromotionsQuery
from api.resolvers.replenishment import ReplenishmentMutation, ReplenishmentQuery
from api.resolvers.sales import SalesMutation, SalesQuery
from api.resolvers.shifts import ShiftsMutation, ShiftsQuery
from api.resolvers.staff import StaffMutation, StaffQuery
from api.resolvers.stock import StockMutation, StockQuery
from api.resolvers.transfers import TransferMutation, TransferQuery
from api.schema.errors import ERROR_SHAPE_TYPES
from api.schema.scalars import SCALAR_MAP
from api.schema.shared_renders import SharedRenderExecutor
from api.trusted_documents import TrustedDocuments


@strawberry.type(description="Everything HQ, stores and integrators can read.")
class Query(
    AuthQuery,
    NodeQuery,
    OrganisationQuery,
    StaffQuery,
    TransferQuery,
    ReplenishmentQuery,
    MarkdownQuery,
    SalesQuery,
    StockQuery,
    MembersQuery,
    ShiftsQuery,
    ComplaintsQuery,
    HelpQuery,
    PromotionsQuery,
    AnalyticsQuery,
    ForecastingQuery,
    InsightsQuery,
):
    pass


@strawberry.type(description="Every change; those a device may retry take input.idempotencyKey.")
class Mutation(
    AuthMutation,
    OrganisationMutation,
    StaffMutation,
    TransferMutation,
    ReplenishmentMutation,
    MarkdownMutation,
    SalesMutation,
    StockMutation,
    MembersMutation,
    ShiftsMutation,
    ComplaintsMutation,
    HelpMutation,
    CustomerCallsMutation,
    PromotionsMutation,
    InsightsMutation,
):
    pass


@strawberry.type(
    description="Live feeds over WebSocket (graphql-transport-ws, the token in connection_init)."
)
class Subscription(LiveSubscription, ComplaintsSubscription, HelpSubscription):
    pass


class HiddenFields(SchemaExtension):
    """Lists the paths `@requires` turned to null, and why, in the response's extensions."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        hidden = getattr(context, "hidden", None)
        return {"hiddenFields": hidden} if hidden else {}


class ChainstoreSchema(strawberry.Schema):
    """Strawberry's schema, logging errors our way. Its own logger writes a traceback per error
    and the failed operation's message text, which echoes variables (phone numbers, too); ours
    writes one INFO line per client error (api/errors.py). This hook sees every error of HTTP
    and WebSocket operations, before they are formatted."""

    # Set by the app once the trusted documents are loaded and validated against this schema:
    # their requests then skip parsing and validation (api/limits.py, TrustedParse).
    trusted_documents: TrustedDocuments | None = None

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        operation = execution_context.operation_name if execution_context else None
        log_client_errors(errors, operation)


# Schemas by the settings they are built from: a process that starts several apps (the test
# suite starts hundreds) builds each once. Apps that turn tracing on add an extension to their
# schema (api/observability/tracing.py), so they get one of their own.
_built: dict[tuple[object, ...], ChainstoreSchema] = {}


def shared_schema(settings: Settings) -> ChainstoreSchema:
    """`build_schema(settings)`, built once per process for the same limits."""
    if settings.tracing:
        return build_schema(settings)
    key = (
        settings.max_tokens,
        settings.max_query_depth,
        settings.max_aliases,
        settings.max_query_fields,
        settings.max_query_cost,
        settings.introspection,
    )
    if key not in _built:
        _built[key] = build_schema(settings)
    return _built[key]


def build_schema(settings: Settings | None = None) -> ChainstoreSchema:
    settings = settings or Settings()
    shape_limits = ShapeLimits(
        max_depth=settings.max_query_depth,
        max_aliases=settings.max_aliases,
        max_fields=settings.max_query_fields,
    )
    return ChainstoreSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=ERROR_SHAPE_TYPES,  # no field returns them: they document `extensions`
        execution_context_class=SharedRenderExecutor,
        config=StrawberryConfig(disable_field_suggestions=True, scalar_map=SCALAR_MAP),
        # Factories: each request gets fresh extension instances (the parser and validation
        # caches are module-level LRUs shared by all of them). The shape limits (depth,
        # aliases, expanded fields) are checked, in linear time, before any validation rule
        # walks the document (api/limits.py).
        extensions=[
            lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
            lambda: TrustedParse(maxsize=512),
            OperationChoice,
            StorableText,
            lambda: ShapeCheckedValidation(shape_limits, maxsize=512),
            lambda: QueryLimits(
                max_cost=settings.max_query_cost, introspection=settings.introspection
            ),
            HiddenFields,
        ],
    )


schema = build_schema()
