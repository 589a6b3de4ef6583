"""Promotions: definition and validation (rules), the pure pricing engine (pricing), storage
and the promotions in force at a store (store), and the claims a till makes (claims)."""
