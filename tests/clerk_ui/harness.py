"""Starting the app for one UI test file (in its own process: see conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from clerk_app.app import ClerkApp
from clerk_app.demo_core import DemoCore
from clerk_app.headless import Driver
from clerk_app.worker import InlineWorker


class FakeCamera:
    """Hands the screen the pictures a test prepared, one per `take`."""

    def __init__(self, photos: list[Path]) -> None:
        self.photos = list(photos)

    def take(self, on_photo: Callable[[Path], None]) -> None:
        on_photo(self.photos.pop(0))


class FakeScanner:
    def __init__(self, codes: list[str]) -> None:
        self.codes = list(codes)

    def scan(self, on_code: Callable[[str], None], on_fail: Callable[[str], None]) -> None:
        if self.codes:
            on_code(self.codes.pop(0))
        else:
            on_fail("nothing in front of the camera")


class FakeSpeech:
    """Hears the sentences a test prepared, one per `listen` (nothing: not heard)."""

    def __init__(self, sentences: list[str]) -> None:
        self.sentences = list(sentences)
        self.languages: list[str] = []

    def listen(
        self, language: str, on_text: Callable[[str], None], on_fail: Callable[[str], None]
    ) -> None:
        self.languages.append(language)
        if self.sentences:
            on_text(self.sentences.pop(0))
        else:
            on_fail("Nothing was heard.")


def start(data_dir: Path, core: Any | None = None, **devices: Any) -> tuple[Driver, Any]:
    core = core or DemoCore()
    app = ClerkApp(
        data_dir,
        core_factory=lambda _url, _dir: core,
        worker_factory=lambda make: InlineWorker(make()),
        animate=False,
        **devices,
    )
    return Driver(app), core


def sign_in(driver: Driver) -> None:
    driver.type("server", "https://chainstore.example")
    driver.type("username", "clerk.e1")
    driver.type("password", "secret")
    driver.tap("submit")
    assert driver.screen.name == "home"


def texts(widget: Any) -> list[str]:
    """Every text drawn by a widget and its children."""
    found = [str(w.text) for w in widget.walk() if isinstance(getattr(w, "text", None), str)]
    return [t for t in found if t]
