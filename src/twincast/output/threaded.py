"""Run a media sink's encoding on its own thread, so rendering and encoding overlap.

The sink (MP4 file today, RTMP and the viewer page later) only needs ``write_frame`` and
``write_audio``; both are forwarded in order through one queue, so audio and video reach the
sink in the same order they were produced on the media clock.
"""

from __future__ import annotations

import queue
import threading
from typing import Any, Protocol

import numpy as np


class Sink(Protocol):
    def write_frame(self, rgb: np.ndarray) -> None: ...

    def write_audio(self, mono: np.ndarray) -> None: ...


class ThreadedSink:
    def __init__(self, sink: Sink, depth: int = 8) -> None:
        self.sink = sink
        self._queue: queue.Queue[tuple[str, Any] | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="encoder", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._error is not None:
                continue  # drain after a failure so producers never block
            kind, payload = item
            try:
                (self.sink.write_frame if kind == "v" else self.sink.write_audio)(payload)
            except BaseException as exc:  # noqa: BLE001 - surfaced to the producer
                self._error = exc

    def _put(self, item: tuple[str, Any]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(item)

    def write_frame(self, rgb: np.ndarray) -> None:
        self._put(("v", rgb))

    def write_audio(self, mono: np.ndarray) -> None:
        self._put(("a", mono))

    def join(self) -> None:
        """Wait until everything queued is written; re-raise a sink failure."""
        self._queue.put(None)
        self._thread.join()
        if self._error is not None:
            raise self._error
