"""`python -m clerk_app`: the clerk app on a desktop (Android starts main.py the same way)."""

from clerk_app.app import ClerkApp


def main() -> None:
    ClerkApp().run()


if __name__ == "__main__":
    main()
