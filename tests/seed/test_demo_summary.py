"""What `chainstore seed --demo` prints: every kind of row it seeds, the sign-in accounts and
member cards to scan, never a phone number; and on a second run, that it added nothing."""

from __future__ import annotations

import os
import re

from sqlalchemy import func, select, text

from api.demo.members import demo_member_specs
from api.demo.seed import DEMO_PASSWORD
from api.demo.summary import LABELS
from db.models import Member
from tests.conftest import running_api
from tests.test_processes import run_cli

TABLES = {
    "regions": "region",
    "stores": "store",
    "products": "product",
    "staff": "staff",
    "members": "member",
    "stock_balances": "stock_level",
    "standards": "checklist_template",
    "shifts": "shift",
    "complaints": "complaint",
}


def held(output: str) -> dict[str, int]:
    """The "It holds:" table, by key."""
    by_label = {label: key for key, label in LABELS.items()}
    counts = {}
    for match in re.finditer(r"^ +(\d+) ([^:\n]+?)(?::.*)?$", output, re.MULTILINE):
        if match.group(2) in by_label:
            counts[by_label[match.group(2)]] = int(match.group(1))
    return counts


async def test_seed_prints_what_it_added_what_the_chain_holds_and_how_to_start(
    empty_db: str,
) -> None:
    env = {**os.environ, "DATABASE_URL": empty_db}
    first = run_cli("seed", "--demo", env=env).stdout
    async with running_api(empty_db) as api:
        async with api.engine.connect() as conn:
            counts = {
                key: int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)
                for key, table in TABLES.items()
            }
        assert set(TABLES) == set(LABELS)
        assert all(counts.values()), counts
        added = ", ".join(f"{counts[key]} {LABELS[key]}" for key in TABLES)
        assert first.splitlines()[0] == f"Demo chain: added {added}."
        assert held(first) == counts
        for shown in (
            "EAST 华东",
            "SERVICE-BASICS",
            "SH-002 CLOSING OPEN",
            "GZ-001 HYGIENE CLOSED",
        ):
            assert shown in first
        assert f"password {DEMO_PASSWORD}" in first
        for account in (
            "admin",
            "hq.ops",
            "rm.east",
            "handler.east",
            "sm.sh-001",
            "clerk.sh-001.1",
        ):
            assert re.search(rf"(^|[ ,]){re.escape(account)}[ ,]", first, re.MULTILINE), account

        # The cards printed are real members; the printed queries give a QR code for the first.
        cards = re.findall(r"^  (\d{4} \d{4} \d{4} \d{4})  ", first, re.MULTILINE)
        assert len(cards) == 3
        async with api.engine.connect() as conn:
            known = await conn.scalar(
                select(func.count())
                .select_from(Member)
                .where(Member.card_number.in_([c.replace(" ", "") for c in cards]))
            )
        assert known == 3
        by_code = re.search(r"^  (\{ memberByCode\(.*\} \})$", first, re.MULTILINE)
        qr = re.search(r"^  (\{ memberCode\(.*\} \})$", first, re.MULTILINE)
        assert by_code is not None and qr is not None
        admin = await api.login("admin", DEMO_PASSWORD)
        member = (await api.data(by_code.group(1), token=admin))["memberByCode"]
        assert member["id"]
        issued = await api.data(qr.group(1).replace("<that id>", member["id"]), token=admin)
        assert issued["memberCode"]["code"].startswith("CSM1.")
        assert issued["memberCode"]["svg"].lstrip().startswith("<")

    # No phone number of any demo member, in any grouping.
    digits = re.sub(r"\D", "", first)
    for spec in demo_member_specs():
        national = str(spec["phone"]).removeprefix("+86")
        assert national not in digits and national[-8:] not in digits

    again = run_cli("seed", "--demo", env=env).stdout
    assert again.splitlines()[0] == "Demo chain: nothing added, it was already complete."
    assert held(again) == counts  # the same chain, nothing duplicated
