"""The clerk app: a ScreenManager of thin screens that talk only to ClerkCore (through the
worker), large type and big touch targets, Chinese or English switchable while it runs."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.screenmanager import FadeTransition, NoTransition, ScreenManager
from kivy.utils import platform

from clerk_app.core import ClerkCore
from clerk_app.core.live import FeedEnded
from clerk_app.core.settings import Settings
from clerk_app.devices import (
    Camera,
    FileCamera,
    FileScanner,
    PlainWindow,
    Scanner,
    SecureWindow,
    SpeechRecognizer,
    TypedSpeech,
)
from clerk_app.fonts import register_fonts
from clerk_app.i18n import system_language, tr
from clerk_app.screens import SCREENS
from clerk_app.worker import Job, ThreadWorker, Worker

KV_DIR = Path(__file__).resolve().parent
SYNC_EVERY_S = 20.0  # the outbox's own back-off decides what is actually sent

CoreFactory = Callable[[str, Path], Any]


class ClerkApp(App):  # type: ignore[misc]
    title = "Chainstore"
    pending = NumericProperty(0)  # outbox entries the server does not have yet
    alerts = NumericProperty(0)  # the store's open stock alerts (the home badge)
    answers = NumericProperty(0)  # HQ's help answers that arrived since the alerts were seen
    staff_name = StringProperty("")
    store_name = StringProperty("")
    language = StringProperty(tr.language)
    busy = BooleanProperty(False)

    def __init__(
        self,
        data_dir: Path | None = None,
        *,
        core_factory: CoreFactory = ClerkCore,
        worker_factory: Callable[[Callable[[], Any]], Worker] = ThreadWorker,
        scanner: Scanner | None = None,
        camera: Camera | None = None,
        window: SecureWindow | None = None,
        speech: SpeechRecognizer | None = None,
        animate: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self._data_dir = data_dir
        self._core_factory = core_factory
        self._worker_factory = worker_factory
        self.scanner, self.window, self.speech = scanner, window, speech
        self.camera: Camera | None = camera
        if platform == "android":
            from clerk_app import android_devices as phone

            self.scanner = scanner or phone.CodeScanner()
            self.window = window or phone.SecureWindow()
            self.speech = speech or phone.SpeechRecognizer()
            self.camera = camera or phone.CameraIntent(self.user_data_dir)
        self.scanner = self.scanner or FileScanner()
        self.window = self.window or PlainWindow()
        self.speech = self.speech or TypedSpeech()
        self.camera = self.camera or FileCamera()
        self._animate = animate
        self.worker: Worker | None = None
        self.settings = Settings()
        self.message_hook: Callable[[str], None] | None = None

    # -- lifecycle -------------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        if self._data_dir is None:
            self._data_dir = Path(os.environ.get("CLERK_DATA_DIR") or self.user_data_dir)
        return self._data_dir

    def build(self) -> ScreenManager:
        register_fonts()
        self.settings = Settings.load(self.data_dir)
        self.switch_language(self.settings.language or system_language(), remember=False)
        Builder.load_file(str(KV_DIR / "style.kv"))
        manager = ScreenManager(transition=FadeTransition(duration=0.12))
        if not self._animate:
            manager.transition = NoTransition()
        for screen_class in SCREENS:
            Builder.load_file(str(KV_DIR / "screens" / f"{screen_class.kv_name}.kv"))
            manager.add_widget(screen_class(name=screen_class.kv_name))
        manager.current = "signin"
        # Once the window shows (the root exists): a kept sign-in then goes straight home.
        Clock.schedule_once(lambda _dt: self._start_core(self.settings.server_url))
        Clock.schedule_interval(lambda _dt: self.sync(), SYNC_EVERY_S)
        return manager

    def _start_core(self, server_url: str) -> None:
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        if not server_url:
            return
        data_dir = self.data_dir
        self.worker = self._worker_factory(lambda: self._core_factory(server_url, data_dir))
        # A sign-in kept from an earlier run (the core's session file): straight to home.
        self.call(lambda core: dict(core.staff or {}) if core.signed_in else None, self._restored)

    def _restored(self, staff: dict[str, Any] | None) -> None:
        if staff is not None and self.root is not None and self.root.current == "signin":
            self.signed_in(staff)

    def on_stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()

    # -- talking to the core ---------------------------------------------------------------

    def call(
        self,
        job: Job,
        done: Callable[[Any], None] | None = None,
        failed: Callable[[BaseException], None] | None = None,
    ) -> None:
        """Run `job(core)` on the worker; `done(result)` or `failed(error)` on the UI thread."""
        if self.worker is None:
            if failed is not None:
                failed(RuntimeError("no server"))
            return
        self.worker.submit(job, done, failed)

    def use_server(self, server_url: str) -> None:
        """The sign-in screen's address: remembered, and the core rebuilt if it changed."""
        server_url = server_url.strip().rstrip("/")
        if server_url != self.settings.server_url or self.worker is None:
            self.settings.server_url = server_url
            self.settings.save(self.data_dir)
            self._start_core(server_url)

    def signed_in(self, staff: dict[str, Any]) -> None:
        self.staff_name = str(staff.get("displayName") or "")
        self.store_name = str((staff.get("store") or {}).get("name") or "")
        self.go("home")
        self.sync()
        self.follow_alerts()

    def follow_alerts(self) -> None:
        """While the app runs, the store's alerts arrive live and refresh the badge."""

        def refresh(*_args: Any) -> None:
            Clock.schedule_once(lambda _dt: self.refresh_alerts())

        def ended(error: BaseException) -> None:
            if isinstance(error, FeedEnded):
                self.sign_in_again()

        def answered(*_args: Any) -> None:
            def show(_dt: float) -> None:
                self.answers += 1
                if self.root is not None and self.root.current == "alerts":
                    self.root.get_screen("alerts").refresh()

            Clock.schedule_once(show)

        if self.worker is not None:
            self.worker.spawn("alerts", lambda core: core.alert_feed(refresh, refresh).run(), ended)
            # HQ's answers to this store's help requests, on their own subscription.
            self.worker.spawn("help", lambda core: core.help_feed(answered).run(), ended)

    def sign_in_again(self) -> None:
        """The server refused the token: the outbox stays, the clerk signs in again."""
        self.staff_name = ""
        self.go("signin")

    def sync(self) -> None:
        """Send what the outbox can send, then refresh the counts the home screen shows."""

        def after(left: int) -> None:
            self.pending = left
            self.call(lambda core: core.sign_in_needed, self._check_sign_in)

        self.call(lambda core: core.sync(), after, lambda _e: None)
        self.refresh_alerts()

    def _check_sign_in(self, reason: str | None) -> None:
        if reason and self.root is not None and self.root.current != "signin":
            self.sign_in_again()

    def refresh_pending(self) -> None:
        self.call(lambda core: core.pending(), lambda n: setattr(self, "pending", n))

    def refresh_alerts(self) -> None:
        self.call(
            lambda core: core.open_alerts() if core.signed_in else [],
            lambda alerts: setattr(self, "alerts", len(alerts)),
            lambda _e: None,  # offline: the badge keeps its last count
        )

    # -- navigation and language -----------------------------------------------------------

    def go(self, name: str, **arguments: Any) -> None:
        assert self.root is not None
        screen = self.root.get_screen(name)
        if arguments:
            screen.prepare(**arguments)
        self.root.current = name

    def switch_language(self, language: str, remember: bool = True) -> None:
        tr.switch(language)
        self.language = language
        if remember:
            self.settings.language = language
            self.settings.save(self.data_dir)

    def listen(self) -> None:
        """The microphone: what the clerk says opens the screen for it (core/intents.py)."""
        assert self.speech is not None
        self.speech.listen(self.language, self.act_on, self._not_heard)

    def _not_heard(self, reason: str) -> None:
        if self.root is not None:
            self.root.get_screen("home").message = reason

    def act_on(self, said: str) -> None:
        from clerk_app.voice import open_for

        open_for(self, said)

    def toggle_language(self) -> None:
        self.switch_language("en" if self.language == "zh_CN" else "zh_CN")
