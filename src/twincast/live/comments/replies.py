"""The host's spoken answers, posted back as text to the chats the questions came from.

Off by default (``comments.replies.enabled`` and each source's ``reply``), because a platform
may treat an app that posts as a bot needing review, and an operator must choose that. When on:
- only where the platform's official API lets this app post (Twitch PRIVMSG with the account's
  token, YouTube ``liveChatMessages.insert`` with the channel's OAuth token; Bilibili's open
  platform offers apps no way to send danmaku, so a Bilibili source never replies);
- always labelled as AI (the prefix must say so: config refuses one that does not);
- rate-limited per source (``rate``) below what the platforms tolerate (Twitch closes the
  connection of an account that sends too fast); an answer over the limit is skipped, counted
  and reported as a ``reply`` event, never queued for later (it would arrive out of context).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from limits import parse_many, storage, strategies

from .config import Replies
from .events import ReplyEvent
from .source import redact
from .types import Comment, SourceProblem

if TYPE_CHECKING:
    from .manager import CommentManager

log = logging.getLogger("twincast.live.comments")


class Replier:
    def __init__(self, manager: "CommentManager", cfg: Replies) -> None:
        self.m, self.cfg = manager, cfg
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())
        self._rules = parse_many(cfg.rate)
        self.skipped = 0

    def text_for(self, answer: str) -> str:
        body = " ".join(answer.split())
        out = self.cfg.prefix + body
        return out if len(out) <= self.cfg.max_chars else out[: self.cfg.max_chars - 1] + "…"

    def answered(self, answer: str, cids: list[int]) -> None:
        """A spoken line answered the show's comments ``cids``: post it to each platform source
        (once per source, threaded under the first question where the platform can)."""
        by_source: dict[str, list[tuple[int, Comment]]] = {}
        for cid in cids:
            c = self.m.origin(int(cid))
            if c is not None:
                by_source.setdefault(c.source, []).append((int(cid), c))
        for sid, items in by_source.items():
            src = self.m.source(sid)
            if src is None or not src.config.reply or not src.can_reply:
                continue
            ids = tuple(cid for cid, _ in items)
            if not all(self._limiter.test(r, "reply", sid) for r in self._rules):
                self.skipped += 1
                self.m._emit(ReplyEvent(source=sid, platform=src.platform, text="", answers=ids, ok=False,
                                        error=f"over the reply rate {self.cfg.rate}"))
                continue
            for r in self._rules:
                self._limiter.hit(r, "reply", sid)
            self.m.run_coroutine(self._send(src, self.text_for(answer), items[0][1], ids))

    async def _send(self, src, text: str, to: Comment, ids: tuple[int, ...]) -> None:
        try:
            await src.reply(text, to)
        except SourceProblem as p:
            msg = redact(p.message, src.secrets())
            self.m._say(f"comments {src.id}: reply not posted: {msg}")
            self.m._emit(ReplyEvent(source=src.id, platform=src.platform, text=text, answers=ids, ok=False, error=msg))
            return
        except Exception as e:  # noqa: BLE001 - a failed reply must never reach the show
            msg = redact(f"{type(e).__name__}: {e}", src.secrets())
            self.m._say(f"comments {src.id}: reply not posted: {msg}")
            self.m._emit(ReplyEvent(source=src.id, platform=src.platform, text=text, answers=ids, ok=False, error=msg))
            return
        self.m._stats[src.id].replies += 1
        self.m._emit(ReplyEvent(source=src.id, platform=src.platform, text=text, answers=ids, ok=True))
