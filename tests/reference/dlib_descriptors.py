#!/usr/bin/env python3
"""dlib's own face descriptors on real chips, for tests/dlib_descriptor.rs (which runs it).

Cuts aligned 150x150 chips from the test photos (as decoded once by Pillow into
tests/data/decoded/) at the five landmarks the independent reference pipeline found
(tests/reference/expected/<photo>.json: eye centres, nose tip, mouth corners), by a
least-squares similarity transform onto the template derived from dlib's mean face,
((0.25 + p) / 1.5) x 150, and a bilinear warp. Then dlib itself (PyPI dlib-bin==20.0.1.post1,
the binary wheel ./scripts/setup installs into vendor/dlib-python) describes each chip with
dlib_face_recognition_resnet_model_v1.dat, the file models/dlib_resnet29.onnx was converted
from, taken from the pinned face-recognition-models==0.3.0 sdist in vendor/downloads.

Writes to OUT_DIR: chip-NN.png (lossless, the exact pixels dlib saw) and descriptors.json
({"chips": [{"file", "photo", "descriptor": [128 floats]}]}).

  vendor/dlib-python/bin/python tests/reference/dlib_descriptors.py OUT_DIR
"""
import hashlib
import json
import sys
import tarfile
import tempfile
from pathlib import Path

import dlib
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests/data/decoded"
EXPECTED = Path(__file__).resolve().parent / "expected"
SDIST = ROOT / "vendor/downloads/face_recognition_models-0.3.0.tar.gz"
DAT = "face_recognition_models-0.3.0/face_recognition_models/models/dlib_face_recognition_resnet_model_v1.dat"
DAT_SHA256 = "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
SIZE = 150
TEMPLATE = np.array([[47.5492, 46.5990], [100.4761, 46.5990], [74.0127, 76.5625],
                     [50.4149, 103.0233], [97.6104, 103.0233]])
SINGLE_FACE_PHOTOS = ["obama", "obama2", "obama3", "biden", "astronaut", "t1"]
CROWD_FACES = 22  # the largest faces of crowd.png; the rest are too small to say much


def similarity(src, dst):
    """The similarity transform (scale, rotation, shift) taking src onto dst in least squares:
    [x', y'] = [a -b; b a] [x, y] + [tx, ty]."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows += [[x, -y, 1, 0], [y, x, 0, 1]]
        rhs += [u, v]
    a, b, tx, ty = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty]])


def warp(image, landmarks):
    """The chip: each chip pixel centre mapped back into the photo, sampled bilinearly, black
    outside it."""
    m = similarity(np.array(landmarks), TEMPLATE)
    inverse = np.linalg.inv(np.vstack([m, [0, 0, 1]]))[:2]
    ys, xs = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    sx = inverse[0, 0] * xs + inverse[0, 1] * ys + inverse[0, 2]
    sy = inverse[1, 0] * xs + inverse[1, 1] * ys + inverse[1, 2]
    h, w, _ = image.shape
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]

    def at(y, x):
        inside = ((x >= 0) & (x < w) & (y >= 0) & (y < h))[..., None]
        return np.where(inside, image[np.clip(y, 0, h - 1), np.clip(x, 0, w - 1)], 0.0)

    top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
    bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
    return np.clip(np.rint(top * (1 - fy) + bottom * fy), 0, 255).astype(np.uint8)


def faces_to_cut():
    """(photo, landmarks) for every face the chips are cut from."""
    faces = []
    for stem in SINGLE_FACE_PHOTOS:
        for face in json.loads((EXPECTED / f"{stem}.json").read_text())["faces"]:
            faces.append((stem, face["landmarks"]))
    crowd = json.loads((EXPECTED / "crowd.json").read_text())["faces"]
    crowd.sort(key=lambda f: -(f["box"][2] - f["box"][0]) * (f["box"][3] - f["box"][1]))
    faces += [("crowd", face["landmarks"]) for face in crowd[:CROWD_FACES]]
    return faces


def recognition_model(work):
    if not SDIST.is_file():
        raise SystemExit(f"{SDIST} is missing: run ./scripts/setup first")
    with tarfile.open(SDIST) as t:
        data = t.extractfile(DAT).read()
    if hashlib.sha256(data).hexdigest() != DAT_SHA256:
        raise SystemExit(f"{DAT} in {SDIST} is not the pinned file")
    path = Path(work) / "dlib_face_recognition_resnet_model_v1.dat"
    path.write_bytes(data)
    return dlib.face_recognition_model_v1(str(path))


def main(out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        model = recognition_model(work)
    photos, chips = {}, []
    for i, (stem, landmarks) in enumerate(faces_to_cut()):
        if stem not in photos:
            photos[stem] = np.asarray(Image.open(PHOTOS / f"{stem}.png").convert("RGB"),
                                      dtype=np.float64)
        chip = warp(photos[stem], landmarks)
        name = f"chip-{i:02}.png"
        Image.fromarray(chip).save(out_dir / name)
        descriptor = model.compute_face_descriptor(chip)  # an aligned 150x150 RGB chip
        chips.append({"file": name, "photo": stem, "descriptor": [float(v) for v in descriptor]})
    (out_dir / "descriptors.json").write_text(json.dumps({"chips": chips}))
    print(f"{len(chips)} chips described by dlib {dlib.__version__}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]))
