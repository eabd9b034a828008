"""Short videos rendered for real and decoded back: size, duration, audio, AI label metadata,
SRT timing against the decoded speech, captions and lower thirds drawn where expected, the
presenter animated, and the music ducked under speech (measured on the output's audio)."""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
import soundfile as sf
import yaml

from twincast.video.captions import parse_srt
from twincast.video.spec import VideoOptions

pytestmark = pytest.mark.slow
TONE_HZ = 60.0  # the test's "music": a pure low tone, far below the voices' pitch


def decode(path: Path) -> tuple[dict, list[np.ndarray], np.ndarray]:
    """(info, RGB frames, mono float audio at 48 kHz)."""
    frames, audio = [], []
    with av.open(str(path)) as c:
        v, a = c.streams.video[0], c.streams.audio[0]
        info = {"width": v.codec_context.width, "height": v.codec_context.height, "duration": c.duration / 1e6,
                "rate": a.codec_context.sample_rate, "meta": dict(c.metadata)}
        for f in c.decode(video=0):
            frames.append(f.to_ndarray(format="rgb24"))
    with av.open(str(path)) as c:
        for f in c.decode(audio=0):
            audio.append(f.to_ndarray().mean(axis=0))
    return info, frames, np.concatenate(audio).astype(np.float32)


def lock_in(x: np.ndarray, sr: int, hz: float) -> float:
    t = np.arange(len(x)) / sr
    return float(2 * np.abs(np.mean(x * np.exp(-2j * np.pi * hz * t))))


@pytest.fixture(scope="module")
def tour(tmp_path_factory, grace_model):
    from twincast.video.listing import sample_listing_path
    from twincast.video.render import render_video
    from twincast.video.templates import storyboard

    tmp = tmp_path_factory.mktemp("tour")
    rooms = sample_listing_path("en").parent / "rooms"
    listing = {"lang": "en", "title": "Flat 1", "price": 1200000, "area_m2": 60, "layout": "2 bedrooms",
               "neighbourhood": "A quiet street.", "rooms": [
                   {"name": "Living room", "photo": str(rooms / "living-room.jpg")},
                   {"name": "Kitchen", "photo": str(rooms / "kitchen.jpg"), "area_m2": 9}]}
    (tmp / "listing.yaml").write_text(yaml.safe_dump(listing), encoding="utf-8")
    sr = 48000
    sf.write(tmp / "tone.wav", 0.3 * np.sin(2 * np.pi * TONE_HZ * np.arange(sr * 3) / sr), sr)
    options = VideoOptions(aspect="9:16", music=str(tmp / "tone.wav"), max_scenes=3)
    board = storyboard("property-tour", tmp / "listing.yaml", options)
    result = render_video(board, tmp / "tour.mp4", options, grace_model)
    return board, result, decode(result.path)


def test_tour_file_is_a_labelled_vertical_video_with_sound(tour):
    board, result, (info, frames, audio) = tour
    assert (info["width"], info["height"]) == (720, 1280) == (result.width, result.height)
    assert len(frames) == result.frames and info["duration"] == pytest.approx(result.duration, abs=0.1)
    assert 8 < result.duration < 30 and result.scenes == 3
    assert info["rate"] == 48000 and len(audio) / 48000 == pytest.approx(result.duration, abs=0.1)
    assert info["meta"].get("ai_generated") == "true"
    assert json.loads(info["meta"]["AIGC"])["Label"] == "1" and info["meta"]["ai_content_id"]
    assert not Path(str(result.path) + ".part").exists()


def test_srt_cues_match_the_decoded_speech(tour):
    from scipy.signal import butter, sosfiltfilt

    board, result, (info, frames, audio) = tour
    cues = parse_srt(result.srt.read_text(encoding="utf-8"))
    assert [c.text for c in cues] == [c.text for c in result.cues] and len(cues) >= 3
    assert "".join(c.text for c in cues).replace(" ", "") in board.text.replace(" ", "") or \
        all(c.text.replace(" ", "") in board.text.replace(" ", "") for c in cues)
    speech = sosfiltfilt(butter(4, 150, "highpass", fs=48000, output="sos"), audio)  # the 60 Hz music removed
    hop = 480
    rms = np.sqrt(np.mean(speech[: len(speech) // hop * hop].reshape(-1, hop) ** 2, axis=1))
    active = rms > 0.02
    onset = np.argmax(active) * hop / 48000
    assert cues[0].start == pytest.approx(onset, abs=0.15), "the first caption starts with the first sound"
    for c in cues:
        seg = active[int(c.start * 100):int(c.end * 100)]
        assert seg.mean() > 0.5, f"cue {c.text!r} lies over speech"
    gaps = [(a.end, b.start) for a, b in zip(cues, cues[1:]) if b.start - a.end > 0.5]
    assert gaps, "scene changes leave pauses between captions"
    for a, b in gaps:
        assert active[int(a * 100) + 15:int(b * 100) - 5].mean() < 0.3, "no captions where nobody speaks"


def test_captions_and_lower_third_are_drawn(tour):
    from twincast.video.render import SceneDrawer

    board, result, (info, frames, audio) = tour
    w, h = 720, 1280
    drawer = SceneDrawer(None, w, h)  # the renderer's own text and placement
    for cue in result.cues[:4]:
        patch, x, y = drawer.caption(cue.text)
        pw, ph = patch.size
        frame = frames[int((cue.start + cue.end) / 2 * 25)]
        solid = patch.alpha[..., 0] == 255
        white = solid & (patch.rgb.min(axis=2) > 240)
        dark = solid & (patch.rgb.max(axis=2) < 40)
        region = frame[y:y + ph, x:x + pw].astype(int).mean(axis=2)
        assert region[white].mean() > 200 and region[dark].mean() < 90, f"caption {cue.text!r} is on screen"
    scene = board.scenes[1]  # the living room: lower third with the room name, after its slide-in
    start = int(result.cues[[i for i, c in enumerate(result.cues) if "living room" in c.text.lower()][0]].start * 25)
    lt, x, y = drawer.lower_third(scene)
    frame = frames[start + 5].astype(int)  # slide-in done (10 frames after the scene began ~0.3 s earlier)
    panel = frame[y:y + lt.size[1], x:x + lt.size[0]]
    ink = (lt.alpha[..., 0] == 255) & (lt.rgb.max(axis=2) < 60)
    paper = (lt.alpha[..., 0] > 200) & (lt.rgb.min(axis=2) > 240)
    assert panel[paper].mean() > 220 and panel[ink].mean() < 110


def test_full_frame_presenter_moves_only_the_face(tour, grace_model):
    from twincast.video.layers import Presenter, presenter_spot

    board, result, (info, frames, audio) = tour
    assert board.scenes[0].avatar == "full"
    p = Presenter(grace_model, presenter_spot("full", 720, 1280), 720, 1280)
    x0, y0, x1, y1 = p.frame_rect()
    first_cue = result.cues[0]
    a, b = int(first_cue.start * 25) + 8, int(first_cue.end * 25) - 2
    stack = np.stack([f.astype(np.int16) for f in frames[a:b]])
    motion = np.abs(np.diff(stack, axis=0)).mean(axis=(0, 3))
    face = motion[y0:y1, x0:x1].mean()
    backdrop = motion[: y0 - 20, :].mean()
    assert face > 0.8 and face > 5 * backdrop, "the face talks, the full-frame backdrop stays still"


def test_music_is_ducked_under_speech(tour):
    board, result, (info, frames, audio) = tour
    sr = 48000
    reference = 0.1 * 10 ** (-6 / 20) * np.sqrt(2)  # the tone normalised to -20 dBFS RMS, then -6 dB
    under = [lock_in(audio[int(a * sr):int(b * sr)], sr, TONE_HZ) for a, b in result.speech_spans if b - a > 0.4]
    pauses = []
    for (a0, a1), (b0, b1) in zip(result.speech_spans, result.speech_spans[1:]):
        if b0 - a1 > 0.6:
            mid = (a1 + b0) / 2 + 0.1
            pauses.append(lock_in(audio[int((mid - 0.1) * sr):int((mid + 0.1) * sr)], sr, TONE_HZ))
    assert under and pauses
    duck_db = 20 * np.log10(np.median(under) / reference)
    lift_db = 20 * np.log10(np.median(pauses) / np.median(under))
    print(f"music under speech {duck_db:.1f} dB re. its set level; pauses {lift_db:.1f} dB above speech")
    assert duck_db < -12, "music drops at least 12 dB under speech (set: -15 dB)"
    assert lift_db > 5, "and comes back up in the pauses between scenes"


@pytest.fixture(scope="module")
def promo(tmp_path_factory, grace_model):
    from twincast.video.render import render_video
    from twincast.video.templates import storyboard

    options = VideoOptions(aspect="16:9", lang="en", product="thermos", max_scenes=2, music="auto")
    board = storyboard("product-promo", None, options)
    out = tmp_path_factory.mktemp("promo") / "promo.mp4"
    result = render_video(board, out, options, grace_model)
    return board, result, decode(out)


def test_product_promo_is_landscape_with_music_bed_and_pip_presenter(promo, grace_model):
    from twincast.video.layers import Presenter, presenter_spot

    board, result, (info, frames, audio) = promo
    assert (info["width"], info["height"]) == (1280, 720) and len(frames) == result.frames
    assert [s.avatar for s in board.scenes] == ["full", "pip"]
    assert result.srt.is_file() and len(parse_srt(result.srt.read_text(encoding="utf-8"))) == len(result.cues)
    sr = 48000
    gap = [(a1, b0) for (_, a1), (b0, _) in zip(result.speech_spans, result.speech_spans[1:]) if b0 - a1 > 0.6]
    a1, b0 = gap[0]
    bed = audio[int((a1 + 0.35) * sr):int((b0 - 0.05) * sr)]
    assert np.sqrt(np.mean(bed ** 2)) > 0.01, "the procedural music bed plays between scenes"
    import cv2

    from twincast.render.factory import renderer_for

    p = Presenter(grace_model, presenter_spot("pip", 1280, 720), 1280, 720)
    x0, y0, x1, y1 = p.frame_rect()
    r = renderer_for(grace_model)
    neutral = r.render(np.zeros(len(r.controls), np.float32), with_mask=True)
    side = p.face_side
    want = cv2.cvtColor(cv2.resize(neutral, (side, side)), cv2.COLOR_RGB2GRAY)[: y1 - y0, : x1 - x0].astype(float)
    person = cv2.resize(r.mask, (side, side))[: y1 - y0, : x1 - x0] > 200
    k = int((result.cues[-1].start + 0.3) * 25)
    for f in frames[k:k + 50:10]:  # the B-roll pans behind, the face stays the presenter's
        got = cv2.cvtColor(f[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).astype(float)
        assert np.corrcoef(got[person], want[person])[0, 1] > 0.8, "the picture-in-picture presenter is there"
    assert info["meta"].get("ai_generated") == "true"
