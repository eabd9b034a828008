"""The speaker-similarity metric: resemblyzer 0.1.4's encoder in numpy, weights read without torch.

Real speech only (jfk.wav, two_cities.wav, Debian codec2-examples ve9qrp.wav; see MEDIA.md). The
numbers in docs/voice.md were measured with the torch original; where torch + resemblyzer are
installed the port is checked against it, embedding for embedding.
"""

from __future__ import annotations

import numpy as np
import pytest
import soundfile as sf

from twincast.voice.profile import similarity, torch_free

pytestmark = pytest.mark.skipif(not similarity.available(),
                                reason="speaker-similarity weights not set up (./run setup)")


@pytest.fixture(scope="module")
def encoder():
    return similarity.SpeakerEncoder()


def _read(path, start=0.0, end=None):
    x, sr = sf.read(str(path), dtype="float32")
    return x[int(start * sr):None if end is None else int(end * sr)], sr


@pytest.fixture(scope="module")
def voices():
    from twincast.evaluation.reference_media import codec2_wav, jfk_wav, two_cities_wav

    return {"jfk": _read(jfk_wav()), "reader_a": _read(two_cities_wav(), 0, 22),
            "reader_b": _read(two_cities_wav(), 22), "radio": _read(codec2_wav("ve9qrp.wav"), 0, 30)}


def test_weights_have_the_encoder_shapes():
    with np.load(similarity.weights_path()) as w:
        assert w["lstm_weight_ih_l0"].shape == (1024, 40)
        assert w["lstm_weight_hh_l2"].shape == (1024, 256)
        assert w["linear_weight"].shape == (256, 256)
        assert all(np.isfinite(w[k]).all() for k in w.files)


def test_embeddings_are_unit_and_stable(encoder, voices):
    x, sr = voices["jfk"]
    e = encoder.embed(x, sr)
    assert e.shape == (256,) and abs(np.linalg.norm(e) - 1) < 1e-5 and (e >= 0).all()
    # resampling the input first barely moves it (the encoder always works at 16 kHz)
    import soxr

    e48 = encoder.embed(soxr.resample(x, sr, 48000), 48000)
    assert similarity.cosine(e, e48) > 0.99


def test_same_speaker_closer_than_other_speakers(encoder, voices):
    emb = {k: encoder.embed(*v) for k, v in voices.items()}
    same = similarity.cosine(emb["reader_a"], emb["reader_b"])
    others = [similarity.cosine(emb["reader_a"], emb[k]) for k in ("jfk", "radio")]
    assert same > 0.85 and same > max(others) + 0.1, (same, others)


def test_no_speech_is_a_clear_error(encoder):
    from twincast.errors import TwincastError

    with pytest.raises(TwincastError) as info:
        encoder.embed(np.zeros(16000 * 2, np.float32), 16000)
    assert "no speech" in info.value.problem


def test_mel_matches_librosa(voices):
    librosa = pytest.importorskip("librosa")
    x, sr = voices["jfk"]
    wav = similarity.preprocess(x, sr)
    ref = librosa.feature.melspectrogram(y=wav, sr=16000, n_fft=400, hop_length=160, n_mels=40).T
    ours = similarity.mel_spectrogram(wav)
    assert ours.shape == ref.shape
    assert np.abs(ours - ref).max() <= 1e-5 * ref.max()


def test_matches_torch_resemblyzer(encoder, voices):
    """The port against the original on real speech: cosine >= 0.999 (measured 1.0000)."""
    pytest.importorskip("torch")
    resemblyzer = pytest.importorskip("resemblyzer")
    import soxr

    ref_enc = resemblyzer.VoiceEncoder("cpu", verbose=False)
    ckpt = torch_free.load(similarity._installed_checkpoint())["model_state"]
    for name, value in ref_enc.state_dict().items():  # the torch-free reader, tensor by tensor
        assert np.array_equal(ckpt[name], value.numpy()), name
    for name in ("jfk", "reader_b"):
        x, sr = voices[name]
        ref = ref_enc.embed_utterance(resemblyzer.preprocess_wav(soxr.resample(x, sr, 16000), 16000))
        assert similarity.cosine(encoder.embed(x, sr), ref) >= 0.999, name
