#!/usr/bin/env python3
"""Independent per-slice metrics for lineup (run by developers, not by CI).

Reads tests/reference/labelled_tracks.csv, exactly as `lineup labels export` writes it for the
seeded labelled review in tests/common/labelled.rs, and computes with numpy, from the written
definitions alone (NIST FRVT 1:N / ISO/IEC 19795-1), every slice's:
  FPIR      non-mated tracks whose top score >= T / non-mated tracks
  FNIR      mated tracks NOT (top identity == true identity and top score >= T) / mated tracks
  wrong-id  mated tracks with top score >= T and top identity != true identity / mated tracks
  flag rate tracks with top score >= T / labelled tracks
each with a 95% Wilson interval, and each slice's FPIR divided by the lowest slice FPIR
(none when that is 0). Tracks labelled unlabelled or not_a_face are left out.
Slices: skin in Monk groups 1-3, 4-6, 7-10, then unknown; gender female, male, other, unknown;
crossed with the first attribute most significant, named "Monk 1–3 × female".
Writes tests/reference/expected/metrics.json; tests/metrics_reference.rs compares to 1e-9.

Usage: python3 -m venv /tmp/ref && /tmp/ref/bin/pip install numpy && /tmp/ref/bin/python tests/reference/metrics_reference.py
"""
import csv
import itertools
import json
import math
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
Z = 1.959963984540054
GROUPS = {
    "skin": [("Monk 1–3", {"1", "2", "3"}), ("Monk 4–6", {"4", "5", "6"}), ("Monk 7–10", {"7", "8", "9", "10"})],
    "gender": [("female", {"female"}), ("male", {"male"}), ("other", {"other"})],
}
CASES = [([], t) for t in (0.5,)] + [(s, t) for s in (["skin"], ["gender"], ["skin", "gender"]) for t in (0.4, 0.6, 0.7)]


def group(attribute, value):
    for i, (_, values) in enumerate(GROUPS[attribute]):
        if value in values:
            return i
    return len(GROUPS[attribute])  # unknown


def names(slicing):
    if not slicing:
        return ["everyone"]
    per = [[g for g, _ in GROUPS[a]] + [f"{a} unknown"] for a in slicing]
    return [" × ".join(combo) for combo in itertools.product(*per)]


def wilson(k, n):
    if n == 0:
        return None, None, None
    p = k / n
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return p, max(0.0, centre - half), min(1.0, centre + half)


def rate(k, n):
    r, low, high = wilson(int(k), int(n))
    return {"k": int(k), "n": int(n), "rate": r, "low": low, "high": high}


def main():
    rows = [r for r in csv.DictReader(open(HERE / "labelled_tracks.csv", newline=""))
            if r["label"] == "not_on_watchlist" or r["label"].startswith("watchlist:")]
    truth = np.array([r["label"].removeprefix("watchlist:") if r["label"] != "not_on_watchlist" else "" for r in rows])
    mated = truth != ""
    top = np.array([r["top_identity"] for r in rows])
    score = np.array([np.float32(r["top_score"]) if r["top_score"] else -np.inf for r in rows], dtype=np.float32)
    cases = []
    for slicing, threshold in CASES:
        sizes = [len(GROUPS[a]) + 1 for a in slicing]
        slice_of = np.zeros(len(rows), dtype=int)
        for attribute, size in zip(slicing, sizes):
            slice_of = slice_of * size + np.array([group(attribute, r[attribute]) for r in rows])
        alert = score >= np.float32(threshold)
        slices = []
        for s, name in enumerate(names(slicing)):
            here = slice_of == s
            nm, m = here & ~mated, here & mated
            slices.append({
                "name": name,
                "fpir": rate((nm & alert).sum(), nm.sum()),
                "fnir": rate((m & ~(alert & (top == truth))).sum(), m.sum()),
                "wrong_identity": rate((m & alert & (top != truth)).sum(), m.sum()),
                "flag_rate": rate((here & alert).sum(), here.sum()),
            })
        measured = [s["fpir"]["rate"] for s in slices if s["fpir"]["rate"] is not None]
        lowest = min(measured) if measured else None
        for s in slices:
            r = s["fpir"]["rate"]
            s["fpir_ratio"] = r / lowest if (r is not None and lowest) else None
        cases.append({"slicing": slicing, "threshold": threshold, "slices": slices})
    out = HERE / "expected/metrics.json"
    out.write_text(json.dumps({"source": "labelled_tracks.csv", "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} labelled tracks, {sum(len(c['slices']) for c in cases)} slice results -> {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
