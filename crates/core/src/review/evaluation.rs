//! An evaluation: every slice's metrics at the review's thresholds, with the differentials and
//! typed cautions a reader needs to judge them (`lineup_report::wording` words them).

use super::{ReviewDocument, Slicing};
use crate::metrics::{
    self, ComparedRate, ComparisonWarning, Differentials, PooledMetrics, SliceMetrics,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub slicing: Slicing,
    pub threshold: f32,
    /// Per slice, in order.
    pub names: Vec<String>,
    pub metrics: Vec<SliceMetrics>,
    pub fpir_differentials: Differentials,
    pub fnir_differentials: Differentials,
    /// Where slices cannot be told apart; slice numbers index `names`.
    pub warnings: Vec<ComparisonWarning>,
    /// All labelled tracks together.
    pub pooled: PooledMetrics,
    /// Labelled tracks (on or off the watchlist) counted.
    pub searches: usize,
}

impl ReviewDocument {
    /// Evaluates the labelled tracks, sliced by `slicing`, at `threshold` (and each slice's own
    /// threshold where one is set).
    pub fn evaluate(
        &self,
        slicing: &Slicing,
        threshold: f32,
    ) -> Result<Evaluation, super::AttributeError> {
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
            warnings: metrics::comparison_warnings(
                &metrics
                    .iter()
                    .filter(|m| m.flag_rate.n > 0)
                    .copied()
                    .collect::<Vec<_>>(),
            ),
            pooled: metrics::pooled(&metrics),
            searches,
            names,
            metrics,
        }
    }
}
