"""The composition root: every part of a show is built here, from the configuration.

Why one place: ``say``, ``show``, ``live`` and ``video`` each assembled the answer queue, the
answer engine, the director, the voices per speaker, the stage and the performer by hand, so a
part added to one (a remote voice, the LLM rewriter, a camera rule) never reached the others,
and the parts users could not select stayed unreachable. Each command now loads one
:class:`~twincast.config.models.TwincastConfig` (``--config FILE`` or the defaults), overrides
it with its flags, and asks this module for its parts.

Nothing here runs a show: it only builds objects, so it is cheap to test and to read.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from .avatar.model import AvatarModel
from .clock import MediaClock
from .config.models import TwincastConfig
from .driving.drive import DriveConfig
from .render.stage import Camera, Stage

ROLES = ("host", "assistant")


def config_or_default(config: Optional[TwincastConfig]) -> TwincastConfig:
    return config if config is not None else TwincastConfig()


def load_avatar(config: Optional[TwincastConfig], role: str = "host", path: Optional[Path] = None) -> AvatarModel:
    """The avatar for ``role``: ``path`` (a flag) wins, then the config's, then the demo one;
    the stage's ``relight`` (if set) applies to this render only."""
    from .avatar.defaults import default_assistant_path, default_avatar_path

    cfg = config_or_default(config)
    chosen = path or getattr(cfg.avatars, role).path
    model = AvatarModel.load(chosen or (default_avatar_path() if role == "host" else default_assistant_path()))
    if cfg.stage.relight is not None:
        from .render.relight import check_preset

        model.meta["relight"] = check_preset(cfg.stage.relight)
    return model


def voice_for(model: AvatarModel, config: Optional[TwincastConfig] = None, role: str = "host",
              precision: Optional[str] = None):
    """The :class:`~twincast.voice.router.VoiceRouter` ``model`` speaks with in ``role``: the
    avatar's own ``voices:`` if the config gives them, else the shared section; the avatar's
    voice profile or preset shapes the local voices. ``precision`` (a flag) overrides the file."""
    from .voice.configured import router_from_voices

    cfg = config_or_default(config)
    voices = getattr(cfg.avatars, role).voices or cfg.voices
    key = f"avatars.{role}.voices" if getattr(cfg.avatars, role).voices else "voices"
    if precision is not None and precision != "auto":
        voices = voices.model_copy(update={lang: getattr(voices, lang).model_copy(update={"precision": precision})
                                           for lang in ("zh", "en")})
    return router_from_voices(voices, model.meta.get("voice_preset", "female"),
                              getattr(model, "voice_profile", None), role, key)


def drive_config(config: Optional[TwincastConfig] = None, **overrides) -> DriveConfig:
    """Expression settings (docs/expression.md) from the stage section, flags overriding."""
    cfg = config_or_default(config)
    return DriveConfig(**{"emotion": cfg.stage.emotion, **overrides})


def llm_config(config: Optional[TwincastConfig]):
    """The LLM endpoint (``llm:``) as the show layer's ``LLMConfig``, or None when off."""
    from .config.load import secret
    from .show.llm import LLMConfig

    cfg = config_or_default(config)
    if not cfg.llm.base_url:
        return None
    return LLMConfig(base_url=cfg.llm.base_url, model=cfg.llm.model,
                     api_key=secret(cfg.llm.api_key_env, "llm.api_key_env") or "none", timeout_s=cfg.llm.timeout_s)


def answer_engine(catalog, config: Optional[TwincastConfig] = None):
    """The comment answerer; with ``llm.answers`` its answers are rephrased (and verified)."""
    from .show.answers.engine import AnswerEngine

    llm = llm_config(config)
    phraser = None
    if llm is not None and config_or_default(config).llm.answers:
        from .show.answers.phrasing import AnswerPhraser

        phraser = AnswerPhraser(llm, catalog)
    return AnswerEngine(catalog, phraser=phraser)


def script_writer(catalog, lang: str, config: Optional[TwincastConfig] = None):
    """The script writer; with ``llm.scripts`` its lines are rephrased (and verified)."""
    from .show.scripts import ScriptWriter

    llm = llm_config(config)
    rewriter = None
    if llm is not None and config_or_default(config).llm.scripts:
        from .show.llm import LLMRewriter

        rewriter = LLMRewriter(llm)
    return ScriptWriter(catalog, lang=lang, rewriter=rewriter)


@dataclass(frozen=True)
class ShowParts:
    """Everything a two-host show is made of, built once."""

    actors: dict[str, AvatarModel]
    rundown: object  # show.rundown.Rundown
    queue: object  # AnswerQueue
    answers: object  # AnswerEngine
    director: object  # Director
    routers: dict[str, object]  # speaker -> VoiceRouter
    stage: Stage
    cameras: tuple[Camera, ...]

    def camera(self, wanted: Camera) -> Camera:
        """``wanted`` if the configuration allows it, else the first allowed camera."""
        return wanted if wanted in self.cameras else self.cameras[0]

    def with_camera(self, beat):
        allowed = self.camera(beat.camera)
        return beat if allowed is beat.camera else dataclasses.replace(beat, camera=allowed)

    def next_beats(self, now: float) -> list:
        """The director's next beats, on allowed cameras."""
        return [self.with_camera(b) for b in self.director.next_beats(now)]

    def performer(self, sink, drive: DriveConfig, clock: MediaClock):
        from .show.performance import StagePerformer

        return StagePerformer(self.actors, self.stage, sink, drive, clock)


def show_parts(catalog, host: AvatarModel, assistant: AvatarModel, *, lang: str, size: tuple[int, int],
               config: Optional[TwincastConfig] = None, rundown=None, minutes_each: float = 3.0,
               ai_label: Optional[bool] = None, subtitles: Optional[bool] = None) -> ShowParts:
    """The parts of a show about ``catalog`` with ``host`` and ``assistant`` (offline or live)."""
    from .show.answers.nickname import catalog_terms
    from .show.answers.queue import AnswerQueue
    from .show.director import Director
    from .show.rundown import Rundown

    cfg = config_or_default(config)
    rundown = rundown or Rundown.even(catalog, minutes_each)
    queue = AnswerQueue(avoid=catalog_terms(catalog))  # never read out a product name as a nickname
    director = Director(catalog, rundown, lang, queue, writer=script_writer(catalog, lang, cfg))
    actors = {"host": host, "assistant": assistant}
    routers = {role: voice_for(model, cfg, role) for role, model in actors.items()}
    label = cfg.stage.layout.ai_label if ai_label is None else ai_label
    subs = cfg.stage.layout.subtitles if subtitles is None else subtitles
    layouts = str(cfg.stage.layout.dir) if cfg.stage.layout.dir else None
    stage = Stage(actors, size[0], size[1], ai_label=label, subtitles=subs, layouts=layouts,
                  rooms=dict(cfg.stage.rooms) or None)
    cameras = tuple(Camera(c) for c in cfg.stage.cameras)
    return ShowParts(actors, rundown, queue, answer_engine(catalog, cfg), director, routers, stage, cameras)


def mp4_metadata(title: str, description: Optional[str] = None) -> dict[str, str]:
    from .output.labels import ai_metadata

    meta = ai_metadata(title=title[:80])
    if description:
        meta["description"] = description
    return meta


Listener = Callable[[object], None]


def listen_to_voices(routers: dict, listener: Listener) -> int:
    """Call ``listener(VoiceSwitch)`` whenever a fallback voice in ``routers`` switches; returns
    how many fallback voices there are."""
    from .voice.configured import fallback_voices

    n = 0
    for router in routers.values():
        for voice in fallback_voices(router):
            voice.listeners.append(listener)
            n += 1
    return n
