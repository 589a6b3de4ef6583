"""The clerk app's brain: plain Python, never Kivy. The screens talk to it; nothing here knows
a screen exists."""
