"""The phone's hardware behind small interfaces, so screens never know which one they have.

`Scanner` reads a member code or barcode, `Camera` takes a photo, `SpeechRecognizer` turns
what the clerk says into text; all answer through callbacks (an Android activity returns
later). The desktop ones ask for an image file
(a photo of the card, a shelf picture) and decode it with zxing-cpp; tests pass fakes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from kivy.uix.boxlayout import BoxLayout
from kivy.uix.button import Button
from kivy.uix.filechooser import FileChooserListView
from kivy.uix.popup import Popup

from clerk_app.core.codes import decode_file
from clerk_app.i18n import _

IMAGE_FILTERS = ["*.png", "*.jpg", "*.jpeg", "*.webp", "*.bmp"]


class Scanner(Protocol):
    def scan(self, on_code: Callable[[str], None], on_fail: Callable[[str], None]) -> None: ...


class Camera(Protocol):
    def take(self, on_photo: Callable[[Path], None]) -> None: ...


class SpeechRecognizer(Protocol):
    """What the clerk said, as text (`on_text`), or why nothing was heard (`on_fail`).
    `language` is the app's ("zh_CN" or "en"): the recogniser listens for that language."""

    def listen(
        self, language: str, on_text: Callable[[str], None], on_fail: Callable[[str], None]
    ) -> None: ...


class SecureWindow(Protocol):
    """Android's FLAG_SECURE: member screens cannot be captured or shown in recent apps."""

    def secure(self, on: bool) -> None: ...


class PlainWindow:
    """Desktop: nothing to hide the window from."""

    def __init__(self) -> None:
        self.secured = False

    def secure(self, on: bool) -> None:
        self.secured = on


def choose_image(title: str, on_path: Callable[[Path], None]) -> None:
    """A file picker for images (the desktop's stand-in for the camera)."""
    chooser = FileChooserListView(path=str(Path.home()), filters=IMAGE_FILTERS)
    layout = BoxLayout(orientation="vertical", spacing="8dp")
    layout.add_widget(chooser)
    buttons = BoxLayout(size_hint_y=None, height="56dp", spacing="8dp")
    popup = Popup(title=title, content=layout, size_hint=(0.95, 0.95))
    use = Button(text=_("Use this picture"))
    cancel = Button(text=_("Cancel"))

    def picked(*_args: object) -> None:
        if chooser.selection:
            popup.dismiss()
            on_path(Path(chooser.selection[0]))

    use.bind(on_release=picked)
    cancel.bind(on_release=lambda *_a: popup.dismiss())
    buttons.add_widget(cancel)
    buttons.add_widget(use)
    layout.add_widget(buttons)
    popup.open()


class FileScanner:
    """Desktop: decode a picture of the code."""

    def scan(self, on_code: Callable[[str], None], on_fail: Callable[[str], None]) -> None:
        def decode(path: Path) -> None:
            code = decode_file(path)
            if code is None:
                on_fail(_("No code found in that picture."))
            else:
                on_code(code)

        choose_image(_("Picture of the member code"), decode)


class FileCamera:
    """Desktop: an existing picture stands in for a photo."""

    def take(self, on_photo: Callable[[Path], None]) -> None:
        choose_image(_("Choose a photo"), on_photo)


class TypedSpeech:
    """Desktop: no recogniser, so the clerk types what they would have said (the same
    sentence goes through the same intent reader)."""

    def listen(
        self, language: str, on_text: Callable[[str], None], on_fail: Callable[[str], None]
    ) -> None:
        from kivy.uix.textinput import TextInput

        layout = BoxLayout(orientation="vertical", spacing="8dp", padding="8dp")
        field = TextInput(multiline=False, font_size="22sp", size_hint_y=None, height="60dp")
        layout.add_widget(field)
        buttons = BoxLayout(size_hint_y=None, height="56dp", spacing="8dp")
        popup = Popup(title=_("Say what you need"), content=layout, size_hint=(0.95, 0.45))
        use = Button(text=_("Go"))
        cancel = Button(text=_("Cancel"))

        def said(*_args: object) -> None:
            popup.dismiss()
            if field.text.strip():
                on_text(field.text.strip())
            else:
                on_fail(_("Nothing was heard."))

        use.bind(on_release=said)
        field.bind(on_text_validate=said)
        cancel.bind(on_release=lambda *_a: popup.dismiss())
        buttons.add_widget(cancel)
        buttons.add_widget(use)
        layout.add_widget(buttons)
        popup.open()
