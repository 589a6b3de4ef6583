"""Driving the real app without a screen: for the UI tests and the screenshot command.

SDL's "offscreen" video driver gives Kivy a real OpenGL (EGL) window with no display, so
widgets lay out, text is rasterised with the real font and pixels can be read back, as on a
phone. Only libgl1 and libegl1 are needed (Mesa's software renderer). Call `configure` before
anything imports Kivy: Kivy reads its window settings at import time.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# A 360 x 720 dp phone at density 2 (a cheap Android phone's screen).
WIDTH, HEIGHT, DENSITY = 720, 1440, 2


def configure(width: int = WIDTH, height: int = HEIGHT, density: float = DENSITY) -> None:
    os.environ.setdefault("SDL_VIDEODRIVER", "offscreen")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ.setdefault("KIVY_CLIPBOARD", "dummy")  # no xclip/xsel probing on a headless box
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")  # errors reach stderr and pytest as usual
    os.environ.setdefault("KIVY_NO_FILELOG", "1")
    os.environ.setdefault("KIVY_NO_CONFIG", "1")  # never the developer's ~/.kivy settings
    os.environ["KIVY_METRICS_DENSITY"] = str(density)
    os.environ.setdefault("KIVY_HOME", tempfile.mkdtemp(prefix="kivy-home-"))
    from kivy.config import Config

    Config.set("graphics", "width", str(width))
    Config.set("graphics", "height", str(height))
    Config.set("graphics", "resizable", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "")  # no mouse provider: touches come from the driver


class Driver:
    """Starts a ClerkApp in this process and plays a clerk's taps and typing on it."""

    def __init__(self, app: Any) -> None:
        from kivy.base import EventLoop

        self.app = app
        self._loop = EventLoop
        app._run_prepare()  # what App.run does before it enters the main loop
        self.pump()

    def pump(self, frames: int = 3) -> None:
        """Let the clock, bindings and layout settle, and draw."""
        for _ in range(frames):
            self._loop.idle()

    @property
    def screen(self) -> Any:
        return self.app.root.current_screen

    def widget(self, widget_id: str) -> Any:
        """A widget of the current screen by its kv id."""
        return self.screen.ids[widget_id]

    def tap(self, target: Any) -> None:
        """A finger on the widget's centre: down, up (by kv id of the current screen, or a
        widget). It must be on screen and not covered, like a real tap."""
        from kivy.tests.common import UnitTestTouch

        widget = self.widget(target) if isinstance(target, str) else target
        self.pump(1)
        x, y = widget.to_window(*widget.center)
        if not self._reachable(widget, x, y):
            raise AssertionError(f"{widget!r} is not on screen where a finger could tap it")
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()
        self.pump()

    def _reachable(self, widget: Any, x: float, y: float) -> bool:
        from kivy.core.window import Window
        from kivy.uix.scrollview import ScrollView

        if not (0 <= x < Window.width and 0 <= y < Window.height):
            return False
        parent = widget.parent
        while parent is not None and parent is not parent.parent:
            if isinstance(parent, ScrollView):
                left, bottom = parent.to_window(parent.x, parent.y)
                if not (left <= x < left + parent.width and bottom <= y < bottom + parent.height):
                    return False
            parent = parent.parent
        return True

    def scroll_to(self, widget: Any) -> None:
        """Swipe the enclosing list until the widget shows (ScrollView.scroll_to)."""
        from kivy.uix.scrollview import ScrollView

        parent = widget.parent
        while parent is not None and not isinstance(parent, ScrollView):
            parent = parent.parent
        if parent is not None:
            self.pump(1)
            parent.scroll_to(widget, padding=10, animate=False)
            self.pump()

    def type(self, target: Any, text: str) -> None:
        widget = self.widget(target) if isinstance(target, str) else target
        widget.focus = True
        widget.text = ""
        widget.insert_text(text)
        self.pump(1)

    def go(self, name: str, **arguments: Any) -> None:
        self.app.go(name, **arguments)
        self.pump()

    def save_png(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.pump()
        self.app.root.export_to_png(str(path))

    def stop(self) -> None:
        self.app.stop()
        self.pump(1)


@contextmanager
def running(app: Any) -> Iterator[Driver]:
    driver = Driver(app)
    try:
        yield driver
    finally:
        driver.stop()
