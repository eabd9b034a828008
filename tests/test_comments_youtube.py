"""YouTube Live chat source against a fake YouTube Data API v3 on loopback.

Shapes from the official reference (developers.google.com/youtube/v3/live/docs):
liveChatMessages.list (pollingIntervalMillis, nextPageToken, offlineAt, liveChatMessage
resources), its documented errors (liveChatNotFound, quotaExceeded, keyInvalid), videos.list
liveStreamingDetails.activeLiveChatId and liveChatMessages.insert. See tests/support/fake_platforms.py.
"""

from __future__ import annotations

import pytest

from support.fake_platforms import FakeYouTube, RecordingShow, wait_for
from twincast.live.comments.config import Backoff, CommentsConfig, Replies, YouTubeSource
from twincast.live.comments.manager import CommentManager

FAST = Backoff(initial_s=0.05, factor=2.0, max_s=0.2, jitter=0.5, reset_after_s=0.0)


@pytest.fixture
def yt():
    fake = FakeYouTube()
    yield fake
    fake.stop()


def start(yt, show, lines, **cfg):
    src = YouTubeSource(video_id="vid123", api_base=yt.api_base, min_poll_s=0.05, **cfg)
    return CommentManager(show, CommentsConfig(sources=[src], backoff=FAST, replies=Replies(enabled=True)),
                          say=lines.append).start()


def test_polls_pages_and_survives_errors_without_duplicates(yt):
    show, lines = RecordingShow(), []
    yt.say("old-1", "UCold", "Early Bird", "asked before the show", published="2020-01-01T00:00:00Z")
    yt.say("m-1", "UCa", "Ann", "how much is the tea?")
    m = start(yt, show, lines, api_key="good-key")
    try:
        wait_for(lambda: len(show.posted) == 1, what="the first comment")
        assert yt.requests[0]["liveChatId"] == "chat-abc" and yt.requests[0]["key"] == "good-key"
        assert yt.requests[0]["part"] == "id,snippet,authorDetails" and "pageToken" not in yt.requests[0]
        wait_for(lambda: any(r.get("pageToken") for r in yt.requests), what="a request with the page token")
        # a server error, then a refused page token: the client starts over from the first page,
        # which replays the recent history (m-1 again): it must not reach the show twice
        yt.fail += [(503, "backendError"), (400, "pageTokenInvalid")]
        yt.say("m-2", "UCb", "Bob", "有没有大码")
        yt.messages.append({"id": "bad", "snippet": {"type": "textMessageEvent"}})  # no authorDetails
        yt.super_chat("sc-1", "UCc", "Cat", 5_000_000, "USD", "does it come in red?")
        wait_for(lambda: len(show.posted) == 3, timeout=15, what="comments after the errors")
        yt.say("m-3", "UCa", "Ann", "thanks!")
        wait_for(lambda: len(show.posted) == 4, what="the last comment")
    finally:
        m.stop()
    assert [(u, t) for _, u, t in show.posted] == [("Ann", "how much is the tea?"), ("Bob", "有没有大码"),
                                                  ("Cat", "does it come in red?"), ("Ann", "thanks!")]
    st = m.status()[0]
    assert st.malformed == 1 and st.gifts_total == 1 and st.reconnects >= 2 and st.duplicates >= 1
    assert [c.user_id for c, _, _ in m.posted] == ["UCa", "UCb", "UCc", "UCa"]
    assert not any("good-key" in x for x in lines)


def test_bad_key_and_closed_chat_stop_the_source(yt):
    show, lines = RecordingShow(), []
    m = start(yt, show, lines, api_key="stolen-or-typo-key")
    try:
        wait_for(lambda: m.status()[0].state == "failed", what="the auth failure")
    finally:
        m.stop()
    st = m.status()[0]
    assert st.last_error_kind == "auth" and "TWINCAST_YOUTUBE_API_KEY" in st.last_error
    assert not any("stolen-or-typo-key" in x for x in lines)
    n = len(yt.requests)
    yt.offline = True
    m = start(yt, RecordingShow(), lines, api_key="good-key")
    try:
        wait_for(lambda: m.status()[0].state == "failed", what="the end of the stream")
    finally:
        m.stop()
    assert m.status()[0].last_error_kind == "closed" and len(yt.requests) == n + 1  # no retries on a closed chat


def test_replies_use_insert_with_the_oauth_token(yt):
    show, lines = RecordingShow(answer=True), []
    m = start(yt, show, lines, oauth_token="good-oauth", reply=True)
    try:
        yt.say("q-1", "UCq", "Quinn", "is it waterproof?")
        wait_for(lambda: yt.inserted, what="the reply")
    finally:
        m.stop()
    snip = yt.inserted[0]["snippet"]
    assert snip["liveChatId"] == "chat-abc" and snip["type"] == "textMessageEvent"
    assert snip["textMessageDetails"]["messageText"] == "[AI host] @Quinn 收到：is it waterproof?"
