"""What a promotion is allowed to say, checked without the database; its window read in a
store's time zone; when two windows can overlap; and its status from the clock.

A window is store-local: dates inclusive, optional daily hours [start, end) on the same day
(no overnight hours) and optional ISO weekdays (1 = Monday). Two windows overlap when their
dates meet, their weekdays share a day and their hours meet: a conservative test (dates that
meet only on a day neither runs count as overlapping), which errs towards refusing.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.domain.errors import InvalidInput
from db.models import PromotionMechanism as Mechanism
from db.models import PromotionStacking as Stacking
from db.models import PromotionState, StoreType

MAX_NAME = 200
MAX_TALKING_POINTS = 5
MAX_TALKING_POINT = 200
MAX_CODES = 1000  # stores, regions, SKUs or categories named in one promotion
MAX_DAYS = 366
MAX_CENTS = 10_000_000  # ¥100,000: past this an amount is a typo
MAX_BUDGET_CENTS = 10_000_000_000
MAX_GROUP = 100  # buy X get Y: X and Y at most
MAX_MULTIPLIER = 10
MAX_REASON = 500

# The numbers each mechanism needs; any other is refused, so a promotion says one thing.
NUMBERS: dict[Mechanism, frozenset[str]] = {
    Mechanism.PERCENT_OFF: frozenset({"percent_off"}),
    Mechanism.AMOUNT_OFF: frozenset({"amount_off_cents"}),
    Mechanism.BUY_X_GET_Y: frozenset({"buy_quantity", "get_quantity"}),
    Mechanism.SPEND_THRESHOLD: frozenset(
        {"threshold_cents", "amount_off_cents", "threshold_repeats"}
    ),
    Mechanism.SECOND_ITEM_DISCOUNT: frozenset({"percent_off"}),
    Mechanism.MEMBER_PRICE: frozenset({"member_price_cents"}),
    Mechanism.POINTS_MULTIPLIER: frozenset({"points_multiplier"}),
}
ALL_NUMBERS = frozenset().union(*NUMBERS.values())
_CAMEL = {
    "percent_off": "percentOff",
    "amount_off_cents": "amountOffCents",
    "buy_quantity": "buyQuantity",
    "get_quantity": "getQuantity",
    "threshold_cents": "thresholdCents",
    "threshold_repeats": "thresholdRepeats",
    "member_price_cents": "memberPriceCents",
    "points_multiplier": "pointsMultiplier",
}


class PromotionStatus(enum.StrEnum):
    DRAFT = "DRAFT"
    SCHEDULED = "SCHEDULED"
    ACTIVE = "ACTIVE"
    ENDED = "ENDED"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class Window:
    start_date: date
    end_date: date
    daily_start: time | None = None
    daily_end: time | None = None
    weekdays: tuple[int, ...] | None = None

    def runs_at(self, local: datetime) -> bool:
        """Whether the window is open at this store-local wall-clock time."""
        if not self.start_date <= local.date() <= self.end_date:
            return False
        if self.weekdays is not None and local.isoweekday() not in self.weekdays:
            return False
        if self.daily_start is not None and self.daily_end is not None:
            return self.daily_start <= local.time().replace(tzinfo=None) < self.daily_end
        return True

    def overlaps(self, other: Window) -> bool:
        if self.end_date < other.start_date or other.end_date < self.start_date:
            return False
        days = set(self.weekdays or range(1, 8)) & set(other.weekdays or range(1, 8))
        if not days:
            return False
        a0, a1 = self.daily_start or time.min, self.daily_end or time.max
        b0, b1 = other.daily_start or time.min, other.daily_end or time.max
        return a0 < b1 and b0 < a1

    def bounds(self, time_zones: set[str]) -> tuple[datetime, datetime]:
        """The first instant it can open and the last it can close, over these time zones."""
        starts, ends = [], []
        for name in time_zones:
            tz = ZoneInfo(name)
            starts.append(datetime.combine(self.start_date, time.min, tz))
            ends.append(datetime.combine(self.end_date + timedelta(days=1), time.min, tz))
        return min(starts).astimezone(UTC), max(ends).astimezone(UTC)

    def describe(self) -> str:
        text = f"{self.start_date} to {self.end_date}"
        if self.weekdays is not None:
            text += " on " + ",".join(str(d) for d in self.weekdays)
        if self.daily_start is not None and self.daily_end is not None:
            text += f" {self.daily_start:%H:%M}-{self.daily_end:%H:%M}"
        return text


@dataclass(frozen=True)
class NewPromotion:
    name: str
    mechanism: Mechanism
    window: Window
    store_codes: tuple[str, ...] = ()
    region_codes: tuple[str, ...] = ()
    store_types: tuple[StoreType, ...] = ()
    skus: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    stacking: Stacking = Stacking.BEST_OF
    coupons_allowed: bool = True
    members_only: bool = False
    percent_off: int | None = None
    amount_off_cents: int | None = None
    buy_quantity: int | None = None
    get_quantity: int | None = None
    threshold_cents: int | None = None
    threshold_repeats: bool | None = None
    member_price_cents: int | None = None
    points_multiplier: int | None = None
    budget_cents: int | None = None
    talking_points: tuple[str, ...] = field(default_factory=tuple)
    draft: bool = False  # HQ: keep it a draft (not running) instead of scheduling it


def window_from(
    start_date: date,
    end_date: date,
    daily_start: str | None,
    daily_end: str | None,
    weekdays: list[int] | None,
) -> Window:
    """A window from the API's HH:MM hours; BAD_USER_INPUT when an hour is not one."""
    problems: list[str] = []

    def hour(name: str, value: str | None) -> time | None:
        if value is None:
            return None
        try:
            if len(value) != 5:
                raise ValueError(value)
            return time.fromisoformat(value)
        except ValueError:
            problems.append(f"window.{name}: HH:MM, e.g. 14:00")
            return None

    window = Window(
        start_date=start_date,
        end_date=end_date,
        daily_start=hour("dailyStart", daily_start),
        daily_end=hour("dailyEnd", daily_end),
        weekdays=tuple(weekdays) if weekdays is not None else None,
    )
    if problems:
        raise InvalidInput.listing(problems)
    return window


def status(state: PromotionState, starts_at: datetime, ends_at: datetime, now: datetime) -> str:
    """DRAFT and CANCELLED as stored; a scheduled one is SCHEDULED, ACTIVE or ENDED by the clock
    (ACTIVE from the first store's opening day to the last store's closing day)."""
    if state is not PromotionState.SCHEDULED:
        return PromotionStatus(state.value)
    if now < starts_at:
        return PromotionStatus.SCHEDULED
    return PromotionStatus.ACTIVE if now < ends_at else PromotionStatus.ENDED


def _range(problems: list[str], name: str, value: int | None, low: int, high: int) -> None:
    if value is not None and not low <= value <= high:
        problems.append(f"{name}: {value} is not {low} to {high}")


def _codes(problems: list[str], name: str, values: tuple[str, ...]) -> None:
    if len(values) > MAX_CODES:
        problems.append(f"{name}: at most {MAX_CODES}")
    if len(set(values)) != len(values):
        problems.append(f"{name}: a value appears twice")


def problems_of(new: NewPromotion, *, today: date) -> list[str]:
    """Every problem the input has on its face, each `field: what is wrong`."""
    problems: list[str] = []
    if not 1 <= len(new.name.strip()) <= MAX_NAME:
        problems.append(f"name: 1 to {MAX_NAME} characters")
    w = new.window
    if w.end_date < w.start_date:
        problems.append("window.endDate: before window.startDate")
    elif (w.end_date - w.start_date).days >= MAX_DAYS:
        problems.append(f"window: at most {MAX_DAYS} days")
    elif w.end_date < today - timedelta(days=1):  # a day's grace for the time zones
        problems.append("window.endDate: has passed")
    if (w.daily_start is None) != (w.daily_end is None):
        problems.append("window: give both dailyStart and dailyEnd, or neither")
    elif w.daily_start is not None and w.daily_end is not None and w.daily_end <= w.daily_start:
        problems.append("window.dailyEnd: not after dailyStart (hours cannot cross midnight)")
    if w.weekdays is not None and (
        not w.weekdays
        or len(set(w.weekdays)) != len(w.weekdays)
        or not set(w.weekdays) <= set(range(1, 8))
    ):
        problems.append("window.weekdays: distinct ISO weekdays, 1 (Monday) to 7")
    for name, values in (
        ("storeCodes", new.store_codes),
        ("regionCodes", new.region_codes),
        ("skus", new.skus),
        ("categories", new.categories),
    ):
        _codes(problems, name, values)
    if not new.skus and not new.categories:
        problems.append("skus, categories: name at least one product or category")
    needed = NUMBERS[new.mechanism]
    for number in sorted(ALL_NUMBERS):
        given = getattr(new, number) is not None
        if number in needed and not given:
            problems.append(f"{_CAMEL[number]}: required for {new.mechanism}")
        elif number not in needed and given:
            problems.append(f"{_CAMEL[number]}: not used by {new.mechanism}")
    high_percent = 100 if new.mechanism is Mechanism.SECOND_ITEM_DISCOUNT else 90
    _range(problems, "percentOff", new.percent_off, 1, high_percent)
    _range(problems, "amountOffCents", new.amount_off_cents, 1, MAX_CENTS)
    _range(problems, "thresholdCents", new.threshold_cents, 1, MAX_CENTS)
    _range(problems, "memberPriceCents", new.member_price_cents, 0, MAX_CENTS)
    _range(problems, "buyQuantity", new.buy_quantity, 1, MAX_GROUP)
    _range(problems, "getQuantity", new.get_quantity, 1, MAX_GROUP)
    _range(problems, "pointsMultiplier", new.points_multiplier, 2, MAX_MULTIPLIER)
    _range(problems, "budgetCents", new.budget_cents, 1, MAX_BUDGET_CENTS)
    if (
        new.mechanism is Mechanism.SPEND_THRESHOLD
        and new.threshold_cents is not None
        and new.amount_off_cents is not None
        and new.amount_off_cents >= new.threshold_cents
    ):
        problems.append("amountOffCents: must be less than thresholdCents")
    if len(new.talking_points) > MAX_TALKING_POINTS:
        problems.append(f"talkingPoints: at most {MAX_TALKING_POINTS}")
    for i, point in enumerate(new.talking_points):
        if not 1 <= len(point.strip()) <= MAX_TALKING_POINT:
            problems.append(f"talkingPoints[{i}]: 1 to {MAX_TALKING_POINT} characters")
    return problems


def conflicts(
    new_stacking: Stacking,
    new_mechanism: Mechanism,
    other_stacking: Stacking,
    other_mechanism: Mechanism,
) -> bool:
    """Whether two promotions sharing a store, a SKU and hours would stack against the rules:
    either is EXCLUSIVE, in the same lane (points multipliers only meet points multipliers,
    since they touch no price)."""
    multiplier = Mechanism.POINTS_MULTIPLIER
    same_lane = (new_mechanism is multiplier) == (other_mechanism is multiplier)
    return same_lane and Stacking.EXCLUSIVE in (new_stacking, other_stacking)
