"""Expression driven by REAL synthesised selling speech (the avatar's own voice router, English
and Mandarin): accents land on stressed, louder syllables, brows rise on them, nods gather at
phrase ends, questions tilt the head, positive words smile, and two minutes of it never repeat
themselves. Accents are checked against sources the driver does not use: espeak's lexical
stress marks for English and loudness measured here from the audio."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.driving.drive import DriveConfig, controls_for, perform_track
from twincast.driving.prosody import FUNCTION_EN, FUNCTION_ZH, loudness_db, speech_cues
from twincast.driving.stats import high_pass, peaks, periodicity

pytestmark = pytest.mark.slow
FPS = 25
QUESTIONS = {"en": "Do you want the blue one or the black one?", "zh": "这款颜色是不是很好看呢？"}
POSITIVE = {"en": "Free gift today, an amazing deal!", "zh": "今天下单还送一个超值的福利赠品！"}


def _script(lang: str, seconds: float) -> list[str]:
    from twincast.show.catalog_io import load_catalog
    from twincast.show.scripts import ScriptWriter

    cat = load_catalog()
    writer = ScriptWriter(cat, lang, seed=5)
    lines, total = [], 0.0
    for p in cat.products:
        for line in writer.block(p):
            lines.append(line.text)
            total += line.seconds
            if total >= seconds:
                return lines
    return lines


@pytest.fixture(scope="module")
def router():
    from twincast.voice.defaults import router_for

    return router_for("female")


@pytest.fixture(scope="module")
def selling(router) -> dict[str, list]:
    """About 60 s of catalog selling lines per language, one Speech per sentence."""
    return {lang: [s for text in _script(lang, 55) for s in router.synthesize(text, lang)] for lang in ("en", "zh")}


@pytest.fixture(scope="module")
def extra(router) -> dict[str, list]:
    return {kind: {lang: list(router.synthesize(text, lang)) for lang, text in texts.items()}
            for kind, texts in (("question", QUESTIONS), ("positive", POSITIVE))}


def _starts(speeches) -> list[float]:
    out, t = [], 0.0
    for s in speeches:
        out.append(t)
        spf = s.sample_rate // FPS
        t += -(-len(s.audio) // spf) / FPS
    return out


def test_english_accents_fall_on_words_with_lexical_stress(selling):
    from twincast.voice.piper_engine import PiperEngine

    voice = PiperEngine()._voice
    stressed = [w for s in selling["en"] for w in speech_cues(s).stressed]
    assert len(stressed) >= 20
    marked = 0
    for w in stressed:
        assert w.text.lower() not in FUNCTION_EN, w.text
        phonemes = "".join(p for sent in voice.phonemize(w.text) for p in sent)
        marked += "ˈ" in phonemes
    assert marked / len(stressed) >= 0.9


def test_mandarin_accents_avoid_particles_and_function_words(selling):
    stressed = [w for s in selling["zh"] for w in speech_cues(s).stressed]
    assert len(stressed) >= 15
    assert not [w.text for w in stressed if w.text in FUNCTION_ZH]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_accents_are_louder_than_the_other_syllables(selling, lang):
    """Loudness at the accent nucleus vs at every vowel of the utterance, measured here."""
    lifts = []
    for s in selling[lang]:
        cues = speech_cues(s)
        db = loudness_db(s.audio, s.sample_rate)
        at = lambda t: float(db[max(int(t / 0.01) - 4, 0):int(t / 0.01) + 5].max())  # noqa: E731
        vowels = [0.5 * (p.start + p.end) for p in s.phones if p.symbol != "sil" and
                  (p.symbol[-1:].isdigit() if lang == "zh" else p.symbol[:1] in "aeiouɑɐæɛɪʊʌɔəɜɚoɒ")]
        if cues.stressed and vowels:
            lifts.append(np.mean([at(w.nucleus) for w in cues.stressed]) - np.median([at(t) for t in vowels]))
    assert np.mean(lifts) > 2.0  # dB


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_brows_rise_within_150ms_of_accents(selling, lang):
    speeches = selling[lang]
    track = perform_track(speeches, DriveConfig(seed=3))
    accents = np.array([t0 + w.nucleus for t0, s in zip(_starts(speeches), speeches) for w in speech_cues(s).stressed])
    brow = track.column("brow")
    tops = peaks(brow, 0.08, 4) / FPS + 0.5 / FPS
    assert len(tops) >= 0.3 * len(accents)
    near = np.array([np.abs(accents - t).min() <= 0.15 for t in tops])
    assert near.mean() >= 0.85
    # chance level: how often a random moment is that close to an accent
    grid = np.arange(0, track.n_frames / FPS, 0.05)
    chance = np.mean([np.abs(accents - t).min() <= 0.15 for t in grid])
    assert near.mean() > 2 * chance


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_nods_gather_at_phrase_ends(selling, lang):
    from scipy.signal import find_peaks

    speeches = selling[lang]
    # phrase ends measured here: each sentence's last spoken phone and every pause >= 0.2 s
    ends = []
    for t0, s in zip(_starts(speeches), speeches):
        spoken = [p for p in s.phones if p.symbol != "sil"]
        ends.append(t0 + spoken[-1].end)
        ends += [t0 + p.start for p in s.phones if p.symbol == "sil" and p.duration >= 0.2 and 0 < p.start < spoken[-1].end]
    ends = np.array(ends)
    window = lambda t: np.any((t - ends >= -0.6) & (t - ends <= 0.3))  # noqa: E731
    inside = n_nods = 0
    seconds = covered = 0.0
    # three performances of the same speech (the driver's dice differ): one gives only ~12 nods
    # and its ratio moved from 2.9x to 43x between runs, as Piper samples its durations
    for seed in (8, 9, 10):
        config = DriveConfig(seed=seed)
        track = perform_track(speeches, config)
        tops, _ = find_peaks(track.column("pitch"), prominence=0.5 * config.emotion.nod_deg, wlen=FPS, distance=8)
        nods = (tops + 0.5) / FPS
        assert len(nods) >= 0.4 * len(speeches)
        inside += sum(window(t) for t in nods)
        n_nods += len(nods)
        length = track.n_frames / FPS
        covered += np.mean([window(t) for t in np.arange(0, length, 0.04)]) * length
        seconds += length
    rate_in = inside / covered
    rate_out = (n_nods - inside + 0.5) / (seconds - covered)  # +0.5: never divide by 0
    # pooled, 36-47 nods: 6x to 15x seen in both languages; an unrelated timing gives ~1x
    assert rate_in > 3 * rate_out, (inside, n_nods, covered, seconds)


def test_two_minutes_of_selling_never_repeat_themselves(selling):
    speeches = [s for pair in zip(selling["en"], selling["zh"]) for s in pair]
    track = perform_track(speeches, DriveConfig(seed=1))
    assert track.n_frames >= FPS * 90
    for name in ("yaw", "pitch", "roll", "brow", "smile", "gaze_x", "gaze_y"):
        height, lag = periodicity(track.column(name), FPS)
        assert height < 0.5, (name, height, lag)


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_questions_tilt_and_positive_words_smile(extra, lang):
    config = DriveConfig(seed=2)
    q = extra["question"][lang][-1]
    cues = speech_cues(q)
    assert cues.phrases[-1].kind == "question"
    n = -(-len(q.audio) // (q.sample_rate // FPS))
    spoken = controls_for(q, n, config, config.idle(), 0)
    idle = controls_for(None, n, config, config.idle(), 0)
    assert np.abs(spoken.column("roll") - idle.column("roll")).max() > 0.6 * config.emotion.tilt_deg
    p = extra["positive"][lang][0]
    cues = speech_cues(p)
    assert any(w.positive for w in cues.words)
    n = -(-len(p.audio) // (p.sample_rate // FPS))
    smile = controls_for(p, n, config, config.idle(), 0).column("smile")
    assert smile.max() > config.emotion.smile_base + 0.5 * config.emotion.smile_peak


def test_presets_change_how_much_the_face_moves(selling):
    speeches = selling["en"][:8]
    amounts = {}
    for name in ("neutral", "warm", "excited"):
        t = perform_track(speeches, DriveConfig(seed=4, emotion=name))
        amounts[name] = (t.column("smile").mean(), t.column("brow").sum(), np.abs(high_pass(t.column("pitch"), FPS)).mean())
    for k in range(3):
        assert amounts["neutral"][k] < amounts["warm"][k] < amounts["excited"][k], (k, amounts)


def test_live_clause_by_clause_equals_offline(selling):
    """The live engine performs one clause at a time with one Motion; offline uses another."""
    speeches = selling["zh"][:4]
    config = DriveConfig(seed=6)
    offline = perform_track(speeches, config)
    live, frame, motion = [], 0, config.idle()
    motion.blinks(5000, 10)  # a live engine may have asked about later frames already
    for s in speeches:
        n = -(-len(s.audio) // (s.sample_rate // FPS))
        live.append(controls_for(s, n, config, motion, frame).values)
        frame += n
    assert np.array_equal(offline.values, np.concatenate(live))
