"""The pricing engine: a basket, the promotions in force and the member's coupons in; each line's
discount, the promotion that gave it and why, out. Pure and deterministic: no database, no
clock, integer cents; `priceBasket` and `recordSale` both call `price_basket`.

The rules, in the order they are applied:
1. Line offers (percent off, amount off, buy X get Y, second item at a discount, member
   price). A line takes at most one: the one that takes the most off it; on a tie the oldest
   promotion (lowest id). Percentages round down (the customer is never given a fraction of a
   cent more than the rule says); an amount off a unit is at most the unit price.
2. Spend thresholds count the lines no line offer discounted ("goods on offer do not count
   towards a threshold"). Where several thresholds could take the same lines, the one taking
   the most goes first (tie: lowest id), then the next over what is left. Once: `off` when the
   eligible spend reaches `threshold`; repeating: `off` for every whole `threshold`. The
   discount is shared over the threshold's lines in proportion to their value.
3. Coupons come off last, in id order, from lines whose promotion allows coupons (or that have
   none), shared in proportion to what is left to pay. A coupon is used once, up to its value:
   what exceeds the basket is not kept.
4. Points multipliers touch no price: each line of a multiplier's products earns its points
   times the largest multiplier in force (tie: lowest id).
Members-only promotions (and member prices, multipliers) apply only when a member is known.

Shares are split by largest remainder (`allocate`): exact to the cent, ties to the earlier line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from db.models.promotions import PromotionMechanism as Mechanism
from db.models.promotions import PromotionStacking as Stacking

__all__ = [
    "BasketLine",
    "Coupon",
    "CouponUse",
    "Mechanism",
    "Offer",
    "PricedBasket",
    "PricedLine",
    "Stacking",
    "allocate",
    "price_basket",
]

LINE_MECHANISMS = frozenset(
    {
        Mechanism.PERCENT_OFF,
        Mechanism.AMOUNT_OFF,
        Mechanism.BUY_X_GET_Y,
        Mechanism.SECOND_ITEM_DISCOUNT,
        Mechanism.MEMBER_PRICE,
    }
)


@dataclass(frozen=True)
class Offer:
    """A promotion as the engine sees it: what it covers and its mechanism's numbers."""

    id: int
    mechanism: Mechanism
    skus: frozenset[str]
    name: str = ""
    stacking: Stacking = Stacking.BEST_OF
    coupons_allowed: bool = True
    members_only: bool = False
    percent_off: int | None = None
    amount_off_cents: int | None = None
    buy_quantity: int | None = None
    get_quantity: int | None = None
    threshold_cents: int | None = None
    threshold_repeats: bool = False
    member_price_cents: int | None = None
    points_multiplier: int | None = None

    def open_to(self, member: bool) -> bool:
        needs_member = self.members_only or self.mechanism in (
            Mechanism.MEMBER_PRICE,
            Mechanism.POINTS_MULTIPLIER,
        )
        return member or not needs_member


@dataclass(frozen=True)
class BasketLine:
    sku: str
    quantity: int
    unit_price_cents: int

    @property
    def subtotal_cents(self) -> int:
        return self.quantity * self.unit_price_cents


@dataclass(frozen=True)
class Coupon:
    id: int
    value_cents: int


@dataclass(frozen=True)
class PricedLine:
    sku: str
    quantity: int
    unit_price_cents: int
    promotion_id: int | None  # the promotion that gave the line its promotion discount
    promotion_discount_cents: int
    coupon_discount_cents: int
    points_multiplier: int
    points_promotion_id: int | None
    explanation: tuple[str, ...]

    @property
    def subtotal_cents(self) -> int:
        return self.quantity * self.unit_price_cents

    @property
    def discount_cents(self) -> int:
        return self.promotion_discount_cents + self.coupon_discount_cents

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


@dataclass(frozen=True)
class CouponUse:
    coupon_id: int
    applied_cents: int  # 0: nothing in the basket could take it (it is not redeemed)


@dataclass(frozen=True)
class PricedBasket:
    lines: tuple[PricedLine, ...]
    coupons: tuple[CouponUse, ...] = ()

    @property
    def subtotal_cents(self) -> int:
        return sum(x.subtotal_cents for x in self.lines)

    @property
    def discount_cents(self) -> int:
        return sum(x.discount_cents for x in self.lines)

    @property
    def total_cents(self) -> int:
        return self.subtotal_cents - self.discount_cents


def yuan(cents: int) -> str:
    whole, part = divmod(cents, 100)
    return f"¥{whole}" if part == 0 else f"¥{whole}.{part:02d}"


def allocate(total: int, weights: Sequence[int]) -> list[int]:
    """`total` split in proportion to `weights` (total <= sum(weights)), by largest remainder;
    equal remainders go to the earlier weight. No share exceeds its weight."""
    whole = sum(weights)
    if whole == 0:
        return [0 for _ in weights]
    shares = [total * w // whole for w in weights]
    left = total - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: (-(total * weights[i] % whole), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def line_discount(offer: Offer, line: BasketLine) -> tuple[int, str]:
    """What a line offer takes off one line, and how it says so (0: it does not apply)."""
    q, p = line.quantity, line.unit_price_cents
    match offer.mechanism:
        case Mechanism.PERCENT_OFF:
            pct = offer.percent_off or 0
            return q * p * pct // 100, f"{pct}% off"
        case Mechanism.AMOUNT_OFF:
            each = min(offer.amount_off_cents or 0, p)
            return q * each, f"{yuan(each)} off each"
        case Mechanism.BUY_X_GET_Y:
            x, y = offer.buy_quantity or 0, offer.get_quantity or 0
            free = q // (x + y) * y if x + y else 0
            return free * p, f"buy {x} get {y} free: {free} free"
        case Mechanism.SECOND_ITEM_DISCOUNT:
            pct = offer.percent_off or 0
            second = q // 2
            return second * (p * pct // 100), f"every second one {pct}% off: {second} of them"
        case Mechanism.MEMBER_PRICE:
            price = offer.member_price_cents if offer.member_price_cents is not None else p
            return q * max(p - price, 0), f"member price {yuan(price)}"
    return 0, ""


@dataclass
class _Line:
    source: BasketLine
    promotion_id: int | None = None
    promotion_discount: int = 0
    coupons_allowed: bool = True
    coupon_discount: int = 0
    points_multiplier: int = 1
    points_promotion_id: int | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def left_to_pay(self) -> int:
        return self.source.subtotal_cents - self.promotion_discount - self.coupon_discount

    def take(self, offer: Offer, cents: int, note: str) -> None:
        self.promotion_id = offer.id
        self.promotion_discount = cents
        self.coupons_allowed = offer.coupons_allowed
        self.notes.append(f"{offer.name or f'promotion {offer.id}'}: {note}, {yuan(cents)} off")


def price_basket(
    lines: Sequence[BasketLine],
    offers: Sequence[Offer],
    *,
    member: bool,
    coupons: Sequence[Coupon] = (),
) -> PricedBasket:
    """Price a basket under the module's rules: same input, same answer."""
    open_offers = sorted((o for o in offers if o.open_to(member)), key=lambda o: o.id)
    work = [_Line(line) for line in lines]
    _apply_line_offers(work, [o for o in open_offers if o.mechanism in LINE_MECHANISMS])
    _apply_thresholds(work, [o for o in open_offers if o.mechanism is Mechanism.SPEND_THRESHOLD])
    used = _apply_coupons(work, sorted(coupons, key=lambda c: c.id))
    _apply_multipliers(work, [o for o in open_offers if o.mechanism is Mechanism.POINTS_MULTIPLIER])
    return PricedBasket(
        lines=tuple(
            PricedLine(
                sku=w.source.sku,
                quantity=w.source.quantity,
                unit_price_cents=w.source.unit_price_cents,
                promotion_id=w.promotion_id,
                promotion_discount_cents=w.promotion_discount,
                coupon_discount_cents=w.coupon_discount,
                points_multiplier=w.points_multiplier,
                points_promotion_id=w.points_promotion_id,
                explanation=tuple(w.notes),
            )
            for w in work
        ),
        coupons=tuple(used),
    )


def _apply_line_offers(work: list[_Line], offers: list[Offer]) -> None:
    for w in work:
        best: tuple[int, Offer, str] | None = None
        for offer in offers:  # in id order: a tie keeps the earlier one
            if w.source.sku not in offer.skus:
                continue
            cents, note = line_discount(offer, w.source)
            if cents > 0 and (best is None or cents > best[0]):
                best = (cents, offer, note)
        if best is not None:
            w.take(best[1], best[0], best[2])


def _threshold_discount(offer: Offer, spend: int) -> int:
    threshold, off = offer.threshold_cents or 0, offer.amount_off_cents or 0
    if threshold <= 0 or spend < threshold:
        return 0
    return off * (spend // threshold if offer.threshold_repeats else 1)


def _apply_thresholds(work: list[_Line], offers: list[Offer]) -> None:
    left = list(offers)
    while left:
        best: tuple[int, Offer, list[_Line]] | None = None
        for offer in left:
            free = [w for w in work if w.promotion_id is None and w.source.sku in offer.skus]
            cents = _threshold_discount(offer, sum(w.source.subtotal_cents for w in free))
            if cents > 0 and (best is None or cents > best[0]):
                best = (cents, offer, free)
        if best is None:
            return
        cents, offer, free = best
        spend = sum(w.source.subtotal_cents for w in free)
        rule = (
            f"{yuan(offer.amount_off_cents or 0)} off "
            f"{'every' if offer.threshold_repeats else 'a spend of'} "
            f"{yuan(offer.threshold_cents or 0)} ({yuan(spend)} eligible: {yuan(cents)} in all)"
        )
        for w, share in zip(
            free, allocate(cents, [w.source.subtotal_cents for w in free]), strict=True
        ):
            w.take(offer, share, f"{rule}, this line's share")
        left.remove(offer)


def _apply_coupons(work: list[_Line], coupons: list[Coupon]) -> list[CouponUse]:
    used = []
    for coupon in coupons:
        takers = [w for w in work if w.coupons_allowed and w.left_to_pay > 0]
        applied = min(coupon.value_cents, sum(w.left_to_pay for w in takers))
        for w, share in zip(
            takers, allocate(applied, [w.left_to_pay for w in takers]), strict=True
        ):
            if share:
                w.coupon_discount += share
                w.notes.append(f"coupon {coupon.id}: {yuan(share)} of {yuan(applied)}")
        used.append(CouponUse(coupon_id=coupon.id, applied_cents=applied))
    return used


def _apply_multipliers(work: list[_Line], offers: list[Offer]) -> None:
    for w in work:
        for offer in offers:
            times = offer.points_multiplier or 1
            if w.source.sku in offer.skus and times > w.points_multiplier:
                w.points_multiplier, w.points_promotion_id = times, offer.id
        if w.points_promotion_id is not None:
            w.notes.append(f"promotion {w.points_promotion_id}: {w.points_multiplier}x points")
