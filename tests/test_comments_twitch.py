"""Twitch chat source against a fake Twitch IRC-over-WebSocket server on loopback.

Message shapes from Twitch's official docs: dev.twitch.tv/docs/chat/irc ("IRC Concepts":
PASS/NICK/JOIN, PING/PONG, NOTICE "Login authentication failed"), /docs/irc/tags (PRIVMSG tags
id, user-id, display-name, tmi-sent-ts, bits) and /docs/irc/send-receive-messages (replies with
``@reply-parent-msg-id``). See tests/support/fake_platforms.py.
"""

from __future__ import annotations

import pytest

from support.fake_platforms import FakeTwitch, RecordingShow, wait_for
from twincast.live.comments.config import Backoff, CommentsConfig, Replies, TwitchSource
from twincast.live.comments.manager import CommentManager
from twincast.live.comments.twitch import parse_line

FAST = Backoff(initial_s=0.05, factor=2.0, max_s=0.2, jitter=0.5, reset_after_s=0.0)


@pytest.fixture
def twitch():
    fake = FakeTwitch()
    yield fake
    fake.stop()


def manager(fake, show, lines, *, token=None, reply=False, replies=False):
    cfg = TwitchSource(channel="shopchan", url=fake.url, nick="shopbot" if token else None,
                       oauth_token=token, reply=reply)
    conf = CommentsConfig(sources=[cfg], backoff=FAST, replies=Replies(enabled=replies))
    return CommentManager(show, conf, say=lines.append).start()


def test_parse_line_unescapes_tags():
    tags, prefix, cmd, params = parse_line(
        r"@display-name=Ann\sLee;id=abc :ann!ann@ann.tmi.twitch.tv PRIVMSG #shopchan :hello :) there")
    assert tags["display-name"] == "Ann Lee" and tags["id"] == "abc"
    assert (prefix, cmd, params) == ("ann!ann@ann.tmi.twitch.tv", "PRIVMSG", ["#shopchan", "hello :) there"])


def test_comments_reach_the_show_once_across_a_reconnect(twitch, monkeypatch):
    show, lines = RecordingShow(), []
    monkeypatch.delenv("TWINCAST_TWITCH_OAUTH_TOKEN", raising=False)
    m = manager(twitch, show, lines)
    try:
        wait_for(lambda: twitch.clients, what="the client joining")
        assert twitch.logins[0].startswith("justinfan")  # anonymous: read only
        assert any(x.startswith("CAP REQ :twitch.tv/tags") for x in twitch.received)
        twitch.push(FakeTwitch.privmsg("m-1", "ann", "这个多少钱", display="安妮"),
                    "PING :tmi.twitch.tv",
                    "@badge-info=;display-name=bob :bob!bob@bob.tmi.twitch.tv PRIVMSG #shopchan :no id tag",
                    FakeTwitch.privmsg("m-2", "bob", "does it ship to Canada?", user_id="42"))
        wait_for(lambda: len(show.posted) == 2, what="two comments")
        wait_for(lambda: "PONG :tmi.twitch.tv" in twitch.received, what="the PONG")
        twitch.drop()  # the server restarts; the client must come back by itself
        wait_for(lambda: len(twitch.logins) >= 2 and twitch.clients, what="the reconnect")
        twitch.push(FakeTwitch.privmsg("m-2", "bob", "does it ship to Canada?", user_id="42"),  # replayed
                    FakeTwitch.privmsg("m-3", "cat", "有黑色吗", bits=100))  # a cheer: a gift and a comment
        wait_for(lambda: len(show.posted) == 3, what="the third comment")
        wait_for(lambda: m.status()[0].duplicates == 1, what="the duplicate counted")
    finally:
        m.stop()
    assert [(u, t) for _, u, t in show.posted] == [("安妮", "这个多少钱"), ("bob", "does it ship to Canada?"),
                                                  ("cat", "有黑色吗")]
    st = m.status()[0]
    assert st.messages_total == 3 and st.malformed == 1 and st.reconnects >= 1 and st.gifts_total == 1
    assert [c.user_id for c, _, _ in m.posted] == ["713936733", "42", "713936733"]
    assert any("malformed" in x for x in lines) and any("reconnecting" in x for x in lines)


def test_bad_token_stops_the_source_with_one_clear_line_and_no_secret(twitch):
    show, lines = RecordingShow(), []
    q = show.subscribe_events()
    m = manager(twitch, show, lines, token="wrong-secret-token")
    try:
        wait_for(lambda: m.status()[0].state == "failed", what="the auth failure")
        logins = len([x for x in twitch.received if x.startswith("PASS ")])
    finally:
        m.stop()
    assert logins == 1, "an auth failure must not be retried"
    st = m.status()[0]
    assert st.last_error_kind == "auth" and "TWINCAST_TWITCH_OAUTH_TOKEN" in st.last_error
    assert len([x for x in lines if "auth problem" in x]) == 1
    assert not any("wrong-secret-token" in x for x in lines)
    events = []
    while not q.empty():
        ev = q.get()
        if ev is not None and ev.kind == "source":
            events.append(ev.data)
    assert any(e["state"] == "failed" and e["problem"] == "auth" for e in events)
    assert not any("wrong-secret-token" in str(e) for e in events)


def test_answers_go_back_labelled_as_ai_and_threaded(twitch):
    show, lines = RecordingShow(answer=True), []
    m = manager(twitch, show, lines, token="good-token", reply=True, replies=True)
    try:
        wait_for(lambda: twitch.clients, what="the login")
        assert "PASS oauth:good-token" in twitch.received and "NICK shopbot" in twitch.received
        twitch.push(FakeTwitch.privmsg("q-77", "ann", "how long is shipping?"))
        sent = wait_for(lambda: [x for x in twitch.received if " PRIVMSG #shopchan :" in x], what="the reply")
    finally:
        m.stop()
    assert sent[0] == "@reply-parent-msg-id=q-77 PRIVMSG #shopchan :[AI host] @ann 收到：how long is shipping?"
    assert m.status()[0].replies_sent == 1


def test_a_suspended_channel_is_a_closed_room_reported_once(twitch, monkeypatch):
    show, lines = RecordingShow(), []
    monkeypatch.delenv("TWINCAST_TWITCH_OAUTH_TOKEN", raising=False)
    m = manager(twitch, show, lines)
    try:
        wait_for(lambda: twitch.clients, what="the join")
        twitch.push("@msg-id=msg_channel_suspended :tmi.twitch.tv NOTICE #shopchan "
                    ":This channel does not exist or has been suspended.")
        wait_for(lambda: m.status()[0].last_error_kind == "closed", what="the closed room")
    finally:
        m.stop()
    st = m.status()[0]
    assert "suspended" in st.last_error and st.reconnects == 1  # retried, but only after a minute
    assert len([x for x in lines if "closed problem" in x]) == 1
