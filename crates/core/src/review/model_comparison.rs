//! Two recognizers of one review compared on the same labelled tracks (`lineup metrics
//! --compare`, the app's comparison view, the report's section): each model's per-group rates at
//! its own threshold, then at thresholds that give both the same overall FPIR (the first model
//! at its own, the second moved to the FPIR nearest the first's), and the faces and tracks one
//! model flags and the other does not.
//!
//! Every number comes from the models' views ([`ReviewDocument::as_seen_by`]) through the same
//! evaluation as `lineup metrics`; each model has one threshold for every group here (per-group
//! thresholds, set on the first model's scale, are left out for both, so that the two are
//! compared alike).

use super::evaluation::Evaluation;
use super::{AttributeError, ReviewDocument, Slicing, TrackMatch, tracks};
use crate::metrics::{Disagreements, FpirThreshold, Rate, disagreements, threshold_for_fpir};
use crate::vision::ModelRecord;
use crate::vision::manifest::Metric;

/// Why two recognizers could not be compared.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ComparisonError {
    #[error(
        "the review holds {count} recognizer(s), so there is no recognizer {wanted} to compare \
         (analyse with --recognizer A --recognizer B)"
    )]
    NoSuchRecognizer { wanted: usize, count: usize },
    #[error("a recognizer cannot be compared with itself")]
    Itself,
    #[error(transparent)]
    Slicing(#[from] AttributeError),
}

/// One model's side of a comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparedModel {
    /// Its index in the review (`as_seen_by`), 0 for the review's own.
    pub recognizer: usize,
    pub model: ModelRecord,
    pub metric: Metric,
    /// Its own threshold (a lineup score on its metric).
    pub threshold: f32,
    /// Every group at that threshold.
    pub evaluation: Evaluation,
}

/// The two models at thresholds giving (as near as the sample allows) the same overall FPIR.
#[derive(Debug, Clone, PartialEq)]
pub struct EqualFpir {
    /// The first model's overall FPIR at its own threshold: the target.
    pub target: Rate,
    /// The second model's threshold chosen for it, on its own scale as a lineup score, with
    /// the FPIR it gives.
    pub second_threshold: FpirThreshold,
    /// The second model's groups at that threshold (the first's are its `evaluation`).
    pub second: Evaluation,
    /// Faces and tracks flagged by one model and not the other, the second at that threshold.
    pub faces: Disagreements,
    pub tracks: Disagreements,
}

/// Two recognizers of one review side by side.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelComparison {
    pub first: ComparedModel,
    pub second: ComparedModel,
    /// Faces (by detection index) flagged by one model and not the other, each at its own
    /// threshold.
    pub faces: Disagreements,
    /// Tracks (by track index) flagged by one and not the other, under the review's alert rule.
    pub tracks: Disagreements,
    /// None where the review has no non-mated labelled track (FPIR cannot be measured).
    pub equal_fpir: Option<EqualFpir>,
}

impl ReviewDocument {
    /// Recognizer `first` and recognizer `second` (indices as for `as_seen_by`) compared on the
    /// labelled tracks, grouped by `slicing`.
    pub fn compare_recognizers(
        &self,
        first: usize,
        second: usize,
        slicing: &Slicing,
    ) -> Result<ModelComparison, ComparisonError> {
        if first == second {
            return Err(ComparisonError::Itself);
        }
        let first = self.compared_model(first, slicing)?;
        let second = self.compared_model(second, slicing)?;
        let first_view = self.single_threshold_view(first.recognizer)?;
        let second_view = self.single_threshold_view(second.recognizer)?;
        let faces = disagreements(
            &flagged_faces(&first_view, first.threshold),
            &flagged_faces(&second_view, second.threshold),
        );
        let tracks = disagreements(
            &flagged_tracks(&first_view, first.threshold),
            &flagged_tracks(&second_view, second.threshold),
        );
        let target = first.evaluation.pooled.fpir;
        let sliced = second_view.sliced_searches(slicing)?;
        let equal_fpir = target
            .rate
            .and_then(|rate| threshold_for_fpir(&sliced.searches, sliced.names.len(), rate))
            .map(|chosen| EqualFpir {
                target,
                second_threshold: chosen,
                second: Evaluation::new(
                    &second_view,
                    slicing,
                    chosen.threshold,
                    &sliced,
                    &sliced.index(),
                ),
                faces: disagreements(
                    &flagged_faces(&first_view, first.threshold),
                    &flagged_faces(&second_view, chosen.threshold),
                ),
                tracks: disagreements(
                    &flagged_tracks(&first_view, first.threshold),
                    &flagged_tracks(&second_view, chosen.threshold),
                ),
            });
        Ok(ModelComparison {
            first,
            second,
            faces,
            tracks,
            equal_fpir,
        })
    }

    /// Recognizer `recognizer`'s view with one threshold for every group: its own.
    fn single_threshold_view(&self, recognizer: usize) -> Result<ReviewDocument, ComparisonError> {
        let mut view =
            self.as_seen_by(recognizer)
                .ok_or_else(|| ComparisonError::NoSuchRecognizer {
                    wanted: recognizer,
                    count: self.recognizer_count(),
                })?;
        view.slice_thresholds.clear();
        Ok(view)
    }

    fn compared_model(
        &self,
        recognizer: usize,
        slicing: &Slicing,
    ) -> Result<ComparedModel, ComparisonError> {
        let view = self.single_threshold_view(recognizer)?;
        let threshold = view.settings.threshold;
        Ok(ComparedModel {
            recognizer,
            model: view
                .recognizer()
                .cloned()
                .ok_or(ComparisonError::NoSuchRecognizer {
                    wanted: recognizer,
                    count: self.recognizer_count(),
                })?,
            metric: view.score_metric(),
            threshold,
            evaluation: view.evaluate(slicing, threshold)?,
        })
    }
}

/// Whether each face of `view` raises an alert at `threshold`.
fn flagged_faces(view: &ReviewDocument, threshold: f32) -> Vec<bool> {
    view.detections
        .iter()
        .map(|detection| detection.is_alert(threshold))
        .collect()
}

/// Whether each track of `view` raises an alert at `threshold` under the review's alert rule.
fn flagged_tracks(view: &ReviewDocument, threshold: f32) -> Vec<bool> {
    view.tracks
        .iter()
        .map(|track| {
            let found: TrackMatch =
                tracks::track_match(&track.detections, &view.detections, view.alert_rule);
            found.identity.is_some() && found.score >= threshold
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::review::{GroundTruth, parse};

    fn fixture() -> ReviewDocument {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        parse(Path::new("review_v1.ron"), text).unwrap()
    }

    #[test]
    fn a_review_of_one_model_has_nothing_to_compare() {
        let document = fixture();
        let error = document
            .compare_recognizers(0, 1, &Slicing::default())
            .unwrap_err();
        assert!(matches!(error, ComparisonError::NoSuchRecognizer { .. }));
        assert_eq!(
            document.compare_recognizers(0, 0, &Slicing::default()),
            Err(ComparisonError::Itself)
        );
    }

    /// The fixture with a second model that is the first turned upside down: it flags exactly the
    /// faces the first does not, on a scale of its own.
    fn with_contrary_model(mut document: ReviewDocument) -> ReviewDocument {
        let mut model = document.recognizer().cloned().unwrap_or(ModelRecord {
            role: crate::vision::ModelRole::Recognizer,
            file: "first.onnx".into(),
            name: "first".into(),
            version: "1".into(),
            sha256: "f".repeat(64),
            metric: None,
            supplied_by_reviewer: false,
            stated_source: None,
        });
        model.name = "contrary".into();
        model.sha256 = "c".repeat(64);
        let threshold = document.settings.threshold;
        let faces = document
            .detections
            .iter()
            .map(|detection| super::super::RecognizedFace {
                embedding: detection.embedding.clone(),
                candidates: detection
                    .candidates
                    .iter()
                    .map(|c| crate::matching::Candidate {
                        identity: c.identity,
                        // Mirrored about the first's threshold, then shifted by 10.
                        score: 10.0 + 2.0 * threshold - c.score,
                    })
                    .collect(),
            })
            .collect();
        let enrolment_embeddings = document
            .watchlist
            .identities
            .iter()
            .flat_map(|i| &i.photos)
            .map(|p| p.embedding.clone())
            .collect();
        document
            .other_recognizers
            .push(super::super::RecognizerRun {
                model,
                threshold: 10.0 + threshold,
                enrolment_embeddings,
                faces,
            });
        document
    }

    #[test]
    fn a_contrary_model_disagrees_on_every_face_and_gets_its_own_threshold_for_equal_fpir() {
        let mut document = with_contrary_model(fixture());
        // Every track labelled off the watchlist: all searches are non-mated.
        for track in &mut document.tracks {
            track.label = GroundTruth::NotOnWatchlist;
        }
        let comparison = document
            .compare_recognizers(0, 1, &Slicing::default())
            .unwrap();
        let first_flags = flagged_faces(&document, document.settings.threshold);
        let flagged = first_flags.iter().filter(|f| **f).count();
        // Faces scored exactly at the first threshold would be flagged by both; the fixture
        // has none.
        assert_eq!(comparison.faces.both, 0);
        assert_eq!(comparison.faces.neither, 0);
        assert_eq!(comparison.faces.only_first.len(), flagged);
        assert_eq!(
            comparison.faces.only_second.len(),
            document.detections.len() - flagged
        );
        assert_eq!(
            comparison.second.threshold,
            10.0 + document.settings.threshold
        );
        assert_eq!(comparison.second.model.name, "contrary");

        let equal = comparison
            .equal_fpir
            .expect("non-mated searches are labelled");
        let target = equal.target.rate.unwrap();
        let reached = equal.second.pooled.fpir;
        assert_eq!(reached.k, equal.second_threshold.fpir.k);
        assert_eq!(reached.n, equal.target.n);
        // As near as any threshold of the second model could come.
        let nearest = (0..=reached.n)
            .map(|k| (k as f64 / reached.n as f64 - target).abs())
            .fold(f64::INFINITY, f64::min);
        assert!((reached.rate.unwrap() - target).abs() <= nearest + 1e-12);
        assert!(
            equal.second_threshold.threshold > 9.0,
            "on the second's scale"
        );
    }
}
