"""The clerk app's brain: plain Python, never Kivy. The screens talk to `ClerkCore`; nothing
here knows a screen exists."""

from clerk_app.core.clerk_core import ClerkCore, HandoverItem, NotSignedIn, Waiting

__all__ = ["ClerkCore", "HandoverItem", "NotSignedIn", "Waiting"]
