#!/usr/bin/env python3
"""A lineup review's sidecar read with numpy alone (run by developers, not by CI).

Opens the sidecar that tests/reference/sidecar/review.ron names (an uncompressed .npz of
little-endian arrays; docs/review-format.md) with numpy.load, checks the SHA-256 the review
gives for it, and writes to tests/reference/expected/sidecar.json every face's box (x1, y1, x2,
y2), the cosine similarity of every face's embedding with every enrolment photo's embedding
(rows: faces in the review's order; columns: enrolment photos, identity by identity), every
face's candidates as the sidecar's columns hold them (identity numbers and scores, the padding
-1 left out), and the alerts at the review's threshold recomputed from the embeddings alone.
It also checks, here, that each stored candidate score is the best of its identity's photos.
tests/sidecar_reference.rs checks that the review lineup loads has these boxes, candidates and
alerts.

Usage: python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy && /tmp/ref/bin/python tests/reference/sidecar_reference.py
"""
import hashlib
import json
import re
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


def enrolment_owners(review):
    """The identity number of each enrolment photo, in the sidecar's order: the watchlist's
    identities in order, each one's photos in order (each photo an `EnrolmentPhoto(` in the text)."""
    watchlist = review[review.index("    watchlist: Watchlist("):review.index("\n    warnings:")]
    owners = []
    for number, identity in enumerate(watchlist.split("Identity(")[1:]):
        owners.extend([number] * identity.count("EnrolmentPhoto("))
    return owners


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
    # Which identity each enrolment photo belongs to: the text lists each identity's photos.
    owners = enrolment_owners(review)
    assert len(owners) == len(photos)
    identities = arrays["face_candidate_identities"]
    candidate_scores = arrays["face_candidate_scores"]
    assert identities.dtype == np.int64 and candidate_scores.dtype == np.float32
    assert identities.shape == candidate_scores.shape and identities.shape[0] == len(faces)
    assert arrays["face_sources"].shape == (len(faces), 2)
    assert arrays["face_timestamps"].shape == (len(faces),)
    assert arrays["face_detector_scores"].shape == (len(faces),)
    assert arrays["face_skin_ita"].shape == (len(faces), 3)
    # The best score of each identity's photos, per face: what a 1:N search ranks.
    best = np.full((len(faces), max(owners) + 1), -np.inf)
    for photo, owner in enumerate(owners):
        best[:, owner] = np.maximum(best[:, owner], scores[:, photo])
    candidates = []
    for face in range(len(faces)):
        kept = identities[face] != -1
        count = int(kept.sum())
        assert kept[:count].all(), f"face {face}: padding before a candidate"
        ids = identities[face, :count]
        stored = candidate_scores[face, :count]
        assert np.allclose(best[face, ids], stored, atol=1e-5), f"face {face}: {best[face, ids]} vs {stored}"
        assert np.isnan(candidate_scores[face, count:]).all()
        candidates.append({"identities": ids.tolist(), "scores": stored.astype(np.float64).tolist()})
    threshold = float(re.search(r"settings: AnalysisSettings\(\s*threshold: ([0-9.]+)", review).group(1))
    # A face is an alert when its best candidate reaches the threshold: recomputed from the
    # embeddings, the best identity of each face.
    alerts = int((best.max(axis=1) >= threshold).sum())
    out = HERE / "expected/sidecar.json"
    out.write_text(json.dumps({
        "sidecar": name,
        "face_boxes": arrays["face_boxes"].astype(np.float64).tolist(),
        "scores": scores.tolist(),
        "candidates": candidates,
        "threshold": threshold,
        "alerts": alerts,
    }, indent=1) + "\n")
    print(f"{len(faces)} faces x {len(photos)} enrolment photos -> {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
