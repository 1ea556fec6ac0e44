//! An evaluation: every slice's metrics at the review's thresholds, with the differentials and
//! warnings a reader needs to judge them, and a plain-text table for terminals.

use std::fmt::Write as _;

use super::{ReviewDocument, Slicing};
use crate::metrics::{self, ComparedRate, Differentials, PooledMetrics, Rate, SliceMetrics};

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub slicing: Slicing,
    pub threshold: f32,
    /// Per slice, in order.
    pub names: Vec<String>,
    pub metrics: Vec<SliceMetrics>,
    pub fpir_differentials: Differentials,
    pub fnir_differentials: Differentials,
    pub warnings: Vec<String>,
    /// All labelled tracks together.
    pub pooled: PooledMetrics,
    /// Labelled tracks (on or off the watchlist) counted.
    pub searches: usize,
}

impl ReviewDocument {
    /// Evaluates the labelled tracks, sliced by `slicing`, at `threshold` (and each slice's own
    /// threshold where one is set).
    pub fn evaluate(&self, slicing: &Slicing, threshold: f32) -> Result<Evaluation, String> {
        let sliced = self.sliced_searches(slicing)?;
        let metrics = self.slice_metrics(&sliced, threshold);
        let searches = sliced.searches.len();
        Ok(Evaluation::from_metrics(
            slicing.clone(),
            threshold,
            sliced.names,
            metrics,
            searches,
        ))
    }
}

impl Evaluation {
    /// Differentials, cautions and pooled rates for already computed per-slice metrics.
    pub fn from_metrics(
        slicing: Slicing,
        threshold: f32,
        names: Vec<String>,
        metrics: Vec<SliceMetrics>,
        searches: usize,
    ) -> Self {
        Evaluation {
            slicing,
            threshold,
            fpir_differentials: metrics::differentials(&metrics, ComparedRate::Fpir),
            fnir_differentials: metrics::differentials(&metrics, ComparedRate::Fnir),
            // Slices nobody in the sample falls in are left out of the table, and of the cautions.
            warnings: metrics::warning_messages(
                &metrics
                    .iter()
                    .filter(|m| m.flag_rate.n > 0)
                    .copied()
                    .collect::<Vec<_>>(),
                &names,
            ),
            pooled: metrics::pooled(&metrics),
            searches,
            names,
            metrics,
        }
    }
}

/// "12.5% [4.1%, 32.6%]", or "n/a" when nothing was measured.
pub fn rate_text(rate: &Rate) -> String {
    match (rate.rate, rate.interval) {
        (Some(value), Some(ci)) => {
            format!(
                "{:.1}% [{:.1}%, {:.1}%]",
                value * 100.0,
                ci.low * 100.0,
                ci.high * 100.0
            )
        }
        _ => "n/a".into(),
    }
}

fn ratio_text(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "–".into(), |r| format!("{r:.2}×"))
}

impl Evaluation {
    /// The evaluation as an aligned table: one row per slice with its n, rates, intervals and
    /// ratio to the best slice, then the warnings. Slices with no labelled track are left out.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let by = if self.slicing.attributes.is_empty() {
            "everyone together".to_string()
        } else {
            self.slicing.attributes.join(" × ")
        };
        let _ = writeln!(
            out,
            "Labelled tracks: {} — sliced by {by}, threshold {:.2}",
            self.searches, self.threshold
        );
        let _ = writeln!(
            out,
            "{:<32} {:>9} {:>24} {:>7} {:>6} {:>24} {:>7} {:>8}",
            "slice",
            "non-mated",
            "FPIR [95% CI]",
            "×best",
            "mated",
            "FNIR [95% CI]",
            "×best",
            "wrong-id"
        );
        for (i, m) in self.metrics.iter().enumerate() {
            if m.flag_rate.n == 0 {
                continue;
            }
            let _ = writeln!(
                out,
                "{:<32} {:>9} {:>24} {:>7} {:>6} {:>24} {:>7} {:>8}",
                self.names[i],
                m.fpir.n,
                rate_text(&m.fpir),
                ratio_text(self.fpir_differentials.per_slice[i].vs_lowest),
                m.fnir.n,
                rate_text(&m.fnir),
                ratio_text(self.fnir_differentials.per_slice[i].vs_lowest),
                m.wrong_identity_alerts.k,
            );
        }
        let p = &self.pooled;
        let _ = writeln!(
            out,
            "{:<32} {:>9} {:>24} {:>7} {:>6} {:>24} {:>7} {:>8}",
            "all labelled",
            p.fpir.n,
            rate_text(&p.fpir),
            "",
            p.fnir.n,
            rate_text(&p.fnir),
            "",
            p.wrong_identity_alerts.k
        );
        if !self.warnings.is_empty() {
            let _ = writeln!(out, "\nCaution:");
            for warning in &self.warnings {
                let _ = writeln!(out, "  - {warning}");
            }
        }
        out
    }
}
