"""What `chainstore serve` sets up around uvicorn: the metrics directory and scrape port."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator

from api.config import Settings
from db.embedded import to_libpq_uri

log = logging.getLogger("chainstore.serve")
MULTIPROC = "PROMETHEUS_MULTIPROC_DIR"


@contextlib.contextmanager
def metrics_for_serve(settings: Settings, url: str, workers: int) -> Iterator[None]:
    """With more than one worker, a fresh PROMETHEUS_MULTIPROC_DIR for this run (inherited by
    the workers, removed after: samples of an earlier run must not add up with this one's);
    with one, the process's own registry. Then the scrape port, if configured."""
    directory: str | None = None
    if workers > 1:
        directory = tempfile.mkdtemp(prefix="chainstore-metrics-")
        os.environ[MULTIPROC] = directory
    elif MULTIPROC in os.environ and "prometheus_client" not in sys.modules:
        del os.environ[MULTIPROC]  # one process: its own registry is the truth
    try:
        if settings.metrics_port is not None:
            from api.observability.metrics import serve_metrics

            serve_metrics(settings.metrics_host, settings.metrics_port, to_libpq_uri(url))
        yield
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
