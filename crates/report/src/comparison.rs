//! Several recognizers run on the same footage, compared (issue #20), in the shape the signed
//! report states it: for each model, per group of the review's slicing, FPIR and FNIR with
//! their n and intervals at the model's own threshold, again with every other model moved to
//! the first model's overall FPIR, and again with the first moved to each other model's (at
//! equal FPIR: a model that alerts more often also misses less; both ways, since the moved
//! threshold is fitted on these searches and so favours the moved model); and the face tracks
//! one model flags and the first does not, or the other way round, at each.
//!
//! Every number is `ReviewDocument::compare_recognizers`' (the core's comparison, which `lineup
//! metrics --compare` prints): each model measured on the review as it sees it
//! (`ReviewDocument::as_seen_by`), by the same evaluation as `lineup metrics`. This module only
//! keeps what the report states, so that `assessment.ron` and `evidence.ron` can carry it and
//! `verify --recompute` compare it; the app's comparison view shows [`of_review`] as well.

use serde::{Deserialize, Serialize};

use lineup_core::ids::{IdentityId, TrackId};
use lineup_core::metrics::{Disagreements, Rate};
use lineup_core::review::{Evaluation, GroundTruth, ReviewDocument};
use lineup_core::vision::ModelRecord;
use lineup_core::vision::manifest::Metric;

/// The models of one review compared on its labelled tracks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelComparison {
    /// The attributes the groups are drawn from (none: everyone together).
    pub attributes: Vec<String>,
    /// The first model (the one whose alerts the report counts) first, then the others in the
    /// order the review records them.
    pub models: Vec<ComparedModel>,
    /// For each other model, the tracks it and the first model disagree on: each at its own
    /// threshold, then (where there is one) with the other at the first model's FPIR, then with
    /// the first at the other's FPIR.
    pub disagreements: Vec<Disagreement>,
    /// Groups with a threshold of their own for the first model: the comparison counts every
    /// model at one threshold for all groups, so these are not used here.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub own_group_thresholds_left_out: Vec<String>,
}

/// One model: what it is, and its rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparedModel {
    /// The model's record (name, file, SHA-256), as the review records it.
    pub model: ModelRecord,
    /// How its scores compare: thresholds are lineup scores on this metric (a distance
    /// negated); shown as the metric's own value.
    pub metric: Metric,
    /// At its own threshold. None where no track is labelled on or off the watchlist.
    pub own: Option<RatesAt>,
    /// At the threshold that gives it the FPIR nearest the first model's at the first model's
    /// own threshold (for the first model, the same as `own`). None where that FPIR cannot be
    /// measured (no labelled track of someone not on the watchlist).
    pub equal_fpir: Option<RatesAt>,
    /// For a model after the first: the first model moved to the threshold giving it the FPIR
    /// nearest this model's at this model's own threshold (the comparison the other way round,
    /// this model at `own`). None for the first model, or where that FPIR cannot be measured;
    /// absent from evidence before version 5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_at_its_fpir: Option<RatesAt>,
}

/// A model's rates at one threshold for every group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RatesAt {
    /// A lineup score (higher is more alike): [`Metric::own_value`] gives the model's own.
    pub threshold: f32,
    /// Every group with a labelled track, in the slicing's order.
    pub groups: Vec<GroupRates>,
    /// All groups together (counts added; intervals clustered by person across groups).
    pub all: GroupRates,
}

/// One group's FPIR and FNIR (rank 1), each with its n, count and 95% interval.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupRates {
    pub name: String,
    pub fpir: Rate,
    pub fnir: Rate,
}

/// The tracks the first model and another disagree on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Disagreement {
    /// The other model's position in [`ModelComparison::models`].
    pub other: usize,
    /// Each model at its own threshold, the other at the first's FPIR, or the first at the
    /// other's.
    pub at: Thresholds,
    /// Tracks the first model flags and the other does not.
    pub only_first: Vec<FlaggedTrack>,
    /// Tracks the other model flags and the first does not.
    pub only_other: Vec<FlaggedTrack>,
}

/// A track one model flags: who it is, and whom the model took it for with what score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FlaggedTrack {
    /// The track's id in the review (as the app and the CSV show it).
    pub track: u32,
    pub label: GroundTruth,
    /// The watchlist identity the flagging model took it for.
    pub identity: Option<IdentityId>,
    /// The flagging model's score (a lineup score on its metric).
    pub score: f32,
}

impl ModelComparison {
    /// The first model's overall FPIR at its own threshold: what the fair comparison gives
    /// every other model.
    pub fn target_fpir(&self) -> Option<&Rate> {
        let first = self.models.first()?.own.as_ref()?;
        first.all.fpir.rate.map(|_| &first.all.fpir)
    }
}

/// The comparison of `document`'s recognizers, the first at `threshold` (the report's) and
/// every other at its own, each other one against the first by
/// `ReviewDocument::compare_recognizers`; None for a review of one recognizer (or one whose
/// runs do not fit it, which `load` refuses).
pub fn of_review(document: &ReviewDocument, threshold: f32) -> Option<ModelComparison> {
    if document.other_recognizers.is_empty() {
        return None;
    }
    // The report may count at another threshold than the review's: the first model's, then.
    let at_threshold;
    let document = if document.settings.threshold == threshold {
        document
    } else {
        at_threshold = ReviewDocument {
            settings: lineup_core::review::AnalysisSettings {
                threshold,
                ..document.settings.clone()
            },
            ..document.clone()
        };
        &at_threshold
    };
    let others = 1..=document.other_recognizers.len();
    let pairs = others
        .map(|k| {
            let pair = document.compare_recognizers(0, k, &document.slicing).ok()?;
            Some((document.as_seen_by(k)?, pair))
        })
        .collect::<Option<Vec<_>>>()?;
    let (_, first_pair) = pairs.first()?;
    let first = &first_pair.first;
    let first_rates = rates(&first.evaluation, first.threshold);
    let mut models = vec![ComparedModel {
        model: first.model.clone(),
        metric: first.metric,
        equal_fpir: first_pair
            .second_moved
            .as_ref()
            .and_then(|_| first_rates.clone()),
        own: first_rates,
        first_at_its_fpir: None,
    }];
    let mut disagreements = Vec::new();
    for (k, (view, pair)) in pairs.iter().enumerate() {
        let other = k + 1;
        let second = &pair.second;
        let equal_fpir = pair.second_moved.as_ref();
        models.push(ComparedModel {
            model: second.model.clone(),
            metric: second.metric,
            own: rates(&second.evaluation, second.threshold),
            equal_fpir: equal_fpir
                .and_then(|fair| rates(&fair.second, fair.moved_threshold.threshold)),
            first_at_its_fpir: pair
                .first_moved
                .as_ref()
                .and_then(|moved| rates(&moved.first, moved.moved_threshold.threshold)),
        });
        disagreements.push(flagged(
            &pair.tracks,
            document,
            view,
            other,
            Thresholds::Own,
        ));
        if let Some(fair) = equal_fpir {
            disagreements.push(flagged(
                &fair.tracks,
                document,
                view,
                other,
                Thresholds::EqualFpir,
            ));
        }
        if let Some(moved) = &pair.first_moved {
            disagreements.push(flagged(
                &moved.tracks,
                document,
                view,
                other,
                Thresholds::FirstMoved,
            ));
        }
    }
    Some(ModelComparison {
        attributes: document.slicing.attributes.clone(),
        models,
        disagreements,
        own_group_thresholds_left_out: own_group_thresholds(document),
    })
}

/// The review as each of its recognizers sees it, the first first; None for one recognizer.
pub fn model_views(document: &ReviewDocument) -> Option<Vec<ReviewDocument>> {
    if document.other_recognizers.is_empty() {
        return None;
    }
    (0..=document.other_recognizers.len())
        .map(|k| document.as_seen_by(k))
        .collect()
}

/// An evaluation's rates per group (those with a labelled track) and all together; None where
/// no track is labelled.
fn rates(evaluation: &Evaluation, threshold: f32) -> Option<RatesAt> {
    if evaluation.searches == 0 {
        return None;
    }
    let groups = evaluation
        .metrics
        .iter()
        .zip(&evaluation.names)
        .filter(|(metrics, _)| metrics.flag_rate.n > 0)
        .map(|(metrics, name)| GroupRates {
            name: name.clone(),
            fpir: metrics.fpir,
            fnir: metrics.fnir,
        })
        .collect();
    Some(RatesAt {
        threshold,
        groups,
        all: GroupRates {
            name: "All groups".to_owned(),
            fpir: evaluation.pooled.fpir,
            fnir: evaluation.pooled.fnir,
        },
    })
}

/// The tracks (by index) the core found flagged by one model alone, with who they are and
/// whom each flagging model took them for.
fn flagged(
    found: &Disagreements,
    first: &ReviewDocument,
    second: &ReviewDocument,
    other: usize,
    at: Thresholds,
) -> Disagreement {
    let tracks = |view: &ReviewDocument, indices: &[usize]| {
        indices
            .iter()
            .filter_map(|&index| {
                let track = view.tracks.get(index)?;
                let matched = view.track_match(TrackId(index));
                Some(FlaggedTrack {
                    track: track.id,
                    label: track.label,
                    identity: matched.identity,
                    score: matched.score,
                })
            })
            .collect()
    };
    Disagreement {
        other,
        at,
        only_first: tracks(first, &found.only_first),
        only_other: tracks(second, &found.only_second),
    }
}

/// The groups of the review's slicing the first model has a threshold of its own for.
fn own_group_thresholds(document: &ReviewDocument) -> Vec<String> {
    document
        .sliced_searches(&document.slicing)
        .map(|sliced| {
            sliced
                .names
                .into_iter()
                .filter(|name| document.slice_thresholds.contains_key(name))
                .collect()
        })
        .unwrap_or_default()
}

/// The columns of the comparison's rate tables, as the PDF, the Markdown and the app head them.
pub const RATE_HEADINGS: [&str; 6] = [
    "Model",
    "Group",
    "FPIR n",
    "FPIR [95% interval]",
    "FNIR n",
    "FNIR (rank 1) [95% interval]",
];

/// The columns of the list of tracks one model flagged and the other did not.
pub const FLAGGED_HEADINGS: [&str; 6] = [
    "Thresholds",
    "Flagged by",
    "Track",
    "Who it is (reviewer)",
    "Taken for",
    "Score (flagging model)",
];

/// The comparison's three rate tables, each with the sentence over it, as the PDF, the
/// Markdown and the app give them.
pub const TABLES: [(Thresholds, &str); 3] = [
    (
        Thresholds::Own,
        "Each model at its own threshold (what it would flag as configured):",
    ),
    (
        Thresholds::EqualFpir,
        "At equal FPIR, each other model moved to the threshold that gives it the first model's \
         FPIR (the first at its own threshold):",
    ),
    (
        Thresholds::FirstMoved,
        "At equal FPIR the other way round, the first model moved to the threshold that gives it \
         each other model's FPIR (the other at its own threshold):",
    ),
];

/// The sentence over the flagged tracks.
pub const FLAGGED_INTRO: &str = "Face tracks one model flagged and the other did not, each at \
    its own threshold, then with the second at the first one's FPIR, then with the first at the \
    second one's FPIR:";

/// Which of the comparison's measurements: every model at its own threshold, every other model
/// moved to the first model's FPIR, or the first moved to each other model's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Thresholds {
    Own,
    EqualFpir,
    FirstMoved,
}

/// One model's rates in one of the comparison's tables.
pub struct TableEntry<'a> {
    pub model: &'a ComparedModel,
    pub rates: &'a RatesAt,
    /// The model whose FPIR this one was moved to; None where it is at its own threshold.
    pub moved_to: Option<&'a str>,
}

impl TableEntry<'_> {
    /// The model as its table's rows name it: "dlib (moved to MobileFaceNet's FPIR)".
    pub fn label(&self) -> String {
        crate::wording::moved_model(&self.model.prose_name(), self.moved_to)
    }
}

impl ComparedModel {
    /// Its rates at its own threshold, or (`EqualFpir`) at the first model's FPIR. The first
    /// model moved to another's FPIR is that other model's [`ComparedModel::first_at_its_fpir`].
    pub fn rates(&self, thresholds: Thresholds) -> Option<&RatesAt> {
        match thresholds {
            Thresholds::Own => self.own.as_ref(),
            Thresholds::EqualFpir => self.equal_fpir.as_ref(),
            Thresholds::FirstMoved => None,
        }
    }

    pub fn name(&self) -> &str {
        &self.model.name
    }

    /// Its name as a sentence gives it: one line, "(supplied by the reviewer)" where it is.
    pub fn prose_name(&self) -> String {
        crate::wording::model_in_prose(&self.model)
    }
}

impl ModelComparison {
    pub fn model_names(&self) -> Vec<&str> {
        self.models.iter().map(ComparedModel::name).collect()
    }

    /// The sentence over the comparison.
    pub fn heading(&self) -> String {
        let names: Vec<String> = self.models.iter().map(ComparedModel::prose_name).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        crate::wording::comparison_heading(&names, &self.attributes)
    }

    /// The rates of one table, model by model: at their own thresholds; every other moved to
    /// the first's FPIR; or, for each other model, the first moved to its FPIR and then it at
    /// its own. Empty where the table's FPIR cannot be measured.
    pub fn table(&self, thresholds: Thresholds) -> Vec<TableEntry<'_>> {
        let Some(first) = self.models.first() else {
            return Vec::new();
        };
        let others = self.models.iter().skip(1);
        match thresholds {
            Thresholds::Own => self
                .models
                .iter()
                .filter_map(|model| {
                    Some(TableEntry {
                        model,
                        rates: model.own.as_ref()?,
                        moved_to: None,
                    })
                })
                .collect(),
            Thresholds::EqualFpir => self
                .models
                .iter()
                .enumerate()
                .filter_map(|(index, model)| {
                    Some(TableEntry {
                        model,
                        rates: model.equal_fpir.as_ref()?,
                        moved_to: (index > 0).then(|| first.name()),
                    })
                })
                .collect(),
            Thresholds::FirstMoved => others
                .filter_map(|other| {
                    let moved = TableEntry {
                        model: first,
                        rates: other.first_at_its_fpir.as_ref()?,
                        moved_to: Some(other.name()),
                    };
                    let staying = TableEntry {
                        model: other,
                        rates: other.own.as_ref()?,
                        moved_to: None,
                    };
                    Some([moved, staying])
                })
                .flatten()
                .collect(),
        }
    }

    /// How one table's thresholds were chosen, or why it has none; None for the models' own
    /// thresholds.
    pub fn table_note(&self, thresholds: Thresholds) -> Option<String> {
        let first = self.models.first()?;
        match thresholds {
            Thresholds::Own => None,
            Thresholds::EqualFpir => Some(match self.target_fpir() {
                Some(target) => crate::wording::equal_fpir_note(&first.prose_name(), target),
                None => crate::wording::NO_EQUAL_FPIR.to_owned(),
            }),
            Thresholds::FirstMoved => {
                let named: Vec<(String, &Rate)> = self
                    .models
                    .iter()
                    .skip(1)
                    .filter(|other| other.first_at_its_fpir.is_some())
                    .filter_map(|other| Some((other.prose_name(), &other.own.as_ref()?.all.fpir)))
                    .collect();
                let targets: Vec<(&str, &Rate)> = named
                    .iter()
                    .map(|(name, rate)| (name.as_str(), *rate))
                    .collect();
                Some(if targets.is_empty() {
                    crate::wording::NO_EQUAL_FPIR.to_owned()
                } else {
                    crate::wording::first_moved_note(&first.prose_name(), &targets)
                })
            }
        }
    }

    /// How the fair comparison's thresholds were chosen, or why there is none.
    pub fn equal_fpir_note(&self) -> String {
        self.table_note(Thresholds::EqualFpir)
            .unwrap_or_else(|| crate::wording::NO_EQUAL_FPIR.to_owned())
    }

    /// The note on groups the first model has thresholds of their own for, which the
    /// comparison leaves out.
    pub fn group_thresholds_note(&self) -> Option<String> {
        crate::wording::own_group_thresholds_note(
            &self.models.first()?.prose_name(),
            &self.own_group_thresholds_left_out,
        )
    }

    /// Each model's threshold in one table, with its model and metric, on its own scale,
    /// exactly (a moved threshold rounded could lose the alert that gives its FPIR), and the
    /// model it was moved to the FPIR of.
    pub fn threshold_lines(&self, thresholds: Thresholds) -> Vec<String> {
        self.table(thresholds)
            .iter()
            .map(|entry| {
                crate::wording::model_threshold_exactly(
                    &entry.label(),
                    entry.model.metric,
                    entry.rates.threshold,
                )
            })
            .collect()
    }

    /// The rows of one rate table: each model's groups, then its all groups, with n and the
    /// rate with its interval.
    pub fn rate_rows(&self, thresholds: Thresholds) -> Vec<Vec<String>> {
        let row = |model: &str, group: &GroupRates| {
            vec![
                model.to_owned(),
                group.name.clone(),
                group.fpir.n.to_string(),
                crate::wording::rate_text(&group.fpir),
                group.fnir.n.to_string(),
                crate::wording::rate_text(&group.fnir),
            ]
        };
        self.table(thresholds)
            .iter()
            .flat_map(|entry| {
                let label = entry.label();
                entry
                    .rates
                    .groups
                    .iter()
                    .chain(std::iter::once(&entry.rates.all))
                    .map(|group| row(&label, group))
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// What a choice of table is called in the app's selector: "at each model's own
    /// threshold", "dlib moved to MobileFaceNet's FPIR", "MobileFaceNet moved to dlib's FPIR".
    pub fn table_choice(&self, thresholds: Thresholds) -> String {
        let names = self.model_names();
        let first = names.first().copied().unwrap_or("");
        let others = names.get(1..).unwrap_or_default().join(", ");
        match thresholds {
            Thresholds::Own => "At each model's own threshold".to_owned(),
            Thresholds::EqualFpir => format!("{others} moved to {first}'s FPIR"),
            Thresholds::FirstMoved => format!("{first} moved to {others}'s FPIR"),
        }
    }

    /// "MobileFaceNet flagged 3 face tracks that dlib did not." for every pair compared, both
    /// ways, at every pair of thresholds.
    pub fn disagreement_sentences(&self) -> Vec<String> {
        self.disagreements
            .iter()
            .flat_map(|d| self.sentences_of(d))
            .collect()
    }

    /// [`ModelComparison::disagreement_sentences`] at one pair of thresholds.
    pub fn disagreement_sentences_at(&self, thresholds: Thresholds) -> Vec<String> {
        self.disagreements
            .iter()
            .filter(|d| d.at == thresholds)
            .flat_map(|d| self.sentences_of(d))
            .collect()
    }

    fn sentences_of(&self, d: &Disagreement) -> [String; 2] {
        let name =
            |at: Option<&ComparedModel>| at.map_or_else(String::new, ComparedModel::prose_name);
        let (first, other) = (name(self.models.first()), name(self.models.get(d.other)));
        let (first, other) = (first.as_str(), other.as_str());
        let moved = match d.at {
            Thresholds::Own => None,
            Thresholds::EqualFpir => Some((other, first)),
            Thresholds::FirstMoved => Some((first, other)),
        };
        [
            crate::wording::flagged_not_by(first, other, d.only_first.len(), moved),
            crate::wording::flagged_not_by(other, first, d.only_other.len(), moved),
        ]
    }

    /// Every track one model flagged and the other did not, as rows: the flagging model, the
    /// track, who the reviewer says it is, whom the model took it for, and its score on the
    /// model's own scale. `identity_name` names a watchlist identity.
    pub fn flagged_rows<'a>(
        &self,
        identity_name: impl Fn(IdentityId) -> Option<&'a str>,
    ) -> Vec<Vec<String>> {
        self.flagged(identity_name)
            .into_iter()
            .map(|(_, _, row)| row)
            .collect()
    }

    /// [`ModelComparison::flagged_rows`], each with the flagging model's position in `models`
    /// and the track's id (for the app to open it).
    pub fn flagged<'a>(
        &self,
        identity_name: impl Fn(IdentityId) -> Option<&'a str>,
    ) -> Vec<(usize, u32, Vec<String>)> {
        self.flagged_where(identity_name, |_| true)
    }

    /// [`ModelComparison::flagged`] at one pair of thresholds.
    pub fn flagged_at<'a>(
        &self,
        thresholds: Thresholds,
        identity_name: impl Fn(IdentityId) -> Option<&'a str>,
    ) -> Vec<(usize, u32, Vec<String>)> {
        self.flagged_where(identity_name, |d| d.at == thresholds)
    }

    fn flagged_where<'a>(
        &self,
        identity_name: impl Fn(IdentityId) -> Option<&'a str>,
        wanted: impl Fn(&Disagreement) -> bool,
    ) -> Vec<(usize, u32, Vec<String>)> {
        let first = self.models.first().map_or("", ComparedModel::name);
        let mut rows = Vec::new();
        for d in self.disagreements.iter().filter(|d| wanted(d)) {
            let other = self.models.get(d.other).map_or("", ComparedModel::name);
            let at = match d.at {
                Thresholds::Own => "own".to_owned(),
                Thresholds::EqualFpir => format!("{other} moved"),
                Thresholds::FirstMoved => format!("{first} moved"),
            };
            for (flagging, tracks) in [(0, &d.only_first), (d.other, &d.only_other)] {
                let Some(model) = self.models.get(flagging) else {
                    continue;
                };
                for flagged in tracks {
                    let label = match flagged.label {
                        GroundTruth::OnWatchlist(id) => {
                            crate::wording::ground_truth_words(flagged.label, identity_name(id))
                        }
                        other => crate::wording::ground_truth_words(other, None),
                    };
                    let taken_for = flagged.identity.and_then(&identity_name);
                    let cells = crate::wording::flagged_track_row(
                        flagged.track,
                        &label,
                        taken_for,
                        model.metric,
                        flagged.score,
                    );
                    rows.push((
                        flagging,
                        flagged.track,
                        [at.clone(), model.name().to_owned()]
                            .into_iter()
                            .chain(cells)
                            .collect(),
                    ));
                }
            }
        }
        rows
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use lineup_core::ids::DetectionId;
    use lineup_core::matching::Candidate;
    use lineup_core::review::{
        AnalysisSettings, Attributes, DetectionRecord, InputRecord, InputStatus, Slicing,
        SourceRef, Track,
    };
    use lineup_core::vision::{BoundingBox, Embedding, ModelRole, Point, VisionConfig};
    use lineup_core::watchlist::{Identity, Watchlist};

    fn record(name: &str, metric: Metric) -> ModelRecord {
        ModelRecord {
            role: ModelRole::Recognizer,
            file: format!("{name}.onnx"),
            name: name.to_owned(),
            version: "1".to_owned(),
            sha256: "0".repeat(64),
            metric: Some(metric),
            supplied_by_reviewer: false,
            stated_source: None,
        }
    }

    /// Six one-face tracks: three people not on the watchlist, two on it, one unlabelled;
    /// their genders; and each track's rank-1 candidate as `scores` gives it.
    fn view(model: ModelRecord, threshold: f32, scores: [(u32, f32); 6]) -> ReviewDocument {
        let settings = AnalysisSettings {
            threshold,
            top_k: 1,
            vision: VisionConfig::default(),
            sampling: Default::default(),
        };
        let input = InputRecord {
            path: "cam.mp4".into(),
            digest: None,
            dimensions: None,
            status: InputStatus::Analysed,
            media: None,
            frames_analysed: 0,
            stopped_early: None,
        };
        let watchlist = Watchlist {
            root: "watchlist".into(),
            identities: ["A", "B"]
                .iter()
                .map(|name| Identity {
                    name: (*name).to_owned(),
                    photos: Vec::new(),
                })
                .collect(),
        };
        let mut document = ReviewDocument::new(settings, vec![model], vec![input], watchlist);
        let labels = [
            (GroundTruth::NotOnWatchlist, "female"),
            (GroundTruth::NotOnWatchlist, "female"),
            (GroundTruth::NotOnWatchlist, "male"),
            (GroundTruth::OnWatchlist(IdentityId(0)), "male"),
            (GroundTruth::OnWatchlist(IdentityId(1)), "female"),
            (GroundTruth::Unlabelled, "male"),
        ];
        for (index, ((label, gender), (identity, score))) in
            labels.into_iter().zip(scores).enumerate()
        {
            document.detections.push(DetectionRecord {
                source: SourceRef {
                    input: 0,
                    frame_index: index as u64,
                    timestamp_s: index as f64,
                },
                bbox: BoundingBox::default(),
                landmarks: [Point::default(); 5],
                detector_score: 0.9,
                embedding: Embedding(Vec::new()),
                candidates: vec![Candidate {
                    identity: IdentityId(identity),
                    score,
                }],
                skin_ita: None,
                skin_ita_quartiles: None,
            });
            document.tracks.push(Track {
                id: 10 + index as u32,
                detections: vec![DetectionId(index)],
                label,
                attributes: Attributes::from([("gender".into(), gender.into())]),
                skin_tone_suggestion: None,
                person: None,
                skin_tone_range: None,
            });
        }
        document.slicing = Slicing::by(&["gender"]);
        document
    }

    /// MobileFaceNet-like at cosine 0.6, and dlib-like at distance 0.6 (scores negated).
    fn views() -> [ReviewDocument; 2] {
        let cosine = view(
            record("Cosine model", Metric::Cosine),
            0.6,
            [(1, 0.7), (1, 0.3), (0, 0.5), (0, 0.9), (1, 0.55), (0, 0.8)],
        );
        let distance = view(
            record("Distance model", Metric::Euclidean),
            -0.6,
            [
                (0, -0.65),
                (1, -0.5),
                (1, -0.55),
                (0, -0.4),
                (1, -0.45),
                (1, -0.7),
            ],
        );
        [cosine, distance]
    }

    /// The cosine view's review holding the distance model as its other recognizer.
    pub(crate) fn two_model_review() -> ReviewDocument {
        let [mut review, distance] = views();
        review
            .other_recognizers
            .push(lineup_core::review::RecognizerRun {
                model: distance.recognizer().unwrap().clone(),
                threshold: distance.settings.threshold,
                enrolment_embeddings: Vec::new(),
                faces: distance
                    .detections
                    .iter()
                    .map(|d| lineup_core::review::RecognizedFace {
                        embedding: Embedding(Vec::new()),
                        candidates: d.candidates.clone(),
                    })
                    .collect(),
            });
        review
    }

    fn compare() -> ModelComparison {
        of_review(&two_model_review(), 0.6).expect("two recognizers")
    }

    fn k_of_n(rate: &Rate) -> (u64, u64) {
        (rate.k, rate.n)
    }

    #[test]
    fn one_model_is_no_comparison() {
        let [cosine, _] = views();
        assert_eq!(of_review(&cosine, 0.6), None);
    }

    #[test]
    fn each_model_is_measured_at_its_own_threshold_per_group() {
        let comparison = compare();
        assert_eq!(comparison.model_names(), ["Cosine model", "Distance model"]);
        let cosine = comparison.models[0].own.as_ref().unwrap();
        assert_eq!(cosine.threshold, 0.6);
        assert_eq!(k_of_n(&cosine.all.fpir), (1, 3));
        assert_eq!(k_of_n(&cosine.all.fnir), (1, 2));
        let female = &cosine.groups.iter().find(|g| g.name == "female").unwrap();
        assert_eq!(
            (k_of_n(&female.fpir), k_of_n(&female.fnir)),
            ((1, 2), (1, 1))
        );
        let distance = comparison.models[1].own.as_ref().unwrap();
        assert_eq!(distance.threshold, -0.6);
        assert_eq!(comparison.models[1].metric, Metric::Euclidean);
        assert_eq!(k_of_n(&distance.all.fpir), (2, 3));
        assert_eq!(k_of_n(&distance.all.fnir), (0, 2));
        assert!(
            distance.all.fpir.interval.is_some(),
            "every rate has its interval"
        );
    }

    /// The fair comparison: the distance model's threshold moves to the score at which its
    /// FPIR is nearest the cosine model's (1 of 3): distance 0.5.
    #[test]
    fn at_equal_fpir_the_other_model_has_the_fpir_nearest_the_firsts() {
        let comparison = compare();
        assert_eq!(comparison.target_fpir().map(k_of_n), Some((1, 3)));
        assert_eq!(
            comparison.models[0].equal_fpir, comparison.models[0].own,
            "the first model stays at its own threshold"
        );
        // Issue #20 finding 3: the note says which threshold of the band is taken, and that it
        // was fitted on these searches.
        let note = comparison.equal_fpir_note();
        assert!(note.contains("the loosest"), "{note}");
        assert!(note.contains("in-sample"), "{note}");
        let fair = comparison.models[1].equal_fpir.as_ref().unwrap();
        // Its non-mated tracks score -0.5 (alerting) and -0.55 (not): the loosest threshold
        // alerting at one of three is just above -0.55.
        assert_eq!(fair.threshold, (-0.55f32).next_up());
        assert_eq!(k_of_n(&fair.all.fpir), (1, 3));
        assert_eq!(k_of_n(&fair.all.fnir), (0, 2));
        assert_eq!(
            comparison.threshold_lines(Thresholds::EqualFpir),
            [
                "Cosine model at cosine similarity ≥ 0.6000",
                // Printed exactly (finding 5): 0.5500 would read as the distance of the
                // non-mated track that must not alert.
                "Distance model (moved to Cosine model's FPIR) at Euclidean distance ≤ 0.54999995"
            ]
        );
    }

    /// Issue #20: the same comparison the other way round. The cosine model is moved to the
    /// distance model's FPIR (2 of 3): its non-mated tracks score 0.7, 0.5 (alerting) and 0.3
    /// (not), so its threshold is the loosest above 0.3; the distance model stays at its own.
    #[test]
    fn at_equal_fpir_the_first_model_is_moved_to_each_others_fpir_too() {
        let comparison = compare();
        let [cosine, distance] = comparison.models.as_slice() else {
            panic!("two models");
        };
        assert_eq!(
            cosine.first_at_its_fpir, None,
            "the first is moved to others' FPIR"
        );
        let moved = distance.first_at_its_fpir.as_ref().unwrap();
        assert_eq!(moved.threshold, 0.3f32.next_up());
        assert_eq!(k_of_n(&moved.all.fpir), (2, 3));
        assert_eq!(k_of_n(&moved.all.fnir), (0, 2));
        let female = moved.groups.iter().find(|g| g.name == "female").unwrap();
        assert_eq!(k_of_n(&female.fpir), (1, 2));
        assert_ne!(
            distance.first_at_its_fpir, cosine.equal_fpir,
            "another comparison than the distance model moved"
        );
        let table = comparison.table(Thresholds::FirstMoved);
        let labels: Vec<String> = table.iter().map(TableEntry::label).collect();
        assert_eq!(
            labels,
            [
                "Cosine model (moved to Distance model's FPIR)",
                "Distance model"
            ]
        );
        assert_eq!(
            Some(table[1].rates),
            distance.own.as_ref(),
            "it stays at its own"
        );
        assert_eq!(
            comparison.threshold_lines(Thresholds::FirstMoved),
            [
                "Cosine model (moved to Distance model's FPIR) at cosine similarity ≥ 0.30000004",
                "Distance model at Euclidean distance ≤ 0.6000"
            ]
        );
        let note = comparison.table_note(Thresholds::FirstMoved).unwrap();
        assert!(note.contains("Cosine model's threshold is moved"), "{note}");
        assert!(note.contains("Distance model's (66.7%"), "{note}");
        assert!(note.contains("in-sample"), "{note}");
        assert_eq!(
            comparison.table_choice(Thresholds::FirstMoved),
            "Cosine model moved to Distance model's FPIR"
        );
        assert_eq!(
            comparison.rate_rows(Thresholds::FirstMoved).len(),
            2 * 3,
            "two groups and all, for each model"
        );
    }

    #[test]
    fn the_tracks_one_model_flags_and_the_other_does_not_are_listed_both_ways() {
        let comparison = compare();
        let [disagreement, fair, first_moved] = comparison.disagreements.as_slice() else {
            panic!("one pair, three times: {:?}", comparison.disagreements);
        };
        assert_eq!(
            (disagreement.at, fair.at, first_moved.at),
            (
                Thresholds::Own,
                Thresholds::EqualFpir,
                Thresholds::FirstMoved
            )
        );
        let ids = |tracks: &[FlaggedTrack]| tracks.iter().map(|t| t.track).collect::<Vec<_>>();
        assert_eq!(
            ids(&disagreement.only_first),
            [10, 15],
            "unlabelled tracks count too"
        );
        assert_eq!(ids(&disagreement.only_other), [11, 12, 14]);
        assert_eq!(disagreement.only_other[2].score, -0.45);
        // Just under distance 0.55 the distance model no longer flags track 12 (0.55).
        assert_eq!(ids(&fair.only_first), [10, 15]);
        assert_eq!(ids(&fair.only_other), [11, 14]);
        // With the cosine model just above 0.3 it flags track 12 (0.5) as well.
        assert_eq!(ids(&first_moved.only_first), [10, 15]);
        assert_eq!(ids(&first_moved.only_other), [11]);
        assert_eq!(first_moved.only_first[0].score, 0.7);
        assert_eq!(
            comparison.disagreement_sentences(),
            [
                "Cosine model flagged 2 face tracks that Distance model did not.",
                "Distance model flagged 3 face tracks that Cosine model did not.",
                "At equal FPIR (Distance model moved to Cosine model's FPIR), Cosine model \
                 flagged 2 face tracks that Distance model did not.",
                "At equal FPIR (Distance model moved to Cosine model's FPIR), Distance model \
                 flagged 2 face tracks that Cosine model did not.",
                "At equal FPIR (Cosine model moved to Distance model's FPIR), Cosine model \
                 flagged 2 face tracks that Distance model did not.",
                "At equal FPIR (Cosine model moved to Distance model's FPIR), Distance model \
                 flagged 1 face track that Cosine model did not."
            ]
        );
        assert_eq!(
            comparison.disagreement_sentences_at(Thresholds::FirstMoved),
            comparison.disagreement_sentences()[4..]
        );
        let names = ["A", "B"];
        let rows = comparison.flagged_rows(|id| names.get(id.index()).copied());
        assert_eq!(
            rows[4],
            [
                "own",
                "Distance model",
                "#14",
                "is B",
                "B",
                "Euclidean distance 0.4500"
            ]
        );
    }

    #[test]
    fn without_a_labelled_stranger_there_is_no_fair_comparison() {
        let mut review = two_model_review();
        for track in &mut review.tracks {
            if track.label == GroundTruth::NotOnWatchlist {
                track.label = GroundTruth::Unlabelled;
            }
        }
        let comparison = of_review(&review, 0.6).unwrap();
        assert_eq!(comparison.target_fpir(), None);
        assert!(comparison.models.iter().all(|m| m.equal_fpir.is_none()));
        assert!(
            comparison
                .models
                .iter()
                .all(|m| m.first_at_its_fpir.is_none())
        );
        assert!(comparison.table(Thresholds::FirstMoved).is_empty());
        assert_eq!(
            comparison.table_note(Thresholds::FirstMoved).as_deref(),
            Some(crate::wording::NO_EQUAL_FPIR)
        );
        assert!(comparison.models.iter().all(|m| m.own.is_some()));
    }
}
