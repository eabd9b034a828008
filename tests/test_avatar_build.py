"""Avatar building from real photos, and every bad-photo case with its message."""

from __future__ import annotations

import math
import subprocess
import sys

import cv2
import numpy as np
import pytest

from twincast.avatar.detect import FaceFit, _pose, check_face, find_one_face, load_photo
from twincast.avatar.model import FORMAT_VERSION, AvatarModel
from twincast.errors import TwincastError


def test_build_fits_one_frontal_face(grace_model):
    m = grace_model
    assert m.landmarks.shape == (478, 3)
    assert abs(m.meta["pose_deg"]["yaw"]) < 10 and m.meta["face_px"] > 150
    x0, y0, side = m.canvas_box
    assert 0 <= x0 and 0 <= y0 and x0 + side <= m.image.shape[1] and y0 + side <= m.image.shape[0]
    # the face sits inside the animated square with margin for chin movement
    lm = m.landmarks[:, :2]
    assert lm.min() > 0.1 * m.render_size and lm.max() < 0.95 * m.render_size
    assert len(m.triangles) > 800 and m.triangles.max() < 468
    assert m.rig.displacements.shape == (len(m.rig.controls), len(m.rig.vertices), 2)
    # the canvas border never moves: that is what makes the paste seamless
    assert np.abs(m.rig.displacements[:, -32:]).max() == 0
    lip, skin = np.array(m.colors["lip"]), np.array(m.colors["skin"])
    assert lip[0] > lip[2] and skin.mean() > 0.3


def test_regions_are_ordered_curves(grace_model):
    lm = grace_model.landmarks[:, :2]
    r = grace_model.regions
    for arc in ("upper_inner", "lower_inner", "upper_outer", "lower_outer"):
        xs = lm[r[arc], 0]
        assert xs[0] < xs[-1] and len(r[arc]) >= 9
    assert lm[r["upper_outer"], 1].mean() < lm[r["lower_outer"], 1].mean()
    assert lm[r["right_upper"], 1].mean() < lm[r["right_lower"], 1].mean()


def test_save_load_roundtrip(grace_model, tmp_path):
    path = grace_model.save(tmp_path / "g.twin")
    back = AvatarModel.load(path)
    assert np.array_equal(back.image, grace_model.image)
    assert np.allclose(back.rig.displacements, grace_model.rig.displacements)
    assert back.regions == grace_model.regions and back.meta["format_version"] == FORMAT_VERSION


def test_load_rejects_foreign_and_stale_files(tmp_path, grace_model):
    junk = tmp_path / "junk.twin"
    junk.write_bytes(b"not a zip")
    with pytest.raises(TwincastError, match="not a readable .twin"):
        AvatarModel.load(junk)
    import json
    import zipfile

    stale = grace_model.save(tmp_path / "stale.twin")
    with zipfile.ZipFile(stale) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["format_version"] = 999
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(stale, "w") as zf:
        for n, data in members.items():
            zf.writestr(n, data)
    with pytest.raises(TwincastError, match="rebuild"):
        AvatarModel.load(stale)


def test_no_face(tmp_path):
    import matplotlib.cbook as cbook

    gift = cbook.get_sample_data("Minduka_Present_Blue_Pack.png", asfileobj=False)
    with pytest.raises(TwincastError, match="no face found") as err:
        find_one_face(load_photo(gift))
    assert "one face" in err.value.fix


def test_several_faces(grace_rgb):
    group = np.concatenate([grace_rgb, grace_rgb[:, ::-1]], axis=1)
    with pytest.raises(TwincastError, match="2 faces found") as err:
        find_one_face(group)
    assert "crop" in err.value.fix


def test_small_face(grace_rgb):
    small = cv2.resize(grace_rgb, (200, 234), interpolation=cv2.INTER_AREA)
    with pytest.raises(TwincastError, match=r"only \d+ px wide"):
        find_one_face(small)
    # a build's own re-fit after closing the mouth finds the face without judging it again
    assert find_one_face(small, refit=True).width < 120


def test_extreme_profile_rejected(grace_rgb):
    # No licensed profile photo ships in any package; rotate the real fitted 3D landmarks of
    # the photo 60 degrees about the vertical axis and check the pose estimate and rejection.
    face = find_one_face(grace_rgb)
    lm = face.landmarks.astype(np.float64)
    c = lm.mean(0)
    t = math.radians(60)
    rot = np.array([[math.cos(t), 0, math.sin(t)], [0, 1, 0], [-math.sin(t), 0, math.cos(t)]])
    turned = ((lm - c) @ rot.T + c).astype(np.float32)
    yaw, pitch, roll = _pose(turned)
    assert abs(abs(yaw) - 60) < 8
    with pytest.raises(TwincastError, match="turned too far"):
        check_face(FaceFit(turned, yaw, pitch, roll))


@pytest.mark.parametrize("payload", [b"\x00garbage" * 50, b"\xff\xd8\xff\xe0" + b"\x00" * 100])
def test_unreadable_file(tmp_path, payload):
    bad = tmp_path / "photo.jpg"
    bad.write_bytes(payload)
    with pytest.raises(TwincastError, match="cannot read"):
        load_photo(bad)


def test_cli_reports_errors_without_traceback(tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"nope")
    proc = subprocess.run([sys.executable, "-m", "twincast.cli", "avatar", "build", str(bad), "-o",
                           str(tmp_path / "x.twin")], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert "cannot read" in proc.stderr and "fix:" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout


def test_cli_builds_avatar(tmp_path, grace_photo):
    out = tmp_path / "hopper.twin"
    proc = subprocess.run([sys.executable, "-m", "twincast.cli", "avatar", "build", str(grace_photo), "-o", str(out),
                           "--voice", "female"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    m = AvatarModel.load(out)
    assert m.meta["voice_preset"] == "female" and m.meta["source"] == "grace_hopper.jpg"
