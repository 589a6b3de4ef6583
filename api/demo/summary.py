"""What `chainstore seed --demo` says when it is done: what this run added, what the demo chain
holds, who can sign in, and a member card to scan first. Never a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import (
    ChecklistTemplate,
    Complaint,
    Member,
    Product,
    Region,
    Shift,
    Staff,
    StockLevel,
    Store,
)

LABELS = {
    "regions": "regions",
    "stores": "stores",
    "products": "products (SKUs)",
    "staff": "staff accounts",
    "members": "members",
    "stock_balances": "stock balances (store x SKU)",
    "standards": "shift standards",
    "shifts": "past shifts",
    "complaints": "complaints",
}


@dataclass(frozen=True)
class SeedReport:
    """Rows created by this run (all zero when the chain was already seeded)."""

    regions: int
    stores: int
    products: int
    staff: int
    members: int
    stock_balances: int
    standards: int
    shifts: int
    complaints: int
    demo_password: str

    def created(self) -> dict[str, int]:
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name in LABELS}


@dataclass(frozen=True)
class DemoChain:
    """What the database holds now, whichever run (or user) created it."""

    counts: dict[str, int]
    regions: list[str]  # "EAST 华东"
    standards: list[str]  # template codes
    shifts: list[str]  # "SH-001 CLOSING ACCEPTED"
    complaints: list[str]  # "SH-001 PRODUCT_QUALITY RESOLVED"
    cards: list[tuple[str, str, str]]  # (card number, display name, enrolling store)


async def describe_demo_chain(session: AsyncSession, *, cards: int = 3) -> DemoChain:
    models = {
        "regions": Region,
        "stores": Store,
        "products": Product,
        "staff": Staff,
        "members": Member,
        "stock_balances": StockLevel,
        "standards": ChecklistTemplate,
        "shifts": Shift,
        "complaints": Complaint,
    }
    counts = {
        key: int(await session.scalar(select(func.count()).select_from(model)) or 0)
        for key, model in models.items()
    }
    regions = (await session.execute(select(Region.code, Region.name).order_by(Region.code))).all()
    shifts = await session.execute(
        select(Store.code, Shift.kind, Shift.status)
        .join(Store, Store.id == Shift.store_id)
        .order_by(Store.code, Shift.started_at)
        .limit(10)
    )
    complaints = await session.execute(
        select(Store.code, Complaint.category, Complaint.status)
        .join(Store, Store.id == Complaint.store_id)
        .order_by(Complaint.id)
        .limit(10)
    )
    members = await session.execute(
        select(Member.card_number, Member.display_name, Store.code)
        .join(Store, Store.id == Member.enrolled_store_id)
        .order_by(Member.id)
        .limit(cards)
    )
    return DemoChain(
        counts=counts,
        regions=[f"{code} {name}" for code, name in regions],
        standards=list(
            await session.scalars(select(ChecklistTemplate.code).order_by(ChecklistTemplate.id))
        ),
        shifts=[f"{code} {kind} {status}" for code, kind, status in shifts],
        complaints=[f"{code} {category} {status}" for code, category, status in complaints],
        cards=[(card, name, store) for card, name, store in members],
    )


def _grouped(card: str) -> str:
    return " ".join(card[i : i + 4] for i in range(0, len(card), 4))


def summary_lines(report: SeedReport, chain: DemoChain) -> list[str]:
    """The summary as plain lines of text (the CLI prints them)."""
    added = [f"{n} {LABELS[key]}" for key, n in report.created().items() if n]
    lines = [
        f"Demo chain: added {', '.join(added)}."
        if added
        else "Demo chain: nothing added, it was already complete.",
        "",
        "It holds:",
    ]
    details = {
        "regions": ", ".join(chain.regions),
        "standards": ", ".join(chain.standards),
        "shifts": "; ".join(chain.shifts),
        "complaints": "; ".join(chain.complaints),
    }
    for key, label in LABELS.items():
        detail = details.get(key)
        lines.append(f"  {chain.counts[key]:>6} {label}" + (f": {detail}" if detail else ""))
    lines += [
        "",
        f"Sign in with password {report.demo_password} (POST /graphql, mutation login):",
        "  admin, hq.ops, hq.compliance (chain-wide); rm.east, handler.east, handler.east.2 "
        "(one region: east, north, south, west)",
        "  sm.sh-001, clerk.sh-001.1, clerk.sh-001.2 (one store: any store code, lower case)",
        "  integrator.pos has no password: ADMIN issues its tokens with createApiToken",
    ]
    if cards := chain.cards:
        first = cards[0][0]
        lines += [
            "",
            "Member cards for a first scan (memberByCode, as a clerk or manager of any store):",
            *(
                f"  {_grouped(card)}  {name} (enrolled at {store})"
                for card, name, store in chain.cards
            ),
            "A rotating QR code for one (signed in as admin; valid for a minute):",
            f'  {{ memberByCode(code: "{first}") {{ id displayName tier points }} }}',
            '  { memberCode(memberId: "<that id>") { code expiresAt svg pngDataUrl } }',
        ]
    return lines
