"""Short-video planning without rendering: templates, listings and their bad inputs, captions,
SRT, music ducking, pan/zoom, the procedural room photos and the jobs file."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml

from twincast.errors import TwincastError
from twincast.video.spec import VideoOptions
from twincast.video.templates import MAX_SCENE_SECONDS, chunk_narration, storyboard


def _listing(tmp_path: Path, **changes) -> Path:
    from twincast.video.listing import sample_listing_path

    sample = sample_listing_path("en")
    data = yaml.safe_load(sample.read_text(encoding="utf-8"))
    rooms_dir = sample.parent / "rooms"
    for room in data["rooms"]:
        room["photo"] = str(rooms_dir / Path(room["photo"]).name)
    for key, value in changes.items():
        if value is None:
            data.pop(key)
        else:
            data[key] = value
    path = tmp_path / "listing.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_property_tour_plan_from_the_sample():
    board = storyboard("property-tour", None, VideoOptions(lang="zh"))
    assert board.lang == "zh" and not board.warnings
    assert board.scenes[0].avatar == "full" and "¥580万" in board.scenes[0].subtitle and "118㎡" in board.scenes[0].subtitle
    rooms = [s for s in board.scenes if s.avatar == "pip"]
    assert [s.title.split(" ")[0] for s in rooms] == ["客厅", "主卧", "厨房", "卫生间", "阳台"]
    assert len({s.backdrop.photo for s in rooms}) == 5 and all(Path(s.backdrop.photo).is_file() for s in rooms)
    assert "580万元" in board.text and "118平方米" in board.text


def test_product_promo_lines_come_from_the_catalog_and_suit_a_short_video():
    from twincast.show.catalog_io import load_catalog

    board = storyboard("product-promo", None, VideoOptions(lang="en", product="thermos"))
    product = load_catalog(None).get("thermos")
    assert board.title == product.name.en
    text = board.text
    assert not re.search(r"live room|link \d|comments|cart", text, re.I)
    assert any(s.backdrop.card for s in board.scenes), "the price scene shows the product card"
    for price in re.findall(r"¥\d+(?:\.\d+)?", text):
        assert float(price[1:]) in (product.price, product.promo_price, round(product.price - (product.promo_price or 0), 2))


def test_missing_listing_field_names_file_line_and_field(tmp_path):
    path = _listing(tmp_path, price=None)
    with pytest.raises(TwincastError) as err:
        storyboard("property-tour", path, VideoOptions())
    assert "missing field 'price'" in err.value.problem and str(path) in err.value.problem
    assert "plain number" in err.value.fix


def test_missing_and_unreadable_photos_get_different_messages(tmp_path):
    from twincast.video.listing import sample_listing_path

    rooms_dir = sample_listing_path("en").parent / "rooms"
    missing = _listing(tmp_path, rooms=[{"name": "Hall", "photo": str(tmp_path / "nope.jpg")}])
    with pytest.raises(TwincastError, match="does not exist"):
        storyboard("property-tour", missing, VideoOptions())
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8 this is not really a jpeg" * 10)
    unreadable = _listing(tmp_path, rooms=[{"name": "Hall", "photo": str(rooms_dir / "kitchen.jpg")},
                                           {"name": "Study", "photo": str(bad)}])
    with pytest.raises(TwincastError, match="cannot be read as an image") as err:
        storyboard("property-tour", unreadable, VideoOptions())
    assert "'Study'" in err.value.problem


def test_unknown_template_lists_the_known_ones():
    with pytest.raises(TwincastError) as err:
        storyboard("property-tours", None, VideoOptions())
    assert "unknown template 'property-tours'" in err.value.problem and "did you mean property-tour" in err.value.problem
    assert "product-promo" in err.value.fix


def test_long_text_is_split_across_scenes_and_absurd_text_is_refused(tmp_path):
    note = " ".join(f"Detail number {i} of this room is worth a look for anyone who likes light." for i in range(30))
    from twincast.video.listing import sample_listing_path

    photo = str(sample_listing_path("en").parent / "rooms" / "living-room.jpg")
    path = _listing(tmp_path, rooms=[{"name": "Hall", "photo": photo, "note": note}])
    board = storyboard("property-tour", path, VideoOptions())
    hall = [s for s in board.scenes if s.backdrop.photo == photo and s.avatar == "pip"]
    assert len(hall) >= 8, "a long note becomes several scenes over the same photo"
    assert len({s.motion for s in hall}) == len(hall), "each continuation moves the camera differently"
    from twincast.show.scripts import speaking_seconds

    assert all(sum(speaking_seconds(x, "en") for x in s.lines) <= MAX_SCENE_SECONDS + 6 for s in hall)
    run_on = "这套房子" + "非常安静而且采光充足" * 60  # 600 characters without a full stop
    groups = chunk_narration(run_on, "zh")
    assert len(groups) >= 3 and "".join("".join(g) for g in groups) == run_on
    huge = _listing(tmp_path, rooms=[{"name": "Hall", "photo": photo, "note": note * 12}])
    with pytest.raises(TwincastError, match="short video is at most"):
        storyboard("property-tour", huge, VideoOptions())


def test_real_estate_advertising_rules_drop_travel_times_and_appreciation(tmp_path):
    path = _listing(tmp_path, neighbourhood="It is a 5 minute walk to the metro. The park is 300 metres away. "
                                              "This flat will appreciate quickly.")
    board = storyboard("property-tour", path, VideoOptions())
    assert "300 metres" in board.text and "5 minute" not in board.text and "appreciate" not in board.text
    assert sum("real-estate advertising rules" in w for w in board.warnings) == 2


def test_captions_split_and_srt_round_trip():
    from twincast.video.captions import cues_for, parse_srt, split_caption, to_srt
    from twincast.voice.base import PhoneSpan, Speech

    chunks = split_caption("这套房子南北通透，全天采光，客厅朝南，大窗户采光很好，可以放下三人沙发和茶几。", 45)
    assert len(chunks) >= 2 and all(len(c) <= 16 for c in chunks)
    assert split_caption("It has 2 bedrooms, priced at 1.2 million yuan, or 1,200,000 yuan.", 45) == \
        ["It has 2 bedrooms, priced at 1.2 million yuan,", "or 1,200,000 yuan."]
    speech = Speech(np.zeros(48000 * 3, np.float32), 48000,
                    [PhoneSpan("sil", 0, 0.4, "en"), PhoneSpan("h", 0.4, 1.0, "en"), PhoneSpan("a", 1.0, 2.6, "en"),
                     PhoneSpan("sil", 2.6, 3.0, "en")], "Hello there, this is a fairly long caption line to split up.")
    cues = cues_for(speech, 10.0, 30)
    assert cues[0].start == pytest.approx(10.4) and cues[-1].end == pytest.approx(12.6)
    assert all(a.end == pytest.approx(b.start) for a, b in zip(cues, cues[1:]))
    back = parse_srt(to_srt(cues))
    assert [(c.start, c.end, c.text) for c in back] == [(c.start, c.end, c.text) for c in cues]
    assert to_srt(cues).startswith("1\n00:00:10,400 --> ")


def test_ducker_lowers_music_under_speech_and_opens_early():
    from twincast.video.music import Ducker, ProceduralBed

    sr = 48000
    speech = np.zeros(sr * 4, np.float32)
    speech[sr:2 * sr] = 0.2 * np.sin(np.arange(sr) * 2 * np.pi * 220 / sr)  # speech from 1.0 s to 2.0 s
    d = Ducker(sr, duck_db=-15)
    g = d.gains(speech)
    assert g[int(0.5 * sr)] == pytest.approx(1.0, abs=0.01)  # music at full level before
    assert g[int(1.0 * sr)] < 0.5  # already ducked when the first sound starts (look-ahead)
    assert 20 * np.log10(g[int(1.5 * sr)]) == pytest.approx(-15, abs=1.0)
    assert g[int(3.5 * sr)] > 0.9  # released in the pause after
    assert d.state > 0.9
    bed = ProceduralBed(sr)
    whole = bed.samples(0, sr * 2)
    parts = np.concatenate([bed.samples(0, 30000), bed.samples(30000, sr * 2 - 30000)])
    assert np.allclose(whole, parts), "the bed is a function of the absolute sample: seamless across scenes"
    assert 0.05 < float(np.sqrt(np.mean(whole ** 2))) < 0.2


def test_pan_and_zoom_moves_the_picture_and_keeps_the_frame_size():
    from twincast.video.layers import KenBurns, product_slide
    from twincast.video.listing import sample_listing_path
    from twincast.video.layers import load_rgb

    photo = load_rgb(str(sample_listing_path("en").parent / "rooms" / "bedroom.jpg"))
    for w, h in ((720, 1280), (1280, 720)):
        kb = KenBurns(photo, w, h, motion=1)
        a, b = kb.frame(0.0), kb.frame(1.0)
        assert a.shape == (h, w, 3) and b.shape == (h, w, 3)
        assert np.abs(a.astype(int) - b).mean() > 8, "the first and last views differ (pan/zoom)"
        import cv2

        gray = lambda f: cv2.cvtColor(f, cv2.COLOR_RGB2GRAY).astype(np.float32)  # noqa: E731
        (dx, dy), _ = cv2.phaseCorrelate(gray(kb.frame(0.5)), gray(kb.frame(0.504)))  # one frame of a 10 s scene
        assert 0.2 < np.hypot(dx, dy) < 8, "the view glides a few pixels per frame, no jumps"
    slide = product_slide(None, 800, 1400)
    assert slide.shape == (1400, 800, 3)


def test_room_photos_are_distinct_real_looking_pictures():
    import cv2

    from twincast.video.listing import sample_listing_path

    folder = sample_listing_path("zh").parent / "rooms"
    imgs = [cv2.imread(str(p)) for p in sorted(folder.glob("*.jpg"))]
    assert len(imgs) == 5 and all(i is not None and i.shape == (960, 1280, 3) for i in imgs)
    for i in imgs:
        assert i.std() > 25, "not a flat card"
        edges = cv2.Canny(cv2.cvtColor(i, cv2.COLOR_BGR2GRAY), 50, 150)
        assert 0.005 < (edges > 0).mean() < 0.2, "structure (furniture, planks), not noise"
    small = [cv2.resize(i, (64, 48)).astype(int) for i in imgs]
    assert min(np.abs(a - b).mean() for k, a in enumerate(small) for b in small[k + 1:]) > 10


def test_jobs_file_entries_resolve_and_bad_entries_fail_alone(tmp_path):
    from twincast.video.batch import load_jobs, run_batch

    (tmp_path / "jobs.yaml").write_text(yaml.safe_dump({
        "defaults": {"aspect": "16:9", "music": "none"},
        "jobs": [
            {"template": "property-tour", "data": "a/listing.yaml", "output": "out/a.mp4", "options": {"lang": "en"}},
            {"template": "product-promo", "output": "out/a.mp4"},
            {"output": "out/c.mp4"},
            {"template": "property-tour", "output": "out/d.mp4", "options": {"colour": "red"}},
        ]}), encoding="utf-8")
    jobs = load_jobs(tmp_path / "jobs.yaml")
    assert jobs[0].data == str(tmp_path / "a" / "listing.yaml") and jobs[0].output == str(tmp_path / "out" / "a.mp4")
    assert jobs[0].options.aspect == "16:9" and jobs[0].options.lang == "en" and jobs[0].error is None
    assert "also written by an earlier job" in jobs[1].error
    assert "no 'template'" in jobs[2].error
    assert "unknown key(s) colour" in jobs[3].error
    assert len({j.id for j in jobs}) == 4
    results = run_batch(jobs[1:], workers=1)
    assert [r.status for r in results] == ["failed"] * 3 and all(r.reason for r in results)
    with pytest.raises(TwincastError, match="needs a non-empty 'jobs:' list"):
        (tmp_path / "empty.yaml").write_text("jobs: []\n")
        load_jobs(tmp_path / "empty.yaml")
