"""Optional LLM phrasing of answers (issue 17 item 9) against a fake OpenAI-compatible server on
loopback that sometimes invents facts.

The fake follows the Chat Completions response shape of the OpenAI API reference
(POST /v1/chat/completions -> {"id", "object": "chat.completion", "created", "model",
"choices": [{"index", "message": {"role": "assistant", "content"}, "finish_reason"}], "usage"}).
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from twincast.show.answers import AnswerEngine, Comment
from twincast.show.answers.phrasing import AnswerPhraser, verify
from twincast.show.catalog_io import load_catalog
from twincast.show.llm import LLMConfig


class _Fake(BaseHTTPRequestHandler):
    mode = "faithful"
    seen: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).seen.append(body)
        facts = body["messages"][1]["content"].split("Facts: ", 1)[1].split("\nViewer comment:", 1)[0]
        content = {
            "faithful": "好的亲，" + facts,
            "invented_price": facts + "今天再减50元，只要¥9.9！",
            "flipped": facts.replace("不发货", "可以发货").replace("卖完", "有货"),
            "invented_region": facts + "香港也能发。",
            "superlative": "全网最低价！" + facts,
        }[type(self).mode]
        if type(self).mode == "slow":
            time.sleep(3)
        out = {"id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
               "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}}
        data = json.dumps(out, ensure_ascii=False).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):  # quiet
        pass


@pytest.fixture(scope="module")
def server():
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Fake)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/v1"
    srv.shutdown()
    srv.server_close()


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _engine(catalog, url, timeout=8.0):
    return AnswerEngine(catalog, phraser=AnswerPhraser(LLMConfig(base_url=url, model="fake", timeout_s=timeout), catalog))


@pytest.mark.parametrize("mode,used", [("faithful", True), ("invented_price", False), ("flipped", False),
                                       ("invented_region", False), ("superlative", False)])
def test_only_traceable_phrasings_are_spoken(server, catalog, mode, used):
    _Fake.mode = mode
    engine = _engine(catalog, server)
    for text, screen in (("能发台湾吗", "thermos"), ("多少钱", "air-fryer")):
        d = engine.handle(Comment(f"u-{mode}-{text}", text, 0.0), on_screen=screen)
        assert d.action == "answer"
        if mode == "flipped" and text == "多少钱":
            continue  # nothing to flip in a price line: the fake returns it unchanged
        assert (d.phrasing == "llm") == used, (mode, d.reply)
        if not used:  # the deterministic reply, untouched
            assert "9.9" not in d.reply and "可以发货" not in d.reply and "香港也能发" not in d.reply
    sent = _Fake.seen[-1]["messages"][1]["content"]
    assert "Facts:" in sent and "多少钱" in sent  # the model gets the facts and the comment, nothing else


def test_a_dead_or_slow_endpoint_keeps_the_template(catalog, server):
    d = _engine(catalog, "http://127.0.0.1:9/v1", timeout=1.0).handle(Comment("x", "多少钱", 0.0), on_screen="thermos")
    assert d.action == "answer" and d.phrasing == "template" and "¥89" in d.reply
    _Fake.mode = "slow"
    t0 = time.perf_counter()
    d = _engine(catalog, server, timeout=0.5).handle(Comment("y", "多少钱", 0.0), on_screen="thermos")
    assert d.phrasing == "template" and "¥89" in d.reply and time.perf_counter() - t0 < 2.5


def test_verifier_rules(catalog):
    facts = "香港暂时不发货。"
    assert verify("抱歉亲，香港暂时不发货哦。", facts, "zh", catalog)[0] is not None
    assert "yes/no changed" in verify("香港可以发货。", facts, "zh", catalog)[1]
    assert any("number" in r for r in verify("香港暂时不发货，运费10元。", facts, "zh", catalog)[1])
    assert any("regions" in r for r in verify("香港和澳门暂时不发货。", facts, "zh", catalog)[1])
    assert any("not in zh" in r for r in verify("We don't ship to Hong Kong.", facts, "zh", catalog)[1])
