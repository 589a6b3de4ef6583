"""`python -m api` runs the `chainstore` command (tests use it with the current interpreter)."""

from api.cli import main

main()
