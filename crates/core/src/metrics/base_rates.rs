//! What error rates mean on the street: expected true and false alerts in a crowd.
//!
//! A low FPIR still produces mostly false alerts when almost nobody in the crowd is on the
//! watchlist (the base-rate fallacy). These numbers are for councils and the public, so they are
//! plain expectations with the model spelled out, not measurements.

use serde::{Deserialize, Serialize};

use super::rates::{Interval, Rate};

/// Expected alerts when a crowd passes the cameras.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectedAlerts {
    /// People scanned.
    pub crowd_size: u64,
    /// Share of the crowd who are on the watchlist.
    pub prevalence: f64,
    /// Enrolled people correctly alerted on: `C · p · (1 − FNIR)`.
    pub true_alerts: f64,
    /// People not on the watchlist alerted on: `C · (1 − p) · FPIR`.
    pub false_alerts: f64,
    /// Enrolled people alerted on as somebody else: `C · p · WIR` (the wrong-identity alert
    /// rate). Wrong, like false alerts: they point officers at the wrong person.
    #[serde(default)]
    pub wrong_identity_alerts: f64,
    /// `(false + wrong-identity) / all alerts`; `None` when no alerts are expected at all.
    pub share_false: Option<f64>,
}

/// Expected true and false alerts in a crowd of `crowd_size` people of whom a share
/// `prevalence` is on the watchlist.
///
/// `None` unless `fpir`, `fnir`, `wrong_identity` and `prevalence` are all proportions in
/// `[0, 1]`.
///
/// The textbook base-rate formulas treat each enrolled person as found or missed; here an
/// enrolled person alerted on as somebody else (`wrong_identity`, a share of mated searches, part
/// of FNIR) is an alert too, and a wrong one.
pub fn expected_alerts(
    fpir: f64,
    fnir: f64,
    wrong_identity: f64,
    crowd_size: u64,
    prevalence: f64,
) -> Option<ExpectedAlerts> {
    if ![fpir, fnir, wrong_identity, prevalence]
        .iter()
        .all(|p| is_proportion(*p))
    {
        return None;
    }
    let crowd = crowd_size as f64;
    let true_alerts = crowd * prevalence * (1.0 - fnir);
    let false_alerts = crowd * (1.0 - prevalence) * fpir;
    let wrong_identity_alerts = crowd * prevalence * wrong_identity;
    let wrong = false_alerts + wrong_identity_alerts;
    let total = true_alerts + wrong;
    Some(ExpectedAlerts {
        crowd_size,
        prevalence,
        true_alerts,
        false_alerts,
        wrong_identity_alerts,
        share_false: (total > 0.0).then(|| wrong / total),
    })
}

/// An FPIR measured against one watchlist, extrapolated to another size: an extrapolation,
/// not a measurement.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExtrapolatedFpir {
    /// Identities on the watchlist the FPIR was measured at.
    pub measured_size: u64,
    /// Identities on the watchlist it is extrapolated to.
    pub deployment_size: u64,
    pub rate: f64,
    /// Both ends of the measured 95% interval, extrapolated the same way.
    pub interval: Interval,
}

/// What an FPIR measured against `measured_size` identities would become against
/// `deployment_size`, by the model FPIR ≈ 1 − (1 − FMR)^N: back out the per-comparison FMR
/// from the measured FPIR, then apply it `deployment_size` times, i.e.
/// `1 − (1 − FPIR)^(deployment / measured)`. The interval's ends are extrapolated alike (the
/// model is monotone). It assumes independent comparisons, which real watchlists are not:
/// look-alikes cluster, and some faces score high against many entries, so it is a model, not a
/// measurement. `None` when the FPIR or its interval was not measured or `measured_size` is 0.
pub fn extrapolate_fpir(
    fpir: &Rate,
    measured_size: u64,
    deployment_size: u64,
) -> Option<ExtrapolatedFpir> {
    if measured_size == 0 {
        return None;
    }
    let scale = deployment_size as f64 / measured_size as f64;
    let extrapolate = |value: f64| -> Option<f64> {
        if !is_proportion(value) {
            return None;
        }
        if value == 1.0 {
            return Some(if deployment_size == 0 { 0.0 } else { 1.0 });
        }
        // 1 − (1 − p)^s = −expm1(s · ln(1 − p)), precise for tiny p.
        Some(-(scale * (-value).ln_1p()).exp_m1())
    };
    let interval = fpir.interval?;
    Some(ExtrapolatedFpir {
        measured_size,
        deployment_size,
        rate: extrapolate(fpir.rate?)?,
        interval: Interval {
            low: extrapolate(interval.low)?,
            high: extrapolate(interval.high)?,
        },
    })
}

fn is_proportion(value: f64) -> bool {
    (0.0..=1.0).contains(&value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_close(got: f64, want: f64) {
        assert!((got - want).abs() < 1e-9, "got {got}, want {want}");
    }

    #[test]
    fn expected_alerts_arithmetic() {
        // C = 10,000, p = 1%: 100 enrolled, 9,900 not. FNIR 0.2 → 80 true alerts;
        // FPIR 0.01 → 99 false alerts; share false = 99 / 179 = 0.553073.
        let result = expected_alerts(0.01, 0.2, 0.0, 10_000, 0.01).expect("valid inputs");
        assert_close(result.true_alerts, 80.0);
        assert_close(result.false_alerts, 99.0);
        assert_close(result.share_false.expect("alerts expected"), 99.0 / 179.0);
        assert_eq!(result.crowd_size, 10_000);
    }

    #[test]
    fn expected_alerts_edge_cases() {
        // Nobody enrolled: every alert is false.
        let nobody = expected_alerts(0.001, 0.1, 0.0, 50_000, 0.0).expect("valid");
        assert_close(nobody.true_alerts, 0.0);
        assert_close(nobody.false_alerts, 50.0);
        assert_eq!(nobody.share_false, Some(1.0));
        // A perfect matcher on a crowd with nobody enrolled raises nothing.
        let silent = expected_alerts(0.0, 0.0, 0.0, 1_000, 0.0).expect("valid");
        assert_eq!(silent.share_false, None);
        // Empty crowd.
        assert_eq!(
            expected_alerts(0.1, 0.1, 0.0, 0, 0.5)
                .expect("valid")
                .share_false,
            None
        );
        // Not proportions.
        assert_eq!(expected_alerts(f64::NAN, 0.1, 0.0, 10, 0.5), None);
        assert_eq!(expected_alerts(0.1, 1.5, 0.0, 10, 0.5), None);
        assert_eq!(expected_alerts(0.1, 0.1, 0.0, 10, -0.1), None);
    }

    #[test]
    fn wrong_identity_alerts_are_alerts_and_wrong() {
        // C = 10,000, everyone enrolled (p = 1): FNIR 0.1 of which WIR 0.02 alert on the wrong
        // person → 9,000 true alerts, 200 wrong-identity alerts, share wrong 200 / 9,200.
        let result = expected_alerts(0.0, 0.1, 0.02, 10_000, 1.0).expect("valid");
        assert_close(result.true_alerts, 9_000.0);
        assert_close(result.wrong_identity_alerts, 200.0);
        assert_close(result.share_false.unwrap(), 200.0 / 9_200.0);
    }

    #[test]
    fn fpir_extrapolates_to_a_longer_watchlist_with_its_interval() {
        // 2 of 100 against 10 identities: 1 − 0.98^(1000/10) = 1 − e^(100 · ln 0.98) = 0.867380.
        let measured = Rate::new(2, 100);
        let at_1000 = extrapolate_fpir(&measured, 10, 1_000).expect("measured");
        assert_close(at_1000.rate, 0.867_380_444_105);
        let interval = measured.interval.unwrap();
        assert_close(at_1000.interval.low, 1.0 - (1.0 - interval.low).powf(100.0));
        assert_close(
            at_1000.interval.high,
            1.0 - (1.0 - interval.high).powf(100.0),
        );
        assert!(at_1000.interval.low <= at_1000.rate && at_1000.rate <= at_1000.interval.high);
        // The same size gives the measured rate back; 0 false alerts stay 0 at any size, but
        // the interval's upper end grows.
        let same = extrapolate_fpir(&measured, 10, 10).unwrap();
        assert_close(same.rate, 0.02);
        let none = extrapolate_fpir(&Rate::new(0, 130), 12, 10_000).unwrap();
        assert_eq!(none.rate, 0.0);
        assert!(none.interval.high > 0.99);
        assert_eq!(extrapolate_fpir(&Rate::new(0, 0), 12, 100), None);
        assert_eq!(extrapolate_fpir(&measured, 0, 100), None);
    }
}
