"""The stage's framing (issue 20): layouts are validated data, people and product fill the
frame (measured by a person segmenter that knows nothing of our stage), no avatar shows a
hard rectangular edge, the picture-in-picture tile shows the cut-out person, mattes have no
holes."""

from __future__ import annotations

import numpy as np
import pytest

from twincast.errors import TwincastError
from twincast.evaluation.stage_edges import hard_edges
from twincast.render.layout import load_layout, load_layouts
from twincast.render.stage import Camera, Stage
from twincast.render.stage_actor import solid_matte

# the targets for the 9:16 frame (people; people + product in the product shot)
PEOPLE_MIN = {Camera.HOST: 0.45, Camera.WIDE: 0.35, Camera.PIP: 0.45}
PRODUCT_SHOT_MIN = 0.50


@pytest.fixture(scope="module")
def cast():
    from twincast.avatar.defaults import default_assistant_path, default_avatar_path
    from twincast.avatar.model import AvatarModel

    return {"host": AvatarModel.load(default_avatar_path()), "assistant": AvatarModel.load(default_assistant_path())}


@pytest.fixture(scope="module")
def faces(cast):
    from twincast.render.factory import renderer_for

    out = {}
    for name, m in cast.items():
        r = renderer_for(m)
        out[name] = (r.render(np.zeros(len(r.controls), np.float32), with_mask=True, cutout=True).copy(), r.mask.copy())
    return out


@pytest.fixture(scope="module")
def view():
    from twincast.show.catalog_io import load_catalog
    from twincast.show.runner import product_view

    cat = load_catalog()
    return product_view(cat, cat.get("earbuds-pro"), "en")


@pytest.fixture(scope="module")
def segment():
    from mediapipe.python.solutions import selfie_segmentation

    seg = selfie_segmentation.SelfieSegmentation(model_selection=0)
    return lambda rgb: seg.process(rgb).segmentation_mask > 0.5


def test_every_bundled_layout_loads_for_both_shapes():
    for aspect in ("9x16", "16x9"):
        specs = load_layouts(aspect)
        assert set(specs) == {c.value for c in Camera}
        for cam, spec in specs.items():
            assert spec.camera == cam and "host" in spec.actors


def test_a_bad_layout_names_the_field(tmp_path):
    bad = tmp_path / "host.yaml"
    bad.write_text("name: x\ncamera: host\naspect: '9:16'\nactors:\n  host: {cx: 0.5, cy: 0.4, face: 3}\n")
    with pytest.raises(TwincastError) as e:
        load_layout(bad)
    assert "actors.host.face" in e.value.problem and e.value.fix
    bad.write_text("name: x\ncamera: host\naspect: '9:16'\nactors:\n  guest: {cx: 0.5, cy: 0.4, face: 0.2}\n")
    with pytest.raises(TwincastError, match="host"):
        load_layout(bad)
    bad.write_text("actors: [")
    with pytest.raises(TwincastError, match="not valid YAML"):
        load_layout(bad)


@pytest.mark.parametrize("size", [(720, 1280), (1080, 1920)])
def test_people_and_product_fill_the_frame(cast, faces, view, segment, size):
    stage = Stage(cast, *size)
    for cam in Camera:
        frame = stage.compose(cam, faces, view, "家人们好 Hello everyone")
        person = segment(frame)
        top = stage.table_top(cam)
        if top is not None:  # the segmenter grows bodies into the table: the table is never a person
            person[top:] = False
        if stage.product_rect(cam) is not None:
            x, y, w, h = stage.product_rect(cam)
            person[max(y, 0):y + h, max(x, 0):x + w] = False
        people = float(person.mean())
        if cam == Camera.PRODUCT:
            _, _, w, h = stage.product_rect(cam)
            product = w * h / (size[0] * size[1])
            assert people + product >= PRODUCT_SHOT_MIN, (cam, people, product)
            assert people > 0.03  # the host is still in the shot
        else:
            assert people >= PEOPLE_MIN[cam], (cam, people)


def test_no_avatar_shows_a_hard_rectangular_edge(cast, faces):
    """Checked without the card and subtitle: they are straight-edged overlays on purpose."""
    for size in ((720, 1280), (1080, 1920), (1280, 720)):
        stage = Stage(cast, *size)
        for cam in Camera:
            frame = stage.compose(cam, faces, None, None, bodies={"host": (0.006, 0.008), "assistant": (0.004, 0.0)})
            assert hard_edges(frame, stage.actor_boxes(cam), stage.set_plate(cam)) == {}, (size, cam)


def test_the_edge_check_catches_a_pasted_rectangle(cast, faces):
    """The negative control: the host's photo pasted as a rectangle, background and all, at the
    bounding box the stage gave her, is flagged."""
    import cv2

    stage = Stage(cast, 720, 1280)
    frame = stage.compose(Camera.WIDE, faces, None, None)
    (x0, y0, x1, y1), sides = stage.actor_boxes(Camera.WIDE)["host"]
    photo = cv2.resize(cast["host"].image, (x1 - x0, y1 - y0), interpolation=cv2.INTER_AREA)
    frame[y0:y1, x0:x1] = photo
    assert "host" in hard_edges(frame, {"host": ((x0, y0, x1, y1), sides)}, stage.set_plate(Camera.WIDE))


def test_pip_tile_shows_the_cut_out_person_on_its_own_set(cast, faces, view, segment):
    stage = Stage(cast, 720, 1280)
    frame = stage.compose(Camera.PIP, faces, view, None)
    win = stage.layout(Camera.PIP).actors["assistant"].window
    x, y, w, h = win.pixels(720, 1280)
    tile = frame[y + 4:y + h - 4, x + 4:x + w - 4]
    # the person is in the tile, but not all of it: her photo's background (flag, shuttle) is cut away
    person = segment(np.ascontiguousarray(tile)).mean()
    assert 0.15 < person < 0.75
    plate = stage._plate(Camera.PIP, view).rgb[y + 4:y + h - 4, x + 4:x + w - 4].astype(int)
    corner = np.s_[:h // 8, :w // 6]  # top-left of the tile: set, not the photo's flag
    assert np.abs(tile[corner].astype(int) - plate[corner]).mean() < 6
    # ...and the same person as on the other cameras: her face square is the rendered canvas
    assert stage._place(Camera.PIP, "assistant").alpha.max() == 255


def test_mattes_have_no_holes(cast):
    import cv2

    ring = np.zeros((120, 120), np.uint8)
    cv2.circle(ring, (60, 60), 40, 255, -1)
    cv2.circle(ring, (60, 60), 12, 0, -1)  # a hole: a dark collar the segmenter doubted
    ring[58:62, 100:120] = 0  # ...and a notch open to the outside, which must stay open
    solid = solid_matte(ring)
    assert solid[60, 60] == 255 and solid[60, 110] == 0 and solid[5, 5] == 0
    stage = Stage(cast, 720, 1280)
    for cam in Camera:
        for name in stage.visible(cam):
            a = (stage._place(cam, name).alpha < 128).astype(np.uint8)
            n, lab = cv2.connectedComponents(a, connectivity=4)
            edge = set(np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])))
            inner = [k for k in range(1, n) if k not in edge and (lab == k).sum() > 4]
            assert not inner, (cam, name, [int((lab == k).sum()) for k in inner])


def test_a_photo_avatar_can_be_its_own_room(cast, faces):
    """The same choice as for footage: the host's own photo as the set (her flag behind her),
    the assistant matted into it, and no cut-out edge anywhere."""
    stage = Stage(cast, 720, 1280, rooms={"host": "own"})
    assert stage.windowed(Camera.HOST, "host") and not stage.windowed(Camera.HOST, "assistant")
    from twincast.render.factory import renderer_for

    r = renderer_for(cast["host"])
    whole = {"host": (r.render(np.zeros(len(r.controls), np.float32), with_mask=True, cutout=False).copy(), r.mask),
             "assistant": faces["assistant"]}
    for cam in Camera:
        frame = stage.compose(cam, whole, None, None)
        assert hard_edges(frame, stage.actor_boxes(cam), stage.set_plate(cam)) == {}, cam
        assert "host" not in stage.actor_boxes(cam)
    frame = stage.compose(Camera.HOST, whole, None, None)
    # the photo's blue backdrop beside her head, not the studio's shelves
    corner = frame[200:300, 600:700].astype(int).mean((0, 1))
    assert corner[2] > corner[0] + 40
    with pytest.raises(TwincastError, match="studio"):
        Stage(cast, 720, 1280, rooms={"host": "garden"})


def test_the_product_picture_moves_slowly(cast, faces, view):
    """The product shot's picture pushes in and drifts (a turntable-like camera move): frames
    seconds apart differ inside the picture, neighbouring frames barely."""
    stage = Stage(cast, 720, 1280)
    x, y, w, h = stage.product_rect(Camera.PRODUCT)
    shots = [stage.compose(Camera.PRODUCT, faces, view, None)[y:y + h, x:x + w].astype(int) for _ in range(76)]
    assert np.abs(shots[75] - shots[0]).mean() > 3  # 3 s later: visibly closer
    assert np.abs(shots[2] - shots[0]).mean() < 1.5  # 80 ms later: smooth
