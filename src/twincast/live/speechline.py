"""The synthesis side of the live show: two workers that keep the next clauses ready.

Urgent lines (answers to viewers, operator lines) jump ahead of the script; script beats come
from the director only while fewer than two clauses are waiting, so an answer is never stuck
behind a long queue of pre-synthesised script. The script worker runs below the render loop's
priority (it is seconds ahead, and on two cores its synthesis otherwise repeats frames); the
answer worker keeps normal priority, because a viewer is waiting for it (p50 1.36 s -> 1.06 s
when answers were niced as well).
"""

from __future__ import annotations

import collections
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Callable

from ..show.director import Beat
from ..voice.base import Speech
from ..driving.prosody import speech_cues
from ..text.clauses import answer_clauses, clauses

log = logging.getLogger("twincast.live")
SYNTH_NICENESS = 5  # steps below the render loop: synthesis runs seconds ahead, rendering cannot


def yield_cpu_to_rendering() -> None:
    """Lower this thread's scheduling priority (Linux: niceness is per thread). A clause's
    synthesis (0.1-0.5 s of CPU) otherwise lands on the same instant as the clause start's
    heavier frames, and the stream repeats frames although the CPU is idle a moment later."""
    try:
        me = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + SYNTH_NICENESS))
    except (AttributeError, OSError):  # not Linux, or not permitted: normal priority
        pass


@dataclass
class Utterance:
    beat: Beat
    speech: Speech
    answers: list[int] = field(default_factory=list)  # comment ids this utterance answers
    first: bool = True  # first clause of its beat


class SpeechLine:
    def __init__(self, synthesize: Callable[[str, str, str], list[Speech]],
                 next_beats: Callable[[float], list[Beat]], now: Callable[[], float],
                 next_answer: Callable[[float], tuple[Beat, list[int]] | None] = lambda now: None) -> None:
        self._synthesize = synthesize  # (speaker, text, lang) -> speeches
        self._next_beats = next_beats
        self._now = now
        self._next_answer = next_answer
        self._urgent_text: collections.deque = collections.deque()
        self._urgent: collections.deque[Utterance] = collections.deque()
        self._script: collections.deque[Utterance] = collections.deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._wake_urgent = threading.Event()
        self._threads = [threading.Thread(target=self._run_script, name="synth-script", daemon=True),
                         threading.Thread(target=self._run_urgent, name="synth-urgent", daemon=True)]
        self.finished = False
        self._script_dropped = False
        self._script_jobs: collections.deque = collections.deque()
        self._urgent_jobs: collections.deque = collections.deque()

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._wake_urgent.set()
        for t in self._threads:
            t.join(timeout=10)

    def urgent(self, beat: Beat, answers: list[int] | None = None) -> None:
        with self._lock:
            self._urgent_text.append((beat, answers or []))
        self._wake_urgent.set()

    def pop(self) -> Utterance | None:
        """Next utterance to perform, urgent first; None if nothing is ready yet."""
        with self._lock:
            if self._urgent:
                return self._urgent.popleft()
            if self._script:
                return self._script.popleft()
        self._wake.set()
        return None

    def ready(self) -> bool:
        """Something is synthesised and waiting to be performed."""
        with self._lock:
            return bool(self._urgent or self._script)

    def exhausted(self) -> bool:
        """The director has nothing more to say and everything prepared has been taken."""
        with self._lock:
            return (self.finished and not self._script and not self._urgent and not self._urgent_text
                    and not self._script_jobs and not self._urgent_jobs)

    def drop_script(self) -> None:
        """Forget prepared script clauses (after a skip or reorder)."""
        with self._lock:
            self._script.clear()
            self._script_dropped = True

    def _queued_seconds(self) -> float:
        with self._lock:
            return sum(u.speech.duration for u in list(self._script) + list(self._urgent))

    def _synth_clause(self, job: tuple[Beat, str, list[int], bool], target: collections.deque) -> None:
        beat, text, answers, first = job
        for i, speech in enumerate(self._synthesize(beat.speaker, text, beat.lang)):
            speech_cues(speech)  # the expression analysis, here and not in the render loop
            with self._lock:
                target.append(Utterance(beat, speech, answers, first and i == 0))

    @staticmethod
    def _jobs(beat: Beat, answers: list[int]) -> list[tuple[Beat, str, list[int], bool]]:
        split = answer_clauses if beat.kind == "answer" else clauses
        return [(beat, text, answers, i == 0) for i, text in enumerate(split(beat.text, beat.lang))]

    def _run_urgent(self) -> None:
        """Answers and operator lines, one clause per iteration, at the render loop's priority:
        a viewer waits for this thread, and it is idle most of the time."""
        jobs = self._urgent_jobs
        while not self._stop.is_set():
            try:
                with self._lock:
                    while self._urgent_text:
                        jobs.extend(self._jobs(*self._urgent_text.popleft()))
                with self._lock:
                    waiting = len(self._urgent)
                # the next answer only once fewer than two clauses wait to be spoken: the host
                # speaks one answer at a time, and under a flood of comments pulling answers as
                # fast as they synthesise kept this thread on a core and starved the render loop
                # (issue 18: 17-30 % of frames repeated); waiting ones group and expire in the queue
                if not jobs and waiting < 2:
                    answer = self._next_answer(self._now())
                    if answer is not None:
                        jobs.extend(self._jobs(*answer))
                if jobs:
                    self._synth_clause(jobs.popleft(), self._urgent)
                    continue
            except Exception:  # noqa: BLE001 - keep the show on air; the log says what failed
                log.exception("synthesis of an answer failed; skipping this line")
            self._wake_urgent.wait(0.05)
            self._wake_urgent.clear()

    def _run_script(self) -> None:
        """The script, a clause at a time while fewer than two are waiting, below the render
        loop's priority: it runs seconds ahead, so it can always wait for a frame."""
        yield_cpu_to_rendering()
        jobs = self._script_jobs
        while not self._stop.is_set():
            try:
                with self._lock:
                    if self._script_dropped:
                        jobs.clear()
                        self._script_dropped = False
                    waiting = len(self._script)
                if waiting < 2 and not self.finished:
                    if not jobs:
                        beats = self._next_beats(self._now() + self._queued_seconds())
                        if not beats:
                            self.finished = True
                        for beat in beats:
                            jobs.extend(self._jobs(beat, []))
                    if jobs:
                        self._synth_clause(jobs.popleft(), self._script)
                        continue
            except Exception:  # noqa: BLE001 - keep the show on air; the log says what failed
                log.exception("synthesis failed; skipping this line")
            self._wake.wait(0.05)
            self._wake.clear()
