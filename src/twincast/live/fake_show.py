"""A small in-process :class:`~twincast.live.api.ShowControl` for tests and for working on the
web layer without the real engine (which needs avatars, voices and most of a CPU core).

Why it encodes real media: the viewer page is only proven if a real browser decodes real
H.264/AAC in FLV. Each frame carries its wall-clock capture time as a row of 32 black/white
cells (milliseconds mod 2**32), so the page can measure glass-to-glass latency by reading the
cells back from the decoded picture (``/?latency=1``).

The host "answers" every allowed comment by echoing it as a ``say`` event after a short delay,
and a tiny word list plays the moderator, so chat, answers and analytics have real traffic.
Like the engine should, it reads stock through the shop once given one (``use_stock``) and says
the remaining stock in its ``stock_line``; ``images`` (product id -> path) and ``catalog_dir``
stand in for a catalog's pictures and folder.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable, Optional

import av
import numpy as np

from .api import EventHub, ProductInfo
from .events import CommentEvent, OperatorEvent, ProductEvent, SayEvent, StreamEvent
from .outputs import FlvTagSplitter

STAMP_BITS, STAMP_CELL, STAMP_TOP, STAMP_H = 32, 11, 8, 16
REPEAT_AFTER_S = 0.2  # like the engine: further behind than this, the last frame is repeated
BLOCKED = ("spam", "加微信", "http://", "https://", "傻")


def default_products() -> list[ProductInfo]:
    return [
        ProductInfo("tea", 1, "西湖龙井 250g", 168.0, 128.0, "CNY", 500, None),
        ProductInfo("cup", 2, "保温杯 500ml", 99.0, None, "CNY", 200, None),
        ProductInfo("fan", 3, "USB 小风扇", 39.9, 29.9, "CNY", 0, None),
    ]


def stamp_cells(ms: int) -> list[int]:
    """Bits of ``ms`` (mod 2**32), most significant first: the same order the page reads."""
    v = int(ms) % (1 << STAMP_BITS)
    return [(v >> (STAMP_BITS - 1 - i)) & 1 for i in range(STAMP_BITS)]


class FakeShow(EventHub):
    """Implements ShowControl with generated frames, a tone and an echoing host.

    ``calls`` records every operator call, so tests can check what the console did."""

    def __init__(self, products: Optional[list[ProductInfo]] = None, *, width: int = 360, height: int = 640,
                 fps: int = 25, sample_rate: int = 48_000, answer_delay: float = 0.3, autostart: bool = False,
                 images: Optional[dict[str, Path]] = None, catalog_dir: Optional[Path] = None,
                 answer_every: float = 0.0) -> None:
        self._products = list(products or default_products())
        self._images = dict(images or {})
        self._catalog_dir = catalog_dir
        self._remaining: Optional[Callable[[str], Optional[int]]] = None
        self.width, self.height, self.fps, self.sample_rate = width, height, fps, sample_rate
        self.answer_delay = answer_delay
        # answer_every > 0: like a real host, at most one spoken answer per answer_every seconds
        # (while on air), for every waiting comment with the oldest waiting text; 0: echo each
        self.answer_every = answer_every
        self._waiting: list[tuple[int, str, str, float]] = []
        self._last_answer = 0.0
        self.calls: list[tuple[str, tuple]] = []
        self.frames = 0
        self.dropped_frames = 0  # frames repeated because the loop was > REPEAT_AFTER_S behind
        self.muted = False
        self.camera: Optional[str] = None
        self.banner: Optional[str] = None
        self.status = "ready"
        self._product_i = 0
        self._ids = itertools.count(1)
        EventHub.__init__(self)
        self._flv = FlvTagSplitter()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._lock = threading.Lock()
        if autostart:
            self.start()

    # ---- media ------------------------------------------------------------------------------
    def _frame(self, i: int, ms: int) -> np.ndarray:
        h, w = self.height, self.width
        img = np.empty((h, w, 3), np.uint8)
        img[:] = (40 + (i * 2) % 120, 60, 110)
        y = (i * 8) % (h - 40)
        img[y:y + 40, :, :] = (230, 200, 60)  # a moving bar: motion the decoder must follow
        img[STAMP_TOP - 4:STAMP_TOP + STAMP_H + 4, :, :] = 128
        for b, bit in enumerate(stamp_cells(ms)):
            x = 4 + b * STAMP_CELL
            img[STAMP_TOP:STAMP_TOP + STAMP_H, x:x + STAMP_CELL] = 255 if bit else 0
        return img

    def _run(self) -> None:
        container = av.open(self._flv, "w", format="flv")
        v = container.add_stream("libx264", rate=self.fps)
        v.width, v.height, v.pix_fmt = self.width, self.height, "yuv420p"
        v.codec_context.options = {"preset": "ultrafast", "tune": "zerolatency", "g": str(self.fps), "crf": "23"}
        a = container.add_stream("aac", rate=self.sample_rate)
        a.layout = "mono"
        spf = self.sample_rate // self.fps
        t0 = time.monotonic()
        n = 0
        img = None
        try:
            while not self._stop.is_set():
                delay = t0 + n / self.fps - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                ms = int(time.time() * 1000)
                if img is not None and delay < -REPEAT_AFTER_S:
                    self.dropped_frames += 1  # repeat: what starved the loop shows up here
                else:
                    img = self._frame(n, ms)
                vf = av.VideoFrame.from_ndarray(img, format="rgb24")
                vf.pts = n
                tone = np.sin(2 * np.pi * 440 * (np.arange(spf) + n * spf) / self.sample_rate) * 0.1
                samples = (np.zeros(spf) if self.muted else tone).astype(np.float32)[None, :]
                af = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
                af.sample_rate, af.pts = self.sample_rate, n * spf
                for p in v.encode(vf):
                    container.mux(p)
                for p in a.encode(af):
                    container.mux(p)
                n += 1
                self.frames = n
                if self.answer_every > 0:
                    self._answer_waiting()
        finally:
            try:
                container.close()
            except Exception:  # noqa: BLE001 - the stream is over either way
                pass
            self._flv.close()
            self.status = "stopped"
            self.emit(StreamEvent(state="stopped"))
            self.close_events()  # like the engine: end of events

    # ---- events -----------------------------------------------------------------------------
    def media_time(self) -> float:
        return self.frames / self.fps

    def _answer_waiting(self) -> None:
        """One spoken answer for all waiting comments that share the oldest one's text."""
        now = time.monotonic()
        if not self._waiting or now - self._last_answer < self.answer_every:
            return
        with self._lock:
            self._waiting = [w for w in self._waiting if now - w[3] < 60.0]  # stale questions expire
            if not self._waiting:
                return
            text = self._waiting[0][2]
            group = [w for w in self._waiting if w[2] == text]
            self._waiting = [w for w in self._waiting if w[2] != text]
        self._last_answer = now
        names = " ".join(f"@{w[1]}" for w in group[:3])
        self.emit(SayEvent(speaker="host", text=f"{names} 收到：{text}", line="answer", product=self.current_product,
                           camera="host", answers=tuple(w[0] for w in group)))

    def _answer(self, cid: int, user: str, text: str) -> None:
        reply = f"@{user} 收到：{text}"
        self.emit(SayEvent(speaker="host", text=reply, line="answer", product=self.current_product,
                           camera="host", answers=(cid,)))

    @property
    def current_product(self) -> Optional[str]:
        return self._products[self._product_i % len(self._products)].id if self._products else None

    # ---- ShowControl: viewers -------------------------------------------------------------
    def post_comment(self, user: str, text: str) -> dict[str, Any]:
        cid = next(self._ids)
        blocked = any(w in text.lower() for w in BLOCKED)
        action, reason = ("silent", "spam") if blocked else ("answer", None)
        reply = None if blocked else f"@{user} 收到：{text}"
        self.emit(CommentEvent(id=cid, user=user, text=text, action=action, reason=reason, intent=None,
                               product=self.current_product))
        if not blocked and self.answer_every > 0:
            with self._lock:
                self._waiting.append((cid, user, text, time.monotonic()))
                del self._waiting[:-1000]  # bounded: the oldest give way
        elif not blocked:
            timer = threading.Timer(self.answer_delay, self._answer, (cid, user, text))
            timer.daemon = True
            timer.start()
        return {"id": cid, "action": action, "reason": reason, "intent": None,
                "product_id": self.current_product, "reply": reply}

    def products(self) -> list[ProductInfo]:
        return [self._live(p) for p in self._products]

    def _live(self, p: ProductInfo) -> ProductInfo:
        left = self._remaining(p.id) if self._remaining else None
        if left is None:
            return p
        return ProductInfo(p.id, p.link, p.name, p.price, p.promo_price, p.currency, left, p.image_url)

    def use_stock(self, remaining: Callable[[str], Optional[int]]) -> None:
        """The shop's live stock (``Shop.remaining_stock``); None from it means: the catalog's."""
        self._remaining = remaining

    def stock_line(self, product_id: Optional[str] = None) -> str:
        """What the host says about stock: the remaining count, like the engine's stock lines."""
        pid = product_id or self.current_product
        p = next(self._live(p) for p in self._products if p.id == pid)
        return f"{p.name}库存还有{p.stock}件" if p.stock > 0 else f"{p.name}已经卖完了"

    def product_image(self, product_id: str) -> Optional[Path]:
        return self._images.get(product_id)

    def catalog_dir(self) -> Optional[Path]:
        return self._catalog_dir

    def on_air(self) -> dict[str, Any]:
        return {"product": self.current_product, "camera": self.camera or "wide", "speaker": "host",
                "subtitle": None, "status": self.status, "t": round(self.media_time(), 3), "frames": self.frames,
                "late_frames": 0, "dropped_frames": self.dropped_frames, "muted": self.muted,
                "forced_camera": self.camera, "banner": self.banner}

    # ---- ShowControl: operator --------------------------------------------------------------
    def start(self) -> None:
        self.calls.append(("start", ()))
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._stop.clear()
            if self._flv.closed:  # a restart: a fresh stream with its own headers
                self._flv = FlvTagSplitter()
            self.status = "on_air"
            self._thread = threading.Thread(target=self._run, name="fake-show", daemon=True)
            self._thread.start()
        self.emit(StreamEvent(state="on_air"))

    def stop(self) -> None:
        self.calls.append(("stop", ()))
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)

    def skip_product(self) -> None:
        self.calls.append(("skip_product", ()))
        self._product_i += 1
        self.emit(ProductEvent(product=self.current_product))
        self.emit(OperatorEvent(action="skip"))

    def reorder(self, product_ids: list[str]) -> None:
        self.calls.append(("reorder", (list(product_ids),)))
        by_id = {p.id: p for p in self._products}
        ids = [i for i in product_ids if i in by_id]
        self._products = [by_id[i] for i in ids] + [p for p in self._products if p.id not in ids]
        self._product_i = 0
        self.emit(OperatorEvent(action="reorder", products=tuple(ids)))

    def pin_comment(self, text: str) -> None:
        self.calls.append(("pin_comment", (text,)))
        self.banner = text.strip()[:60] or None
        self.emit(OperatorEvent(action="pin", text=self.banner))

    def say_next(self, text: str, speaker: str = "host") -> None:
        self.calls.append(("say_next", (text, speaker)))
        self.emit(OperatorEvent(action="say", text=text))
        self.emit(SayEvent(speaker=speaker, text=text, line="operator", product=self.current_product, camera="host"))

    def switch_camera(self, camera: Optional[str]) -> None:
        self.calls.append(("switch_camera", (camera,)))
        self.camera = camera
        self.emit(OperatorEvent(action="camera", camera=camera))

    def mute(self, muted: bool) -> None:
        self.calls.append(("mute", (muted,)))
        self.muted = bool(muted)
        self.emit(OperatorEvent(action="mute", muted=self.muted))

    def play_clip(self, path: str) -> None:
        self.calls.append(("play_clip", (path,)))
        self.emit(OperatorEvent(action="clip_queued", path=path))

    # ---- ShowControl: media and events ---------------------------------------------------------
    def subscribe_flv(self) -> queue.Queue:
        return self._flv.subscribe()

    def unsubscribe_flv(self, q: queue.Queue) -> None:
        self._flv.unsubscribe(q)
