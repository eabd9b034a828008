"""YouTube Live chat through the YouTube Data API v3.

Official documentation followed (developers.google.com/youtube/v3/live/docs):
``videos.list`` (part=liveStreamingDetails -> ``activeLiveChatId``); ``liveChatMessages.list``
(GET /liveChat/messages, part=id,snippet,authorDetails; poll again after
``pollingIntervalMillis`` with ``pageToken=nextPageToken``; ``offlineAt`` once the stream is
over; 5 quota units a call); its errors (401; 403 forbidden/liveChatDisabled/liveChatEnded/
quotaExceeded/rateLimitExceeded; 404 liveChatNotFound; 400 pageTokenInvalid/keyInvalid); the
liveChatMessage resource (snippet.type textMessageEvent with textMessageDetails.messageText,
superChatEvent with superChatDetails.amountMicros/currency/userComment, snippet.publishedAt,
authorDetails.channelId/displayName); and ``liveChatMessages.insert`` (POST with an OAuth
token of the channel, snippet.liveChatId/type/textMessageDetails.messageText) for replies.
A public chat can be read with an API key; posting always needs the OAuth token.

Why httpx and not google-api-python-client: three calls, all plain JSON over HTTPS; the Google
client would add its discovery documents, httplib2 and google-auth for nothing. The scraping
libraries (pytchat, chat-downloader) read the web page, not the API, and break with it.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime
from typing import Any, Optional

from ...errors import TwincastError
from .config import YouTubeSource as YouTubeConfig, optional_secret
from .source import CommentSource
from .types import Comment, Gift, SourceProblem

STALE_S = 30.0  # history from before the source started is not asked of this show
QUOTA_WAIT_S = 900.0


def _when(stamp: Any) -> Optional[float]:
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


class YouTubeChat(CommentSource):
    platform = "youtube"

    def __init__(self, config: YouTubeConfig) -> None:
        super().__init__(config)
        self.cfg = config
        self.key = optional_secret(config.api_key, "TWINCAST_YOUTUBE_API_KEY")
        self.token = optional_secret(config.oauth_token, "TWINCAST_YOUTUBE_OAUTH_TOKEN")
        if not self.key and not self.token:
            raise TwincastError("youtube: no credentials", "set TWINCAST_YOUTUBE_API_KEY (read a public chat) or "
                                "TWINCAST_YOUTUBE_OAUTH_TOKEN (read and reply)")
        if not config.video_id and not config.live_chat_id:
            raise TwincastError("youtube: no video", "use --comments youtube:VIDEO_ID (the id in the watch URL)")
        self.can_reply = bool(self.token)
        self.chat_id: Optional[str] = config.live_chat_id
        self.page: Optional[str] = None
        self.started = time.time()
        self.polls = 0

    def secrets(self) -> list[str]:
        return [s for s in (self.key, self.token) if s]

    def _auth(self, params: dict) -> tuple[dict, dict]:
        if self.token:
            return params, {"Authorization": f"Bearer {self.token}"}
        return {**params, "key": self.key}, {}

    async def run(self) -> None:
        import httpx

        try:
            async with httpx.AsyncClient(timeout=10.0) as http:
                if not self.chat_id:
                    self.chat_id = await self._find_chat(http)
                while True:
                    wait = await self._poll(http)
                    await asyncio.sleep(wait)
        except httpx.HTTPError as e:
            raise SourceProblem("network", f"YouTube API unreachable: {type(e).__name__}: {e}") from None

    async def _find_chat(self, http) -> str:
        params, headers = self._auth({"part": "liveStreamingDetails", "id": self.cfg.video_id})
        r = await http.get(f"{self.cfg.api_base}/videos", params=params, headers=headers)
        self._check(r)
        items = r.json().get("items") or []
        if not items:
            raise SourceProblem("closed", f"no YouTube video {self.cfg.video_id!r} (check the id)", retry=False)
        chat = (items[0].get("liveStreamingDetails") or {}).get("activeLiveChatId")
        if not chat:
            raise SourceProblem("closed", f"video {self.cfg.video_id} has no active live chat (not live yet, "
                                "or over)", wait_s=30.0)
        return chat

    async def _poll(self, http) -> float:
        """One liveChatMessages.list call; returns how long to wait before the next."""
        q = {"liveChatId": self.chat_id, "part": "id,snippet,authorDetails", "maxResults": 2000}
        if self.page:
            q["pageToken"] = self.page
        params, headers = self._auth(q)
        r = await http.get(f"{self.cfg.api_base}/liveChat/messages", params=params, headers=headers)
        self._check(r)
        try:
            data = r.json()
            items = list(data.get("items") or [])
            interval = float(data.get("pollingIntervalMillis") or 5000) / 1000.0
        except (ValueError, TypeError, AttributeError):
            self.malformed("a liveChatMessages.list response that is not the documented JSON")
            return max(self.cfg.min_poll_s, 5.0)
        self.polls += 1
        self.connected()
        for item in items:
            self._item(item)
        self.page = data.get("nextPageToken") or self.page
        if data.get("offlineAt"):
            raise SourceProblem("closed", f"the stream went offline at {data['offlineAt']}", retry=False)
        return max(self.cfg.min_poll_s, interval)

    def _item(self, item: Any) -> None:
        try:
            mid, sn, au = item["id"], item["snippet"], item["authorDetails"]
            kind, uid, nick = sn["type"], au["channelId"], au.get("displayName") or au["channelId"]
        except (KeyError, TypeError):
            self.malformed("a chat message without id, snippet or authorDetails")
            return
        when = _when(sn.get("publishedAt")) or time.time()
        if when < self.started - STALE_S:
            return
        if kind == "textMessageEvent":
            text = (sn.get("textMessageDetails") or {}).get("messageText") or sn.get("displayMessage") or ""
            self.deliver(Comment("youtube", self.id, mid, uid, nick, text, when, reply_to=mid))
        elif kind in ("superChatEvent", "superStickerEvent"):
            det = sn.get("superChatDetails") or sn.get("superStickerDetails") or {}
            try:
                value = int(det.get("amountMicros", 0)) / 1e6
            except (TypeError, ValueError):
                value = 0.0
            note = det.get("userComment") or ""
            self.deliver(Gift("youtube", self.id, mid, uid, nick, "super_chat" if kind == "superChatEvent"
                              else "super_sticker", 1, value, str(det.get("currency", "")), when, note))
            if note:
                self.deliver(Comment("youtube", self.id, mid + ":text", uid, nick, note, when, reply_to=mid))

    def _check(self, r) -> None:
        if r.status_code < 300:
            return
        try:
            err = r.json().get("error") or {}
            reason = ((err.get("errors") or [{}])[0]).get("reason") or ""
            message = str(err.get("message") or "")[:160]
        except (ValueError, AttributeError, IndexError, TypeError):
            reason, message = "", r.text[:160]
        what = f"HTTP {r.status_code} {reason}: {message}".strip()
        if r.status_code == 401 or reason in ("keyInvalid", "authError", "insufficientPermissions"):
            raise SourceProblem("auth", f"YouTube refused the credentials ({what}); check "
                                "TWINCAST_YOUTUBE_API_KEY / TWINCAST_YOUTUBE_OAUTH_TOKEN", retry=False)
        if reason in ("quotaExceeded", "dailyLimitExceeded"):
            raise SourceProblem("quota", f"YouTube API quota used up ({what})", wait_s=QUOTA_WAIT_S)
        if reason in ("rateLimitExceeded", "userRateLimitExceeded"):
            raise SourceProblem("quota", f"YouTube asks to slow down ({what})", wait_s=10.0)
        if reason == "pageTokenInvalid":
            self.page = None
            raise SourceProblem("protocol", f"page token refused, starting over ({what})")
        if r.status_code == 404 or reason in ("liveChatEnded", "liveChatNotFound", "liveChatDisabled"):
            raise SourceProblem("closed", f"the live chat is closed ({what})", retry=False)
        if r.status_code >= 500:
            raise SourceProblem("network", f"YouTube API error ({what})")
        raise SourceProblem("protocol", f"YouTube API refused the request ({what})", wait_s=30.0)

    async def reply(self, text: str, to: Optional[Comment]) -> None:
        import httpx

        if not self.token:
            raise SourceProblem("config", "posting needs TWINCAST_YOUTUBE_OAUTH_TOKEN (an API key can only read)",
                                retry=False)
        if not self.chat_id:
            raise SourceProblem("network", "no live chat found yet")
        body = {"snippet": {"liveChatId": self.chat_id, "type": "textMessageEvent",
                            "textMessageDetails": {"messageText": text[:200]}}}
        async with httpx.AsyncClient(timeout=10.0) as http:
            r = await http.post(f"{self.cfg.api_base}/liveChat/messages", params={"part": "snippet"}, json=body,
                                headers={"Authorization": f"Bearer {self.token}"})
        self._check(r)
