from __future__ import annotations

from typing import Any

from clerk_app.i18n import _
from clerk_app.screens.base import ClerkScreen


class SignInScreen(ClerkScreen):
    kv_name = "signin"

    def on_pre_enter(self, *_args: Any) -> None:
        if not self.ids.server.text:
            self.ids.server.text = self.app.settings.server_url
        self.ids.password.text = ""

    def sign_in(self) -> None:
        server = self.ids.server.text.strip()
        username = self.ids.username.text.strip()
        password = self.ids.password.text
        if not (server and username and password):
            self.message = _("Fill in the server, your name and your password.")
            return
        self.message = _("Signing in…")
        self.app.use_server(server)
        self.app.call(lambda core: core.sign_in(username, password), self._done, self.failed)

    def _done(self, staff: dict[str, Any]) -> None:
        self.message = ""
        self.ids.password.text = ""
        self.app.signed_in(staff)

    def failed(self, error: BaseException) -> None:
        if getattr(error, "code", None) in ("UNAUTHENTICATED", "BAD_USER_INPUT"):
            self.message = _("Wrong name or password.")
        else:
            super().failed(error)
