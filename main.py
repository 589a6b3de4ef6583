"""The APK's entry point (python-for-android runs main.py); on a desktop: python -m clerk_app."""

from clerk_app.__main__ import main

main()
