"""The pricing engine alone: every mechanism and stacking rule, with prices worked by hand."""

from __future__ import annotations

from api.domain.promotions.pricing import (
    BasketLine,
    Coupon,
    CouponUse,
    Mechanism,
    Offer,
    allocate,
    price_basket,
)

A, B, C = "SKU-A", "SKU-B", "SKU-C"


def offer(id: int, mechanism: Mechanism, skus: set[str], **numbers: object) -> Offer:
    return Offer(id=id, mechanism=mechanism, skus=frozenset(skus), **numbers)  # type: ignore[arg-type]


def one_line(
    o: Offer, quantity: int, price: int, *, member: bool = False
) -> tuple[int | None, int]:
    [line] = price_basket([BasketLine(A, quantity, price)], [o], member=member).lines
    return line.promotion_id, line.discount_cents


def test_percent_off_rounds_down() -> None:
    # 3 x 1.99 = 5.97; 15 % is 0.8955: 0.89 off.
    assert one_line(offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=15), 3, 199) == (1, 89)


def test_amount_off_is_at_most_the_unit_price() -> None:
    assert one_line(offer(1, Mechanism.AMOUNT_OFF, {A}, amount_off_cents=50), 2, 200) == (1, 100)
    assert one_line(offer(1, Mechanism.AMOUNT_OFF, {A}, amount_off_cents=300), 1, 200) == (1, 200)


def test_buy_two_get_one_free_counts_whole_groups() -> None:
    b2g1 = offer(1, Mechanism.BUY_X_GET_Y, {A}, buy_quantity=2, get_quantity=1)
    assert one_line(b2g1, 7, 300) == (1, 600)  # two groups of three: two free
    assert one_line(b2g1, 2, 300) == (None, 0)  # no whole group: no promotion on the line


def test_second_item_at_half_price() -> None:
    half = offer(1, Mechanism.SECOND_ITEM_DISCOUNT, {A}, percent_off=50)
    assert one_line(half, 5, 199) == (1, 198)  # two second units, 0.99 off each


def test_member_price_only_for_members() -> None:
    price = offer(1, Mechanism.MEMBER_PRICE, {A}, member_price_cents=150)
    assert one_line(price, 3, 200, member=True) == (1, 150)
    assert one_line(price, 3, 200, member=False) == (None, 0)


def test_members_only_percent_off() -> None:
    members = offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=10, members_only=True)
    assert one_line(members, 1, 1000, member=False) == (None, 0)
    assert one_line(members, 1, 1000, member=True) == (1, 100)


BASKET = [BasketLine(A, 2, 3000), BasketLine(B, 3, 1500)]  # 60 + 45 = 105 yuan


def test_spend_threshold_once_is_shared_by_value() -> None:
    once = offer(4, Mechanism.SPEND_THRESHOLD, {A, B}, threshold_cents=10000, amount_off_cents=3000)
    priced = price_basket(BASKET, [once], member=False)
    # 30 yuan over 60 and 45: 17.1428 and 12.8571; the spare cent to the larger remainder (B).
    assert [(x.promotion_id, x.discount_cents) for x in priced.lines] == [(4, 1714), (4, 1286)]
    assert (priced.subtotal_cents, priced.discount_cents, priced.total_cents) == (
        10500,
        3000,
        7500,
    )


def test_spend_threshold_repeats_for_every_whole_threshold() -> None:
    basket = [BasketLine(A, 5, 3000), BasketLine(B, 4, 2000)]  # 150 + 80 = 230 yuan
    every = dict(threshold_cents=10000, amount_off_cents=3000)
    repeating = offer(4, Mechanism.SPEND_THRESHOLD, {A, B}, threshold_repeats=True, **every)
    once = offer(4, Mechanism.SPEND_THRESHOLD, {A, B}, threshold_repeats=False, **every)
    assert price_basket(basket, [repeating], member=False).discount_cents == 6000  # 2 x 30
    assert price_basket(basket, [once], member=False).discount_cents == 3000


def test_goods_on_a_line_offer_do_not_count_towards_a_threshold() -> None:
    ten = offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=10)
    threshold = offer(
        4, Mechanism.SPEND_THRESHOLD, {A, B}, threshold_cents=10000, amount_off_cents=3000
    )
    priced = price_basket(BASKET, [threshold, ten], member=False)
    # A takes 10 % (6 yuan); B alone is 45 yuan, short of 100: no threshold.
    assert [(x.promotion_id, x.discount_cents) for x in priced.lines] == [(1, 600), (None, 0)]


def test_best_line_offer_wins_and_a_tie_goes_to_the_oldest() -> None:
    basket = [BasketLine(A, 2, 500)]
    ten_pct = offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=10)  # 1.00
    yuan_each = offer(2, Mechanism.AMOUNT_OFF, {A}, amount_off_cents=100)  # 2.00
    twenty_pct = offer(3, Mechanism.PERCENT_OFF, {A}, percent_off=20)  # 2.00
    [line] = price_basket(basket, [ten_pct, yuan_each], member=False).lines
    assert (line.promotion_id, line.discount_cents) == (2, 200)
    [line] = price_basket(basket, [twenty_pct, yuan_each, ten_pct], member=False).lines
    assert (line.promotion_id, line.discount_cents) == (2, 200)


def test_the_larger_threshold_takes_the_lines_first() -> None:
    small = offer(5, Mechanism.SPEND_THRESHOLD, {A}, threshold_cents=1000, amount_off_cents=100)
    large = offer(6, Mechanism.SPEND_THRESHOLD, {A}, threshold_cents=2000, amount_off_cents=300)
    [line] = price_basket([BasketLine(A, 5, 500)], [small, large], member=False).lines
    assert (line.promotion_id, line.discount_cents) == (6, 300)


def test_coupons_skip_lines_whose_promotion_refuses_them() -> None:
    no_coupons = offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=10, coupons_allowed=False)
    basket = [BasketLine(A, 1, 1000), BasketLine(B, 1, 500)]
    priced = price_basket(basket, [no_coupons], member=True, coupons=[Coupon(7, 800)])
    a, b = priced.lines
    assert (a.promotion_discount_cents, a.coupon_discount_cents) == (100, 0)
    assert (b.promotion_id, b.coupon_discount_cents, b.total_cents) == (None, 500, 0)
    assert priced.coupons == (CouponUse(7, 500),)  # used once, the other 3 yuan not kept
    assert priced.total_cents == 900


def test_coupons_are_shared_by_what_is_left_and_used_in_id_order() -> None:
    basket = [BasketLine(A, 1, 700), BasketLine(B, 1, 300)]
    priced = price_basket(basket, [], member=True, coupons=[Coupon(9, 200), Coupon(4, 900)])
    # Coupon 4 first: 9 yuan over 7 and 3 (6.30, 2.70); coupon 9 then finds 1 yuan left.
    assert priced.coupons == (CouponUse(4, 900), CouponUse(9, 100))
    assert [x.coupon_discount_cents for x in priced.lines] == [630 + 70, 270 + 30]
    assert priced.total_cents == 0


def test_a_coupon_comes_off_after_the_promotion() -> None:
    ten = offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=10)
    priced = price_basket([BasketLine(A, 1, 1000)], [ten], member=True, coupons=[Coupon(3, 500)])
    [line] = priced.lines
    assert (line.promotion_discount_cents, line.coupon_discount_cents, line.total_cents) == (
        100,
        500,
        400,
    )


def test_points_multiplier_takes_the_largest_for_members_and_leaves_prices() -> None:
    double = offer(7, Mechanism.POINTS_MULTIPLIER, {A}, points_multiplier=2)
    triple = offer(8, Mechanism.POINTS_MULTIPLIER, {A}, points_multiplier=3)
    basket = [BasketLine(A, 1, 1000), BasketLine(B, 1, 1000)]
    a, b = price_basket(basket, [double, triple], member=True).lines
    assert (a.points_multiplier, a.points_promotion_id, a.discount_cents) == (3, 8, 0)
    assert (b.points_multiplier, b.points_promotion_id) == (1, None)
    a, _ = price_basket(basket, [double, triple], member=False).lines
    assert a.points_multiplier == 1


def test_same_input_same_answer_whatever_the_order_of_offers() -> None:
    offers = [
        offer(1, Mechanism.PERCENT_OFF, {A}, percent_off=10),
        offer(2, Mechanism.AMOUNT_OFF, {A}, amount_off_cents=600),
        offer(3, Mechanism.SPEND_THRESHOLD, {B, C}, threshold_cents=1000, amount_off_cents=100),
    ]
    basket = [BasketLine(A, 1, 6000), BasketLine(B, 2, 400), BasketLine(C, 1, 300)]
    first = price_basket(basket, offers, member=False)
    assert price_basket(basket, offers[::-1], member=False) == first
    # A: 10 % and 6 yuan tie at 6 yuan (offer 1, older); B and C: 11 yuan reach 10 yuan once.
    assert [(x.promotion_id, x.discount_cents) for x in first.lines] == [(1, 600), (3, 73), (3, 27)]
    assert first.lines[0].explanation == ("promotion 1: 10% off, ¥6 off",)


def test_allocate_is_exact_and_ties_go_to_the_earlier_line() -> None:
    assert allocate(10, [1, 1, 1]) == [4, 3, 3]
    assert allocate(0, [5, 5]) == [0, 0]
    assert allocate(7, [0, 0]) == [0, 0]
    assert sum(allocate(9999, [3, 7, 11, 13])) == 9999
