"""The Android implementations of clerk_app/devices.py's interfaces, through pyjnius.

Imported only on Android (app.py checks the platform); the desktop never loads jnius.

- `CodeScanner`: Google's code scanner (ML Kit's `GmsBarcodeScanning`, from Play services). It
  draws its own camera screen in Play services, so the app needs no camera permission for
  scanning; it reads the rotating member QR code and the printed card's Code 128 / EAN-13.
  Fallback: where Play services are missing or the module cannot be fetched, the scan fails
  with the reason and the clerk types the card number on the same screen.
- `SecureWindow`: `FLAG_SECURE` while a member screen is shown (no screenshots, blank in the
  recent-apps list).
- `SpeechRecognizer`: the system's speech dialog (`RecognizerIntent`), in the app's language.
- `CameraIntent`: the phone's camera app for shelf, complaint and help photos.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jnius import PythonJavaClass, autoclass, cast, java_method
from kivy.clock import mainthread

from clerk_app.i18n import _

FLAG_SECURE = 0x2000  # WindowManager.LayoutParams.FLAG_SECURE


class _OnSuccess(PythonJavaClass):  # type: ignore[misc]
    __javainterfaces__ = ["com/google/android/gms/tasks/OnSuccessListener"]
    __javacontext__ = "app"

    def __init__(self, callback: Callable[[Any], None]) -> None:
        super().__init__()
        self.callback = callback

    @java_method("(Ljava/lang/Object;)V")  # type: ignore[untyped-decorator]
    def onSuccess(self, result: Any) -> None:  # noqa: N802 (Java's name)
        self.callback(result)


class _OnFailure(PythonJavaClass):  # type: ignore[misc]
    __javainterfaces__ = ["com/google/android/gms/tasks/OnFailureListener"]
    __javacontext__ = "app"

    def __init__(self, callback: Callable[[str], None]) -> None:
        super().__init__()
        self.callback = callback

    @java_method("(Ljava/lang/Exception;)V")  # type: ignore[untyped-decorator]
    def onFailure(self, error: Any) -> None:  # noqa: N802
        self.callback(str(error.getMessage() or error.toString()))


class _OnCanceled(PythonJavaClass):  # type: ignore[misc]
    __javainterfaces__ = ["com/google/android/gms/tasks/OnCanceledListener"]
    __javacontext__ = "app"

    def __init__(self, callback: Callable[[], None]) -> None:
        super().__init__()
        self.callback = callback

    @java_method("()V")  # type: ignore[untyped-decorator]
    def onCanceled(self) -> None:  # noqa: N802
        self.callback()


class CodeScanner:
    def __init__(self) -> None:
        self._listeners: list[Any] = []  # Java holds only weak references: keep them alive

    def scan(self, on_code: Callable[[str], None], on_fail: Callable[[str], None]) -> None:
        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        barcode = autoclass("com.google.mlkit.vision.barcode.common.Barcode")
        options_builder = autoclass(
            "com.google.mlkit.vision.codescanner.GmsBarcodeScannerOptions$Builder"
        )
        scanning = autoclass("com.google.mlkit.vision.codescanner.GmsBarcodeScanning")
        options = (
            options_builder()
            .setBarcodeFormats(
                barcode.FORMAT_QR_CODE, [barcode.FORMAT_CODE_128, barcode.FORMAT_EAN_13]
            )
            .build()
        )
        try:
            task = scanning.getClient(activity, options).startScan()
        except Exception as error:  # no Play services on this phone
            on_fail(_("The scanner is not available: type the card number.") + f" ({error})")
            return

        @mainthread  # type: ignore[untyped-decorator]
        def found(result: Any) -> None:
            self._listeners.clear()
            value = result.getRawValue()
            if value:
                on_code(str(value))
            else:
                on_fail(_("No code found in that picture."))

        @mainthread  # type: ignore[untyped-decorator]
        def failed(reason: str) -> None:
            self._listeners.clear()
            on_fail(_("The scanner is not available: type the card number.") + f" ({reason})")

        @mainthread  # type: ignore[untyped-decorator]
        def canceled() -> None:
            self._listeners.clear()

        self._listeners = [_OnSuccess(found), _OnFailure(failed), _OnCanceled(canceled)]
        task.addOnSuccessListener(self._listeners[0])
        task.addOnFailureListener(self._listeners[1])
        task.addOnCanceledListener(self._listeners[2])


class SecureWindow:
    def secure(self, on: bool) -> None:
        from android.runnable import run_on_ui_thread

        @run_on_ui_thread  # type: ignore[untyped-decorator]
        def apply() -> None:
            window = autoclass("org.kivy.android.PythonActivity").mActivity.getWindow()
            if on:
                window.addFlags(FLAG_SECURE)
            else:
                window.clearFlags(FLAG_SECURE)

        apply()


# -- activities that answer later: the speech recogniser and the camera ---------------------

SPEECH_REQUEST = 0x5E01
CAMERA_REQUEST = 0x5E02
RESULT_OK = -1  # Activity.RESULT_OK


class _Results:
    """`onActivityResult` to the waiting callback, by request code (p4a's activity hook)."""

    waiting: dict[int, Callable[[int, Any], None]] = {}
    bound = False

    @classmethod
    def expect(cls, request: int, callback: Callable[[int, Any], None]) -> None:
        if not cls.bound:
            from android import activity

            activity.bind(on_activity_result=cls._answer)
            cls.bound = True
        cls.waiting[request] = callback

    @classmethod
    def _answer(cls, request: int, result: int, data: Any) -> None:
        callback = cls.waiting.pop(request, None)
        if callback is not None:
            callback(result, data)


class SpeechRecognizer:
    """Android's speech recogniser through `RecognizerIntent.ACTION_RECOGNIZE_SPEECH`: the
    system's own listening dialog (it holds the microphone permission, the app needs none).
    No recogniser installed: the clerk is told and taps the tiles instead."""

    def listen(
        self, language: str, on_text: Callable[[str], None], on_fail: Callable[[str], None]
    ) -> None:
        intent_class = autoclass("android.content.Intent")
        recognizer = autoclass("android.speech.RecognizerIntent")
        intent = intent_class(recognizer.ACTION_RECOGNIZE_SPEECH)
        intent.putExtra(recognizer.EXTRA_LANGUAGE_MODEL, recognizer.LANGUAGE_MODEL_FREE_FORM)
        intent.putExtra(recognizer.EXTRA_LANGUAGE, "zh-CN" if language == "zh_CN" else "en-US")
        intent.putExtra(recognizer.EXTRA_MAX_RESULTS, 1)

        @mainthread  # type: ignore[untyped-decorator]
        def heard(result: int, data: Any) -> None:
            found = data.getStringArrayListExtra(recognizer.EXTRA_RESULTS) if data else None
            if result == RESULT_OK and found is not None and found.size() > 0:
                on_text(str(found.get(0)))
            else:
                on_fail(_("Nothing was heard."))

        _Results.expect(SPEECH_REQUEST, heard)
        try:
            autoclass("org.kivy.android.PythonActivity").mActivity.startActivityForResult(
                intent, SPEECH_REQUEST
            )
        except Exception as error:  # ActivityNotFoundException: no recogniser on this phone
            _Results.waiting.pop(SPEECH_REQUEST, None)
            on_fail(_("Speech is not available on this phone.") + f" ({error})")


class CameraIntent:
    """The phone's camera app through `MediaStore.ACTION_IMAGE_CAPTURE`, writing the full-size
    picture to a MediaStore entry the app created (no FileProvider needed); the picture is
    copied into the app's own directory and the entry removed, so photos never pile up in the
    gallery. The outbox keeps its own copy from there."""

    def __init__(self, directory: Any) -> None:
        self.directory = directory

    def take(self, on_photo: Callable[[Any], None]) -> None:
        from android.permissions import Permission, check_permission, request_permissions

        if check_permission(Permission.CAMERA):
            self._capture(on_photo)
            return

        @mainthread  # type: ignore[untyped-decorator]
        def answered(_permissions: list[str], granted: list[bool]) -> None:
            if granted and all(granted):
                self._capture(on_photo)

        request_permissions([Permission.CAMERA], answered)

    def _capture(self, on_photo: Callable[[Any], None]) -> None:
        from pathlib import Path

        activity = autoclass("org.kivy.android.PythonActivity").mActivity
        media = autoclass("android.provider.MediaStore")
        images = autoclass("android.provider.MediaStore$Images$Media")
        values = autoclass("android.content.ContentValues")()
        values.put(images.MIME_TYPE, "image/jpeg")
        resolver = activity.getContentResolver()
        uri = resolver.insert(images.EXTERNAL_CONTENT_URI, values)
        intent = autoclass("android.content.Intent")(media.ACTION_IMAGE_CAPTURE)
        intent.putExtra(media.EXTRA_OUTPUT, cast("android.os.Parcelable", uri))

        @mainthread  # type: ignore[untyped-decorator]
        def taken(result: int, _data: Any) -> None:
            try:
                if result != RESULT_OK:
                    return
                target = Path(self.directory) / f"photo-{uri.getLastPathSegment()}.jpg"
                # Decoded and written again on the Java side: no byte copying through Python.
                stream = resolver.openInputStream(uri)
                bitmap = autoclass("android.graphics.BitmapFactory").decodeStream(stream)
                stream.close()
                if bitmap is None:
                    return
                out = autoclass("java.io.FileOutputStream")(str(target))
                jpeg = autoclass("android.graphics.Bitmap$CompressFormat").JPEG
                bitmap.compress(jpeg, 85, out)
                out.close()
                bitmap.recycle()
                on_photo(target)
            finally:
                resolver.delete(uri, None, None)

        _Results.expect(CAMERA_REQUEST, taken)
        activity.startActivityForResult(intent, CAMERA_REQUEST)
