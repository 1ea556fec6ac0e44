#!/usr/bin/env python3
"""Independent per-slice metrics for lineup (run by developers, not by CI).

Reads tests/reference/labelled_tracks.csv, exactly as `lineup labels export` writes it for the
seeded labelled review in tests/common/labelled.rs, and computes with numpy, from the written
definitions alone (NIST FRVT 1:N / ISO/IEC 19795-1), every slice's:
  FPIR      non-mated tracks whose top score >= T / non-mated tracks
  FNIR      mated tracks NOT (top identity == true identity and top score >= T) / mated tracks
  wrong-id  mated tracks with top score >= T and top identity != true identity / mated tracks
  flag rate tracks with top score >= T / labelled tracks
each with a 95% interval: Wilson's where every person gave one search; otherwise the wider of
Wilson's and, with 30 or more people, a percentile bootstrap over people (2,000 resamples drawn
with SplitMix64 from seed 20261129, restarted per interval; the 51st and 1,950th smallest shares);
with fewer people, or where every search or none has the event, Wilson at the observed share
with n = the number of people. People: a watchlist identity, a
`person` label, or else the track itself, numbered in order of first appearance in the CSV.
The same rates pooled over all slices (people clustered across slices). Each slice's FPIR and FNIR
divided by a reference slice's: the known (not "unknown") slice with n >= 30 and the lowest rate
(none when that is 0), with Katz's log interval, each rate's variance multiplied by its design
effect (squared ratio of its interval's width to Wilson's, at least 1), and Haldane's +0.5 where
either count is 0. Tracks labelled unlabelled or not_a_face are left out.
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
    return wilson_at(k / n, n)


def wilson_at(p, n):
    """Wilson's interval for an observed share p as if from n independent trials."""
    denominator = 1 + Z * Z / n
    centre = (p + Z * Z / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / denominator
    return p, 0.0 if p == 0 else max(0.0, centre - half), 1.0 if p == 1 else min(1.0, centre + half)


SEED = 20261129
RESAMPLES = 2000
MASK = np.uint64(0xFFFFFFFFFFFFFFFF)


def splitmix64(seed, count):
    """The first `count` outputs of SplitMix64 from `seed`, vectorised (uint64 arithmetic wraps)."""
    with np.errstate(over="ignore"):
        state = np.uint64(seed) + np.uint64(0x9E3779B97F4A7C15) * np.arange(1, count + 1, dtype=np.uint64)
        z = (state ^ (state >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def below(outputs, bound):
    """floor(output * bound / 2^64) without 128-bit integers (bound < 2^32)."""
    high, low = outputs >> np.uint64(32), outputs & np.uint64(0xFFFFFFFF)
    bound = np.uint64(bound)
    return ((high * bound + ((low * bound) >> np.uint64(32))) >> np.uint64(32)).astype(np.int64)


def rate(events, searches):
    """events[i], searches[i]: person i's counts (people in order of first appearance)."""
    keep = searches > 0
    events, searches = events[keep], searches[keep]
    k, n, m = int(events.sum()), int(searches.sum()), len(searches)
    r, low, high = wilson(k, n)
    clustered = m != n
    if clustered:
        if k == 0 or k == n or m < 30:
            _, b_low, b_high = wilson_at(k / n, m)
        else:
            picks = below(splitmix64(SEED, RESAMPLES * m), m).reshape(RESAMPLES, m)
            shares = np.sort(events[picks].sum(axis=1) / searches[picks].sum(axis=1))
            b_low, b_high = shares[math.floor(RESAMPLES * 0.025)], shares[math.ceil(RESAMPLES * 0.975) - 1]
        low, high = min(low, b_low), max(high, b_high)
    return {"k": k, "n": n, "rate": r, "low": low, "high": high, "people": m, "clustered": clustered}


def design_effect(r):
    if not r["clustered"] or r["n"] == 0:
        return 1.0
    _, low, high = wilson(r["k"], r["n"])
    return max(1.0, ((r["high"] - r["low"]) / (high - low)) ** 2) if high > low else 1.0


def katz(a, b):
    if a["n"] == 0 or b["n"] == 0:
        return None, None
    c = 0.5 if a["k"] == 0 or b["k"] == 0 else 0.0
    ka, na, kb, nb = a["k"] + c, a["n"] + 2 * c, b["k"] + c, b["n"] + 2 * c
    centre = math.log((ka / na) / (kb / nb))
    half = Z * math.sqrt(max(0.0, design_effect(a) * (1 / ka - 1 / na) + design_effect(b) * (1 / kb - 1 / nb)))
    return math.exp(centre - half), math.exp(centre + half)


def per_person(mask, event, people, count):
    """Per person: (events, searches) among the rows in `mask`."""
    return (np.bincount(people[mask & event], minlength=count).astype(np.int64),
            np.bincount(people[mask], minlength=count).astype(np.int64))


def main():
    rows = [r for r in csv.DictReader(open(HERE / "labelled_tracks.csv", newline=""))
            if r["label"] == "not_on_watchlist" or r["label"].startswith("watchlist:")]
    truth = np.array([r["label"].removeprefix("watchlist:") if r["label"] != "not_on_watchlist" else "" for r in rows])
    mated = truth != ""
    top = np.array([r["top_identity"] for r in rows])
    score = np.array([np.float32(r["top_score"]) if r["top_score"] else -np.inf for r in rows], dtype=np.float32)
    numbers = {}
    for r, t in zip(rows, truth):
        key = ("enrolled", t) if t else (("named", r["person"].strip()) if r["person"].strip() else ("track", r["track"]))
        numbers.setdefault(key, len(numbers))
        r["_person"] = numbers[key]
    people = np.array([r["_person"] for r in rows])
    count = len(numbers)
    cases = []
    for slicing, threshold in CASES:
        sizes = [len(GROUPS[a]) + 1 for a in slicing]
        slice_of = np.zeros(len(rows), dtype=int)
        for attribute, size in zip(slicing, sizes):
            slice_of = slice_of * size + np.array([group(attribute, r[attribute]) for r in rows])
        alert = score >= np.float32(threshold)
        def rates(here):
            nm, m = here & ~mated, here & mated
            return {
                "fpir": rate(*per_person(nm, alert, people, count)),
                "fnir": rate(*per_person(m, ~(alert & (top == truth)), people, count)),
                "wrong_identity": rate(*per_person(m, alert & (top != truth), people, count)),
                "flag_rate": rate(*per_person(here, alert, people, count)),
            }
        slices = []
        for s, name in enumerate(names(slicing)):
            slices.append({"name": name, **rates(slice_of == s)})
        for key in ("fpir", "fnir"):
            eligible = [(s[key]["rate"], i) for i, s in enumerate(slices)
                        if s[key]["n"] >= 30 and "unknown" not in s["name"]]
            reference = min(eligible)[1] if eligible else None
            for i, s in enumerate(slices):
                ref = slices[reference][key] if reference is not None else None
                r = s[key]["rate"]
                s[f"{key}_ratio"] = r / ref["rate"] if (ref and r is not None and ref["rate"] > 0) else None
                low, high = katz(s[key], ref) if (ref and i != reference) else (None, None)
                s[f"{key}_ratio_low"], s[f"{key}_ratio_high"] = low, high
        cases.append({"slicing": slicing, "threshold": threshold, "slices": slices,
                      "pooled": rates(np.ones(len(rows), dtype=bool))})
    out = HERE / "expected/metrics.json"
    out.write_text(json.dumps({"source": "labelled_tracks.csv", "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} labelled tracks, {sum(len(c['slices']) for c in cases)} slice results -> {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
