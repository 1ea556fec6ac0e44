//! DET curves and score histograms: the whole trade-off, not just one threshold.

use serde::{Deserialize, Serialize};

use super::index::{SliceIndex, SliceScores, count_at_or_above};

/// The range histograms cover: cosine similarity runs from -1 to 1.
pub(crate) const SCORE_RANGE: (f32, f32) = (-1.0, 1.0);

/// One point of a DET (detection error trade-off) curve.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct DetPoint {
    /// Alert when `score >= threshold`.
    pub threshold: f32,
    /// `None` when the slice has no non-mated searches.
    pub fpir: Option<f64>,
    /// `None` when the slice has no mated searches.
    pub fnir: Option<f64>,
}

/// Counts of scores in equal-width bins over [`SCORE_RANGE`].
///
/// Bin `i` covers `[low + i·w, low + (i+1)·w)` with `w = (high − low) / bins`, except that the
/// last bin also includes `high`: a score of exactly 1.0 lands in the last bin and -1.0 in the
/// first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Histogram {
    pub low: f32,
    pub high: f32,
    /// One count per bin, lowest scores first.
    pub counts: Vec<u64>,
    /// Scores outside `[low, high]` that were put in the nearest end bin. Cosine scores computed
    /// in `f32` can overshoot 1.0 by rounding; dropping them would hide the strongest matches,
    /// so they are kept and counted here instead.
    pub clamped: u64,
}

impl Histogram {
    /// Width of each bin.
    #[cfg(test)]
    fn bin_width(&self) -> f64 {
        if self.counts.is_empty() {
            return 0.0;
        }
        (f64::from(self.high) - f64::from(self.low)) / self.counts.len() as f64
    }

    /// The `bins + 1` edges from `low` to `high`.
    #[cfg(test)]
    fn bin_edges(&self) -> Vec<f64> {
        let width = self.bin_width();
        (0..=self.counts.len())
            .map(|i| f64::from(self.low) + i as f64 * width)
            .collect()
    }

    /// Total number of scores counted.
    pub fn total(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The three score distributions of one slice.
///
/// Mated searches whose rank-1 candidate is the *wrong* person get their own histogram rather
/// than being folded into either of the others: their top score is not the person's own
/// (genuine) score, and they are not non-mated searches either, so mixing them in would blur
/// both distributions. Searches that returned no candidate (or a non-finite score) have no
/// score and appear in none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ScoreHistograms {
    /// Mated searches whose rank-1 candidate is the right person: their score.
    pub genuine: Histogram,
    /// Non-mated searches: the rank-1 (highest impostor) score.
    pub impostor: Histogram,
    /// Mated searches whose rank-1 candidate is somebody else: that candidate's score.
    pub mated_wrong_identity: Histogram,
}

/// Bins `scores` into `bins` equal bins over [`SCORE_RANGE`]. `None` when `bins == 0`. Non-finite
/// scores are skipped; finite ones outside the range go to the nearest end bin (see
/// [`Histogram::clamped`]).
pub fn score_histogram(scores: &[f32], bins: usize) -> Option<Histogram> {
    if bins == 0 {
        return None;
    }
    let (low, high) = SCORE_RANGE;
    let mut histogram = Histogram {
        low,
        high,
        counts: vec![0; bins],
        clamped: 0,
    };
    for &score in scores.iter().filter(|score| score.is_finite()) {
        if score < low || score > high {
            histogram.clamped += 1;
        }
        let bin = bin_of(score, low, high, bins);
        if let Some(count) = histogram.counts.get_mut(bin) {
            *count += 1;
        }
    }
    Some(histogram)
}

/// Index of the bin `score` falls in, clamped to `0..bins` (so `high` itself is in the last).
fn bin_of(score: f32, low: f32, high: f32, bins: usize) -> usize {
    let position = (f64::from(score) - f64::from(low)) / (f64::from(high) - f64::from(low));
    let bin = (position * bins as f64).floor();
    if bin <= 0.0 {
        0
    } else {
        (bin as usize).min(bins - 1)
    }
}

impl SliceIndex {
    /// The DET curve of one slice: (FPIR, FNIR) at every distinct score in the slice, ascending
    /// by threshold, then one final point just above the highest score where nothing alerts
    /// (FPIR 0, FNIR 1 when measurable).
    ///
    /// The first point is at the lowest score, where every search with a candidate alerts.
    /// Empty when the slice does not exist or has no scores at all.
    pub fn det_curve(&self, slice: usize) -> Vec<DetPoint> {
        let Some(scores) = self.scores(slice) else {
            return Vec::new();
        };
        let thresholds = distinct_thresholds(scores);
        thresholds
            .into_iter()
            .map(|threshold| det_point(scores, threshold))
            .collect()
    }

    /// Genuine, impostor and wrong-identity score histograms of one slice, with `bins` bins
    /// over [`SCORE_RANGE`]. `None` when the slice does not exist or `bins == 0`.
    pub fn score_histograms(&self, slice: usize, bins: usize) -> Option<ScoreHistograms> {
        let scores = self.scores(slice)?;
        Some(ScoreHistograms {
            genuine: score_histogram(&scores.mated_correct, bins)?,
            impostor: score_histogram(&scores.non_mated, bins)?,
            mated_wrong_identity: score_histogram(&scores.mated_wrong, bins)?,
        })
    }
}

/// Every distinct score of the slice, ascending, plus the value just above the highest.
fn distinct_thresholds(scores: &SliceScores) -> Vec<f32> {
    let mut thresholds: Vec<f32> = scores
        .non_mated
        .iter()
        .chain(&scores.mated_correct)
        .chain(&scores.mated_wrong)
        .copied()
        .collect();
    thresholds.sort_unstable_by(f32::total_cmp);
    thresholds.dedup();
    if let Some(&highest) = thresholds.last() {
        thresholds.push(highest.next_up());
    }
    thresholds
}

fn det_point(scores: &SliceScores, threshold: f32) -> DetPoint {
    let non_mated = scores.non_mated_count();
    let mated = scores.mated_count();
    let false_alerts = count_at_or_above(&scores.non_mated, threshold);
    let correct_hits = count_at_or_above(&scores.mated_correct, threshold);
    DetPoint {
        threshold,
        fpir: (non_mated > 0).then(|| false_alerts as f64 / non_mated as f64),
        fnir: (mated > 0).then(|| (mated - correct_hits) as f64 / mated as f64),
    }
}

#[cfg(test)]
mod tests {
    use super::super::Search;
    use super::*;

    fn search(truth: Option<u32>, top: Option<u32>, score: f32) -> Search {
        Search {
            true_identity: truth.map(crate::ids::IdentityId),
            top_identity: top.map(crate::ids::IdentityId),
            top_score: score,
            slice: 0,
            person: 0,
        }
    }

    #[test]
    fn det_curve_by_hand() {
        // Non-mated 0.2, 0.6; mated correct 0.4, 0.8; mated wrong 0.6 (same score as a
        // non-mated one, so 4 distinct scores).
        let searches = [
            search(None, Some(1), 0.2),
            search(None, Some(1), 0.6),
            search(Some(2), Some(2), 0.4),
            search(Some(3), Some(3), 0.8),
            search(Some(4), Some(9), 0.6),
        ];
        let curve = SliceIndex::build(&searches, 1).det_curve(0);
        let expected = [
            (0.2, Some(1.0), Some(1.0 / 3.0)),
            (0.4, Some(0.5), Some(1.0 / 3.0)),
            (0.6, Some(0.5), Some(2.0 / 3.0)),
            (0.8, Some(0.0), Some(2.0 / 3.0)),
            (0.8f32.next_up(), Some(0.0), Some(1.0)),
        ];
        assert_eq!(curve.len(), expected.len());
        for (point, (threshold, fpir, fnir)) in curve.iter().zip(expected) {
            assert_eq!(point.threshold, threshold);
            assert_eq!(point.fpir, fpir, "FPIR at {threshold}");
            assert_eq!(point.fnir, fnir, "FNIR at {threshold}");
        }
    }

    #[test]
    fn det_curve_endpoints_reach_the_corners() {
        // With every search having a candidate and the right one for the mated: the lowest
        // threshold alerts on everyone (FPIR 1, FNIR 0) and the last point on no one.
        let searches = [
            search(None, Some(1), -0.3),
            search(None, Some(1), 0.9),
            search(Some(2), Some(2), 0.1),
            search(Some(2), Some(2), 0.7),
        ];
        let curve = SliceIndex::build(&searches, 1).det_curve(0);
        let first = curve.first().expect("points");
        let last = curve.last().expect("points");
        assert_eq!(
            (first.threshold, first.fpir, first.fnir),
            (-0.3, Some(1.0), Some(0.0))
        );
        assert_eq!((last.fpir, last.fnir), (Some(0.0), Some(1.0)));
        assert!(last.threshold > 0.9);
        // FPIR never rises and FNIR never falls as the threshold goes up.
        for pair in curve.windows(2) {
            assert!(pair[0].threshold < pair[1].threshold);
            assert!(pair[0].fpir >= pair[1].fpir);
            assert!(pair[0].fnir <= pair[1].fnir);
        }
    }

    #[test]
    fn det_curve_of_one_sided_and_missing_slices() {
        let only_non_mated = [search(None, Some(1), 0.5)];
        let curve = SliceIndex::build(&only_non_mated, 2).det_curve(0);
        assert_eq!(curve.len(), 2);
        assert!(curve.iter().all(|point| point.fnir.is_none()));
        assert_eq!(curve[0].fpir, Some(1.0));
        let index = SliceIndex::build(&only_non_mated, 2);
        assert!(index.det_curve(1).is_empty());
        assert!(index.det_curve(7).is_empty());
        let no_candidates = [search(Some(1), None, 0.5)];
        assert!(SliceIndex::build(&no_candidates, 1).det_curve(0).is_empty());
    }

    #[test]
    fn histogram_edges_put_the_extremes_in_the_end_bins() {
        let histogram = score_histogram(&[-1.0, 1.0, 0.0, -0.5, 0.49], 4).expect("bins > 0");
        // Bins: [-1,-0.5) [-0.5,0) [0,0.5) [0.5,1].
        assert_eq!(histogram.counts, vec![1, 1, 2, 1]);
        assert_eq!(histogram.clamped, 0);
        assert_eq!(histogram.total(), 5);
        assert_eq!(histogram.bin_edges(), vec![-1.0, -0.5, 0.0, 0.5, 1.0]);
        assert_eq!(histogram.bin_width(), 0.5);
    }

    #[test]
    fn histogram_keeps_overshooting_scores_in_the_end_bins() {
        let histogram =
            score_histogram(&[1.000_001, -1.5, f32::NAN, f32::INFINITY], 2).expect("bins > 0");
        assert_eq!(histogram.counts, vec![1, 1]);
        assert_eq!(histogram.clamped, 2);
    }

    #[test]
    fn histogram_with_one_bin_and_with_none() {
        let histogram = score_histogram(&[-1.0, 0.3, 1.0], 1).expect("bins > 0");
        assert_eq!(histogram.counts, vec![3]);
        assert_eq!(score_histogram(&[0.3], 0), None);
        let empty = score_histogram(&[], 3).expect("bins > 0");
        assert_eq!(empty.counts, vec![0, 0, 0]);
    }

    #[test]
    fn slice_histograms_split_genuine_impostor_and_wrong_identity() {
        let searches = [
            search(Some(1), Some(1), 0.9),
            search(Some(1), Some(1), 1.0),
            search(None, Some(1), -1.0),
            search(None, Some(1), 0.1),
            search(Some(1), Some(5), 0.6),
            search(Some(1), None, 0.6),
        ];
        let index = SliceIndex::build(&searches, 1);
        let histograms = index.score_histograms(0, 10).expect("slice and bins exist");
        // Ten bins of width 0.2: 0.9 and 1.0 both land in the last, [0.8, 1.0].
        assert_eq!(
            histograms.genuine.counts,
            vec![0, 0, 0, 0, 0, 0, 0, 0, 0, 2]
        );
        // -1.0 in the first bin; 0.1 in [0.0, 0.2), bin 5.
        assert_eq!(
            histograms.impostor.counts,
            vec![1, 0, 0, 0, 0, 1, 0, 0, 0, 0]
        );
        // 0.6 in [0.6, 0.8), bin 8.
        assert_eq!(histograms.mated_wrong_identity.total(), 1);
        assert_eq!(histograms.mated_wrong_identity.counts[8], 1);
        assert_eq!(index.score_histograms(0, 0), None);
        assert_eq!(index.score_histograms(1, 10), None);
    }
}
