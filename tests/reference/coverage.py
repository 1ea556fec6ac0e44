#!/usr/bin/env python3
"""How often lineup's clustered 95% intervals hold the true rate (run by developers, not by CI).

Simulates people with their own error rates (beta-distributed around a true mean; a small `a`
means errors concentrate in a few people), each searched `s` times, and applies the interval
rule of crates/core/src/metrics/clustered.rs: Wilson at the effective number of searches (the
number of people when k is 0 or n; otherwise n / design effect from the cluster-robust variance,
but never more than the people times min(2, max(1, people / 30))), or Wilson on the raw counts
where wider. Prints the share of
simulated samples whose interval holds the true mean.

Usage: /tmp/ref/bin/python tests/reference/coverage.py   (numpy, as metrics_reference.py)
"""
import math

import numpy as np

Z = 1.959963984540054


def wilson(p, n):
    z2 = Z * Z
    d = 1 + z2 / n
    c = (p + z2 / (2 * n)) / d
    h = Z / d * math.sqrt(max(0.0, p * (1 - p) / n + z2 / (4 * n * n)))
    return (0 if p == 0 else max(0, c - h), 1 if p == 1 else min(1, c + h))


def interval(events, searches):
    k, n, m = events.sum(), searches.sum(), len(events)
    p = k / n
    raw = wilson(p, n)
    if m == n:
        return raw
    # Kish's effective number of people: m when all give as many searches, fewer when one
    # person gives most of them.
    people = n * n / (searches.astype(float) ** 2).sum()
    if k == 0 or k == n:
        effective = people
    else:
        robust = m / (m - 1) * ((events - p * searches) ** 2).sum() / n ** 2
        cap = people * min(2.0, max(1.0, people / 30))
        effective = min(n / max(1.0, robust / (p * (1 - p) / n)), cap)
    clustered = wilson(p, effective)
    return min(raw[0], clustered[0]), max(raw[1], clustered[1])


def main():
    rng = np.random.default_rng(1)
    print("people  searches/person           beta a  true rate  coverage")
    cases = [(5, 20, 0.2, 0.1), (10, 10, 0.05, 0.05), (30, 10, 5, 0.05), (30, 10, 0.2, 0.05),
             (30, 10, 0.05, 0.03), (40, 5, 0.1, 0.02), (60, 10, 0.05, 0.03),
             (100, 10, 0.05, 0.01), (200, 3, 0.5, 0.05), (30, 20, 0.01, 0.02),
             (30, 30, 0.01, 0.03), (30, 50, 0.005, 0.02), (60, 20, 0.01, 0.02)]
    # One person seen many times, everyone else a few: the CCTV pattern of a regular passer-by.
    uneven = [(10, 100, 3, 1, 0.1), (10, 100, 3, 1, 0.3), (30, 200, 3, 1, 0.1),
              (30, 200, 3, 0.5, 0.05), (45, 300, 3, 1, 0.3), (60, 300, 3, 1, 0.1),
              (100, 500, 3, 0.5, 0.05)]
    trials = 2000
    for m, s, a, mean in cases:
        searches = np.full(m, s)
        print(f"{m:6d}  {s:>3d} each{'':15s}  {a:6.3f}  {mean:9.2f}  "
              f"{coverage(rng, searches, a, mean, trials):8.3f}")
    for m, big, small, a, mean in uneven:
        searches = np.array([big] + [small] * (m - 1))
        print(f"{m:6d}  one {big:3d}, others {small:d}{'':6s}  {a:6.3f}  {mean:9.2f}  "
              f"{coverage(rng, searches, a, mean, trials):8.3f}")


def coverage(rng, searches, a, mean, trials):
    b = a * (1 - mean) / mean
    held = 0
    for _ in range(trials):
        events = rng.binomial(searches, rng.beta(a, b, len(searches)))
        low, high = interval(events, searches)
        held += low <= mean <= high
    return held / trials


if __name__ == "__main__":
    main()
