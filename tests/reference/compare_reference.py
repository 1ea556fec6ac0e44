#!/usr/bin/env python3
"""Two recognizers of one lineup review compared with numpy alone (run by developers, not by CI).

Reads tests/reference/compare/review.ron (a real analysis of the demo footage with MobileFaceNet
and dlib's ResNet-29) for its tracks, thresholds, watchlist and sidecar name only; its sidecar
(checked against the SHA-256 the text gives) for both models' face and enrolment embeddings; and
tests/reference/compare/labels.csv for the labels and skin tones. Nothing of lineup's scores,
candidates or metrics is read. From the written definitions alone:

  score     model 1 (cosine): the dot product of the unit-length embeddings; model 2 (Euclidean):
            minus the Euclidean distance of the raw embeddings (a higher score is more alike);
            a face's score for an identity is the best over the identity's enrolment photos, its
            top candidate the identity with the best score (the first on a tie)
  track     its face with the best top score (the first on a tie): the track's top identity and
            score (lineup's BestScore alert rule)
  flagged   a face or track whose top score is >= the model's threshold
  FPIR      non-mated tracks flagged / non-mated tracks
  FNIR      mated tracks NOT (top identity == true identity and flagged) / mated tracks
each per skin group (Monk 1-3, 4-6, 7-10, unknown) and over all, with the intervals of
metrics_reference.py (Wilson's, or clustered by person). Then the equal-FPIR comparison in both
directions: model 2's threshold whose overall FPIR is nearest model 1's at its own threshold (of two
equally near, the lower), the loosest giving that FPIR (just above the highest non-mated track score
that must not alert), and model 2's rates there; then the same with the models' roles swapped
(model 1 moved to model 2's FPIR, model 2 at its own threshold); and at each pair of thresholds the
faces and tracks flagged by one model and not the other, both ways.

Writes tests/reference/expected/compare.json; tests/compare_reference.rs compares.

Usage: python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy && /tmp/ref/bin/python tests/reference/compare_reference.py
"""
import csv
import hashlib
import json
import re
from pathlib import Path

import numpy as np

from metrics_reference import group, names, per_person, rate

HERE = Path(__file__).resolve().parent
FOLDER = HERE / "compare"


def number(pattern, text):
    return float(re.search(pattern, text, re.S).group(1))


def read_review():
    text = (FOLDER / "review.ron").read_text()
    named = re.search(r'sidecar: Some\(Sidecar\(\s*file: "([^"]+)",\s*size_bytes: (\d+),\s*sha256: "([0-9a-f]+)"', text)
    name, size, sha256 = named.group(1), int(named.group(2)), named.group(3)
    raw = (FOLDER / name).read_bytes()
    assert len(raw) == size and hashlib.sha256(raw).hexdigest() == sha256, "the sidecar is not the one named"
    assert "alert_rule: BestScore" in text
    assert "slice_thresholds: {}" in text
    first = number(r"settings: AnalysisSettings\(\s*threshold: ([-0-9.e]+)", text)
    others = text[text.index("other_recognizers: ["):]
    assert "metric: Some(Euclidean)" in others
    second = number(r"\bthreshold: ([-0-9.e]+)", others)
    identities = re.findall(r'Identity\(\s*name: "([^"]+)",\s*photos: \[(.*?)\]', text, re.S)
    owners = np.array([i for i, (_, photos) in enumerate(identities) for _ in range(photos.count("EnrolmentPhoto("))])
    tracks = [(int(t), [int(d) for d in ds.replace(",", " ").split()])
              for t, ds in re.findall(r"Track\(\s*id: (\d+),\s*detections: \[([\d,\s]*)\]", text)]
    assert [t for t, _ in tracks] == list(range(len(tracks)))
    return np.load(FOLDER / name), np.float32(first), np.float32(second), [n for n, _ in identities], owners, tracks


def per_identity(scores, owners, count):
    """scores[face, photo] -> best[face, identity]."""
    return np.stack([scores[:, owners == i].max(axis=1) for i in range(count)], axis=1)


def face_scores(arrays, owners, count):
    f1 = arrays["face_embeddings"].astype(np.float64)
    e1 = arrays["enrolment_embeddings"].astype(np.float64)
    f2 = arrays["recognizer1_face_embeddings"].astype(np.float64)
    e2 = arrays["recognizer1_enrolment_embeddings"].astype(np.float64)
    assert f2.shape[1] == 128 and f1.shape[0] == f2.shape[0]
    cosine = f1 @ e1.T
    distance = np.sqrt(((f2[:, None, :] - e2[None, :, :]) ** 2).sum(axis=2))
    return per_identity(cosine, owners, count), per_identity(-distance, owners, count)


def track_tops(best, tracks):
    """Per track: (top identity, top score) of its face with the best top score."""
    top_identity, top_score = best.argmax(axis=1), best.max(axis=1)
    tops = []
    for _, faces in tracks:
        face = faces[int(np.argmax(top_score[faces]))]
        tops.append((int(top_identity[face]), float(top_score[face])))
    return tops


def groups_at(threshold, tops, labels, identities):
    truth = np.array([identities.index(l["label"].removeprefix("watchlist:")) if l["label"].startswith("watchlist:") else -1
                      for l in labels])
    mated = truth >= 0
    top = np.array([t for t, _ in tops])
    score = np.array([s for _, s in tops])
    alert = score >= threshold
    numbers = {}
    people = np.array([numbers.setdefault(("enrolled", t) if t >= 0 else ("track", i), len(numbers))
                       for i, t in enumerate(truth)])
    count = len(numbers)
    slice_of = np.array([group("skin", l["skin"]) for l in labels])

    def rates(here):
        fpir = rate(*per_person(here & ~mated, alert, people, count))
        fnir = rate(*per_person(here & mated, ~(alert & (top == truth)), people, count))
        keep = ("k", "n", "rate", "low", "high")
        return {"fpir": {k: fpir[k] for k in keep}, "fnir": {k: fnir[k] for k in keep}}

    return {
        "groups": [{"name": name, **rates(slice_of == s)} for s, name in enumerate(names(["skin"]))],
        "pooled": rates(np.ones(len(labels), dtype=bool)),
    }


def equal_fpir_threshold(target, tops, labels):
    """The moved model's (its track `tops`) threshold whose FPIR over the non-mated tracks is nearest `target`: of the band of
    thresholds giving that FPIR, always the loosest (the next float32 above the highest non-mated
    score that must not alert; the lowest float32 when every one alerts)."""
    scores = sorted((s for (_, s), l in zip(tops, labels) if l["label"] == "not_on_watchlist"), reverse=True)
    n = len(scores)

    def loosest(k):
        if k < n:
            return float(np.nextafter(np.float32(scores[k]), np.float32(np.inf)))
        return float(np.finfo(np.float32).min)

    best_k = 0
    for threshold in sorted(set(scores), reverse=True):
        k = sum(1 for s in scores if s >= threshold)
        if abs(k / n - target) < abs(best_k / n - target):
            best_k = k
    return loosest(best_k)


def flagged(threshold, values):
    return np.array(values) >= threshold


def disagreements(first, second):
    return {
        "only_first": [int(i) for i in np.flatnonzero(first & ~second)],
        "only_second": [int(i) for i in np.flatnonzero(~first & second)],
        "both": int((first & second).sum()),
        "neither": int((~first & ~second).sum()),
    }


def main():
    arrays, t1, t2, identities, owners, tracks = read_review()
    labels = list(csv.DictReader(open(FOLDER / "labels.csv", newline="")))
    assert [int(l["track"]) for l in labels] == [t for t, _ in tracks]
    best1, best2 = face_scores(arrays, owners, len(identities))
    tops1, tops2 = track_tops(best1, tracks), track_tops(best2, tracks)
    first = groups_at(t1, tops1, labels, identities)
    second = groups_at(t2, tops2, labels, identities)
    faces1, faces2 = best1.max(axis=1), best2.max(axis=1)
    track1, track2 = [s for _, s in tops1], [s for _, s in tops2]
    target = first["pooled"]["fpir"]["rate"]
    chosen = equal_fpir_threshold(target, tops2, labels)
    # The other direction, computed the same way with the roles swapped.
    target1 = second["pooled"]["fpir"]["rate"]
    chosen1 = equal_fpir_threshold(target1, tops1, labels)
    out = HERE / "expected/compare.json"
    out.write_text(json.dumps({
        "source": "compare/review.ron, its sidecar, compare/labels.csv",
        "second_model_scores": best2.tolist(),
        "first": first,
        "second": second,
        "faces": disagreements(flagged(t1, faces1), flagged(t2, faces2)),
        "tracks": disagreements(flagged(t1, track1), flagged(t2, track2)),
        "second_moved": {
            "target": target,
            "second_threshold": chosen,
            "second": groups_at(chosen, tops2, labels, identities),
            "faces": disagreements(flagged(t1, faces1), flagged(chosen, faces2)),
            "tracks": disagreements(flagged(t1, track1), flagged(chosen, track2)),
        },
        "first_moved": {
            "target": target1,
            "first_threshold": chosen1,
            "first": groups_at(chosen1, tops1, labels, identities),
            "faces": disagreements(flagged(chosen1, faces1), flagged(t2, faces2)),
            "tracks": disagreements(flagged(chosen1, track1), flagged(t2, track2)),
        },
    }, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(faces1)} faces, {len(tracks)} tracks; dlib at {-chosen:.4f} for FPIR {target:.4f}, "
          f"MobileFaceNet at {chosen1:.4f} for FPIR {target1:.4f} -> {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
