"""Issue 18, serving files: product images only from inside the catalog's folder (a catalog path
such as /etc/passwd or ../../x is refused with 404 and logged once), and /api/op/clip answering
a clear 4xx for an unreadable or undecodable file instead of a 500."""

from __future__ import annotations

import logging
import os
import random

import pytest
from support.live_harness import AUTH, app_client

from twincast.live.fake_show import FakeShow

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082")


@pytest.fixture
def catalog(tmp_path):
    folder = tmp_path / "shop"
    (folder / "img").mkdir(parents=True)
    (folder / "img" / "tea.png").write_bytes(PNG)
    (folder / "notes.txt").write_text("private notes")
    outside = tmp_path / "secret.png"
    outside.write_bytes(PNG)
    (folder / "img" / "link.png").symlink_to(outside)  # a link that leaves the folder
    return folder


def test_images_are_confined_to_the_catalog_folder(tmp_path, catalog, caplog):
    images = {"tea": catalog / "img" / "tea.png", "passwd": catalog / "/etc/passwd",
              "dots": catalog / "img" / ".." / ".." / "secret.png", "link": catalog / "img" / "link.png",
              "notes": catalog / "notes.txt", "missing": catalog / "img" / "gone.png"}
    show = FakeShow(images=images, catalog_dir=catalog)
    with app_client(tmp_path, show=show) as (c, _, _):
        r = c.get("/products/tea/image")
        assert r.status_code == 200 and r.content == PNG and r.headers["content-type"] == "image/png"
        for pid in ("passwd", "dots", "link", "notes", "missing", "unknown"):
            r = c.get(f"/products/{pid}/image")
            assert r.status_code == 404, pid
            assert b"root:" not in r.content and b"private" not in r.content
            assert r.headers["x-content-type-options"] == "nosniff"
        for _ in range(3):
            assert c.get("/products/passwd/image").status_code == 404
    refused = [r for r in caplog.records if r.levelno >= logging.WARNING and "not served" in r.getMessage()]
    # once per offending product, however often it is asked for; a missing file is not an attack
    assert sorted(r.getMessage().split("'")[1] for r in refused) == ["dots", "link", "notes", "passwd"]


def test_clip_that_cannot_be_decoded_is_a_clear_4xx(tmp_path, caplog):
    junk = tmp_path / "junk.mp4"
    # random bytes, fixed: some draws look like an audio stream to ffprobe ("has no video
    # stream"), others like nothing ("cannot be decoded"); both are the clear error asked for
    junk.write_bytes(random.Random(7).randbytes(4096))
    empty = tmp_path / "empty.mp4"
    empty.write_bytes(b"")
    folder = tmp_path / "folder.mp4"
    folder.mkdir()
    with app_client(tmp_path) as (c, show, _):
        for path in (junk, empty):
            r = c.post("/api/op/clip", json={"path": str(path)}, headers=AUTH)
            assert r.status_code == 415, r.text
            error = r.json()["error"]
            assert ("cannot be decoded" in error or "has no video stream" in error) and path.name in error
        assert c.post("/api/op/clip", json={"path": str(folder)}, headers=AUTH).status_code == 400
        assert show.calls == []
    assert not [r for r in caplog.records if r.exc_info]


def test_clip_that_cannot_be_read_is_a_clear_4xx(tmp_path, monkeypatch):
    from test_live_web import tiny_clip

    from twincast.live.web import operator

    clip = tiny_clip(tmp_path / "locked.mp4")
    clip.chmod(0)
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # root reads whatever the mode: say what a user would see
        real = os.access
        monkeypatch.setattr(operator.os, "access", lambda p, mode: False if str(p) == str(clip) else real(p, mode))
    try:
        with app_client(tmp_path) as (c, show, _):
            r = c.post("/api/op/clip", json={"path": str(clip)}, headers=AUTH)
            assert r.status_code == 400 and "cannot read" in r.json()["error"]
            assert show.calls == []
    finally:
        clip.chmod(0o644)


def test_clip_the_show_fails_to_open_is_a_4xx_not_a_500(tmp_path, monkeypatch):
    from test_live_web import tiny_clip

    clip = tiny_clip(tmp_path / "ok.mp4")
    with app_client(tmp_path) as (c, show, _):
        def refuse(path):
            raise PermissionError(13, "Permission denied", path)

        monkeypatch.setattr(show, "play_clip", refuse)
        r = c.post("/api/op/clip", json={"path": str(clip)}, headers=AUTH)
        assert r.status_code == 415 and "cannot be played" in r.json()["error"]
