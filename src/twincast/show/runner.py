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
from ..output.mp4 import mp4_sink
from ..pipeline import prefetch
from ..render.stage import Camera, ProductView
from ..voice.base import Speech
from .answers.types import Comment
from .catalog import Catalog, Product, format_money
from .director import Beat
from .rundown import Rundown


def product_view(catalog: Catalog, p: Product, lang: str) -> ProductView:
    promo = format_money(p.promo_price, p.currency, lang) if p.promo_price else None
    stock = f"库存 {p.stock} 件" if lang == "zh" else f"{p.stock} in stock"
    images = catalog.image_paths(p)
    return ProductView(p.id, p.name.get(lang), format_money(p.price, p.currency, lang), promo, stock,
                       str(images[0]) if images else None)


def assistant_router(model: AvatarModel, config=None):
    """The assistant's voice: its own voice profile if it has one, else the same engines as
    the host with the pitch lifted so viewers can tell the two hosts apart
    (``assembly.voice_for(model, config, "assistant")``)."""
    from ..assembly import voice_for

    return voice_for(model, config, "assistant")


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
             progress: Callable[[float], None] | None = None, drive: DriveConfig = DriveConfig(),
             config=None) -> ShowResult:
    """``drive`` sets expression (``DriveConfig(emotion="excited")``, docs/expression.md);
    ``config`` (a ``TwincastConfig``) chooses voices, LLM, cameras and layout."""
    from ..assembly import show_parts

    out = Path(out)
    started = time.perf_counter()
    parts = show_parts(catalog, host, assistant, lang=lang, size=size, config=config, ai_label=ai_label,
                       rundown=rundown or Rundown.even(catalog, max(minutes / max(len(catalog.products), 1), 0.5)))
    rundown = parts.rundown
    clock = MediaClock(sample_rate=48_000)
    pending = list(comments or [])
    log: list[dict] = []
    end = minutes * 60.0

    def beats() -> Iterator[tuple[Beat, Speech | None]]:
        now = 0.5
        yield Beat("host", "", lang, parts.camera(Camera.WIDE), None, "lead_in"), None
        while now < end:
            while pending and (pending[0].t or 0.0) <= now:
                c = pending.pop(0)
                parts.queue.push(parts.answers.handle(c, on_screen=rundown.product_at(now), lang=None))
            next_beats = parts.next_beats(now)
            if not next_beats:
                return
            for beat in next_beats:
                log.append({"t": round(now, 2), "speaker": beat.speaker, "camera": beat.camera.value,
                            "kind": beat.kind, "product": beat.product_id, "text": beat.text})
                for speech in parts.routers[beat.speaker].synthesize(beat.text, beat.lang):
                    yield beat, speech
                    now += clock.frames_for_samples(len(speech.audio)) / clock.fps

    with mp4_sink(out, size[0], size[1], clock, ai_metadata(title=f"twincast show ({lang})")) as sink:
        performer = parts.performer(sink, drive, clock)
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
    out.with_suffix(".beats.json").write_text(json.dumps(log, ensure_ascii=False, indent=1), encoding="utf-8")
    return ShowResult(out, performer.frame / clock.fps, performer.frame, time.perf_counter() - started, log)
