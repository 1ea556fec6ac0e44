#!/usr/bin/env python3
"""A lineup review's sidecar read with numpy alone (run by developers, not by CI).

Opens the sidecar that tests/reference/sidecar/review.ron names (an uncompressed .npz of
little-endian float32 arrays; docs/review-format.md) with numpy.load, checks the SHA-256 the
review gives for it, and writes to tests/reference/expected/sidecar.json every face's box
(x1, y1, x2, y2) and the cosine similarity of every face's embedding with every enrolment
photo's embedding (rows: faces in the review's order; columns: enrolment photos, identity by
identity). tests/sidecar_reference.rs checks that the review's boxes are these and that each
stored match score is the best of its identity's photos.

Usage: python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy && /tmp/ref/bin/python tests/reference/sidecar_reference.py
"""
import hashlib
import json
import re
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def main():
    review = (HERE / "sidecar/review.ron").read_text()
    # The review names its sidecar by file, length and SHA-256 (a RON struct near its start).
    named = re.search(r'sidecar: Some\(Sidecar\(\s*file: "([^"]+)",\s*size_bytes: (\d+),\s*sha256: "([0-9a-f]+)"', review)
    name, size, sha256 = named.group(1), int(named.group(2)), named.group(3)
    raw = (HERE / "sidecar" / name).read_bytes()
    assert len(raw) == size and hashlib.sha256(raw).hexdigest() == sha256, "the sidecar is not the one named"
    arrays = np.load(HERE / "sidecar" / name)
    faces = arrays["face_embeddings"].astype(np.float64)
    photos = arrays["enrolment_embeddings"].astype(np.float64)
    assert arrays["face_boxes"].shape == (len(faces), 4)
    assert arrays["face_landmarks"].shape == (len(faces), 5, 2)
    assert arrays["enrolment_boxes"].shape == (len(photos), 4)
    scores = faces @ photos.T
    out = HERE / "expected/sidecar.json"
    out.write_text(json.dumps({
        "sidecar": name,
        "face_boxes": arrays["face_boxes"].astype(np.float64).tolist(),
        "scores": scores.tolist(),
    }, indent=1) + "\n")
    print(f"{len(faces)} faces x {len(photos)} enrolment photos -> {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
