"""Log configuration for the CLI and uvicorn's worker processes (api/observability/logs.py)."""

from __future__ import annotations

from api.observability.logs import CONSOLE_FORMAT, log_config

LOG_FORMAT = CONSOLE_FORMAT

__all__ = ["LOG_FORMAT", "log_config"]
