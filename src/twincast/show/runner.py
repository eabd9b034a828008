"""``twincast show``: a complete show rendered offline, from catalog to MP4.

The beat generator runs in a synthesis thread a little ahead of the renderer: it feeds timed
viewer comments to the answer engine when the show clock reaches them, asks the director for
the next beats, and synthesises each sentence with the speaker's voice. Because every sentence
is padded to whole frames, the generator's clock is exactly the renderer's clock.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from ..avatar.model import AvatarModel
from ..clock import MediaClock
from ..driving.drive import DriveConfig
from ..output.labels import ai_metadata
from ..output.mp4 import Mp4Writer
from ..output.threaded import ThreadedSink
from ..pipeline import prefetch
from ..render.stage import Camera, ProductView, Stage
from ..voice.base import Speech
from .answers.engine import AnswerEngine
from .answers.nickname import catalog_terms
from .answers.queue import AnswerQueue
from .answers.types import Comment
from .catalog import Catalog, Product, format_money
from .director import Beat, Director
from .rundown import Rundown

ASSISTANT_PITCH = {"zh": 265.0, "en": 235.0}  # a brighter voice than the host's, same engines


def product_view(catalog: Catalog, p: Product, lang: str) -> ProductView:
    promo = format_money(p.promo_price, p.currency, lang) if p.promo_price else None
    stock = f"库存 {p.stock} 件" if lang == "zh" else f"{p.stock} in stock"
    images = catalog.image_paths(p)
    return ProductView(p.id, p.name.get(lang), format_money(p.price, p.currency, lang), promo, stock,
                       str(images[0]) if images else None)


def assistant_router(model: AvatarModel):
    """The assistant's voice: its own voice profile if it has one, else the same engines as
    the host with the pitch lifted so viewers can tell the two hosts apart."""
    from ..voice.defaults import router_for_avatar
    from ..voice.transform import change_voice

    router = router_for_avatar(model)
    if getattr(model, "voice_profile", None) is not None:
        return router
    for lang, pitch in ASSISTANT_PITCH.items():
        base = router.transforms.get(lang)

        def lifted(speech: Speech, base=base, pitch=pitch) -> Speech:
            return change_voice(base(speech) if base else speech, pitch_median_hz=pitch, formant_ratio=1.06)

        router.transforms[lang] = lifted
    return router


@dataclass
class ShowResult:
    path: Path
    duration: float
    frames: int
    wall_seconds: float
    beats: list[dict] = field(default_factory=list)

    @property
    def rtf(self) -> float:
        return self.wall_seconds / max(self.duration, 1e-6)


def load_comments(path: str | Path) -> list[Comment]:
    """JSON lines: {"t": seconds, "user": "...", "text": "..."} (t = show time)."""
    out = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            out.append(Comment(str(row.get("user", f"viewer{i}")), str(row["text"]), float(row.get("t", 0))))
    return sorted(out, key=lambda c: c.t or 0.0)


def run_show(catalog: Catalog, host: AvatarModel, assistant: AvatarModel, out: str | Path, minutes: float = 5.0,
             lang: str = "zh", rundown: Rundown | None = None, comments: list[Comment] | None = None,
             size: tuple[int, int] = (720, 1280), ai_label: bool = True,
             progress: Callable[[float], None] | None = None, drive: DriveConfig = DriveConfig()) -> ShowResult:
    """``drive`` sets expression (``DriveConfig(emotion="excited")``, docs/expression.md)."""
    from ..voice.defaults import router_for_avatar

    out = Path(out)
    started = time.perf_counter()
    rundown = rundown or Rundown.even(catalog, max(minutes / max(len(catalog.products), 1), 0.5))
    queue = AnswerQueue(avoid=catalog_terms(catalog))  # never read out a product name as a nickname
    engine = AnswerEngine(catalog)
    director = Director(catalog, rundown, lang, queue)
    routers = {"host": router_for_avatar(host), "assistant": assistant_router(assistant)}
    clock = MediaClock(sample_rate=48_000)
    pending = list(comments or [])
    log: list[dict] = []
    end = minutes * 60.0

    def beats() -> Iterator[tuple[Beat, Speech | None]]:
        now = 0.5
        yield Beat("host", "", lang, Camera.WIDE, None, "lead_in"), None
        while now < end:
            while pending and (pending[0].t or 0.0) <= now:
                c = pending.pop(0)
                queue.push(engine.handle(c, on_screen=rundown.product_at(now), lang=None))
            next_beats = director.next_beats(now)
            if not next_beats:
                return
            for beat in next_beats:
                log.append({"t": round(now, 2), "speaker": beat.speaker, "camera": beat.camera.value,
                            "kind": beat.kind, "product": beat.product_id, "text": beat.text})
                for speech in routers[beat.speaker].synthesize(beat.text, beat.lang):
                    yield beat, speech
                    now += clock.frames_for_samples(len(speech.audio)) / clock.fps

    stage = Stage({"host": host, "assistant": assistant}, *size, ai_label=ai_label)
    writer = Mp4Writer(out, size[0], size[1], clock, ai_metadata(title=f"twincast show ({lang})"))
    sink = ThreadedSink(writer)
    from .performance import StagePerformer

    try:
        performer = StagePerformer({"host": host, "assistant": assistant}, stage, sink, drive, clock)
        if progress:
            performer.on_frame = lambda n: progress(n / clock.fps)
        views: dict[str, ProductView] = {}
        for (beat, speech), _ in prefetch(beats()):
            view = None
            if beat.product_id:
                view = views.setdefault(beat.product_id, product_view(catalog, catalog.get(beat.product_id), lang))
            if speech is None:
                performer.perform(beat.speaker, None, beat.camera, view, seconds=0.5)
            else:
                performer.perform(beat.speaker, speech, beat.camera, view, speech.text.strip())
        sink.join()
    except BaseException:
        writer.abort()
        raise
    writer.close()
    out.with_suffix(".beats.json").write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
    return ShowResult(out, performer.frame / clock.fps, performer.frame, time.perf_counter() - started, log)
