"""Encode once, deliver everywhere: recording, RTMP push and the viewer page's FLV feed.

One H.264 + AAC encoder pair lives in the *recording* container (fragmented MP4, readable even
if the process dies mid-stream). Its packets are copied into every other output. Extra outputs
are opened only after the first packet has reached the recording, because only then do the
encoders' parameter sets (extradata) exist for the FLV headers. The RTMP output reconnects on
its own after a server drop, resumes at the next keyframe and reports the gap; the recording
never waits for it.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import av
import cv2
import numpy as np

from ..clock import MediaClock

log = logging.getLogger("twincast.live")


@dataclass(frozen=True)
class StreamPreset:
    width: int
    height: int
    video_kbps: int
    audio_kbps: int = 128
    x264_preset: str = "veryfast"
    # x264 threads; 0: x264's own choice (1.5 per core, sliced with zerolatency). One thread
    # for the sizes packed two rooms to a 2-core node: the same encode in ~5 % less CPU (no
    # slice threads to hand work to and wait for, one slice per frame), and each room's
    # encoder is one thread the scheduler can place instead of three fighting the other room's
    # renderer. The encoder runs in its own thread behind a queue, so a frame taking one
    # thread ~7-12 ms instead of being split costs no latency that matters.
    x264_threads: int = 0


PRESETS = {
    "720x1280": StreamPreset(720, 1280, 2500, x264_preset="superfast", x264_threads=1),
    "1080x1920": StreamPreset(1080, 1920, 4500, x264_preset="superfast"),
    # tests only (the contract test drives the real engine): a quarter of the pixels of 720x1280
    "360x640": StreamPreset(360, 640, 800, x264_preset="ultrafast", x264_threads=1),
}


def stream_preset(size: str, encoder: str | None = None) -> StreamPreset:
    """The preset for a frame size, with the x264 speed preset a config file chose
    (``outputs.encoder``); ``None`` keeps the size's own."""
    preset = PRESETS[size]
    return replace(preset, x264_preset=encoder) if encoder else preset


def _copy(packet: av.Packet, stream) -> av.Packet:
    """A muxer takes ownership of a packet's data, so each output gets its own copy."""
    q = av.Packet(bytes(packet))
    q.pts, q.dts, q.time_base = packet.pts, packet.dts, packet.time_base
    q.is_keyframe = packet.is_keyframe
    q.stream = stream
    return q


class FlvTagSplitter:
    """Cuts a muxer's byte stream into whole FLV tags and fans them out to subscribers.

    Parsing the tags (instead of trusting which packet was passed to ``mux``) is what makes
    joining mid-stream safe: a subscriber gets the header (FLV header, metadata and the
    AVC/AAC sequence headers) and then tags from the next video keyframe, whatever the muxer's
    interleaving buffered. Subscribers that fall more than ``max_queue`` tags behind are
    dropped (``None``) rather than slowing the encoder down.
    """

    def __init__(self, max_queue: int = 500) -> None:
        self.header = b""
        self._buf = b""
        self._header_done = False
        self._subs: dict[queue.Queue, bool] = {}
        self._lock = threading.Lock()
        self.max_queue = max_queue
        self.closed = False

    def write(self, data) -> int:
        self._buf += bytes(data)
        if not self.header and len(self._buf) >= 13:
            self.header, self._buf = self._buf[:13], self._buf[13:]  # 9-byte header + PreviousTagSize0
        while len(self._buf) >= 11:
            size = int.from_bytes(self._buf[1:4], "big")
            end = 11 + size + 4
            if len(self._buf) < end:
                break
            tag, self._buf = self._buf[:end], self._buf[end:]
            self._tag(tag)
        return len(data)

    def flush(self) -> None:
        pass

    def _tag(self, tag: bytes) -> None:
        kind, body = tag[0] & 0x1F, tag[11:13]
        is_seq = (kind == 9 and len(body) > 1 and body[1] == 0) or (kind == 8 and len(body) > 1 and body[1] == 0)
        if not self._header_done and (kind == 18 or is_seq):
            self.header += tag
            return
        self._header_done = True
        key = kind == 9 and (body[0] >> 4) == 1
        with self._lock:
            for q, started in list(self._subs.items()):
                if not started:
                    if not key:
                        continue
                    self._subs[q] = True
                    q.put(self.header)
                if q.qsize() > self.max_queue:
                    q.put(None)
                    del self._subs[q]
                    continue
                q.put(tag)

    def subscribe(self) -> queue.Queue:
        q: queue.Queue = queue.Queue()
        with self._lock:
            self._subs[q] = False
        return q

    def unsubscribe(self, q: queue.Queue) -> None:
        with self._lock:
            self._subs.pop(q, None)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            for q in self._subs:
                q.put(None)
            self._subs.clear()


class FlvBroadcast:
    """An in-memory FLV muxer feeding a :class:`FlvTagSplitter`: the viewer page's stream."""

    def __init__(self, max_queue: int = 500) -> None:
        self.splitter = FlvTagSplitter(max_queue)
        self.container = None
        self.map: dict = {}

    def open(self, template_streams, metadata: dict[str, str] | None = None) -> None:
        self.container = av.open(self.splitter, "w", format="flv", options={"flush_packets": "1"})
        for k, v in (metadata or {}).items():
            self.container.metadata[k] = v
        self.map = {s: self.container.add_stream_from_template(s) for s in template_streams}

    def mux(self, packet: av.Packet) -> None:
        self.container.mux(_copy(packet, self.map[packet.stream]))

    def subscribe(self) -> queue.Queue:
        return self.splitter.subscribe()

    def unsubscribe(self, q: queue.Queue) -> None:
        self.splitter.unsubscribe(q)

    def close(self) -> None:
        self.splitter.close()
        if self.container is not None:
            try:
                self.container.close()
            except Exception:  # noqa: BLE001 - nothing left to deliver to
                pass


class RtmpOutput:
    """Pushes to an RTMP URL; on any failure it closes, retries every second in the
    background, and resumes at the next keyframe. ``on_event`` gets 'up'/'down' with times."""

    def __init__(self, url: str, on_event: Callable[[str, dict], None] | None = None,
                 retry_s: float = 1.0) -> None:
        self.url = url
        self.on_event = on_event or (lambda kind, data: None)
        self.retry_s = retry_s
        self._templates: list = []
        self._container = None
        self._map: dict = {}
        self._need_key = True
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._down_since: float | None = None
        self._metadata: dict[str, str] = {}
        self._announced = False
        self.gaps: list[tuple[float, float]] = []
        self._thread: threading.Thread | None = None

    @property
    def up(self) -> bool:
        return self._container is not None and self._down_since is None and self._announced

    def start(self, template_streams, metadata: dict[str, str] | None = None) -> None:
        self._templates = list(template_streams)
        self._metadata = dict(metadata or {})
        self._thread = threading.Thread(target=self._connect_loop, name="rtmp-connect", daemon=True)
        self._thread.start()

    def _connect_loop(self) -> None:
        while not self._stop.is_set():
            if self._container is None:
                try:
                    c = av.open(self.url, "w", format="flv", timeout=(3.0, 3.0))
                    for k, v in self._metadata.items():  # the AI label travels in onMetaData
                        c.metadata[k] = v
                    m = {s: c.add_stream_from_template(s) for s in self._templates}
                    with self._lock:
                        self._container, self._map, self._need_key = c, m, True
                except Exception as exc:  # noqa: BLE001 - server down: keep trying
                    self._mark_down(str(exc))
            self._stop.wait(self.retry_s)

    def _mark_down(self, error: str) -> None:
        if self._down_since is None:
            self._down_since = time.time()
            log.warning("RTMP output down: %s", error)
            self.on_event("down", {"url": self.url, "error": error})

    def _mark_up(self) -> None:
        """Called after a packet really went out: only then is the server known to be back."""
        now = time.time()
        if self._down_since is not None:
            self.gaps.append((self._down_since, now))
            log.warning("RTMP reconnected after %.1f s", now - self._down_since)
            self._down_since = None
        self._announced = True
        self.on_event("up", {"url": self.url})

    def mux(self, packet: av.Packet) -> None:
        with self._lock:
            c = self._container
            if c is None:
                return
            if self._need_key:
                if not (packet.stream.type == "video" and packet.is_keyframe):
                    return
            try:
                c.mux(_copy(packet, self._map[packet.stream]))
            except Exception as exc:  # noqa: BLE001 - server dropped us
                self._container = None
                self._mark_down(str(exc))
                try:
                    c.close()
                except Exception:  # noqa: BLE001
                    pass
                return
            if self._need_key:
                self._need_key = False
                self._mark_up()

    def close(self) -> None:
        self._stop.set()
        with self._lock:
            c, self._container = self._container, None
        if c is not None:
            try:
                c.close()
            except Exception:  # noqa: BLE001
                pass


# Recording flush: a fragment at least every FRAGMENT_US (and at every keyframe), each written
# through to the file at once (flush_packets), so a killed show loses at most ~1 s. Without
# frag_duration fragments only closed at keyframes, every 2 s, and the last one sat in the I/O
# buffer: a SIGKILL lost 3-4 s.
FRAGMENT_US = 1_000_000
RECORDING_OPTIONS = {"movflags": "frag_keyframe+empty_moov+default_base_moof+use_metadata_tags",
                     "frag_duration": str(FRAGMENT_US), "flush_packets": "1"}


def open_recording(path: Path):
    """The fragmented-MP4 recording container; a clear error when the folder is not writable."""
    from ..output.paths import writable_output

    writable_output(path, "--record-dir")
    return av.open(str(path), "w", format="mp4", options=dict(RECORDING_OPTIONS))


ENCODE_QUEUE = 6  # frames (and audio chunks) in flight to the encoder thread: ~0.1 s, more when rendering ahead


class LiveEncoder:
    """H.264 (zerolatency, 2 s GOP) + AAC 48 kHz; the recording holds the encoders."""

    def __init__(self, recording: str | Path, preset: StreamPreset, clock: MediaClock,
                 metadata: dict[str, str], extra: list | None = None, ahead: int = 0) -> None:
        """``ahead``: how many frames the caller may hand over before their due time (the
        live engine's render-ahead); the queue holds them, and the encoder thread waits for
        each frame's due time (:meth:`frame`) before encoding it."""
        self.clock = clock
        self.preset = preset
        self.recording_path = Path(recording)
        self.rec = open_recording(self.recording_path)
        for k, v in metadata.items():
            self.rec.metadata[k] = v
        v = self.rec.add_stream("libx264", rate=clock.fps)
        v.width, v.height, v.pix_fmt = preset.width, preset.height, "yuv420p"
        v.time_base = clock.video_time_base
        kbps = preset.video_kbps
        v.codec_context.options = {"preset": preset.x264_preset, "tune": "zerolatency", "g": str(2 * clock.fps),
                                   "keyint_min": str(2 * clock.fps), "sc_threshold": "0", "b": f"{kbps}k",
                                   "maxrate": f"{kbps}k", "bufsize": f"{2 * kbps}k", "profile": "main",
                                   **({"threads": str(preset.x264_threads)} if preset.x264_threads else {})}
        a = self.rec.add_stream("aac", rate=clock.sample_rate)
        a.layout, a.bit_rate, a.time_base = "stereo", preset.audio_kbps * 1000, clock.audio_time_base
        self.video, self.audio = v, a
        self.extra = list(extra or [])  # FlvBroadcast / RtmpOutput, opened after the first packet
        self.metadata = dict(metadata)
        self._opened = False
        self._lock = threading.Lock()
        self.frames = 0  # submitted (the media clock's position), not yet necessarily encoded
        self.samples = 0
        # x264 runs in its own thread so the render loop only hands frames over: encoding in
        # the render thread left too little of the 40 ms frame budget for two avatars
        self._jobs: queue.Queue = queue.Queue(maxsize=ENCODE_QUEUE + 2 * max(0, ahead))
        self._failed: BaseException | None = None
        self._worker = threading.Thread(target=self._encode_loop, name="live-encode", daemon=True)
        self._worker.start()

    def _deliver(self, packets) -> None:
        for p in packets:
            self.rec.mux(_copy(p, p.stream))
            if not self._opened:
                self._opened = True
                for out in self.extra:
                    (out.open if isinstance(out, FlvBroadcast) else out.start)([self.video, self.audio], self.metadata)
            for out in self.extra:
                out.mux(p)

    def _encode_loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            kind, data, pts, due = job
            if due is not None:  # rendered ahead: out at its due time, as if rendered just then
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
            try:
                if kind == "video":
                    f = av.VideoFrame.from_ndarray(cv2.cvtColor(data, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
                    f.pts, f.time_base = pts, self.clock.video_time_base
                    with self._lock:
                        self._deliver(self.video.encode(f))
                else:
                    f = av.AudioFrame.from_ndarray(np.ascontiguousarray(np.stack([data, data])), format="fltp",
                                                   layout="stereo")
                    f.sample_rate, f.pts, f.time_base = self.clock.sample_rate, pts, self.clock.audio_time_base
                    with self._lock:
                        self._deliver(self.audio.encode(f))
            except BaseException as exc:  # noqa: BLE001 - reported to the render loop
                self._failed = exc
                log.exception("live encoder failed")

    def _submit(self, job: tuple) -> None:
        if self._failed is not None:
            raise RuntimeError(f"the live encoder stopped: {self._failed}") from self._failed
        self._jobs.put(job)

    def frame(self, rgb: np.ndarray, due: float | None = None) -> None:
        """Queue a frame; ``due`` (``time.monotonic()``): not encoded (nor sent) before then."""
        self._submit(("video", rgb, self.frames, due))  # the caller never reuses a submitted array
        self.frames += 1

    def audio_chunk(self, mono: np.ndarray, due: float | None = None) -> None:
        """Queue audio; ``due`` as for :meth:`frame` (a frame's audio goes out with it)."""
        if len(mono) == 0:
            return
        pcm = np.clip(mono, -1, 1).astype(np.float32)
        self._submit(("audio", pcm, self.samples, due))
        self.samples += len(pcm)

    def close(self) -> None:
        if self._worker.is_alive():
            self._jobs.put(None)  # after every frame already handed over
            self._worker.join()
        with self._lock:
            try:
                self._deliver(self.video.encode(None))
                self._deliver(self.audio.encode(None))
            finally:
                self.rec.close()
                for out in self.extra:
                    out.close()
