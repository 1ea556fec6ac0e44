#!/usr/bin/env python3
"""The reference pipeline lineup is benchmarked against: the script a user would write instead.

Same models (models/centerface.onnx, models/mobilefacenet.onnx), same preprocessing as
models/README.md specifies (detector: raw 0-255 RGB, NCHW, padded to multiples of 32; heatmap
threshold 0.5, NMS IoU 0.3; recognizer: 5-point similarity onto the ArcFace template, 112x112,
(x - 127.5) / 128), written the usual way with onnxruntime + numpy + OpenCV: cv2.VideoCapture
decodes, cv2.resize scales, cv2.estimateAffinePartial2D + cv2.warpAffine align, and every face of
a frame is embedded in one model run. It runs frame after frame on one Python thread, with
ONNX Runtime's default threading (all cores inside each model run).

--max-side 0 is how CenterFace's own demo feeds the model: the frame at its own resolution,
rounded up to multiples of 32. Any other value scales the long side down to it first, as lineup
does.

Prints one JSON object: frames, faces, seconds (from the first frame read to the last face
embedded; loading models and enrolling the watchlist are not counted), and per-stage times.

Run by benches/pipeline.rs through ./scripts/bench, which installs pinned onnxruntime, numpy and
opencv-python-headless from PyPI into vendor/bench-python.
"""
import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import onnxruntime as ort

ROOT = Path(__file__).resolve().parents[1]
SCORE_THRESHOLD = 0.5
NMS_IOU = 0.3
TEMPLATE = np.array([[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366],
                     [41.5493, 92.3655], [70.7299, 92.2041]], dtype=np.float32)


def session(name):
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(str(ROOT / "models" / name), options,
                                providers=["CPUExecutionProvider"])


def detector_input(rgb, max_side):
    h, w = rgb.shape[:2]
    scale = 1.0 if max_side == 0 else min(1.0, max_side / max(w, h))
    rw, rh = max(1, round(w * scale)), max(1, round(h * scale))
    resized = rgb if (rw, rh) == (w, h) else cv2.resize(rgb, (rw, rh), interpolation=cv2.INTER_AREA)
    pw, ph = -(-rw // 32) * 32, -(-rh // 32) * 32
    canvas = np.zeros((ph, pw, 3), dtype=np.float32)
    canvas[:rh, :rw] = resized
    return np.ascontiguousarray(canvas.transpose(2, 0, 1)[None]), rw, rh, rw / w, rh / h


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def detect(det, rgb, max_side, times):
    started = time.perf_counter()
    tensor, rw, rh, sx, sy = detector_input(rgb, max_side)
    model_started = time.perf_counter()
    heat, scale, offset, lms = det.run(["537", "538", "539", "540"], {"input.1": tensor})
    times["detector_model_s"] += time.perf_counter() - model_started
    cy, cx = np.where(heat[0, 0] > SCORE_THRESHOLD)
    bh, bw = np.exp(scale[0, 0, cy, cx]) * 4, np.exp(scale[0, 1, cy, cx]) * 4
    x0 = (cx + offset[0, 1, cy, cx] + 0.5) * 4 - bw / 2
    y0 = (cy + offset[0, 0, cy, cx] + 0.5) * 4 - bh / 2
    boxes = np.stack([np.maximum(0, x0), np.maximum(0, y0),
                      np.minimum(x0 + bw, rw), np.minimum(y0 + bh, rh)], axis=1)
    marks = np.stack([np.stack([x0 + lms[0, 2 * j + 1, cy, cx] * bw,
                                y0 + lms[0, 2 * j, cy, cx] * bh], axis=1) for j in range(5)], axis=1)
    scores = heat[0, 0, cy, cx]
    kept = []
    for i in np.argsort(-scores):
        if all(iou(boxes[i], boxes[k]) <= NMS_IOU for k in kept):
            kept.append(i)
    times["detect_s"] += time.perf_counter() - started
    return [(boxes[i] / [sx, sy, sx, sy], marks[i] / [sx, sy]) for i in kept]


def embed(rec, rgb, faces, times):
    if not faces:
        return np.zeros((0, 192), dtype=np.float32)
    started = time.perf_counter()
    crops = []
    for _, marks in faces:
        matrix, _ = cv2.estimateAffinePartial2D(marks.astype(np.float32), TEMPLATE, method=cv2.LMEDS)
        crops.append(cv2.warpAffine(rgb, matrix, (112, 112), flags=cv2.INTER_LINEAR))
    batch = ((np.stack(crops).astype(np.float32) - 127.5) / 128.0).transpose(0, 3, 1, 2)
    model_started = time.perf_counter()
    out = rec.run(["embeddings"], {"input": np.ascontiguousarray(batch)})[0]
    times["embed_model_s"] += time.perf_counter() - model_started
    out = out / np.linalg.norm(out, axis=1, keepdims=True)
    times["embed_s"] += time.perf_counter() - started
    return out


def frames_of(args):
    if args.video:
        capture = cv2.VideoCapture(args.video)
        if not capture.isOpened():
            raise SystemExit(f"cannot open {args.video}")
        while True:
            ok, bgr = capture.read()
            if not ok:
                return
            yield bgr
    else:
        for _ in range(args.repeat):
            bgr = cv2.imread(args.image, cv2.IMREAD_COLOR)
            if bgr is None:
                raise SystemExit(f"cannot read {args.image}")
            yield bgr


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--video")
    source.add_argument("--image")
    parser.add_argument("--repeat", type=int, default=1, help="times to analyse --image")
    parser.add_argument("--watchlist", nargs="*", default=[], help="enrolment photos")
    parser.add_argument("--max-side", type=int, default=960)
    args = parser.parse_args()

    det, rec = session("centerface.onnx"), session("mobilefacenet.onnx")
    zero = {"detect_s": 0.0, "detector_model_s": 0.0, "embed_s": 0.0, "embed_model_s": 0.0}
    watchlist = []
    for photo in args.watchlist:
        rgb = cv2.cvtColor(cv2.imread(photo, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
        faces = detect(det, rgb, 1280, dict(zero))
        watchlist.append(embed(rec, rgb, faces[:1], dict(zero))[0])
    gallery = np.stack(watchlist) if watchlist else np.zeros((0, 192), dtype=np.float32)

    times = dict(zero)
    frames = faces_total = 0
    decode_s = 0.0
    started = time.perf_counter()
    decode_started = started
    for bgr in frames_of(args):
        rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
        decode_s += time.perf_counter() - decode_started
        faces = detect(det, rgb, args.max_side, times)
        embeddings = embed(rec, rgb, faces, times)
        scores = embeddings @ gallery.T  # every face against every watchlist photo
        frames += 1
        faces_total += len(faces)
        scores.max(axis=1, initial=-1.0)
        decode_started = time.perf_counter()
    seconds = time.perf_counter() - started
    print(json.dumps({"frames": frames, "faces": faces_total, "seconds": seconds,
                      "decode_s": decode_s, **times}))


if __name__ == "__main__":
    main()
