"""Rebuilding the search index in the background after an edit, one rebuild at a time."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

logger = logging.getLogger(__name__)


class BackgroundReindexer:
    """Runs `rebuild` in a thread; requests made while it runs trigger one more run.

    The index swap is atomic, so searches keep using the previous index until the new one
    is complete; other workers pick it up through the index's CURRENT pointer.
    """

    def __init__(self, rebuild: Callable[[], object]) -> None:
        self._rebuild = rebuild
        self._lock = threading.Lock()
        self._pending = False
        self._thread: threading.Thread | None = None
        self._idle = threading.Event()
        self._idle.set()

    def request(self) -> None:
        """Ask for a rebuild soon."""
        with self._lock:
            self._pending = True
            self._idle.clear()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="reindex", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._pending:
                    self._idle.set()
                    return
                self._pending = False
            try:
                self._rebuild()
            except Exception:  # logged; the old index keeps serving
                logger.exception("background reindex failed; the previous index keeps serving")

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until no rebuild is pending or running (for tests and shutdown)."""
        return self._idle.wait(timeout)
