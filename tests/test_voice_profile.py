"""Voice profiles from real recordings: building, refusing bad input, and converting TTS.

Targets are real people no one on the team recorded: a male radio amateur (Debian
codec2-examples ve9qrp.wav, 112 s, 8 kHz; profile from 0-75 s, held out 75-112 s), a male
reader (two_cities.wav, 48 kHz) and jfk.wav (11 s, too short for a profile).
"""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest
import soundfile as sf

from twincast.errors import TwincastError
from twincast.voice.profile import MIN_SPEECH_S, VoiceProfile, build_profile, load_recording
from twincast.voice.profile import features as ft
from twincast.voice.transform import f0_median

SPLIT_S = 75.0
TEXT = ("Welcome back to our live stream, today we have a great deal on wireless earbuds. "
        "The battery lasts for thirty hours, and shipping is free this week.")


@pytest.fixture(scope="module")
def ve9qrp(tmp_path_factory):
    """(profile part, held-out part) of the long codec2 recording, as files."""
    from twincast.evaluation.reference_media import codec2_wav

    x, sr = sf.read(str(codec2_wav("ve9qrp.wav")), dtype="float32")
    folder = tmp_path_factory.mktemp("ve9qrp")
    build, held = folder / "ve9qrp-build.wav", folder / "ve9qrp-held.wav"
    sf.write(str(build), x[:int(SPLIT_S * sr)], sr)
    sf.write(str(held), x[int(SPLIT_S * sr):], sr)
    return build, held


@pytest.fixture(scope="module")
def profile(ve9qrp):
    return build_profile([ve9qrp[0]])


@pytest.fixture(scope="module")
def piper_speech():
    from twincast.voice.defaults import _english

    return list(_english().synthesize(TEXT, "en"))


@pytest.fixture(scope="module")
def converter(profile):
    from twincast.voice.defaults import _english
    from twincast.voice.profile import ProfileConverter, calibration

    return ProfileConverter(profile, calibration(_english(), "en"))


@pytest.fixture(scope="module")
def converted(converter, piper_speech):
    return [converter(s) for s in piper_speech]


# --- building ---------------------------------------------------------------------------------

def test_profile_from_real_recording(profile, tmp_path):
    meta = profile.meta
    assert 50 <= meta["speech_seconds"] <= SPLIT_S  # silence trimmed
    assert meta["sources"][0]["rate"] == 8000 and 3500 <= profile.bandwidth_hz <= 4000
    assert 80 <= profile.f0_median <= 120  # an adult man
    assert profile.log_mel.shape[0] == meta["frames"] > 5000
    assert 0.2 < profile.voiced.mean() < 0.9
    f1, f2, f3 = meta["formants_hz"]
    assert 300 < f1 < f2 < f3 < 3500
    path = profile.save(tmp_path / "bruce.voice")
    again = VoiceProfile.load(path)
    assert again.name == profile.name and again.meta == profile.meta
    assert np.array_equal(again.log_mel, profile.log_mel)
    assert path.stat().st_size < 3_000_000


def test_stereo_and_rates_accepted(tmp_path):
    from twincast.evaluation.reference_media import two_cities_wav

    x, sr = sf.read(str(two_cities_wav()), dtype="float32")
    assert sr == 48000
    stereo = tmp_path / "stereo48k.wav"
    sf.write(str(stereo), np.stack([x, 0.7 * x], axis=1), sr)
    rec = load_recording(stereo)
    assert rec.channels == 2 and rec.source_rate == 48000
    assert 25 <= rec.speech_seconds <= 40  # 44 s file, pauses trimmed
    mono16 = tmp_path / "mono16k.wav"
    import soxr

    sf.write(str(mono16), soxr.resample(x, sr, 16000), 16000)
    assert abs(load_recording(mono16).speech_seconds - rec.speech_seconds) < 1.5


# --- bad input: every case names the file and says how to fix it ------------------------------

@pytest.fixture(scope="module")
def reading():
    from twincast.evaluation.reference_media import two_cities_wav

    return sf.read(str(two_cities_wav()), dtype="float32")


def _error(paths) -> TwincastError:
    with pytest.raises(TwincastError) as info:
        build_profile([str(p) for p in paths])
    return info.value


def test_too_short_says_how_much(tmp_path):
    from twincast.evaluation.reference_media import jfk_wav

    err = _error([jfk_wav()])
    assert "too short" in err.problem and "jfk.wav" in err.problem
    assert f"at least {MIN_SPEECH_S:.0f} s" in err.problem
    assert "record" in err.fix and "s more" in err.fix


def test_clipped(tmp_path, reading):
    x, sr = reading
    path = tmp_path / "clipped.wav"
    sf.write(str(path), np.clip(x * 30, -1, 1), sr)
    err = _error([path])
    assert "clipped.wav" in err.problem and "clipped" in err.problem
    assert "gain lower" in err.fix


def test_noisy(tmp_path, reading):
    x, sr = reading
    rms = float(np.sqrt(np.mean(x ** 2)))
    noisy = x + np.random.default_rng(0).normal(0, rms, len(x)).astype(np.float32)
    path = tmp_path / "noisy.wav"
    sf.write(str(path), noisy, sr)
    err = _error([path])
    assert "noisy.wav" in err.problem and "too noisy" in err.problem
    assert "quiet room" in err.fix


def test_silent(tmp_path):
    path = tmp_path / "silent.wav"
    quiet = np.random.default_rng(1).normal(0, 1e-5, 16000 * 40).astype(np.float32)
    sf.write(str(path), quiet, 16000)
    err = _error([path])
    assert "silent.wav" in err.problem and "silent" in err.problem
    assert "microphone" in err.fix


def test_not_audio_and_missing(tmp_path):
    bad = tmp_path / "notes.wav"
    bad.write_text("not audio")
    err = _error([bad])
    assert "notes.wav" in err.problem and "ffmpeg" in err.fix
    err = _error([tmp_path / "nowhere.wav"])
    assert "nowhere.wav" in err.problem


def test_one_bad_file_among_good_ones_is_named(tmp_path, ve9qrp, reading):
    x, sr = reading
    path = tmp_path / "take2.wav"
    sf.write(str(path), np.clip(x * 30, -1, 1), sr)
    err = _error([ve9qrp[0], path])
    assert "take2.wav" in err.problem


# --- applying ---------------------------------------------------------------------------------

def _centroid(audio: np.ndarray, sr: int, hi: float = 3800.0) -> float:
    """Spectral centroid (Hz) of the voiced-speech band 100 Hz - ``hi`` (the profile band)."""
    spec = np.abs(np.fft.rfft(audio.reshape(-1, 1024) * np.hanning(1024), axis=1)) ** 2
    freqs = np.fft.rfftfreq(1024, 1 / sr)
    band = (freqs > 100) & (freqs < hi)
    p = spec[:, band].sum(axis=0)
    return float((p * freqs[band]).sum() / p.sum())


def _frames(x: np.ndarray) -> np.ndarray:
    return x[: len(x) // 1024 * 1024]


def test_conversion_moves_spectrum_to_the_person(profile, piper_speech, converted, ve9qrp):
    sr = piper_speech[0].sample_rate
    before = np.concatenate([s.audio for s in piper_speech])
    after = np.concatenate([s.audio for s in converted])
    assert abs(f0_median(after, sr) - profile.f0_median) / profile.f0_median < 0.08
    held, hsr = sf.read(str(ve9qrp[1]), dtype="float32")
    c_tts, c_after = _centroid(_frames(before), sr), _centroid(_frames(after), sr)
    c_target = _centroid(_frames(held), hsr)
    assert abs(c_after - c_target) < 0.5 * abs(c_tts - c_target), (c_tts, c_after, c_target)


def test_conversion_moves_pitch_to_the_person():
    """joe speaks ~20 % lower than the two_cities reader: the profile lifts him to the reader.

    Measured on joe reading the calibration text, i.e. at his usual level: a single sentence
    sits wherever its words and Piper's noise put it (joe's sentence medians spread 81-98 Hz),
    and the map keeps that offset, scaled, so one sentence can end up 3-6 % off the person
    (this test was flaky on one sentence)."""
    from twincast.evaluation.reference_media import two_cities_wav
    from twincast.voice.defaults import _english
    from twincast.voice.profile import ProfileConverter, calibration
    from twincast.voice.profile.apply import CALIBRATION_TEXT

    reader = build_profile([two_cities_wav()])  # 44 s file, ~32 s of speech: just enough
    conv = ProfileConverter(reader, calibration(_english(), "en"))
    speech = list(_english().synthesize(" ".join(CALIBRATION_TEXT["en"]), "en"))
    sr = speech[0].sample_rate
    before = np.concatenate([s.audio for s in speech])
    after = np.concatenate([conv(s).audio for s in speech])
    target, f0_tts, f0_after = reader.f0_median, f0_median(before, sr), f0_median(after, sr)
    assert abs(target - f0_tts) / target > 0.12
    assert abs(f0_after - target) / target < 0.06, (f0_tts, f0_after, target)


def test_pitch_map_keeps_sentence_levels_or_centres_each_utterance(converter):
    """By default a sentence the voice says 10 % above its median stays above the person's
    median by the scaled amount (sentence levels are prosody); with ``centre="utterance"``
    every utterance lands on the person's median. Deterministic, unlike Piper's output."""
    from twincast.voice.profile import ProfileConverter

    rng = np.random.default_rng(0)
    base = np.exp(converter.source.logf0_median)
    scale = converter.profile.logf0_spread / converter.source.logf0_spread
    per_utterance = ProfileConverter(converter.profile, converter.source, centre="utterance")
    for level in (0.9, 1.1):
        f0 = base * level * np.exp(rng.normal(0, 0.15, 401))
        f0[rng.random(401) < 0.4] = 0.0
        for conv, expected in ((converter, level ** scale), (per_utterance, 1.0)):
            out = conv.map_f0(f0)
            assert np.array_equal(out > 0, f0 > 0)
            ratio = np.median(out[out > 0]) / converter.profile.f0_median
            assert ratio == pytest.approx(expected, rel=0.015), (conv.centre, level, ratio)
    with pytest.raises(ValueError):
        ProfileConverter(converter.profile, converter.source, centre="sentence")


def test_length_and_timings_kept(piper_speech, converted):
    for s, c in zip(piper_speech, converted):
        assert len(c.audio) == len(s.audio) and c.sample_rate == s.sample_rate
        assert c.phones == s.phones and c.words == s.words
        assert c.audio.dtype == np.float32 and np.max(np.abs(c.audio)) <= 1.0
        # the words are still where they were: loudness envelopes agree
        hop = s.sample_rate // 100
        n = len(s.audio) // hop
        env = lambda x: np.log(np.mean(x[: n * hop].reshape(n, hop) ** 2, axis=1) + 1e-7)  # noqa: E731
        assert np.corrcoef(env(s.audio), env(c.audio))[0, 1] > 0.85


def test_fast_enough_for_live(converter, piper_speech):
    speech = piper_speech[0]
    start = time.process_time()
    converter(speech)
    rtf = (time.process_time() - start) / speech.duration
    assert rtf < 0.35  # measured ~0.1 on one core


def _proxy_distance(a: np.ndarray, sr_a: int, b: np.ndarray, sr_b: int) -> float:
    """MFCC-style proxy for speaker distance (all that is checked where the real metric is not
    set up): distance between the long-term voiced log-mel envelopes, 100 Hz - 3.8 kHz, level
    removed."""
    def env(x, sr):
        fr = ft.analyse(x, sr)
        lm = ft.log_mel(fr.sp, sr)[fr.f0 > 0][:, : ft.match_bins()]
        e = lm.mean(axis=0)
        return e - e.mean()
    return float(np.sqrt(np.mean((env(a, sr_a) - env(b, sr_b)) ** 2)))


def _joined(piper_speech, converted, ve9qrp):
    held, hsr = sf.read(str(ve9qrp[1]), dtype="float32")
    before = np.concatenate([s.audio for s in piper_speech])
    after = np.concatenate([s.audio for s in converted])
    return before, after, piper_speech[0].sample_rate, held, hsr


def test_closer_to_held_out_audio_proxy(piper_speech, converted, ve9qrp):
    """Judged on the held-out part (75-112 s), never used to build the profile."""
    before, after, sr, held, hsr = _joined(piper_speech, converted, ve9qrp)
    assert _proxy_distance(after, sr, held, hsr) < 0.6 * _proxy_distance(before, sr, held, hsr)


def test_closer_to_held_out_audio_resemblyzer(piper_speech, converted, ve9qrp):
    """The real speaker-similarity metric: resemblyzer 0.1.4's encoder, run in numpy
    (voice/profile/similarity.py; weights extracted by ./run setup)."""
    from twincast.voice.profile import similarity

    if not similarity.available():
        pytest.skip("speaker-similarity weights not set up (./run setup); proxy test only")
    before, after, sr, held, hsr = _joined(piper_speech, converted, ve9qrp)
    enc = similarity.SpeakerEncoder()
    h = enc.embed(held, hsr)
    raw = similarity.cosine(enc.embed(before, sr), h)
    conv = similarity.cosine(enc.embed(after, sr), h)
    assert conv > raw + 0.1, (raw, conv)
    assert conv > 0.7, (raw, conv)


def test_ot_map_moves_gaussians_and_clips_contrast_both_ways():
    """The closed-form map turns one Gaussian frame cloud into the other; the floor and the
    ceiling bound how much any direction of variation may shrink or grow (Mandarin's
    setting: grow never, since the female voice's smoother envelopes made the free map
    amplify analysis noise)."""
    from twincast.voice.profile.convert import gaussian_ot

    rng = np.random.default_rng(7)
    mix = np.linalg.qr(rng.normal(size=(6, 6)))[0]
    xs = rng.normal(size=(4000, 6)) * np.array([1.0, 1, 1, 1, 0.5, 0.5]) @ mix.T
    xt = 3.0 + rng.normal(size=(4000, 6)) * np.array([0.3, 0.3, 1, 1, 1.5, 1.5]) @ mix.T
    ms, mt, a = gaussian_ot(xs, xt)
    moved = (xs - ms) @ a.T + mt
    assert np.allclose(moved.mean(0), xt.mean(0), atol=0.05)
    assert np.allclose(np.cov(moved.T), np.cov(xt.T), atol=0.15)  # the whole cloud, not the mean
    free = np.linalg.eigvalsh((a + a.T) / 2)
    assert free.min() < 0.4 and free.max() > 2.5  # shrinks some directions, grows others
    _, _, a2 = gaussian_ot(xs, xt, floor=0.6, ceiling=1.0)
    w = np.linalg.eigvalsh((a2 + a2.T) / 2)
    assert w.min() == pytest.approx(0.6, abs=1e-6) and w.max() == pytest.approx(1.0, abs=1e-6)
    kept = (xs - ms) @ a2.T + mt
    assert np.allclose(kept.mean(0), xt.mean(0), atol=0.05)  # the average still moves
    assert np.trace(np.cov(kept.T)) < np.trace(np.cov(xs.T)) + 1e-6  # nothing grew


@pytest.mark.slow
def test_mandarin_voice_into_a_male_profile(profile, ve9qrp):
    """The female Mandarin voice into the radio amateur's profile (cross-language, female to
    male): formants scaled down by the formant ratio, pitch at his median, spectrum towards his
    held-out audio, timings kept; with the real metric set up, clearly closer to him."""
    from twincast.voice.defaults import _mandarin
    from twincast.voice.profile import ProfileConverter, calibration, similarity
    from twincast.voice.profile.apply import LANGUAGE_SETTINGS

    engine = _mandarin()
    conv = ProfileConverter(profile, calibration(engine, "zh"), **LANGUAGE_SETTINGS["zh"])
    assert 0.85 <= conv.warp < 0.99, conv.warp  # a longer vocal tract than the voice's
    for _, _, a in conv.ot.values():  # the map may shrink variation, never amplify it
        assert np.linalg.eigvalsh((a + a.T) / 2).max() <= 1.0 + 1e-9
    speech = [s for t in ("大家好，欢迎回到直播间。", "电池可以用三十个小时，充满电大约一个小时。")
              for s in engine.synthesize(t, "zh")]
    out = [conv(s) for s in speech]
    for s, c in zip(speech, out):
        assert len(c.audio) == len(s.audio) and c.phones == s.phones and c.words == s.words
    sr = speech[0].sample_rate
    before = np.concatenate([s.audio for s in speech])
    after = np.concatenate([c.audio for c in out])
    assert f0_median(before, sr) > 1.8 * profile.f0_median  # she speaks an octave above him
    assert abs(f0_median(after, sr) - profile.f0_median) / profile.f0_median < 0.1
    held, hsr = sf.read(str(ve9qrp[1]), dtype="float32")
    c_tts, c_after = _centroid(_frames(before), sr), _centroid(_frames(after), sr)
    c_target = _centroid(_frames(held), hsr)
    assert abs(c_after - c_target) < 0.5 * abs(c_tts - c_target), (c_tts, c_after, c_target)
    if similarity.available():
        enc = similarity.SpeakerEncoder()
        h = enc.embed(held, hsr)
        raw = similarity.cosine(enc.embed(before, sr), h)
        conv_sim = similarity.cosine(enc.embed(after, sr), h)
        assert conv_sim > raw + 0.08, (raw, conv_sim)


def test_cli_build(tmp_path, ve9qrp):
    out = tmp_path / "bruce.voice"
    cmd = [sys.executable, "-m", "twincast.cli", "voice", "build", str(ve9qrp[0]), "-o", str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file() and "built" in proc.stderr
    assert VoiceProfile.load(out).speech_seconds > 50
    bad = subprocess.run(cmd[:5] + [str(tmp_path / "missing.wav"), "-o", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "missing.wav" in bad.stderr and "Traceback" not in bad.stderr
