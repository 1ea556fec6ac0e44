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
Wilson's and Wilson's at the observed share with n = the effective number of searches: with
0 < k < n, n / deff with deff = max(1, cluster-robust variance m/(m-1) * sum((k_i - p*n_i)^2) / n^2
over the binomial p(1-p)/n), at most e * min(2, max(1, e/30)) where e = n^2 / sum(n_i^2) is
Kish's effective number of people; otherwise e itself. People: a watchlist identity, a
`person` label, or else the track itself, numbered in order of first appearance in the CSV.
The same rates pooled over all slices (people clustered across slices). Each slice's FPIR and FNIR
divided by a reference slice's: the known (not "unknown") slice with at least 30 effective
searches and the lowest rate above 0, with Katz's log interval, each rate's variance multiplied by its design
effect (n over its effective number of searches, at least 1), and Haldane's +0.5 where
either rate has k = 0 or k = n. Tracks labelled unlabelled or not_a_face are left out.
Slices: skin in Monk groups 1-3, 4-6, 7-10, then unknown; gender female, male, other, unknown;
crossed with the first attribute most significant, named "Monk 1–3 × female".
Writes tests/reference/expected/metrics.json; tests/metrics_reference.rs compares to 1e-9.

Also 1:1 verification per group (NISTIR 8280), from tests/reference/verification_photos.csv (the
photos of a seeded evaluation-set review: person, skin, gender, embedding): within each group,
every pair of photos of the same person is a genuine pair and every pair of two people an
impostor pair; a pair matches when the cosine of its embeddings is >= T.
  FMR       impostor pairs that match / impostor pairs (none for an "unknown" group, which is no
            group: its impostor pairs are not known to be same-group pairs)
  FNMR      genuine pairs that do not match / genuine pairs
each with the wider of Wilson's interval over the pairs and the clustered interval above over
per-person counts in which every pair counts once for each of its two people (twice for the one
person of a genuine pair). Writes tests/reference/expected/verification.json.

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
VERIFICATION_CASES = [(s, t) for s in ([], ["skin"], ["gender"]) for t in (0.3, 0.6, 0.8)]
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


def rate(events, searches):
    """events[i], searches[i]: person i's counts (people in order of first appearance)."""
    keep = searches > 0
    events, searches = events[keep], searches[keep]
    k, n, m = int(events.sum()), int(searches.sum()), len(searches)
    r, low, high = wilson(k, n)
    clustered = m != n
    effective = n
    if clustered:
        p = k / n
        people = n * n / float((searches.astype(float) ** 2).sum())  # Kish's effective people
        if k == 0 or k == n or m < 2:
            effective = people
        else:
            robust = m / (m - 1) * float(((events - p * searches) ** 2).sum()) / n ** 2
            cap = people * min(2.0, max(1.0, people / 30))
            effective = min(n / max(1.0, robust / (p * (1 - p) / n)), cap)
        _, c_low, c_high = wilson_at(p, effective)
        low, high = min(low, c_low), max(high, c_high)
    return {"k": k, "n": n, "rate": r, "low": low, "high": high, "people": m,
            "clustered": clustered, "effective": effective}


def design_effect(r):
    return max(1.0, r["n"] / r["effective"]) if r["clustered"] and r["effective"] > 0 else 1.0


def katz(a, b):
    if a["n"] == 0 or b["n"] == 0:
        return None, None
    degenerate = lambda r: r["k"] == 0 or r["k"] == r["n"]
    c = 0.5 if degenerate(a) or degenerate(b) else 0.0
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
                        if s[key]["n"] / design_effect(s[key]) >= 30 and s[key]["rate"]
                        and "unknown" not in s["name"]]
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



NOT_MEASURED = {"k": 0, "n": 0, "rate": None, "low": None, "high": None, "people": None, "clustered": False}


def pair_rate(k, n, events, pairs):
    """k of n pairs; events[i], pairs[i]: person i's counts, each pair once per person in it."""
    clustered = rate(events, pairs)
    r, low, high = wilson(k, n)
    if r is not None:
        low, high = min(low, clustered["low"]), max(high, clustered["high"])
    return {"k": k, "n": n, "rate": r, "low": low, "high": high, "people": clustered["people"],
            "clustered": clustered["clustered"]}


def verification():
    rows = list(csv.DictReader(open(HERE / "verification_photos.csv", newline="")))
    dimensions = sum(1 for c in rows[0] if c.startswith("e"))
    embedding = np.array([[np.float32(r[f"e{d}"]) for d in range(dimensions)] for r in rows],
                         dtype=np.float32).astype(np.float64)
    score = embedding @ embedding.T
    numbers = {}
    people = np.array([numbers.setdefault(r["person"], len(numbers)) for r in rows])
    count = len(numbers)
    cases = []
    for slicing, threshold in VERIFICATION_CASES:
        sizes = [len(GROUPS[a]) + 1 for a in slicing]
        slice_of = np.zeros(len(rows), dtype=int)
        for attribute, size in zip(slicing, sizes):
            slice_of = slice_of * size + np.array([group(attribute, r[attribute]) for r in rows])
        groups = []
        for g, name in enumerate(names(slicing)):
            members = np.flatnonzero(slice_of == g)
            i, j = np.triu_indices(len(members), k=1)
            a, b = people[members[i]], people[members[j]]
            match = score[members[i], members[j]] >= threshold
            genuine = a == b

            def per_person(mask, event):
                both = lambda m: (np.bincount(a[m], minlength=count) + np.bincount(b[m], minlength=count)).astype(np.int64)
                return both(mask & event), both(mask)

            # An "unknown" group is no group: its impostor pairs may be of people of any
            # groups, so it has no same-group FMR (its genuine pairs still give FNMR).
            fmr = (NOT_MEASURED if "unknown" in name else
                   pair_rate(int((~genuine & match).sum()), int((~genuine).sum()), *per_person(~genuine, match)))
            groups.append({
                "name": name,
                "fmr": fmr,
                "fnmr": pair_rate(int((genuine & ~match).sum()), int(genuine.sum()), *per_person(genuine, ~match)),
            })
        cases.append({"slicing": slicing, "threshold": threshold, "groups": groups})
    out = HERE / "expected/verification.json"
    out.write_text(json.dumps({"source": "verification_photos.csv", "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(f"{len(rows)} photos, {sum(len(c['groups']) for c in cases)} group results -> {out.relative_to(HERE.parent.parent)}")


if __name__ == "__main__":
    main()
    verification()
