"""`python -m clerk_app.screenshots`: every screen in Chinese and English, from the demo data,
into docs/screenshots/clerk/<screen>-zh.png and -en.png (the README's gallery).

Runs headless (SDL's offscreen window; libgl1 and libegl1 are enough).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from clerk_app.headless import configure

OUT_DIR = Path(__file__).resolve().parents[1] / "docs" / "screenshots" / "clerk"
LANGUAGES = {"zh_CN": "zh", "en": "en"}


def _complaint(driver: Any) -> None:
    screen = driver.app.root.get_screen("complaint")
    driver.go("complaint", member_code="880012345678")
    screen.choose("SERVICE")
    screen.render()
    screen.ids.description.text = "顾客反映收银排队太久, 等了二十分钟。"
    screen.photos = [Path("shelf-1.jpg"), Path("queue-2.jpg")]
    screen.render()


def _enrol(driver: Any) -> None:
    driver.go("enrol")
    driver.screen.ids.name.text = "赵敏"
    driver.screen.ids.consent.state = "down"


def _stock(driver: Any) -> None:
    driver.go("stock", search="板蓝根")
    screen = driver.screen
    screen.choose(screen.rows[0])


def _outbox(driver: Any) -> None:
    core = driver.app.worker.core
    if not core.waiting_entries:
        core.online = False
        core.queue_complaint("HYGIENE", "冷柜地面有积水", [Path("a.jpg")])
        core.online = True
    driver.go("outbox")


def _help(driver: Any) -> None:
    driver.go("help", note="收银机打印不出小票, 顾客在排队")
    driver.screen.photo = Path("till.jpg")
    driver.screen.render()


def _returns(driver: Any) -> None:
    driver.go("returns", receipt="E1/R-20261202-0042")
    screen = driver.screen
    screen.pick("BLG-10", 1)
    screen.choose("DAMAGED")
    screen.render()


def _stocktake(driver: Any) -> None:
    from clerk_app.core.counter_jobs import StockTake
    from clerk_app.demo_core import STOCK

    driver.go("stocktake")
    screen = driver.screen
    screen.take = StockTake()
    screen.take.start_shelf("A1")
    screen.take.add(STOCK[0], 3)
    screen.take.start_shelf("B2")
    screen.take.add(STOCK[1], 23)
    screen.ids.shelf.text = "B2"
    screen.render()


# screen name -> how to get there with something on it
SHOTS: dict[str, Callable[[Any], None]] = {
    "signin": lambda d: d.go("signin"),
    "home": lambda d: d.go("home"),
    "scan": lambda d: d.go("scan"),
    "member": lambda d: d.go("member", card=_card()),
    "enrol": _enrol,
    "stock": _stock,
    "complaint": _complaint,
    "handover": lambda d: d.go("handover"),
    "alerts": lambda d: d.go("alerts"),
    "outbox": _outbox,
    "help": _help,
    "returns": _returns,
    "stocktake": _stocktake,
}


def _card() -> dict[str, Any]:
    from clerk_app.demo_core import CARD

    return dict(CARD)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out-dir", type=Path, default=OUT_DIR)
    args = parser.parse_args(argv)
    configure()
    from clerk_app.app import ClerkApp
    from clerk_app.demo_core import DemoCore
    from clerk_app.headless import running
    from clerk_app.worker import InlineWorker

    core = DemoCore()
    data_dir = Path(tempfile.mkdtemp(prefix="clerk-shots-"))
    app = ClerkApp(
        data_dir,
        core_factory=lambda _url, _dir: core,
        worker_factory=lambda make: InlineWorker(make()),
        animate=False,
    )
    with running(app) as driver:
        driver.type("server", "https://chainstore.example")
        driver.type("username", "clerk.e1")
        for language, suffix in LANGUAGES.items():
            app.switch_language(language, remember=False)
            driver.pump()
            for name, arrive in SHOTS.items():
                if name == "signin":
                    core.sign_out_locally()
                    arrive(driver)
                    driver.save_png(args.out_dir / f"{name}-{suffix}.png")
                    driver.type("password", "secret")
                    driver.tap("submit")
                    continue
                arrive(driver)
                driver.save_png(args.out_dir / f"{name}-{suffix}.png")
                print(args.out_dir / f"{name}-{suffix}.png", file=sys.stderr)


if __name__ == "__main__":
    main()
