from __future__ import annotations

from typing import Any

from clerk_app.screens.base import ClerkScreen


class HomeScreen(ClerkScreen):
    """Big tiles for the common jobs; each job is one tap away, its action a second tap."""

    kv_name = "home"

    def on_pre_enter(self, *_args: Any) -> None:
        self.message = ""
        self.app.refresh_pending()
        self.app.refresh_alerts()

    def sign_out(self) -> None:
        self.app.call(lambda core: core.sign_out_locally(), lambda _r: self.app.sign_in_again())
