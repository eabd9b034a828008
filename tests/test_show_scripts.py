"""Script writer: an hour of unattended loop never repeats a line, every line is compliant and
every number in it is the catalog's; the optional LLM rewrite is used only when it passes the
fact check (tested against a fake OpenAI-compatible server on 127.0.0.1)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from twincast.show.catalog import Catalog
from twincast.show.catalog_io import load_catalog
from twincast.show.compliance import check
from twincast.show.facts import product_facts, untraceable
from twincast.show.llm import LLMConfig, LLMRewriter, validate_rewrite
from twincast.show.script_templates import SEGMENTS
from twincast.show.scripts import ScriptWriter, speaking_seconds


@pytest.fixture(scope="module")
def catalog():
    return load_catalog()


def _hour(writer: ScriptWriter, product_ids=None):
    lines, it = [], writer.loop(product_ids)
    while writer.clock < 3600:
        lines.append(next(it))
    return lines


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_an_hour_of_script_never_repeats_and_stays_grounded(catalog, lang):
    writer = ScriptWriter(catalog, lang, seed=7)
    lines = _hour(writer)
    texts = [ln.text for ln in lines]
    assert sum(ln.seconds for ln in lines) >= 3600 - 60
    assert len(lines) > 400  # a realistic pace: ~8 s a line
    assert len(texts) == len(set(texts)), "a line repeated within the hour"
    assert {ln.segment for ln in lines} == set(SEGMENTS)
    for ln in lines:
        assert check(ln.text, lang, allow=[p.name.get(lang) for p in catalog.products]).ok
        if ln.product_id:
            facts = product_facts(catalog.get(ln.product_id))
            if ln.next_product_id:
                facts.merge(product_facts(catalog.get(ln.next_product_id)))
            assert untraceable(ln.text, None, facts) == [], ln.text


def test_single_product_loop_still_never_repeats(catalog):
    """With one product every deck is dealt often: the window check must hold anyway."""
    one = Catalog.model_validate({"products": [catalog.get("thermos").model_dump()]})
    writer = ScriptWriter(one, "zh", seed=3)
    texts = [ln.text for ln in _hour(writer)]
    assert len(texts) == len(set(texts))


def test_speaking_rate_estimates():
    assert 2.0 < speaking_seconds("家人们，这款保温杯今天到手价¥89。", "zh") < 5.0
    assert 2.0 < speaking_seconds("Here's the price: normally ¥129, today it's ¥89.", "en") < 5.0


# ------------------------------------------------------------------ optional LLM rewrite
class _FakeOpenAI(BaseHTTPRequestHandler):
    replies: list = []
    delay = 0.0

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length", 0))
        json.loads(self.rfile.read(length))
        time.sleep(self.delay)
        content = self.replies.pop(0) if self.replies else "ok"
        if content == "HTTP500":
            self.send_response(500)
            self.end_headers()
            return
        body = json.dumps({"id": "x", "object": "chat.completion",
                           "choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture()
def fake_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOpenAI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeOpenAI.replies, _FakeOpenAI.delay = [], 0.0
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()
    server.server_close()


def test_llm_rewrite_used_only_when_facts_check_out(catalog, fake_server):
    pro = catalog.get("earbuds-pro")
    template = "价格来了：日常价¥399，今天直播间到手价¥259。"
    _FakeOpenAI.replies = [
        "日常卖¥399的耳机，今天直播间只要¥259。",  # same facts, new words: accepted
        "今天只要¥199，买到就是赚到！",  # invented price
        "到手价¥259，还免费送一副耳机！",  # invented gift/free claim
        "这是全网最低价¥259！",  # absolute term
        "HTTP500",  # server error
        "The price is ¥259 today.",  # wrong language
    ]
    rw = LLMRewriter(LLMConfig(base_url=fake_server, model="fake", timeout_s=2.0))
    results = [rw.rewrite(template, pro, "zh") for _ in range(6)]
    assert results[0] == "日常卖¥399的耳机，今天直播间只要¥259。"
    assert results[1:] == [None] * 5
    assert (rw.accepted, rw.rejected) == (1, 4)  # the HTTP error is neither


def test_llm_timeout_falls_back_fast(catalog, fake_server):
    _FakeOpenAI.delay = 3.0
    rw = LLMRewriter(LLMConfig(base_url=fake_server, model="fake", timeout_s=0.5))
    writer = ScriptWriter(catalog, "zh", seed=1, rewriter=rw)
    t0 = time.monotonic()
    line = writer.next_line("price_reveal", catalog.get("thermos"))
    assert time.monotonic() - t0 < 2.5
    assert line is not None and line.source == "template" and "¥89" in line.text


def test_writer_uses_accepted_rewrites(catalog, fake_server):
    thermos = catalog.get("thermos")
    _FakeOpenAI.replies = ["保温杯日常价¥129，今天到手只要¥89。"]
    writer = ScriptWriter(catalog, "zh", seed=1, rewriter=LLMRewriter(LLMConfig(fake_server, "fake", timeout_s=2)))
    line = writer.next_line("price_reveal", thermos)
    assert line.source == "llm" and line.text == "保温杯日常价¥129，今天到手只要¥89。"


def test_validate_rewrite_reasons(catalog):
    jacket = catalog.get("down-jacket")
    text, reasons = validate_rewrite("保修3年，30天无理由退货", "售后方面，吊牌完好可退换。", jacket, "zh")
    assert text is None and any("numbers not in the catalog" in r for r in reasons)
    text, reasons = validate_rewrite("90%白鸭绒，蓬松度650，又轻又暖。", "90%白鸭绒，蓬松度650，轻又暖。", jacket, "zh")
    assert text and not reasons
