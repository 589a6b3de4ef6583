"""A photo request refused before the database is involved: bad bytes, wrong type, too large.

Carries the HTTP status and the error code the photo routes answer with (README "Photos").
"""

from __future__ import annotations


class PhotoRefused(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
