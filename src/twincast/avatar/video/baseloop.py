"""The base loop: endless natural idle motion from a few clips of real footage (a motion graph).

Playing the clips in order would jump at every clip end and visibly repeat. Instead the loop
is a random walk: it plays a clip forward for 2-8 s, then jumps to a frame elsewhere that
looks like the frame it would have shown next (same head position and appearance; a
transition table computed at build time), cross-fading over a few frames. Recently played
footage is penalised so the walk has no short cycles.

The walk is a pure function of the output frame index and the seed: frames [a, b) come out the
same whichever chunks a caller renders (live and offline agree), like
:class:`twincast.driving.idle.IdleMotion`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import numpy as np

FADE = 4  # frames of cross-fade at a transition
MIN_RUN, MAX_RUN = 50, 200  # frames played before looking for a jump
RECENT = 750  # frames (30 s): footage played this recently is avoided, the more the more recent
MAX_STALE = 0.35  # never replay footage shown in the last ~20 s
STALE_COST = 6.0  # cost (in median transition costs) of jumping into footage shown a moment ago
JUMP_WINDOW = 60  # a run may end at any of its last 60 frames: more places to jump from
TOP_K = 16


def transition_table(desc: np.ndarray, clip_of: np.ndarray, k: int = TOP_K) -> tuple[np.ndarray, np.ndarray]:
    """For every base frame i, the ``k`` frames j that best replace frame i+1 (``to``, -1 when
    none) and their costs. ``desc`` (n, d) mixes head landmarks and a face thumbnail; the cost
    compares position and velocity, so a jump keeps the motion's direction too."""
    n = len(desc)
    d = desc.astype(np.float32)
    sq = (d ** 2).sum(1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * d @ d.T, 0))
    has_prev = np.r_[False, clip_of[1:] == clip_of[:-1]]
    has_next = np.r_[clip_of[:-1] == clip_of[1:], False]
    to = np.full((n, k), -1, np.int32)
    cost = np.full((n, k), np.inf, np.float32)
    prev = np.maximum(np.arange(n) - 1, 0)
    for i in np.flatnonzero(has_next):
        # showing j after i should look like showing i + 1: j close to i + 1 and j - 1 close to i
        c = dist[i + 1] + 0.5 * dist[i, prev]
        near = (clip_of == clip_of[i]) & (np.abs(np.arange(n) - (i + 1)) < 50)  # a 2 s hop is a repeat
        c[near | ~has_prev] = np.inf
        best = np.argsort(c)[:k]
        best = best[np.isfinite(c[best])]
        to[i, :len(best)] = best
        cost[i, :len(best)] = c[best]
    return to, cost


@dataclass(frozen=True)
class Run:
    start_out: int  # output frame index where the run begins
    first: int  # base frame shown at start_out
    length: int  # frames shown (the jump point is decided when the run is planned)
    fade_from: int  # base frame the previous run would have shown next (-1: no fade)
    next_first: int  # where the walk jumps after this run


class BaseLoop:
    """Endless deterministic walk over base frames (see the module docstring)."""

    def __init__(self, clip_of: np.ndarray, to: np.ndarray, cost: np.ndarray, seed: int = 7) -> None:
        self.clip_of = np.asarray(clip_of)
        self.to, self.cost = np.asarray(to), np.asarray(cost)
        n = len(self.clip_of)
        ends = np.r_[np.flatnonzero(self.clip_of[1:] != self.clip_of[:-1]) + 1, n]
        self._clip_end = np.repeat(ends, np.diff(np.r_[0, ends]))  # exclusive end of each frame's clip
        finite = self.cost[np.isfinite(self.cost)]
        self._scale = float(np.median(finite)) if len(finite) else 1.0
        self._rng = np.random.default_rng(seed)
        self._runs: list[Run] = []
        self._last_shown: dict[int, int] = {}  # base frame -> last output index showing it
        self._starts: list[int] = []
        first = int(self._rng.integers(0, n))
        self._plan(0, self._playable(first), -1)

    def _playable(self, j: int) -> int:
        """A start frame with room for a cross-fade before its clip ends."""
        tries = 0
        while self._clip_end[j] - j < FADE + 2 and tries < 1000:
            j = int(self._rng.integers(0, len(self.clip_of)))
            tries += 1
        return j

    def _staleness(self, j: int, now: int) -> float:
        """0 for footage not shown in the last RECENT frames, up to 1 for footage just shown."""
        seen = self._last_shown.get(j)
        return 0.0 if seen is None else max(0.0, 1.0 - (now - seen) / RECENT)

    def _plan(self, start_out: int, first: int, fade_from: int) -> None:
        """Append the run starting at ``first`` and decide where it jumps to."""
        end = int(self._clip_end[first])
        room = end - first - 1  # the jump point i needs a frame i + 1 in the clip
        want = min(int(self._rng.integers(MIN_RUN, MAX_RUN + 1)), room)
        for step in range(1, want):  # stop before running into footage shown recently
            if self._staleness(first + step, start_out + step) > MAX_STALE:
                want = max(step - 1, min(FADE + 2, want))
                break
        last = first + max(1, want) - 1
        for f in range(first, last + 1):  # this run's footage counts as just shown
            self._last_shown[f] = start_out + f - first
        options = []
        for i in range(max(first, last - JUMP_WINDOW + 1), last + 1):
            now = start_out + i - first
            for j, c in zip(self.to[i], self.cost[i]):
                if j < 0 or not np.isfinite(c) or self._clip_end[j] - j < FADE + 2:
                    continue
                stale = max(self._staleness(min(int(j) + d, int(self._clip_end[j]) - 1), now + d)
                            for d in (0, 15, 30, 45))  # what the next run would play, not only j
                if stale <= MAX_STALE:  # see MAX_STALE
                    options.append((c / (self._scale + 1e-6) + STALE_COST * stale, i, int(j)))
        if options:
            scores = np.array([o[0] for o in options])
            weights = np.exp(-(scores - scores.min()) / 0.3)
            _, i, j = options[int(self._rng.choice(len(options), p=weights / weights.sum()))]
        else:  # no fresh lookalike: the stalest of a few random frames (the cross-fade softens it)
            now = start_out + last - first
            picks = [self._playable(int(self._rng.integers(0, len(self.clip_of)))) for _ in range(8)]
            i, j = last, min(picks, key=lambda f: self._staleness(f, now))
        self._runs.append(Run(start_out, first, i - first + 1, fade_from, j))
        self._starts.append(start_out)

    def frame(self, n: int) -> tuple[int, int, float]:
        """(base frame a, base frame b, weight of b) for output frame ``n``: show
        ``(1 - w) * a + w * b``. During a cross-fade ``b`` is the new run, ``a`` the old
        continuation."""
        while self._runs[-1].start_out + self._runs[-1].length <= n:
            last = self._runs[-1]
            i = last.first + last.length - 1
            fade_from = i + 1 if i + 1 < self._clip_end[i] else -1
            self._plan(last.start_out + last.length, last.next_first, fade_from)
        r = bisect.bisect_right(self._starts, n) - 1
        run = self._runs[r]
        off = n - run.start_out
        cur = run.first + off
        if run.fade_from >= 0 and off < FADE:
            old = min(run.fade_from + off, int(self._clip_end[run.fade_from]) - 1)
            return old, cur, (off + 1) / (FADE + 1)
        return cur, cur, 0.0
