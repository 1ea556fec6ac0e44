//! Several recognizers in one review (`lineup analyze --recognizer A --recognizer B`): the faces
//! are detected and tracked once, and every recognizer after the first embeds them and searches
//! the watchlist (enrolled with that same recognizer) on its own. The first recognizer is the
//! review's own, exactly where a single-model review keeps it (`models`, each detection's
//! `embedding` and `candidates`, the watchlist's enrolment embeddings, `settings.threshold`);
//! every other one is a [`RecognizerRun`] in `ReviewDocument::other_recognizers`.
//!
//! Nothing downstream reads a run directly: [`ReviewDocument::as_seen_by`] gives a complete
//! review in which the chosen model is THE recognizer, so every metric, curve and summary has one
//! code path whichever model it is about. The labels a reviewer gives once (tracks, attributes)
//! apply to every model's view; a threshold never leaves its model's view, because two models'
//! scores are on different scales (see `vision::manifest::Metric`).

use serde::{Deserialize, Serialize};

use super::{DetectionRecord, ReviewDocument};
use crate::matching::Candidate;
use crate::vision::manifest::Metric;
use crate::vision::{Embedding, ModelRecord, ModelRole};
use crate::watchlist::Watchlist;

/// What one more recognizer made of the review's faces and watchlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecognizerRun {
    /// The model, as the review's `models` would record it were it the only recognizer.
    pub model: ModelRecord,
    /// Its alert threshold, a lineup score on its own metric (a distance stored negated; see
    /// `Metric::score`). Never compared with another model's scores.
    pub threshold: f32,
    /// Its embedding of every enrolment photo, in the order of the watchlist's identities, then
    /// each one's photos (the sidecar's `enrolment_embeddings` order). In the review's sidecar
    /// when it has one (`recognizer<k>_enrolment_embeddings`), not in its text.
    #[serde(
        default = "crate::vision::bulk::absent_embeddings",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub enrolment_embeddings: Vec<Embedding>,
    /// What it made of every detection of the review, in the order of `detections`.
    pub faces: Vec<RecognizedFace>,
}

/// One recognizer's view of one detected face.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecognizedFace {
    /// In the review's sidecar when it has one (`recognizer<k>_face_embeddings`), not in its
    /// text.
    #[serde(
        default = "crate::vision::bulk::absent_embedding",
        skip_serializing_if = "crate::vision::bulk::in_sidecar"
    )]
    pub embedding: Embedding,
    /// Best first, scored by the run's model against the watchlist it enrolled.
    pub candidates: Vec<Candidate>,
}

impl RecognizerRun {
    /// `watchlist` (the review's, as the first recognizer enrolled it) with this recognizer's
    /// enrolment embeddings in place of the first's: what its faces were searched against.
    pub fn enrolled_watchlist(&self, watchlist: &Watchlist) -> Watchlist {
        let mut enrolled = watchlist.clone();
        let photos = enrolled
            .identities
            .iter_mut()
            .flat_map(|identity| &mut identity.photos);
        for (photo, embedding) in photos.zip(&self.enrolment_embeddings) {
            photo.embedding = embedding.clone();
        }
        enrolled
    }

    /// Why this run does not fit `document` (a face or enrolment photo too many or too few), or
    /// None when it does: one entry per detection and per enrolment photo.
    pub fn misfit(&self, document: &ReviewDocument) -> Option<String> {
        let name = &self.model.name;
        let (faces, detections) = (self.faces.len(), document.detections.len());
        if faces != detections {
            return Some(format!(
                "recognizer {name} has {faces} faces, but the review has {detections} detections"
            ));
        }
        let (photos, enrolled) = (
            self.enrolment_embeddings.len(),
            document.watchlist.photo_count(),
        );
        if photos != enrolled {
            return Some(format!(
                "recognizer {name} has {photos} enrolment embeddings, but the watchlist has \
                 {enrolled} enrolment photos"
            ));
        }
        let identities = document.watchlist.identities.len();
        let stray = self
            .faces
            .iter()
            .flat_map(|face| &face.candidates)
            .find(|candidate| candidate.identity.index() >= identities);
        if let Some(candidate) = stray {
            return Some(format!(
                "recognizer {name} names watchlist identity {}, but the watchlist has only \
                 {identities}",
                candidate.identity.index()
            ));
        }
        self.impossible_value()
            .map(|problem| format!("recognizer {name}'s {problem}"))
    }

    /// The first value no model gives (finding 12 of #21, as for the review's own faces): an
    /// embedding or candidate score that is not a finite number.
    fn impossible_value(&self) -> Option<String> {
        let not_finite = |embedding: &Embedding| embedding.0.iter().any(|v| !v.is_finite());
        let faces = self.faces.iter().enumerate().find_map(|(index, face)| {
            let problem = if not_finite(&face.embedding) {
                "embedding holds a value that is not a number".to_owned()
            } else {
                let candidate = face.candidates.iter().find(|c| !c.score.is_finite())?;
                format!(
                    "candidate score {:?} for watchlist identity {}",
                    candidate.score, candidate.identity.0
                )
            };
            Some(format!("face {index}: {problem}"))
        });
        faces.or_else(|| {
            let photo = self.enrolment_embeddings.iter().position(not_finite)?;
            Some(format!(
                "enrolment photo {photo}: embedding holds a value that is not a number"
            ))
        })
    }
}

impl ReviewDocument {
    /// The first threshold or candidate score, by any recognizer (the review's own first), that
    /// its metric cannot give (`Metric::admits`, `Metric::admits_score`): a negative Euclidean
    /// distance, a cosine past 1. None when every one is on its scale. Values that are not
    /// numbers are left to `impossible_value`, which names them first.
    pub fn score_off_its_scale(&self) -> Option<String> {
        let own_faces: Vec<&[Candidate]> = self
            .detections
            .iter()
            .map(|d| d.candidates.as_slice())
            .collect();
        let own_name = self
            .recognizer()
            .map_or("(unrecorded)".to_owned(), |m| m.name.clone());
        let mut own_thresholds = vec![("threshold".to_owned(), self.settings.threshold)];
        own_thresholds.extend(
            self.slice_thresholds
                .iter()
                .map(|(slice, t)| (format!("threshold for {slice}"), *t)),
        );
        let own = (own_name, self.score_metric(), own_thresholds, own_faces);
        let others = self.other_recognizers.iter().map(|run| {
            let metric = run.model.metric.unwrap_or(Metric::Cosine);
            let faces = run.faces.iter().map(|f| f.candidates.as_slice()).collect();
            let thresholds = vec![("threshold".to_owned(), run.threshold)];
            (run.model.name.clone(), metric, thresholds, faces)
        });
        std::iter::once(own)
            .chain(others)
            .find_map(|(name, metric, thresholds, faces)| {
                off_scale(metric, &thresholds, &faces)
                    .map(|problem| format!("recognizer {name}'s {problem}"))
            })
    }

    /// The first face whose candidates by a recognizer after the first are not what that
    /// recognizer's stored embeddings give: the search the analysis ran (`search_by`, at the
    /// review's top-k, on its metric) of the face's embedding against its enrolment
    /// embeddings, the rule `verify --recompute` applies to an included review. Lineup signs
    /// no review whose scores were edited while their embeddings were left (#20, finding 2);
    /// None when every score is the search's.
    pub fn other_candidates_not_from_their_embeddings(&self) -> Option<String> {
        (1..=self.other_recognizers.len()).find_map(|recognizer| {
            let view = self.as_seen_by(recognizer)?;
            let name = &self.other_recognizers[recognizer - 1].model.name;
            view.detections
                .iter()
                .enumerate()
                .find_map(|(face, detection)| {
                    let searched = view.search_unlike_stored(detection)?;
                    Some(format!(
                        "face {face}'s candidates by recognizer {name} ({}) are not what its \
                         stored embedding gives against {name}'s enrolment embeddings ({}): \
                         they were edited by hand",
                        show_candidates(&detection.candidates),
                        show_candidates(&searched)
                    ))
                })
        })
    }

    /// The search the analysis ran for `detection` (`search_by` of its embedding against this
    /// review's watchlist, at its top-k, on its metric) where the candidates it stores are not
    /// that search's: another count, identity or score. None where they are. A face keeps as
    /// many candidates as the search gives, so an emptied or shortened row differs too. Used
    /// on a recognizer's view (`as_seen_by`) by `lineup report` and `verify --recompute`.
    pub fn search_unlike_stored(&self, detection: &DetectionRecord) -> Option<Vec<Candidate>> {
        /// Scores recomputed by the same code from the same stored embeddings are equal; this
        /// allows only for the last bit of a float read back from text.
        const TOLERANCE: f32 = 1e-6;
        let searched = crate::matching::search_by(
            &detection.embedding,
            &self.watchlist,
            self.settings.top_k,
            self.score_metric(),
        );
        let same = searched.len() == detection.candidates.len()
            && searched
                .iter()
                .zip(&detection.candidates)
                .all(|(a, b)| a.identity == b.identity && (a.score - b.score).abs() <= TOLERANCE);
        (!same).then_some(searched)
    }

    /// How many recognizers the review holds: its own and every other run (1 for a review of one
    /// model, 0 for one that records no recognizer, like an old hand-made fixture).
    pub fn recognizer_count(&self) -> usize {
        usize::from(self.recognizer().is_some()) + self.other_recognizers.len()
    }

    /// The name of every recognizer, the review's own first: index k here is `as_seen_by(k)`.
    pub fn recognizer_names(&self) -> Vec<String> {
        self.recognizer()
            .into_iter()
            .chain(self.other_recognizers.iter().map(|run| &run.model))
            .map(|model| model.name.clone())
            .collect()
    }

    /// The review as recognizer `recognizer` saw it: 0 is the review's own (a clone), k ≥ 1 is
    /// `other_recognizers[k - 1]`, made THE recognizer: its model record replaces the review's
    /// own in `models`, its embeddings and candidates replace every detection's, its enrolment
    /// embeddings the watchlist's, its threshold `settings.threshold`. The per-slice thresholds
    /// are dropped, since they are on the review's own model's scale. Tracks, labels, attributes
    /// and everything else stay as they are. The view holds no other recognizers.
    ///
    /// None when there is no such recognizer, or its run does not fit the review (which `load`
    /// refuses, so only a document built by hand can).
    pub fn as_seen_by(&self, recognizer: usize) -> Option<ReviewDocument> {
        if recognizer == 0 {
            return Some(self.clone());
        }
        let run = self.other_recognizers.get(recognizer - 1)?;
        if run.misfit(self).is_some() {
            return None;
        }
        let mut view = ReviewDocument {
            other_recognizers: Vec::new(),
            ..self.clone()
        };
        match view
            .models
            .iter_mut()
            .find(|m| m.role != ModelRole::Detector)
        {
            Some(own) => *own = run.model.clone(),
            None => view.models.push(run.model.clone()),
        }
        for (detection, face) in view.detections.iter_mut().zip(&run.faces) {
            detection.embedding = face.embedding.clone();
            detection.candidates = face.candidates.clone();
        }
        view.watchlist = run.enrolled_watchlist(&self.watchlist);
        view.settings.threshold = run.threshold;
        view.slice_thresholds.clear();
        Some(view)
    }
}

/// A face's candidates in words, as `lineup report` and `verify --recompute` name them.
pub fn show_candidates(candidates: &[Candidate]) -> String {
    if candidates.is_empty() {
        return "no candidate".to_owned();
    }
    let shown: Vec<String> = candidates
        .iter()
        .map(|c| format!("identity {} scoring {}", c.identity.0, c.score))
        .collect();
    shown.join(", ")
}

/// One recognizer's first threshold or candidate score off `metric`'s scale, in words.
fn off_scale(
    metric: Metric,
    thresholds: &[(String, f32)],
    faces: &[&[Candidate]],
) -> Option<String> {
    let finite_outside = |score: f32, admits: bool| score.is_finite() && !admits;
    let shown = |score: f32| match metric {
        Metric::Cosine => String::new(),
        Metric::Euclidean => format!(" (a {} of {})", metric.name(), metric.own_value(score)),
    };
    let threshold = thresholds.iter().find_map(|(what, threshold)| {
        let own = metric.own_value(*threshold);
        finite_outside(*threshold, metric.admits(own)).then(|| {
            format!(
                "{what} {threshold}{}, outside {}",
                shown(*threshold),
                metric.range()
            )
        })
    });
    threshold.or_else(|| {
        faces.iter().enumerate().find_map(|(index, candidates)| {
            let candidate = candidates
                .iter()
                .find(|c| finite_outside(c.score, metric.admits_score(c.score)))?;
            Some(format!(
                "face {index}: candidate score {} for watchlist identity {}{}, outside {}",
                candidate.score,
                candidate.identity.0,
                shown(candidate.score),
                metric.range()
            ))
        })
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::matching::search_by;
    use crate::review::{GroundTruth, parse, to_text};

    fn fixture() -> ReviewDocument {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        parse(Path::new("review_v1.ron"), text).unwrap()
    }

    /// A made-up second model: every embedding turned around (so its scores differ from the
    /// first model's), compared by Euclidean distance, candidates searched as analysis does.
    fn with_second_model(mut document: ReviewDocument) -> ReviewDocument {
        let turned = |e: &Embedding| Embedding(e.0.iter().rev().map(|v| v * 1.5).collect());
        let mut enrolled = document.watchlist.clone();
        let mut enrolment_embeddings = Vec::new();
        for photo in enrolled.identities.iter_mut().flat_map(|i| &mut i.photos) {
            photo.embedding = turned(&photo.embedding);
            enrolment_embeddings.push(photo.embedding.clone());
        }
        let faces = document
            .detections
            .iter()
            .map(|detection| {
                let embedding = turned(&detection.embedding);
                RecognizedFace {
                    candidates: search_by(&embedding, &enrolled, 3, Metric::Euclidean),
                    embedding,
                }
            })
            .collect();
        document.other_recognizers.push(RecognizerRun {
            model: ModelRecord {
                role: ModelRole::Recognizer,
                file: "dlib.onnx".into(),
                name: "dlib ResNet-29".into(),
                version: "1".into(),
                sha256: "d".repeat(64),
                metric: Some(Metric::Euclidean),
                supplied_by_reviewer: false,
                stated_source: None,
            },
            threshold: Metric::Euclidean.score(0.6),
            enrolment_embeddings,
            faces,
        });
        document
    }

    #[test]
    fn a_view_holds_the_other_models_scores_metric_and_threshold_and_the_same_labels() {
        let mut document = with_second_model(fixture());
        document.tracks[0].label = GroundTruth::NotOnWatchlist;
        document.slice_thresholds.insert("everyone".into(), 0.7);
        let run = document.other_recognizers[0].clone();

        let view = document.as_seen_by(1).unwrap();
        assert_eq!(view.score_metric(), Metric::Euclidean);
        assert_eq!(view.recognizer(), Some(&run.model));
        assert_eq!(view.settings.threshold, -0.6);
        assert!(view.slice_thresholds.is_empty(), "another model's scale");
        for (detection, face) in view.detections.iter().zip(&run.faces) {
            assert_eq!(detection.candidates, face.candidates);
            assert_eq!(detection.embedding, face.embedding);
        }
        assert_ne!(view.detections, document.detections);
        assert_eq!(view.tracks, document.tracks, "labels apply to every model");
        assert_eq!(view.inputs, document.inputs);
        assert!(view.other_recognizers.is_empty());
        let photo = &view.watchlist.identities[0].photos[0];
        assert_eq!(photo.embedding, run.enrolment_embeddings[0]);
        assert_eq!(
            view.models.len(),
            document.models.len(),
            "the detector stays"
        );

        assert_eq!(document.as_seen_by(0).as_ref(), Some(&document));
        assert_eq!(document.as_seen_by(2), None);
    }

    #[test]
    fn the_names_list_the_reviews_own_recognizer_first() {
        let document = with_second_model(fixture());
        let names = document.recognizer_names();
        assert_eq!(names.len(), document.recognizer_count());
        assert_eq!(names.last().map(String::as_str), Some("dlib ResNet-29"));
        if let Some(own) = document.recognizer() {
            assert_eq!(names[0], own.name);
        }
    }

    #[test]
    fn other_recognizers_survive_save_and_load() {
        let document = with_second_model(fixture());
        let text = to_text(&document);
        let loaded = parse(Path::new("r.ron"), &text).unwrap();
        assert_eq!(loaded.other_recognizers, document.other_recognizers);
        assert_eq!(loaded.as_seen_by(1), document.as_seen_by(1));
        let single = fixture();
        assert!(!to_text(&single).contains("other_recognizers"));
    }

    #[test]
    fn other_recognizers_embeddings_go_into_the_sidecar_and_load_back_equal() {
        let dir = tempfile::tempdir().unwrap();
        let mut document = with_second_model(fixture());
        for input in &mut document.inputs {
            input.path = dir.path().join(&input.path);
        }
        document.watchlist.root = dir.path().join("watchlist");
        let path = dir.path().join("review.ron");
        crate::review::save(&document, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("other_recognizers") && text.contains("candidates"));
        assert!(!text.contains("embedding"), "{text}");
        let sidecar = text
            .split('"')
            .find(|part| part.ends_with(".npz"))
            .expect("the text names its sidecar");
        let bytes = std::fs::read(dir.path().join(sidecar)).unwrap();
        let contains = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
        assert!(contains("recognizer1_face_embeddings.npy"));
        assert!(contains("recognizer1_enrolment_embeddings.npy"));
        let loaded = crate::review::load(&path).unwrap();
        assert_eq!(loaded.other_recognizers, document.other_recognizers);
        assert_eq!(loaded, document);

        // A sidecar without the second model's arrays is damage, named.
        let one_model = crate::review::sidecar::pack(&fixture()).unwrap();
        let contents = crate::review::sidecar::read(&one_model).unwrap();
        let faces = Some(document.detections.len());
        let error = crate::review::sidecar::attach(contents, &mut document, faces).unwrap_err();
        assert!(
            error.to_string().contains("recognizer1_face_embeddings"),
            "{error}"
        );
    }

    #[test]
    fn a_run_that_does_not_fit_the_review_is_refused_at_load() {
        let mut document = with_second_model(fixture());
        document.other_recognizers[0].faces.pop();
        let error = parse(Path::new("r.ron"), &to_text(&document)).unwrap_err();
        assert!(error.to_string().contains("faces"), "{error}");
        assert_eq!(document.as_seen_by(1), None);
    }

    /// What #21 left, for the other recognizers: a candidate score or an embedding that is not
    /// a number (in the text, or in the sidecar's `recognizer<k>_…` arrays) is refused at load,
    /// naming the recognizer and the face or photo, as the review's own faces are.
    #[test]
    fn a_run_holding_values_no_model_gives_is_refused_at_load() {
        let document = with_second_model(fixture());
        let face = document.other_recognizers[0]
            .faces
            .iter()
            .position(|f| !f.candidates.is_empty())
            .unwrap();
        let mut score = document.clone();
        score.other_recognizers[0].faces[face].candidates[0].score = f32::NAN;
        let mut embedding = document.clone();
        embedding.other_recognizers[0].faces[face].embedding.0[2] = f32::INFINITY;
        let mut enrolled = document.clone();
        enrolled.other_recognizers[0].enrolment_embeddings[1].0[0] = f32::NAN;
        for (damaged, named) in [
            (score, format!("face {face}: candidate score NaN")),
            (embedding, format!("face {face}: embedding")),
            (enrolled, "enrolment photo 1: embedding".to_owned()),
        ] {
            let error = parse(Path::new("r.ron"), &to_text(&damaged))
                .unwrap_err()
                .to_string();
            assert!(
                error.contains("recognizer dlib ResNet-29") && error.contains(&named),
                "{named}: {error}"
            );
        }
    }

    /// Expert finding 4 on #20: a score or threshold outside its recognizer's metric's range
    /// (a negative Euclidean distance, a cosine past 1) is refused at load, naming the
    /// recognizer and the face or threshold, for the review's own recognizer as for any other.
    #[test]
    fn scores_and_thresholds_off_their_metrics_range_are_refused_at_load() {
        let document = with_second_model(fixture());
        let own = document.recognizer().map(|m| m.name.clone());
        let own = own.unwrap_or_else(|| "the review's own recognizer".to_owned());
        let face = document.other_recognizers[0]
            .faces
            .iter()
            .position(|f| !f.candidates.is_empty())
            .unwrap();
        let mut threshold = document.clone();
        threshold.other_recognizers[0].threshold = Metric::Euclidean.score(-4.0);
        let mut score = document.clone();
        score.other_recognizers[0].faces[face].candidates[0].score = Metric::Euclidean.score(-5.0);
        let mut own_threshold = document.clone();
        own_threshold.settings.threshold = 1.5;
        let mut own_score = document.clone();
        let own_face = own_score
            .detections
            .iter()
            .position(|d| !d.candidates.is_empty())
            .unwrap();
        own_score.detections[own_face].candidates[0].score = -1.5;
        for (damaged, named) in [
            (
                threshold,
                "recognizer dlib ResNet-29's threshold 4".to_owned(),
            ),
            (
                score,
                format!("recognizer dlib ResNet-29's face {face}: candidate score 5"),
            ),
            (own_threshold, format!("recognizer {own}'s threshold 1.5")),
            (
                own_score,
                format!("recognizer {own}'s face {own_face}: candidate score -1.5"),
            ),
        ] {
            let error = parse(Path::new("r.ron"), &to_text(&damaged))
                .unwrap_err()
                .to_string();
            assert!(error.contains(&named), "{named}: {error}");
        }
        // A cosine a hair past 1, as rounding gives for a face against its own photo, is one
        // the analysis writes: kept.
        let mut rounded = document.clone();
        rounded.detections[own_face].candidates[0].score = 1.000_000_1;
        parse(Path::new("r.ron"), &to_text(&rounded)).unwrap();
    }
}
