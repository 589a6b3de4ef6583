"""The Android implementations of clerk_app/devices.py's interfaces, through pyjnius.

Imported only on Android (app.py checks the platform); the desktop never loads jnius.

- `CodeScanner`: Google's code scanner (ML Kit's `GmsBarcodeScanning`, from Play services). It
  draws its own camera screen in Play services, so the app needs no camera permission for
  scanning; it reads the rotating member QR code and the printed card's Code 128 / EAN-13.
  Fallback: where Play services are missing or the module cannot be fetched, the scan fails
  with the reason and the clerk types the card number on the same screen.
- `SecureWindow`: `FLAG_SECURE` while a member screen is shown (no screenshots, blank in the
  recent-apps list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jnius import PythonJavaClass, autoclass, java_method
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
