//! A rate is only as good as its sample size, so every rate here travels with its counts and a
//! 95% Wilson score interval.

use serde::{Deserialize, Serialize};

/// z for a two-sided 95% interval: the 0.975 quantile of the standard normal distribution.
pub(crate) const Z_95: f64 = 1.959963984540054;

/// The standard normal quantile: the `z` with `P(Z ≤ z) = p`, for `0 < p < 1` (Peter Acklam's
/// rational approximation, relative error below 1.2e-9). Used for intervals at
/// other levels than 95%, e.g. 95% shared among several comparisons.
pub fn normal_quantile(p: f64) -> f64 {
    if p.is_nan() || p <= 0.0 || p >= 1.0 {
        return f64::NAN;
    }
    const A: [f64; 6] = [
        -3.969683028665376e1,
        2.209460984245205e2,
        -2.759285104469687e2,
        1.383_577_518_672_69e2,
        -3.066479806614716e1,
        2.506628277459239,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e1,
        1.615858368580409e2,
        -1.556989798598866e2,
        6.680131188771972e1,
        -1.328068155288572e1,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-3,
        -3.223964580411365e-1,
        -2.400758277161838,
        -2.549732539343734,
        4.374664141464968,
        2.938163982698783,
    ];
    const D: [f64; 4] = [
        7.784695709041462e-3,
        3.224671290700398e-1,
        2.445134137142996,
        3.754408661907416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// A closed interval `[low, high]` of proportions, within `[0, 1]`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether the two intervals share at least one point. Overlapping 95% intervals mean the
    /// data cannot tell the two rates apart with confidence (a conservative reading: rates can
    /// differ significantly even when their intervals overlap slightly).
    pub fn overlaps(&self, other: &Interval) -> bool {
        self.low <= other.high && other.low <= self.high
    }
}

/// `k` events out of `n` trials, with the proportion and its 95% Wilson interval.
///
/// `rate` and `interval` are `None` when `n == 0`: there is nothing to measure, and showing 0 or
/// NaN would pretend otherwise.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rate {
    /// Numerator: how many searches had the event.
    pub k: u64,
    /// Denominator: how many searches could have had it.
    pub n: u64,
    /// `k / n`, or `None` when `n == 0`.
    pub rate: Option<f64>,
    /// The rate's 95% interval, or `None` when `n == 0`: Wilson's where each search is of a
    /// different person, otherwise one that respects clustering by person (see `method`).
    pub interval: Option<Interval>,
    /// How many distinct people the `n` searches are of, where the labels say; `None` where
    /// they do not (searches of people not on the watchlist with no person label).
    #[serde(default)]
    pub people: Option<u64>,
    /// Which interval `interval` is.
    #[serde(default)]
    pub method: IntervalMethod,
}

/// How a rate's 95% interval was computed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum IntervalMethod {
    /// Wilson score interval: assumes every search is independent (one search per person).
    #[default]
    Wilson,
    /// Some people gave several searches, which are not independent: the Wilson interval of
    /// the observed rate at this many effective searches (the number of people, or the searches
    /// divided by the design effect; see the `clustered` module), or of the raw counts where wider.
    Clustered { effective_searches: f64 },
}

impl Rate {
    /// Builds the rate for `k` events in `n` trials. A `k` larger than `n` is a caller error and
    /// is capped at `n` rather than producing a rate above 1.
    pub fn new(k: u64, n: u64) -> Rate {
        let k = k.min(n);
        Rate {
            k,
            n,
            rate: proportion(k, n),
            interval: wilson_interval(k, n, Z_95),
            people: None,
            method: IntervalMethod::Wilson,
        }
    }

    /// How much the clustering by person inflates the rate's variance (Kish's design effect):
    /// searches over effective searches, at least 1. It is 1 for a Wilson interval.
    pub(crate) fn design_effect(&self) -> f64 {
        match self.method {
            IntervalMethod::Clustered { effective_searches } if effective_searches > 0.0 => {
                (self.n as f64 / effective_searches).max(1.0)
            }
            _ => 1.0,
        }
    }

    /// The number of independent searches the interval rests on: `n`, or fewer where searches
    /// are clustered by person.
    pub fn effective_searches(&self) -> f64 {
        self.n as f64 / self.design_effect()
    }
}

/// `k / n`, or `None` when `n == 0`.
fn proportion(k: u64, n: u64) -> Option<f64> {
    (n > 0).then(|| k as f64 / n as f64)
}

/// Wilson score interval for `k` successes in `n` trials at normal quantile `z` (use [`Z_95`]
/// for 95%). `None` when `n == 0` or `z` is not finite.
///
/// Chosen over the textbook normal ("Wald") interval because watchlist error rates are often 0
/// or tiny, where Wald collapses to `[0, 0]` and claims certainty that 0 false alerts in 10
/// searches do not give.
pub(crate) fn wilson_interval(k: u64, n: u64, z: f64) -> Option<Interval> {
    if n == 0 || !z.is_finite() {
        return None;
    }
    let k = k.min(n);
    wilson_at(k as f64 / n as f64, n as f64, z)
}

/// The Wilson interval of an observed proportion `p_hat` as if from `n` independent trials
/// (`n` need not be the number of searches: see `clustered`, which gives it the number of
/// people). `None` when `n` is not positive, `p_hat` is not a proportion or `z` is not finite.
pub(crate) fn wilson_at(p_hat: f64, n: f64, z: f64) -> Option<Interval> {
    if n.is_nan() || n <= 0.0 || !(0.0..=1.0).contains(&p_hat) || !z.is_finite() {
        return None;
    }
    let n_f = n;
    let z2 = z * z;
    // With p̂ = k/n, the Wilson score interval is
    //
    //   centre    = (p̂ + z²/(2n)) / (1 + z²/n)
    //   halfwidth = z / (1 + z²/n) · √( p̂(1 − p̂)/n + z²/(4n²) )
    //   interval  = [centre − halfwidth, centre + halfwidth]
    //
    // It solves |p̂ − p| = z·√(p(1 − p)/n) for p, so it always lies inside [0, 1].
    let denominator = 1.0 + z2 / n_f;
    let centre = (p_hat + z2 / (2.0 * n_f)) / denominator;
    let halfwidth =
        z.abs() / denominator * (p_hat * (1.0 - p_hat) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    // At p̂ = 0 (p̂ = 1) the lower (upper) end is exactly 0 (1) algebraically; pin it so rounding
    // cannot produce -1e-17 or 0.9999999999999999.
    let low = if p_hat == 0.0 {
        0.0
    } else {
        (centre - halfwidth).max(0.0)
    };
    let high = if p_hat == 1.0 {
        1.0
    } else {
        (centre + halfwidth).min(1.0)
    };
    Some(Interval { low, high })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOLERANCE: f64 = 1e-4;

    fn assert_interval(k: u64, n: u64, low: f64, high: f64) {
        let interval = wilson_interval(k, n, Z_95).expect("n > 0 has an interval");
        assert!(
            (interval.low - low).abs() < TOLERANCE && (interval.high - high).abs() < TOLERANCE,
            "k={k} n={n}: got [{}, {}], want [{low}, {high}]",
            interval.low,
            interval.high
        );
    }

    #[test]
    fn wilson_zero_out_of_ten() {
        // z² = 3.841459, z²/n = 0.3841459, denominator = 1.3841459.
        // centre = (0 + 0.1920729) / 1.3841459 = 0.1387664
        // halfwidth = 1.959964 / 1.3841459 · √(0 + 3.841459/400) = 1.4160097 · 0.0979982
        //           = 0.1387664 → [0, 0.2775328]
        assert_interval(0, 10, 0.0, 0.2775);
    }

    #[test]
    fn wilson_five_out_of_ten() {
        // centre = (0.5 + 0.1920729) / 1.3841459 = 0.5
        // halfwidth = 1.4160097 · √(0.025 + 0.0096036) = 1.4160097 · 0.1860205 = 0.2634069
        // → [0.2365931, 0.7634069]
        assert_interval(5, 10, 0.2366, 0.7634);
    }

    #[test]
    fn wilson_all_out_of_ten_mirrors_none_out_of_ten() {
        // By symmetry k = n gives [1 − 0.2775328, 1].
        assert_interval(10, 10, 0.7225, 1.0);
        let interval = wilson_interval(10, 10, Z_95).expect("n > 0");
        assert_eq!(interval.high, 1.0);
    }

    #[test]
    fn wilson_one_out_of_one() {
        // n = 1: denominator = 4.841459, centre = (1 + 1.9207297) / 4.841459 = 0.6032746,
        // halfwidth = 0.4048292 · √(3.841459/4) = 0.4048292 · 0.9799724 = 0.3967253
        // → [0.2065493, 1]
        assert_interval(1, 1, 0.2065, 1.0);
    }

    #[test]
    fn wilson_two_out_of_twenty() {
        // z²/n = 0.1920729, denominator = 1.1920729, centre = (0.1 + 0.0960365)/1.1920729
        // = 0.1644501, halfwidth = 1.6441645 · √(0.0045 + 0.0024009) = 1.6441645 · 0.0830717
        // = 0.1365836 → [0.0278665, 0.3010336]
        assert_interval(2, 20, 0.027_866, 0.301_034);
    }

    #[test]
    fn wilson_small_rate_on_large_sample() {
        // 87 false alerts in 10,000: p̂ = 0.0087, z²/n = 0.000384146,
        // centre = (0.0087 + 0.000192073)/1.000384146 = 0.0088887,
        // halfwidth = 1.9592113 · √(8.62431e-7 + 9.60365e-9) = 1.9592113 · 0.00093383
        // = 0.0018296 → [0.0070591, 0.0107182]
        assert_interval(87, 10_000, 0.0071, 0.0107);
    }

    #[test]
    fn wilson_is_none_without_trials() {
        assert_eq!(wilson_interval(0, 0, Z_95), None);
        assert_eq!(wilson_interval(0, 10, f64::NAN), None);
    }

    #[test]
    fn wilson_contains_the_point_estimate() {
        for n in 1..40u64 {
            for k in 0..=n {
                let interval = wilson_interval(k, n, Z_95).expect("n > 0");
                let p = k as f64 / n as f64;
                assert!(interval.low <= p && p <= interval.high, "k={k} n={n}");
                assert!(interval.low >= 0.0 && interval.high <= 1.0, "k={k} n={n}");
            }
        }
    }

    #[test]
    fn normal_quantiles_match_published_values() {
        // Published (and Python's statistics.NormalDist().inv_cdf): z(0.975) = 1.959963984540054,
        // z(0.99) = 2.326347874040841, z(0.995) = 2.575829303548901,
        // z(1 − 0.025/10) = 2.807033768343811.
        for (p, z) in [
            (0.975, Z_95),
            (0.99, 2.326_347_874_040_841),
            (0.995, 2.575_829_303_548_901),
            (1.0 - 0.025 / 10.0, 2.807_033_768_343_811),
            (0.5, 0.0),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-8,
                "p={p}: {}",
                normal_quantile(p)
            );
        }
        assert!((normal_quantile(0.025) + Z_95).abs() < 1e-8);
        assert!(normal_quantile(0.0).is_nan() && normal_quantile(1.0).is_nan());
    }

    #[test]
    fn rate_without_trials_has_no_rate_and_no_interval() {
        let rate = Rate::new(0, 0);
        assert_eq!(rate.rate, None);
        assert_eq!(rate.interval, None);
    }

    #[test]
    fn rate_carries_counts_and_proportion() {
        let rate = Rate::new(3, 12);
        assert_eq!((rate.k, rate.n), (3, 12));
        assert_eq!(rate.rate, Some(0.25));
    }

    #[test]
    fn rate_caps_numerator_at_denominator() {
        let rate = Rate::new(7, 5);
        assert_eq!(rate.k, 5);
        assert_eq!(rate.rate, Some(1.0));
    }

    #[test]
    fn intervals_overlap_when_they_share_a_point() {
        let a = Interval {
            low: 0.1,
            high: 0.3,
        };
        let touching = Interval {
            low: 0.3,
            high: 0.5,
        };
        let apart = Interval {
            low: 0.31,
            high: 0.5,
        };
        assert!(a.overlaps(&touching) && touching.overlaps(&a));
        assert!(!a.overlaps(&apart) && !apart.overlaps(&a));
    }
}
