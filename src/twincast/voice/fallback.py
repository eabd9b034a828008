"""A voice that never goes silent: a remote voice with a local one behind it.

Why: a cloned voice on a GPU server elsewhere (``http`` engine) is the best voice twincast can
use, and the one a live show can lose at any moment (the server restarts, the network drops,
a queue makes it slow). On air, a line that never comes is dead air. So, in the shape of
LiveKit's ``FallbackAdapter`` (an ordered list of engines; one that fails is marked unavailable
and the next speaks; the first is tried again later), every line goes to the primary first and
must be back within ``deadline_s``; if it fails or is late, the backup (a local engine, which
cannot be unreachable) says that same line, a warning is logged, and listeners (the live
engine's operator console) are told. While the primary is marked down, lines go straight to
the backup, and every ``retry_after_s`` one line tries the primary again; when it answers, the
listeners hear ``recovered``. Listeners and the log hear of a failure once per attempt on the
primary (the first, then one each ``retry_after_s``), not once per line said while it is down.

The primary's call runs on a small worker pool so the deadline holds whatever the transport
does; a late reply is dropped (its worker finishes within the transport's own timeout).
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Callable, Iterator, Optional

from ..errors import TwincastError
from .base import Speech

log = logging.getLogger("twincast.voice")
Transform = Callable[[Speech], Speech]


@dataclass(frozen=True)
class VoiceSwitch:
    """What a listener hears: the backup spoke a line (``fallback``) or the primary is back."""

    state: str  # fallback | recovered
    engine: str
    backup: str
    lang: str
    reason: str
    text: str


class FallbackVoice:
    """``VoiceEngine`` that tries ``primary`` and falls back to ``backup`` per line."""

    def __init__(self, primary, backup, *, deadline_s: float = 8.0, retry_after_s: float = 30.0,
                 backup_transform: Optional[Transform] = None, workers: int = 2) -> None:
        if deadline_s <= 0:
            raise TwincastError("the voice deadline must be positive", "e.g. deadline_s: 8")
        self.primary, self.backup = primary, backup
        self.name = f"{getattr(primary, 'name', 'primary')}+{getattr(backup, 'name', 'backup')}"
        self.languages = tuple(getattr(primary, "languages", ()) or getattr(backup, "languages", ()))
        self.deadline_s, self.retry_after_s = float(deadline_s), float(retry_after_s)
        self.backup_transform = backup_transform
        self.listeners: list[Callable[[VoiceSwitch], None]] = []
        self.fallbacks = 0  # lines the backup said
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="voice-primary")
        self._lock = threading.Lock()
        self._down_until = 0.0  # monotonic time before which the primary is not asked
        self._down = False

    def synthesize(self, text: str, lang: str) -> Iterator[Speech]:
        """The whole line from one engine: the primary if it answers in time, else the backup."""
        now = time.monotonic()
        with self._lock:
            skip = self._down and now < self._down_until
        if not skip:
            future: Future = self._pool.submit(lambda: list(self.primary.synthesize(text, lang)))
            try:
                speeches = future.result(timeout=self.deadline_s)
            except FutureTimeout:
                future.cancel()
                reason = f"no answer within the line's deadline ({self.deadline_s:g} s)"
            except TwincastError as exc:
                reason = exc.problem
            except Exception as exc:  # noqa: BLE001 - any engine failure: the backup speaks
                reason = f"{exc.__class__.__name__}: {exc}"
            else:
                with self._lock:
                    recovered, self._down = self._down, False
                if recovered:
                    self._tell("recovered", lang, "the voice server answers again", text)
                return iter(speeches)
            with self._lock:
                self._down, self._down_until = True, time.monotonic() + self.retry_after_s
        else:
            reason = None  # still down: said and counted, not announced again for every line
        self.fallbacks += 1
        if reason is not None:
            self._tell("fallback", lang, reason, text)
        return self._backup(text, lang)

    def _backup(self, text: str, lang: str) -> Iterator[Speech]:
        for speech in self.backup.synthesize(text, lang):
            yield self.backup_transform(speech) if self.backup_transform else speech

    def _tell(self, state: str, lang: str, reason: str, text: str) -> None:
        switch = VoiceSwitch(state, getattr(self.primary, "name", "primary"), getattr(self.backup, "name", "backup"),
                             lang, reason, text[:80])
        if state == "fallback":
            log.warning("voice %s failed (%s); %s said the line instead", switch.engine, reason, switch.backup)
        else:
            log.info("voice %s answers again", switch.engine)
        for listener in list(self.listeners):
            try:
                listener(switch)
            except Exception:  # noqa: BLE001 - a listener must not silence the voice
                log.exception("voice listener failed")

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
