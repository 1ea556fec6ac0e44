//! Two recognizers of one review compared on the same labelled tracks (`lineup metrics
//! --compare`, the app's comparison view, the report's section): each model's per-group rates at
//! its own threshold, then at thresholds that give both the same overall FPIR in both directions
//! (the second moved to the FPIR nearest the first's, then the first moved to the FPIR nearest
//! the second's: the moved threshold is fitted on these searches, so the moved model's rates are
//! optimistic, and moving only one would let the listing order decide which model gains), and
//! the faces and tracks one model flags and the other does not.
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

/// Which of the two compared models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    First,
    Second,
}

impl Side {
    /// The other model.
    pub fn other(self) -> Side {
        match self {
            Side::First => Side::Second,
            Side::Second => Side::First,
        }
    }
}

/// The two models at thresholds giving (as near as the sample allows) the same overall FPIR:
/// one stays at its own threshold, the other (`moved`) is moved to the threshold giving the
/// staying one's overall FPIR.
#[derive(Debug, Clone, PartialEq)]
pub struct EqualFpir {
    /// The model whose threshold was moved; the other stays at its own.
    pub moved: Side,
    /// The staying model's overall FPIR at its own threshold: the target.
    pub target: Rate,
    /// The moved model's threshold, on its own scale as a lineup score, with the FPIR it
    /// gives: fitted on these same searches (in-sample), so its rates are optimistic.
    pub moved_threshold: FpirThreshold,
    /// The first model's groups in this direction (at its own threshold, or moved).
    pub first: Evaluation,
    /// The second model's groups in this direction.
    pub second: Evaluation,
    /// Faces and tracks flagged by the first model and not the second, or the other way
    /// round, at this pair of thresholds.
    pub faces: Disagreements,
    pub tracks: Disagreements,
}

impl EqualFpir {
    /// The model that stays at its own threshold, whose FPIR is the target.
    pub fn staying(&self) -> Side {
        self.moved.other()
    }

    /// The moved model's groups at the moved threshold.
    pub fn moved_evaluation(&self) -> &Evaluation {
        match self.moved {
            Side::First => &self.first,
            Side::Second => &self.second,
        }
    }
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
    /// The second model moved to the first's overall FPIR. None where the review has no
    /// non-mated labelled track (FPIR cannot be measured).
    pub second_moved: Option<EqualFpir>,
    /// The first model moved to the second's overall FPIR (the same comparison the other way
    /// round, so that neither model alone gets the in-sample fit). None as for `second_moved`.
    pub first_moved: Option<EqualFpir>,
}

impl ModelComparison {
    /// The comparison with `side` moved to the other's FPIR.
    pub fn moved(&self, side: Side) -> Option<&EqualFpir> {
        match side {
            Side::First => self.first_moved.as_ref(),
            Side::Second => self.second_moved.as_ref(),
        }
    }

    /// Both directions that could be measured: the second moved, then the first moved.
    pub fn equal_fpir(&self) -> impl Iterator<Item = &EqualFpir> {
        self.second_moved.iter().chain(&self.first_moved)
    }

    /// One model's side.
    pub fn model(&self, side: Side) -> &ComparedModel {
        match side {
            Side::First => &self.first,
            Side::Second => &self.second,
        }
    }
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
        let views = [(&first, &first_view), (&second, &second_view)];
        let second_moved = moved_to_fpir(views, Side::Second, slicing)?;
        let first_moved = moved_to_fpir(views, Side::First, slicing)?;
        Ok(ModelComparison {
            first,
            second,
            faces,
            tracks,
            second_moved,
            first_moved,
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

/// The model on `moved` side moved to the threshold (by `threshold_for_fpir`'s rule) giving the
/// other's overall FPIR at its own threshold; the other stays. `views` are the first's and the
/// second's, each with its single-threshold view.
fn moved_to_fpir(
    views: [(&ComparedModel, &ReviewDocument); 2],
    moved: Side,
    slicing: &Slicing,
) -> Result<Option<EqualFpir>, ComparisonError> {
    let (moving, staying) = match moved {
        Side::First => (views[0], views[1]),
        Side::Second => (views[1], views[0]),
    };
    let target = staying.0.evaluation.pooled.fpir;
    let sliced = moving.1.sliced_searches(slicing)?;
    let Some(chosen) = target
        .rate
        .and_then(|rate| threshold_for_fpir(&sliced.searches, sliced.names.len(), rate))
    else {
        return Ok(None);
    };
    let moved_evaluation = Evaluation::new(
        moving.1,
        slicing,
        chosen.threshold,
        &sliced,
        &sliced.index(),
    );
    let staying_evaluation = staying.0.evaluation.clone();
    let [(first, first_view), (second, second_view)] = views;
    let (first_threshold, second_threshold, first_evaluation, second_evaluation) = match moved {
        Side::First => (
            chosen.threshold,
            second.threshold,
            moved_evaluation,
            staying_evaluation,
        ),
        Side::Second => (
            first.threshold,
            chosen.threshold,
            staying_evaluation,
            moved_evaluation,
        ),
    };
    Ok(Some(EqualFpir {
        moved,
        target,
        moved_threshold: chosen,
        first: first_evaluation,
        second: second_evaluation,
        faces: disagreements(
            &flagged_faces(first_view, first_threshold),
            &flagged_faces(second_view, second_threshold),
        ),
        tracks: disagreements(
            &flagged_tracks(first_view, first_threshold),
            &flagged_tracks(second_view, second_threshold),
        ),
    }))
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
            .second_moved
            .expect("non-mated searches are labelled");
        assert_eq!(equal.moved, Side::Second);
        assert_eq!(equal.first, comparison.first.evaluation, "the first stays");
        let target = equal.target.rate.unwrap();
        let reached = equal.second.pooled.fpir;
        assert_eq!(reached.k, equal.moved_threshold.fpir.k);
        assert_eq!(reached.n, equal.target.n);
        // As near as any threshold of the second model could come.
        let nearest = (0..=reached.n)
            .map(|k| (k as f64 / reached.n as f64 - target).abs())
            .fold(f64::INFINITY, f64::min);
        assert!((reached.rate.unwrap() - target).abs() <= nearest + 1e-12);
        assert!(
            equal.moved_threshold.threshold > 9.0,
            "on the second's scale"
        );
    }

    /// Issue #20: equal FPIR in both directions. The contrary model flags the faces the first
    /// does not, so the first's FPIR and the second's differ, and moving the first to the
    /// second's FPIR is another comparison than moving the second to the first's.
    #[test]
    fn equal_fpir_is_given_both_ways_each_with_its_own_moved_model() {
        let mut document = with_contrary_model(fixture());
        for track in &mut document.tracks {
            track.label = GroundTruth::NotOnWatchlist;
        }
        let comparison = document
            .compare_recognizers(0, 1, &Slicing::default())
            .unwrap();
        let first_fpir = comparison.first.evaluation.pooled.fpir;
        let second_fpir = comparison.second.evaluation.pooled.fpir;
        assert_ne!(
            first_fpir.k, second_fpir.k,
            "the fixture tells the two apart"
        );

        let first_moved = comparison.first_moved.as_ref().expect("measurable");
        assert_eq!(first_moved.moved, Side::First);
        assert_eq!(first_moved.staying(), Side::Second);
        assert_eq!(first_moved.target, second_fpir, "to the second's FPIR");
        assert_eq!(
            first_moved.second, comparison.second.evaluation,
            "the second stays at its own threshold"
        );
        // The first's threshold by the same rule, from its own non-mated searches.
        let first_view = document.single_threshold_view(0).unwrap();
        let sliced = first_view.sliced_searches(&Slicing::default()).unwrap();
        let expected = threshold_for_fpir(
            &sliced.searches,
            sliced.names.len(),
            second_fpir.rate.unwrap(),
        )
        .unwrap();
        assert_eq!(first_moved.moved_threshold, expected);
        assert!(
            first_moved.moved_threshold.threshold < 9.0,
            "on the first's scale"
        );
        assert_eq!(first_moved.first.threshold, expected.threshold);
        assert_eq!(first_moved.first.pooled.fpir.k, expected.fpir.k);
        assert_eq!(first_moved.moved_evaluation(), &first_moved.first);
        // The faces at that pair of thresholds: the first moved, the second at its own.
        let moved_flags = flagged_faces(&first_view, expected.threshold);
        let second_view = document.single_threshold_view(1).unwrap();
        let second_flags = flagged_faces(&second_view, comparison.second.threshold);
        assert_eq!(
            first_moved.faces,
            disagreements(&moved_flags, &second_flags)
        );

        let second_moved = comparison.second_moved.as_ref().expect("measurable");
        assert_eq!(second_moved.moved, Side::Second);
        assert_eq!(second_moved.target, first_fpir);
        assert_ne!(
            second_moved.moved_evaluation().pooled.fpir.k,
            first_moved.moved_evaluation().pooled.fpir.k,
            "the two directions differ"
        );
        let moved: Vec<Side> = comparison.equal_fpir().map(|e| e.moved).collect();
        assert_eq!(moved, [Side::Second, Side::First]);
        assert_eq!(comparison.moved(Side::First), Some(first_moved));
    }

    #[test]
    fn without_non_mated_tracks_neither_direction_is_given() {
        let mut document = with_contrary_model(fixture());
        for track in &mut document.tracks {
            track.label = GroundTruth::Unlabelled;
        }
        let comparison = document
            .compare_recognizers(0, 1, &Slicing::default())
            .unwrap();
        assert_eq!(comparison.second_moved, None);
        assert_eq!(comparison.first_moved, None);
    }
}
