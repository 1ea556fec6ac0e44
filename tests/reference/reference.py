#!/usr/bin/env python3
"""Independent reference for lineup's face pipeline (run by developers, not by CI).

It re-implements the pipeline from the written specification in models/README.md with
onnxruntime + numpy + Pillow, and writes, per test photo, the faces it finds (box, score,
landmarks) and the L2-normalised embedding of each aligned crop to expected/<photo>.json.
The Rust test tests/reference_pipeline.rs asserts lineup finds every reference box with
IoU >= 0.95, landmarks within 1.5 px, and embeddings with cosine >= 0.999.

Both sides read the same pixels: the photos as decoded once by Pillow into tests/data/decoded/
(scripts/decode_photos.py), since JPEG decoders differ by a few levels per pixel and that, not
lineup's code, would be measured. Elsewhere this script deliberately takes another route:
Pillow resizes (lineup: the `image` crate), the similarity
transform comes from a least-squares solve (lineup: a closed form), the warp is vectorised numpy.

Usage (from the repository root, after ./scripts/setup):
  python3 -m venv /tmp/ref && /tmp/ref/bin/pip install onnxruntime==1.32.0 numpy pillow==13.0.0
  /tmp/ref/bin/python tests/reference/reference.py
"""
import json
from pathlib import Path

import numpy as np
import onnxruntime as ort
from PIL import Image, ImageOps

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests/data/decoded"  # made by ./scripts/setup: Pillow-decoded, lossless
OUT = Path(__file__).resolve().parent / "expected"
NAMES = ["obama.png", "obama2.png", "obama3.png", "biden.png", "astronaut.png", "t1.png", "crowd.png"]

MAX_SIDE = 1280          # detector input: long side at most this, then padded to multiples of 32
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float64)


def session(name):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(ROOT / "models" / name), options, providers=["CPUExecutionProvider"])


def load_rgb(path):
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def detector_input(img):
    w, h = img.size
    scale = min(1.0, MAX_SIDE / max(w, h))
    rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = img if (rw, rh) == (w, h) else img.resize((rw, rh), Image.BILINEAR)
    pw, ph = -(-rw // 32) * 32, -(-rh // 32) * 32
    canvas = np.zeros((ph, pw, 3), dtype=np.float32)
    canvas[:rh, :rw] = np.asarray(resized, dtype=np.float32)
    return canvas.transpose(2, 0, 1)[None], rw, rh, rw / w, rh / h


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def detect(det, img):
    tensor, rw, rh, sx, sy = detector_input(img)
    heat, scale, offset, lms = det.run(["537", "538", "539", "540"], {"input.1": tensor})
    faces = []
    for cy, cx in zip(*np.where(heat[0, 0] > SCORE_THRESHOLD)):
        bh, bw = np.exp(scale[0, 0, cy, cx]) * 4, np.exp(scale[0, 1, cy, cx]) * 4
        x0 = (cx + offset[0, 1, cy, cx] + 0.5) * 4 - bw / 2
        y0 = (cy + offset[0, 0, cy, cx] + 0.5) * 4 - bh / 2
        box = [max(0.0, x0), max(0.0, y0), min(x0 + bw, rw), min(y0 + bh, rh)]  # clip to the image, not the padding
        marks = [(x0 + lms[0, 2 * j + 1, cy, cx] * bw, y0 + lms[0, 2 * j, cy, cx] * bh) for j in range(5)]
        faces.append({"score": float(heat[0, 0, cy, cx]), "box": box, "marks": marks})
    faces.sort(key=lambda f: -f["score"])
    kept = []
    for face in faces:
        if all(iou(face["box"], k["box"]) <= NMS_IOU for k in kept):
            kept.append(face)
    for face in kept:  # back to the photo's own pixels
        b = face["box"]
        face["box"] = [b[0] / sx, b[1] / sy, b[2] / sx, b[3] / sy]
        face["marks"] = [(x / sx, y / sy) for x, y in face["marks"]]
    return kept


def similarity_to_template(marks):
    """Least-squares similarity (scale, rotation, translation) taking marks onto TEMPLATE."""
    rows, rhs = [], []
    for (x, y), (u, v) in zip(marks, TEMPLATE):
        rows += [[x, -y, 1, 0], [y, x, 0, 1]]
        rhs += [u, v]
    a, b, tx, ty = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    return np.array([[a, -b, tx], [b, a, ty]])


def align(pixels, marks):
    forward = similarity_to_template(marks)
    inverse = np.linalg.inv(np.vstack([forward, [0, 0, 1]]))[:2]
    v, u = np.mgrid[0:112, 0:112].astype(np.float64)
    sx = inverse[0, 0] * u + inverse[0, 1] * v + inverse[0, 2]
    sy = inverse[1, 0] * u + inverse[1, 1] * v + inverse[1, 2]
    h, w = pixels.shape[:2]
    x0, y0 = np.floor(sx).astype(int), np.floor(sy).astype(int)
    fx, fy = (sx - x0)[..., None], (sy - y0)[..., None]

    def at(yy, xx):
        inside = ((xx >= 0) & (xx < w) & (yy >= 0) & (yy < h))[..., None]
        return np.where(inside, pixels[np.clip(yy, 0, h - 1), np.clip(xx, 0, w - 1)], 0.0)

    top = at(y0, x0) * (1 - fx) + at(y0, x0 + 1) * fx
    bottom = at(y0 + 1, x0) * (1 - fx) + at(y0 + 1, x0 + 1) * fx
    return top * (1 - fy) + bottom * fy


def embed(rec, crops):
    batch = ((np.stack(crops) - 127.5) / 128.0).transpose(0, 3, 1, 2).astype(np.float32)
    out = rec.run(["embeddings"], {"input": batch})[0]
    return out / np.linalg.norm(out, axis=1, keepdims=True)


def main():
    det, rec = session("centerface.onnx"), session("mobilefacenet.onnx")
    OUT.mkdir(exist_ok=True)
    mains = {}
    for name in NAMES:
        img = load_rgb(PHOTOS / name)
        pixels = np.asarray(img, dtype=np.float64)
        faces = detect(det, img)
        embeddings = embed(rec, [align(pixels, f["marks"]) for f in faces]) if faces else []
        record = {"photo": name, "width": img.size[0], "height": img.size[1], "faces": [
            {"box": [round(c, 4) for c in f["box"]], "score": round(f["score"], 6),
             "landmarks": [[round(x, 4), round(y, 4)] for x, y in f["marks"]],
             "embedding": [round(float(e), 7) for e in emb]}
            for f, emb in zip(faces, embeddings)]}
        (OUT / f"{Path(name).stem}.json").write_text(json.dumps(record, indent=1) + "\n")
        print(f"{name}: {img.size[0]}x{img.size[1]}, {len(faces)} faces")
        if len(faces):
            mains[name] = embeddings[0]
    names = list(mains)
    print("cosine between each photo's most confident face:")
    for a in names:
        print(f"  {a:14s}" + " ".join(f"{float(mains[a] @ mains[b]):6.3f}" for b in names))


if __name__ == "__main__":
    main()
