"""GraphQL types of the analytics: the chain's monthly KPIs with baselines and trends."""

from __future__ import annotations

from datetime import date

import strawberry

from api.domain.analytics import operations
from api.domain.analytics.kpis import Figure, KpiMonth, KpiReport
from api.schema.organisation import Store
from api.schema.staff import Staff


@strawberry.type(description="One KPI in one month: its value, baseline and trend.")
class KpiFigure:
    value: float | None = strawberry.field(description="Null when nothing was there to divide.")
    baseline: float | None = strawberry.field(
        description="The value over the three store-local months before the go-live month "
        "(CHAINSTORE_ANALYTICS_GO_LIVE); null when unset or nothing to divide."
    )
    trend: float | None = strawberry.field(
        description="Month on month: this value minus the month before's; null when either is null."
    )

    @classmethod
    def from_data(cls, figure: Figure) -> KpiFigure:
        return cls(value=figure.value, baseline=figure.baseline, trend=figure.trend)


@strawberry.type(description="The KPIs of one store-local calendar month.")
class KpiRow:
    month: date = strawberry.field(description="The month's first day.")
    receipts: int = strawberry.field(description="Sales recorded (customers served).")
    average_ticket_cents: KpiFigure = strawberry.field(
        description="Takings (after line discounts) per receipt, in cents."
    )
    items_per_basket: KpiFigure = strawberry.field(description="Units per receipt.")
    customers_per_staff_hour: KpiFigure = strawberry.field(
        description="Receipts per hour on duty (ended shifts, by the month they started)."
    )
    member_repurchase_rate: KpiFigure = strawberry.field(
        description="Of the members who bought that month, the share who bought at least "
        "twice, 0 to 1."
    )
    stock_outs: KpiFigure = strawberry.field(
        description="Sales that took a SKU's recorded stock from above zero to zero or below "
        "(the baseline: their monthly average)."
    )
    complaint_handling_hours: KpiFigure = strawberry.field(
        description="Mean hours from filing to resolution of complaints resolved that month."
    )
    promotion_redemption_rate: KpiFigure = strawberry.field(
        description="The share of receipts with a line a promotion discounted, 0 to 1."
    )
    customers_per_staff: KpiFigure = strawberry.field(
        description="Receipts per clerk who sold or worked a shift that month (the baseline: "
        "per clerk-month)."
    )
    inventory_turnover_days: KpiFigure = strawberry.field(
        description="Days of stock: the SKUs' closing stock (balance after each SKU's last "
        "sale of the month) over the month's units sold per day."
    )
    replenishment_on_time_rate: KpiFigure = strawberry.field(
        description="Of replenishment orders received that month, the share received within "
        "48 hours of approval, 0 to 1."
    )
    nps: KpiFigure = strawberry.field(
        description="Net promoter score of the month's survey answers (recordSurveyAnswer): "
        "per cent promoters (9-10) minus per cent detractors (0-6), -100 to 100."
    )
    survey_answers: int = strawberry.field(description="Survey answers recorded that month.")

    @classmethod
    def from_data(cls, month: KpiMonth) -> KpiRow:
        f = {name: KpiFigure.from_data(figure) for name, figure in month.figures.items()}
        return cls(
            month=month.month,
            receipts=month.totals.transactions,
            average_ticket_cents=f["average_ticket_cents"],
            items_per_basket=f["items_per_basket"],
            customers_per_staff_hour=f["customers_per_staff_hour"],
            member_repurchase_rate=f["member_repurchase_rate"],
            stock_outs=f["stock_outs"],
            complaint_handling_hours=f["complaint_handling_hours"],
            promotion_redemption_rate=f["promotion_redemption_rate"],
            customers_per_staff=f["customers_per_staff"],
            inventory_turnover_days=f["inventory_turnover_days"],
            replenishment_on_time_rate=f["replenishment_on_time_rate"],
            nps=f["nps"],
            survey_answers=month.totals.answers,
        )


@strawberry.type(
    name="KpiReport", description="Monthly KPIs of one store, one region or every store in scope."
)
class KpiReportType:
    store_count: int = strawberry.field(description="Stores whose figures are summed.")
    go_live: date | None
    baseline_from: date | None = strawberry.field(description="First month of the baseline.")
    baseline_to: date | None = strawberry.field(description="Last month of the baseline.")
    months: list[KpiRow] = strawberry.field(
        description="One row per month that from..to touches, oldest first (24 at most)."
    )

    @classmethod
    def from_data(cls, report: KpiReport) -> KpiReportType:
        return cls(
            store_count=report.store_count,
            go_live=report.go_live,
            baseline_from=report.baseline_first_month,
            baseline_to=report.baseline_last_month,
            months=[KpiRow.from_data(m) for m in report.months],
        )


@strawberry.type(description="A store's traffic in one store-local weekday and hour.")
class TrafficCell:
    weekday: int = strawberry.field(description="ISO weekday: 1 Monday .. 7 Sunday.")
    hour: int = strawberry.field(description="Store-local hour, 0..23.")
    receipts: int = strawberry.field(description="Over the whole period.")
    receipts_per_day: float = strawberry.field(
        description="Receipts per day of that weekday in the period."
    )
    units: int
    revenue_cents: int

    @classmethod
    def from_data(cls, cell: operations.TrafficCell) -> TrafficCell:
        return cls(
            weekday=cell.weekday,
            hour=cell.hour,
            receipts=cell.receipts,
            receipts_per_day=cell.receipts_per_day,
            units=cell.units,
            revenue_cents=cell.revenue_cents,
        )


@strawberry.type(description="One clerk's store-local month at one store.")
class StaffMonth:
    staff: Staff
    store: Store
    receipts: int
    units: int
    revenue_cents: int = strawberry.field(description="Takings after line discounts.")
    average_ticket_cents: float | None
    members_enrolled: int
    enrolment_rate: float | None = strawberry.field(
        description="Members enrolled per receipt served (sign-up conversion)."
    )
    shifts: int = strawberry.field(description="Shifts ended, by the month they started.")
    hours_on_duty: float
    receipts_per_hour: float | None = strawberry.field(description="Receipts per hour on duty.")
    ratings: int = strawberry.field(
        description="Survey answers that month about receipts this clerk served."
    )
    average_rating: float | None = strawberry.field(description="Their mean score, 0 to 10.")
    days_on_duty: int = strawberry.field(
        description="Store-local days of the month on which they started a shift."
    )
    late_starts: int = strawberry.field(
        description="Shifts started more than 15 minutes after their window opened."
    )

    @classmethod
    def from_data(cls, month: operations.ClerkMonth) -> StaffMonth:
        return cls(
            staff=Staff.from_model(month.staff),
            store=Store.from_model(month.store),
            receipts=month.receipts,
            units=month.units,
            revenue_cents=month.revenue_cents,
            average_ticket_cents=month.average_ticket_cents,
            members_enrolled=month.members_enrolled,
            enrolment_rate=month.enrolment_rate,
            shifts=month.shifts,
            hours_on_duty=month.hours_on_duty,
            receipts_per_hour=month.receipts_per_hour,
            ratings=month.ratings,
            average_rating=month.average_rating,
            days_on_duty=month.days_on_duty,
            late_starts=month.late_starts,
        )
