"""Queries and mutations for markdowns, and the stock watch that leads to them."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.context import Context
from api.domain import global_ids, markdowns, scans
from api.domain.access import Permission
from api.resolvers.idempotent import once
from api.schema.markdowns import (
    AcknowledgeMarkdownPayload,
    IssueMarkdownInput,
    IssueMarkdownPayload,
    Markdown,
    StockWatchAlert,
    StockWatchKind,
)
from api.schema.permissions import requires
from api.schema.relay import Connection, connection
from db.models import AlertKind


async def _markdown(context: Context, markdown_id: int, store_code: str | None) -> Markdown:
    page = await markdowns.list_markdowns(
        context.session,
        context.actor,
        store_code=store_code,
        active=None,
        first=1,
        after=None,
        markdown_ids=[markdown_id],
    )
    [(_, view)] = page.items
    return Markdown.from_view(view)


@strawberry.type
class MarkdownQuery:
    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="Markdowns for stores in your scope (or one store), oldest first; `active`: "
        "running now (true) or not (false).",
    )
    async def markdowns(
        self,
        info: Info,
        store_code: str | None = None,
        active: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Markdown]:
        page = await markdowns.list_markdowns(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            active=active,
            first=first,
            after=after,
        )
        return connection(page, Markdown.from_view)

    @strawberry.field(
        extensions=[requires(Permission.VIEW_STOCK)],
        description="OPEN slow-mover and near-expiry alerts at stores in your scope (or one "
        "store), raised by `chainstore worker`; oldest first.",
    )
    async def stock_watch(
        self,
        info: Info,
        store_code: str | None = None,
        kind: StockWatchKind | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[StockWatchAlert]:
        page = await scans.list_watch_alerts(
            info.context.session,
            info.context.actor,
            store_code=store_code,
            kind=AlertKind(kind.value) if kind else None,
            first=first,
            after=after,
        )
        return connection(page, StockWatchAlert.from_row)


@strawberry.type
class MarkdownMutation:
    @strawberry.mutation(
        extensions=[requires(Permission.ISSUE_MARKDOWNS)],
        description="HQ issues a time-limited discount for chosen store x SKU pairs; each store "
        "is told with a MARKDOWN_ISSUED event.",
    )
    async def issue_markdown(self, info: Info, input: IssueMarkdownInput) -> IssueMarkdownPayload:
        context: Context = info.context
        actor = context.require_actor()
        new = markdowns.NewMarkdown(
            percent_off=input.percent_off,
            starts_at=input.starts_at,
            ends_at=input.ends_at,
            reason=input.reason,
            targets=[
                markdowns.TargetInput(store_code=t.store_code.strip(), sku=t.sku.strip())
                for t in input.targets
            ],
        )

        async def perform() -> int:
            return await markdowns.issue_markdown(context.session, actor, new)

        markdown_id = await once(context, "issueMarkdown", input, perform)
        return IssueMarkdownPayload(markdown=await _markdown(context, markdown_id, None))

    @strawberry.mutation(
        extensions=[requires(Permission.ACKNOWLEDGE_MARKDOWNS)],
        description="Store staff confirm the markdown is applied at their store (again: no-op).",
    )
    async def acknowledge_markdown(
        self, info: Info, markdown_id: strawberry.ID, store_code: str
    ) -> AcknowledgeMarkdownPayload:
        markdown_id_ = global_ids.expect(markdown_id, "Markdown", argument="markdownId")
        await markdowns.acknowledge_markdown(
            info.context.session,
            info.context.actor,
            markdown_id=markdown_id_,
            store_code=store_code,
        )
        return AcknowledgeMarkdownPayload(
            markdown=await _markdown(info.context, markdown_id_, store_code)
        )
