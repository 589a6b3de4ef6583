"""The demo history's receipts, returns and shifts for one store, generated in memory from
generators seeded per store and day (the same seed and dates give the same rows). The
shoppers' habits are api/demo/history_patterns.py; api/demo/history.py writes the rows."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate
from typing import Any
from zoneinfo import ZoneInfo

from api.demo import history_patterns as patterns
from api.demo.chain import DAYS
from api.demo.history_promotions import PROMOTION_UPLIFT, HistoryPromotion
from api.demo.history_stock import Shelves
from db.models import StoreType

MEMBER_SHARE = 0.4  # of receipts, once every member has enrolled
RETURN_RATE = 0.01
DISCOUNT_RATE = 0.08  # lines with 10 % off
HISTORY_PREFIX = "H"  # receipt numbers H20261001-00001

_LINE_CUM = list(accumulate(patterns.LINE_WEIGHTS))
_QUANTITY_CUM = list(accumulate(patterns.QUANTITY_WEIGHTS))


@dataclass(frozen=True)
class StoreInfo:
    id: int
    code: str
    type: StoreType
    region: str
    zone: ZoneInfo
    opening_hours: dict[str, Any]


@dataclass(frozen=True)
class ProductInfo:
    id: int
    name: str
    category: str
    price_cents: int
    region: str | None  # None: a core SKU
    seasonal: bool
    popularity: float


@dataclass(frozen=True)
class MemberInfo:
    id: int
    enrolled_on: date  # store-local
    loyalty: float  # how often they come back, relative


@dataclass
class StoreHistory:
    """One store's rows, sale and return ids local (0..n-1) until a block is reserved."""

    sales: list[list[Any]] = field(default_factory=list)
    lines: list[list[Any]] = field(default_factory=list)
    returns: list[list[Any]] = field(default_factory=list)
    return_lines: list[list[Any]] = field(default_factory=list)
    shifts: list[tuple[Any, ...]] = field(default_factory=list)
    # Per promotion: receipts eligible, receipts that claimed it, their discount.
    promotion_stats: dict[int, list[int]] = field(default_factory=dict)


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def _open_spans(store: StoreInfo, day: date) -> list[tuple[int, int]]:
    """The day's opening periods in minutes after local midnight."""
    spans = store.opening_hours.get(DAYS[day.weekday()], [])
    return [(_minutes(start), _minutes(end)) for start, end in spans]


def _hour_weights(
    store: StoreInfo, day: date, spans: list[tuple[int, int]]
) -> tuple[list[float], float]:
    """Each hour's share of the day's traffic, and the day's expected receipts."""
    weekday_shape, weekend_shape = patterns.SHAPES[store.type]
    shape = weekend_shape if day.weekday() >= 5 else weekday_shape
    full = patterns.hour_weights(shape, 0, 24)
    weights = []
    for hour, weight in enumerate(full):
        open_minutes = sum(
            max(0, min(end, hour * 60 + 60) - max(start, hour * 60)) for start, end in spans
        )
        weights.append(weight * open_minutes / 60)
    open_share = sum(weights) / sum(full) if sum(full) else 0.0
    return weights, shape.receipts * open_share * 1.4  # a typical day is open ~70 % of it


def _minute_in(spans: list[tuple[int, int]], hour: int, rng: random.Random) -> int:
    """A minute of `hour` when the store is open."""
    for start, end in spans:
        lo, hi = max(start, hour * 60), min(end, hour * 60 + 60)
        if lo < hi:
            return rng.randrange(lo, hi)
    return hour * 60


def _product_weights(
    store: StoreInfo, products: Sequence[ProductInfo], day: date, seed: int
) -> list[float]:
    taste = patterns.CATEGORY_TASTE[store.type]
    temp_max_c, _ = patterns.temperature(store.region, day, seed)
    weights = []
    for p in products:
        w = p.popularity * taste.get(p.category, 1.0)
        w *= patterns.weather_factor(p.category, temp_max_c)
        if p.seasonal:
            w *= patterns.season_factor(p.name, day, store.region)
        if p.region is not None:
            w *= 1.5  # the region's own range sells well at home
        weights.append(w)
    return weights


def _promoted(
    store: StoreInfo, day: date, promotions: Sequence[HistoryPromotion]
) -> dict[int, HistoryPromotion]:
    """The promotion each SKU sells under at the store that day (the deepest, if several)."""
    out: dict[int, HistoryPromotion] = {}
    for promotion in promotions:
        if promotion.runs_on(store.id, day):
            for product_id in promotion.product_ids:
                best = out.get(product_id)
                if best is None or promotion.percent_off > best.percent_off:
                    out[product_id] = promotion
    return out


def store_history(
    store: StoreInfo,
    products: Sequence[ProductInfo],
    clerks: tuple[int, int],
    members: Sequence[MemberInfo],
    first_day: date,
    days: int,
    *,
    seed: int,
    scale: float = 1.0,
    last_moment: datetime,
    shelves: Shelves | None = None,
    promotions: Sequence[HistoryPromotion] = (),
    diligence: float = 1.0,
) -> StoreHistory:
    """The store's receipts, returns and shifts over `days` store-local days from `first_day`;
    with `shelves`, receipts take what the shelves hold and the shelves write the stock's
    movements and replenishment (api/demo/history_stock.py); `promotions` running at the
    store lift their SKUs' sales, and the clerk applies one with probability `diligence`
    (api/demo/history_promotions.py)."""
    out = StoreHistory()
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        rng = random.Random(f"{seed}:{store.code}:{day.isoformat()}")  # noqa: S311 - demo data
        spans = _open_spans(store, day)
        if not spans:
            continue
        hour_weights, expected = _hour_weights(store, day, spans)
        if expected <= 0:
            continue
        midnight = datetime.combine(day, time(), tzinfo=store.zone)
        _shifts(out, store, clerks, spans, midnight, rng)
        pool = [m for m in members if m.enrolled_on <= day]
        pool_weights = list(accumulate(m.loyalty for m in pool))
        member_share = MEMBER_SHARE * len(pool) / len(members) if members else 0.0
        # Cumulative weights, computed once a day: random.choices would re-add them per call.
        promoted = _promoted(store, day, promotions)
        weights = _product_weights(store, products, day, seed)
        if promoted:
            weights = [
                w * PROMOTION_UPLIFT if p.id in promoted else w
                for w, p in zip(weights, products, strict=True)
            ]
        product_weights = list(accumulate(weights))
        hours = list(range(24))
        receipts = max(0, round(expected * scale * rng.uniform(0.85, 1.15)))
        moments = sorted(
            _minute_in(spans, hour, rng) * 60 + rng.randrange(60)
            for hour in rng.choices(hours, hour_weights, k=receipts)
        )
        handover = (spans[0][0] + spans[-1][1]) // 2 * 60
        receipt_no = 0
        for second in moments:
            sold_at = midnight + timedelta(seconds=second)
            clerk = clerks[0] if second < handover else clerks[1]
            member = (
                rng.choices(pool, cum_weights=pool_weights)[0].id
                if pool and rng.random() < member_share
                else None
            )
            count = rng.choices(patterns.LINE_COUNTS, cum_weights=_LINE_CUM)[0]
            picked = rng.choices(products, cum_weights=product_weights, k=count)
            if shelves is not None:
                shelves.until(sold_at)
            sale_index = len(out.sales)
            subtotal = discount = line_no = 0
            eligible: set[int] = set()
            claimed: dict[int, int] = {}  # promotion: its discount on this receipt
            for product in picked:
                quantity = rng.choices(patterns.QUANTITIES, cum_weights=_QUANTITY_CUM)[0]
                off_roll = rng.random()
                if shelves is not None:
                    quantity = shelves.take(product.id, quantity)  # an empty shelf: no line
                    if not quantity:
                        continue
                gross = quantity * product.price_cents
                off = gross // 10 if off_roll < DISCOUNT_RATE else 0
                promotion = promoted.get(product.id)
                if promotion is not None:
                    eligible.add(promotion.id)
                    if rng.random() < diligence:
                        off = gross * promotion.percent_off // 100
                        claimed[promotion.id] = claimed.get(promotion.id, 0) + off
                    else:
                        promotion = None
                subtotal += gross
                discount += off
                line_no += 1
                out.lines.append(
                    [store.id, sale_index, line_no, product.id, quantity, product.price_cents,
                     off, gross - off, promotion.id if promotion else None, 0,
                     sold_at.astimezone(UTC)]
                )  # fmt: skip
            return_roll = rng.random()
            if not line_no:
                continue  # everything asked for was sold out: the shopper leaves
            receipt_no += 1
            out.sales.append(
                [store.id, sale_index, f"{HISTORY_PREFIX}{day:%Y%m%d}-{receipt_no:05d}",
                 sold_at.astimezone(UTC), clerk, member, 0, subtotal, discount,
                 subtotal - discount]
            )  # fmt: skip
            if shelves is not None:
                shelves.sold(sale_index, sold_at, clerk)
            for promotion_id in eligible:
                stats = out.promotion_stats.setdefault(promotion_id, [0, 0, 0])
                stats[0] += 1
                if promotion_id in claimed:
                    stats[1] += 1
                    stats[2] += claimed[promotion_id]
            if return_roll < RETURN_RATE:
                _return(out, store, clerks, sale_index, line_no, sold_at, last_moment, rng, shelves)
        if shelves is not None:
            closing = midnight + timedelta(minutes=spans[-1][1])
            shelves.until(closing)
            shelves.close_day(closing, clerks[0])
    return out


def _shifts(
    out: StoreHistory,
    store: StoreInfo,
    clerks: tuple[int, int],
    spans: list[tuple[int, int]],
    midnight: datetime,
    rng: random.Random,
) -> None:
    """An opening shift to mid-day and a closing one after it, each ended a little late."""
    opens, closes = spans[0][0], spans[-1][1]
    middle = (opens + closes) // 2
    for clerk, kind, start, end in (
        (clerks[0], "OPENING", opens, middle),
        (clerks[1], "CLOSING", middle, closes),
    ):
        window_start = midnight + timedelta(minutes=start)
        window_end = midnight + timedelta(minutes=end)
        ended = window_end + timedelta(minutes=rng.randrange(0, 25))
        out.shifts.append((store.id, clerk, kind, "ENDED", window_start, window_start,
                           window_end, ended, "{}"))  # fmt: skip


def _return(
    out: StoreHistory,
    store: StoreInfo,
    clerks: tuple[int, int],
    sale_index: int,
    line_count: int,
    sold_at: datetime,
    last_moment: datetime,
    rng: random.Random,
    shelves: Shelves | None,
) -> None:
    """One unit of one line brought back one to four days later, if that is still history:
    resaleable, so back on the shelf."""
    returned_at = sold_at + timedelta(days=rng.randrange(1, 5), minutes=rng.randrange(-120, 120))
    if returned_at >= last_moment:
        return
    line = out.lines[len(out.lines) - line_count + rng.randrange(line_count)]
    quantity, line_total = line[4], line[7]
    refund = line_total // quantity  # the first unit of the line: floor(total x 1 / n)
    line[9] = 1  # returned_quantity
    return_index = len(out.returns)
    staff_id = rng.choice(clerks)
    out.returns.append(
        [store.id, return_index, store.id, sale_index, staff_id, refund, 0,
         returned_at.astimezone(UTC)]
    )  # fmt: skip
    if shelves is not None:
        shelves.returned(returned_at, line[3], return_index, staff_id)
    out.return_lines.append([store.id, return_index, 1, line[2], line[3], 1, refund, True])
