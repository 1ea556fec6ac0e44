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
    if k == 0 or k == n:
        effective = m
    else:
        robust = m / (m - 1) * ((events - p * searches) ** 2).sum() / n ** 2
        cap = m * min(2.0, max(1.0, m / 30))
        effective = min(n / max(1.0, robust / (p * (1 - p) / n)), cap)
    clustered = wilson(p, effective)
    return min(raw[0], clustered[0]), max(raw[1], clustered[1])


def main():
    rng = np.random.default_rng(1)
    print("people  searches/person  beta a  true rate  coverage")
    for m, s, a, mean in [(5, 20, 0.2, 0.1), (10, 10, 0.05, 0.05), (30, 10, 5, 0.05),
                          (30, 10, 0.2, 0.05), (30, 10, 0.05, 0.03), (40, 5, 0.1, 0.02),
                          (60, 10, 0.05, 0.03), (100, 10, 0.05, 0.01), (200, 3, 0.5, 0.05),
                          (30, 20, 0.01, 0.02), (30, 30, 0.01, 0.03), (30, 50, 0.005, 0.02),
                          (60, 20, 0.01, 0.02)]:
        b = a * (1 - mean) / mean
        held = 0
        trials = 2000
        for _ in range(trials):
            rates = rng.beta(a, b, m)
            searches = np.full(m, s)
            events = rng.binomial(s, rates)
            low, high = interval(events, searches)
            held += low <= mean <= high
        print(f"{m:6d}  {s:15d}  {a:6.2f}  {mean:9.2f}  {held / trials:8.3f}")


if __name__ == "__main__":
    main()
