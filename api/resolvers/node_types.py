"""Which look-up answers `node(id:)` for each type implementing `Node`, and under which
permission: the type's own look-up (or, for a type only listed, its list's domain function
narrowed to the ids), so a node is seen by exactly whom and in exactly the scope the type's
own fields allow, and answers what they answer (NOT_FOUND, FORBIDDEN, null).

Each loader takes every id of its type asked in one request and answers each with the
object, the error its own look-up gives, or None; one that batches reads them all at once.
Parts of a complaint (timeline entries, messages, pickups) are seen through the complaint, a
coupon through opening its member (counted like any member look-up). Regions, stores, products
and staff are keyed by code, SKU and username: a staff member is seen as the staff list shows
them (out of the caller's scope is NOT_FOUND, like a username nobody has).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from strawberry.types import Info

from api.domain import (
    compliance_grants,
    customer_calls,
    global_ids,
    help_requests,
    markdowns,
    organisation,
    replenishment,
    scans,
    staff,
)
from api.domain.access import Permission
from api.domain.analytics import cases, surveys, training
from api.domain.complaints import queries as complaint_queries
from api.domain.complaints.common import complaint_not_found
from api.domain.errors import DomainError, NotFound
from api.domain.members import limits, pii
from api.domain.photo_links import PhotoRef
from api.domain.photos import photo_for_viewer
from api.domain.promotions import store as promotion_store
from api.domain.sales.lookup import returns_by_id, sales_by_id
from api.domain.shifts import shifts, standards
from api.domain.stock import queries as stock_queries
from api.domain.transfers import get_transfer
from api.schema.complaints import (
    Complaint,
    ComplaintMessage,
    ComplaintTimelineEntry,
    MemberCoupon,
    ReplacementPickup,
)
from api.schema.customer_calls import CustomerCall
from api.schema.help import HelpRequest
from api.schema.insights import GoodPractice, SurveyAnswer, TrainingTask
from api.schema.markdowns import Markdown, StockWatchAlert
from api.schema.members import PiiAccessEntry, PrivacyAlert, open_member
from api.schema.organisation import Product, Region, Store
from api.schema.photos import Photo
from api.schema.promotions import Promotion
from api.schema.replenishment import ReplenishmentOrder
from api.schema.sales import Sale, SaleReturn
from api.schema.shifts import ChecklistItem, ChecklistTemplate, Shift
from api.schema.staff import ApiToken, ComplianceGrant, Staff
from api.schema.stock import StockAlert
from api.schema.transfers import Transfer

K = TypeVar("K")
Answers = dict[Any, object]  # key -> the node, the DomainError its look-up raised, or None
Loader = Callable[[Info, list[Any]], Awaitable[Answers]]


@dataclass(frozen=True)
class NodeType:
    permission: Permission  # the @requires permission of the type's own look-up
    load: Loader
    key: Callable[[global_ids.Decoded, str, str], Any] = lambda decoded, argument, value: (
        global_ids.row_key(decoded, argument=argument, value=value)
    )


async def _attempt(look_up: Awaitable[object]) -> object:
    """A look-up's answer, or the domain error it raised (one id's failure is its own)."""
    try:
        return await look_up
    except DomainError as exc:
        return exc


def _each(
    keys: Sequence[K], found: dict[K, Any], build: Callable[[Any], object], missing: str
) -> Answers:
    return {
        k: build(found[k]) if k in found else NotFound(missing.format(k), argument="id")
        for k in keys
    }


async def _members(info: Info, keys: list[int]) -> Answers:
    return {k: await _attempt(open_member(info, k)) for k in keys}


async def _complaints(info: Info, keys: list[int]) -> Answers:
    found = await complaint_queries.get_complaints(info.context.session, info.context.actor, keys)
    return {
        k: Complaint.from_model(found[k]) if k in found else complaint_not_found(k) for k in keys
    }


async def _through_complaints(
    info: Info, keys: list[int], parts: dict[int, Any], build: Callable[[Any], object], what: str
) -> Answers:
    """Parts of complaints, seen by those who may see the complaint."""
    complaint_of = {k: _complaint_id(part) for k, part in parts.items()}
    visible = await complaint_queries.get_complaints(
        info.context.session, info.context.actor, sorted(set(complaint_of.values()))
    )
    shown = {k: part for k, part in parts.items() if complaint_of[k] in visible}
    return _each(keys, shown, build, f"No {what} {{}} in your scope.")


def _complaint_id(part: Any) -> int:
    owner = part.pickup if isinstance(part, complaint_queries.PickupView) else part
    return int(owner.complaint_id)


async def _timeline_entries(info: Info, keys: list[int]) -> Answers:
    parts = await complaint_queries.timeline_entries_by_id(info.context.session, keys)
    return await _through_complaints(
        info, keys, parts, ComplaintTimelineEntry.from_model, "complaint timeline entry"
    )


async def _messages(info: Info, keys: list[int]) -> Answers:
    parts = await complaint_queries.messages_by_id(info.context.session, keys)
    return await _through_complaints(
        info, keys, parts, ComplaintMessage.from_model, "complaint message"
    )


async def _pickups(info: Info, keys: list[int]) -> Answers:
    parts = await complaint_queries.pickups_by_id(info.context.session, keys)
    return await _through_complaints(
        info, keys, parts, ReplacementPickup.from_view, "replacement pickup"
    )


async def _coupons(info: Info, keys: list[int]) -> Answers:
    coupons = await complaint_queries.coupons_by_id(info.context.session, keys)
    answers: Answers = {}
    for k in keys:
        coupon = coupons.get(k)
        if coupon is None:
            answers[k] = NotFound(f"No coupon {k}.", argument="id")
            continue
        opened = await _attempt(open_member(info, coupon.member_id))
        answers[k] = opened if isinstance(opened, DomainError) else MemberCoupon.from_model(coupon)
    return answers


async def _shifts(info: Info, keys: list[int]) -> Answers:
    found = await shifts.get_shifts(info.context.session, info.context.actor, keys)
    return {
        k: Shift.from_view(found[k]) if k in found else shifts.shift_not_found(k, argument="id")
        for k in keys
    }


async def _templates(info: Info, keys: list[int]) -> Answers:
    found = await standards.get_templates(info.context.session, info.context.actor, keys)
    return _each(keys, found, ChecklistTemplate.from_view, "No checklist template has id {}.")


def _item(item: Any) -> ChecklistItem:
    return ChecklistItem(
        id=item.id,
        position=item.position,
        text=item.text,
        requires_photo=item.requires_photo,
        requires_note=item.requires_note,
    )


async def _items(info: Info, keys: list[int]) -> Answers:
    found = await standards.get_items(info.context.session, info.context.actor, keys)
    return _each(keys, found, _item, "No checklist item has id {}.")


async def _transfers(info: Info, keys: list[int]) -> Answers:
    answers: Answers = {}
    for k in keys:
        try:
            view = await get_transfer(info.context.session, info.context.actor, k)
        except DomainError as exc:
            answers[k] = exc
            continue
        answers[k] = Transfer.from_view(view)
    return answers


async def _orders(info: Info, keys: list[int]) -> Answers:
    page = await replenishment.list_orders(
        info.context.session,
        info.context.actor,
        store_code=None,
        status=None,
        first=len(keys),
        after=None,
        order_ids=keys,
    )
    found = {view.order.id: view for _, view in page.items}
    return _each(
        keys, found, ReplenishmentOrder.from_view, "No replenishment order {} in your scope."
    )


async def _markdowns(info: Info, keys: list[int]) -> Answers:
    page = await markdowns.list_markdowns(
        info.context.session,
        info.context.actor,
        store_code=None,
        active=None,
        first=len(keys),
        after=None,
        markdown_ids=keys,
    )
    found = {view.markdown.id: view for _, view in page.items}
    return _each(keys, found, Markdown.from_view, "No markdown {} for a store in your scope.")


async def _promotions(info: Info, keys: list[int]) -> Answers:
    views = await promotion_store.promotion_views(
        info.context.session, info.context.actor, keys, now=datetime.now(UTC)
    )
    return _each(keys, views, Promotion.from_view, "No promotion {} for a store in your scope.")


async def _stock_alerts(info: Info, keys: list[int]) -> Answers:
    context = info.context
    stores = await stock_queries.alert_stores(context.session, context.actor, keys)
    found: dict[int, Any] = {}
    for store_code in sorted(set(stores.values())):
        ids = [k for k, code in stores.items() if code == store_code]
        page = await stock_queries.list_stock_alerts(
            context.session,
            context.actor,
            store_code=store_code,
            status=None,
            first=len(ids),
            after=None,
            alert_ids=ids,
        )
        found.update((row.id, row) for _, row in page.items)
    return _each(keys, found, StockAlert.from_row, "No stock alert {} at a store in your scope.")


async def _watch_alerts(info: Info, keys: list[int]) -> Answers:
    page = await scans.list_watch_alerts(
        info.context.session,
        info.context.actor,
        store_code=None,
        kind=None,
        first=len(keys),
        after=None,
        alert_ids=keys,
    )
    found = {row.alert.id: row for _, row in page.items}
    return _each(keys, found, StockWatchAlert.from_row, "No open watch alert {} in your scope.")


async def _photos(info: Info, keys: list[uuid.UUID]) -> Answers:
    context = info.context
    actor = context.require_actor()
    answers: Answers = {}
    for k in keys:
        try:
            photo = await photo_for_viewer(context.session, actor, str(k))
        except DomainError as exc:  # what GET /photos/{uuid} answers
            answers[k] = exc
            continue
        answers[k] = Photo.from_ref(PhotoRef(photo.id, photo.width, photo.height, None))
    return answers


def _api_token(found: Any) -> ApiToken:
    token, principal = found
    return ApiToken(
        id=token.id,
        name=token.name or "",
        expires_at=token.expires_at,
        grants=sorted(Permission(g) for g in token.grants),
        trusted_documents_only=token.trusted_documents_only,
        staff=Staff.from_model(principal),
    )


async def _api_tokens(info: Info, keys: list[int]) -> Answers:
    found = await staff.api_tokens_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, _api_token, "No API token has id {}.")


async def _compliance_grants(info: Info, keys: list[int]) -> Answers:
    found = await compliance_grants.grants_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, ComplianceGrant.from_model, "No compliance grant {}.")


async def _access_entries(info: Info, keys: list[int]) -> Answers:
    found = await pii.entries_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, PiiAccessEntry.from_model, "No PII access log entry {}.")


async def _privacy_alerts(info: Info, keys: list[int]) -> Answers:
    found = await limits.privacy_alerts_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, PrivacyAlert.from_model, "No privacy alert {}.")


async def _sales(info: Info, keys: list[int]) -> Answers:
    found = await sales_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, Sale.from_domain, "No sale {} at a store in your scope.")


async def _returns(info: Info, keys: list[int]) -> Answers:
    found = await returns_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, SaleReturn.from_domain, "No return {} at a store in your scope.")


async def _help_requests(info: Info, keys: list[int]) -> Answers:
    found = await help_requests.help_requests_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, HelpRequest.from_model, "No help request {} in your scope.")


async def _customer_calls(info: Info, keys: list[int]) -> Answers:
    found = await customer_calls.calls_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, CustomerCall.from_model, "No customer call {} in your scope.")


async def _survey_answers(info: Info, keys: list[int]) -> Answers:
    found = await surveys.survey_answers_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, SurveyAnswer.from_model, "No survey answer {} in your scope.")


async def _training_tasks(info: Info, keys: list[int]) -> Answers:
    found = await training.training_tasks_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, TrainingTask.from_model, "No training task {} in your scope.")


async def _good_practices(info: Info, keys: list[int]) -> Answers:
    found = await cases.good_practices_by_id(info.context.session, info.context.actor, keys)
    return _each(keys, found, GoodPractice.from_model, "No good practice {}.")


def _by_natural_key(
    keys: list[str],
    found: dict[str, Any],
    build: Callable[[Any], object],
    not_found: Callable[..., NotFound],
) -> Answers:
    """Answers for a type keyed by code, SKU or username: the NOT_FOUND its look-up gives."""
    return {k: build(found[k]) if k in found else not_found(k, argument="id") for k in keys}


async def _regions(info: Info, keys: list[str]) -> Answers:
    found = await organisation.regions_by_code(info.context.session, info.context.actor, keys)
    return _by_natural_key(keys, found, Region.from_model, organisation.region_not_found)


async def _stores(info: Info, keys: list[str]) -> Answers:
    found = await organisation.stores_by_code(info.context.session, info.context.actor, keys)
    return _by_natural_key(keys, found, Store.from_model, organisation.store_not_found)


async def _products(info: Info, keys: list[str]) -> Answers:
    found = await organisation.products_by_sku(info.context.session, info.context.actor, keys)
    return _by_natural_key(keys, found, Product.from_model, organisation.product_not_found)


async def _staff(info: Info, keys: list[str]) -> Answers:
    """As the staff list shows the caller an account: out of scope is NOT_FOUND like nobody."""
    found = await staff.staff_by_username(info.context.session, info.context.actor, keys)
    return _by_natural_key(keys, found, Staff.from_model, staff.staff_not_found)


def _natural_key(decoded: global_ids.Decoded, argument: str, value: str) -> str:
    return decoded.key  # any text: an unknown one is NOT_FOUND, as in the type's look-up


def _photo_key(decoded: global_ids.Decoded, argument: str, value: str) -> uuid.UUID:
    return global_ids.uuid_key(decoded, argument=argument, value=value)


# GraphQL type name -> how node(id:) finds it. tests/access/test_node.py checks that every
# type implementing Node is here.
NODE_TYPES: dict[str, NodeType] = {
    "Member": NodeType(Permission.VIEW_MEMBERS, _members),
    "MemberCoupon": NodeType(Permission.VIEW_MEMBERS, _coupons),
    "Complaint": NodeType(Permission.VIEW_COMPLAINTS, _complaints),
    "ComplaintTimelineEntry": NodeType(Permission.VIEW_COMPLAINTS, _timeline_entries),
    "ComplaintMessage": NodeType(Permission.VIEW_COMPLAINTS, _messages),
    "ReplacementPickup": NodeType(Permission.VIEW_COMPLAINTS, _pickups),
    "Shift": NodeType(Permission.VIEW_SHIFTS, _shifts),
    "ChecklistTemplate": NodeType(Permission.VIEW_SHIFTS, _templates),
    "ChecklistItem": NodeType(Permission.VIEW_SHIFTS, _items),
    "Transfer": NodeType(Permission.VIEW_STOCK, _transfers),
    "ReplenishmentOrder": NodeType(Permission.VIEW_STOCK, _orders),
    "Markdown": NodeType(Permission.VIEW_STOCK, _markdowns),
    "Promotion": NodeType(Permission.VIEW_PROMOTIONS, _promotions),
    "StockAlert": NodeType(Permission.VIEW_STOCK, _stock_alerts),
    "StockWatchAlert": NodeType(Permission.VIEW_STOCK, _watch_alerts),
    "Photo": NodeType(Permission.SIGNED_IN, _photos, _photo_key),
    "Region": NodeType(Permission.VIEW_ORGANISATION, _regions, _natural_key),
    "Store": NodeType(Permission.VIEW_ORGANISATION, _stores, _natural_key),
    "Product": NodeType(Permission.VIEW_ORGANISATION, _products, _natural_key),
    "Staff": NodeType(Permission.VIEW_STAFF, _staff, _natural_key),
    "ApiToken": NodeType(Permission.MANAGE_API_TOKENS, _api_tokens),
    "ComplianceGrant": NodeType(Permission.CONFIRM_COMPLIANCE_GRANTS, _compliance_grants),
    "PiiAccessEntry": NodeType(Permission.VIEW_PII_ACCESS_LOG, _access_entries),
    "PrivacyAlert": NodeType(Permission.VIEW_PRIVACY_ALERTS, _privacy_alerts),
    "Sale": NodeType(Permission.VIEW_SALES, _sales),
    "SaleReturn": NodeType(Permission.VIEW_SALES, _returns),
    "HelpRequest": NodeType(Permission.VIEW_HELP_REQUESTS, _help_requests),
    "CustomerCall": NodeType(Permission.VIEW_COMPLAINTS, _customer_calls),
    "SurveyAnswer": NodeType(Permission.VIEW_SALES, _survey_answers),
    "TrainingTask": NodeType(Permission.VIEW_STAFF, _training_tasks),
    "GoodPractice": NodeType(Permission.SIGNED_IN, _good_practices),
}
