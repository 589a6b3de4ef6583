"""The demo chain: data and seeding for `chainstore seed --demo` and `run.py demo`.

Kept out of `api.domain` on purpose: the rules never depend on demo data (tests/test_layers.py).
"""
