//! An evaluation: every slice's metrics at the review's thresholds, with the differentials and
//! typed cautions a reader needs to judge them (`lineup_report::wording` words them).

use super::slices::{SlicedSearches, thresholds_for};
use super::{ReviewDocument, Slicing};
use crate::metrics::{
    self, ComparedRate, ComparisonWarning, Differentials, PooledMetrics, SliceIndex, SliceMetrics,
};

#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub slicing: Slicing,
    /// The global threshold; a slice's own, where the review sets one, is in its metrics.
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
    /// Identities on the watchlist the searches were made against: FPIR grows with it.
    pub watchlist_size: usize,
    /// People whose searches fall in more than one slice (see `metrics::Measurement`).
    pub people_in_several_slices: u64,
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
        Ok(Evaluation::new(
            self,
            slicing,
            threshold,
            &sliced,
            &sliced.index(),
        ))
    }

    /// The slice the reviewer chose as the reference for ratios, if it exists in `names`.
    pub fn reference_slice_in(&self, names: &[String]) -> Option<usize> {
        let chosen = self.reference_slice.as_deref()?;
        names.iter().position(|name| name == chosen)
    }
}

impl Evaluation {
    /// The evaluation of `sliced` (indexed by `index`) at `threshold` and the document's
    /// per-slice thresholds and chosen reference slice.
    pub fn new(
        document: &ReviewDocument,
        slicing: &Slicing,
        threshold: f32,
        sliced: &SlicedSearches,
        index: &SliceIndex,
    ) -> Self {
        let thresholds = thresholds_for(&sliced.names, &document.slice_thresholds, threshold);
        let measured = metrics::measure(
            &sliced.searches,
            index,
            &thresholds,
            &sliced.unknown,
            sliced.people_known,
            document.reference_slice_in(&sliced.names),
        );
        let [fpir_differentials, fnir_differentials] = measured.differentials;
        Evaluation {
            slicing: slicing.clone(),
            threshold,
            names: sliced.names.clone(),
            metrics: measured.metrics,
            fpir_differentials,
            fnir_differentials,
            warnings: measured.warnings,
            pooled: measured.pooled,
            searches: sliced.searches.len(),
            watchlist_size: document.watchlist.identities.len(),
            people_in_several_slices: measured.people_in_several_slices,
        }
    }

    /// The differentials of one rate.
    pub fn differentials_of(&self, rate: ComparedRate) -> &Differentials {
        match rate {
            ComparedRate::Fpir => &self.fpir_differentials,
            ComparedRate::Fnir => &self.fnir_differentials,
        }
    }
}
