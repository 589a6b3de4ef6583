"""What every screen shares: a status line, the app, and a re-render when the language
changes (lists built in Python are redrawn; kv text follows `tr` by itself)."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from clerk_app.core import NotSignedIn
from clerk_app.i18n import _


class ClerkScreen(Screen):  # type: ignore[misc]
    kv_name = ""
    message = StringProperty("")  # the status line: what just happened, or what went wrong

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app.bind(language=lambda *_a: self.render())

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def prepare(self, **arguments: Any) -> None:
        """Called by `app.go(name, **arguments)` before the screen shows."""

    def render(self) -> None:
        """Redraw what Python built (lists, cards) in the current language."""

    def failed(self, error: BaseException) -> None:
        """A look-up that did not work, in words the clerk can act on."""
        if isinstance(error, NotSignedIn):
            self.app.sign_in_again()
            return
        code = getattr(error, "code", None)
        if code == "NOT_FOUND":
            self.message = _("Not found.")
        elif code is not None:
            self.message = _("The server said no: {reason}").format(
                reason=getattr(error, "message", "") or code
            )
        else:
            self.message = _("No connection to the server. Try again in a moment.")


def label(kind: str, text: str, **kwargs: Any) -> Widget:
    """A Body, Muted, Heading or Warning label for lists built in Python."""
    return getattr(Factory, kind)(text=text, **kwargs)
