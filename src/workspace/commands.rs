//! Every edit to an open review is a [`Command`] given to [`Workspace::apply`]: the one way in,
//! so that every edit is checked the same way, marks the review unsaved, refreshes exactly what
//! it invalidates, and can be undone and redone.
//!
//! A command becomes an [`Edit`] holding the values before and after, which is what the undo and
//! redo stacks keep. Edits that follow one another on the same setting (a threshold slider
//! dragged, assessment text typed) are merged, so one undo takes back one gesture rather than
//! one frame of it.

use crate::assessment::Assessment;
use crate::ids::TrackId;
use std::path::PathBuf;

use crate::digest::sha256_file;
use crate::review::locations::{self, ReviewFile, Search};
use crate::review::{
    self, Answer, BlindSpell, Disagreement, FirstAnswers, GroundTruth, Reviewer, SecondChange,
    SecondChangeKind, SecondLabel, SecondReview, Settlement, Slicing,
};

use super::Workspace;

/// One edit a person makes to an open review.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Who these tracks really are.
    Label {
        tracks: Vec<TrackId>,
        label: GroundTruth,
    },
    /// Who each of these tracks really is, track by track (Y on several tracks gives each the
    /// candidate on its own card): one edit, one undo step. Each track once.
    EachLabel { labels: Vec<(TrackId, GroundTruth)> },
    /// A perceived attribute of these tracks; `None` (or "unknown") clears it. Values outside
    /// the review's schema are refused.
    TrackAttribute {
        tracks: Vec<TrackId>,
        name: String,
        value: Option<String>,
    },
    /// A perceived attribute set track by track, each to its own value (accepting several
    /// tracks' own suggestions at once): one edit, one undo step.
    EachTrackAttribute {
        name: String,
        values: Vec<(TrackId, String)>,
    },
    /// Which person not on the watchlist these tracks are of ("P7"), so that their searches
    /// count as one person's; `None` clears it.
    Person {
        tracks: Vec<TrackId>,
        person: Option<String>,
    },
    /// A perceived attribute of a watchlist identity (by name), inherited by its tracks.
    IdentityAttribute {
        identity: String,
        name: String,
        value: Option<String>,
    },
    /// The global match threshold of the recognizer whose alerts are shown (see
    /// `Workspace::show_recognizer`), clamped to that model's own range (`Metric::clamp_score`).
    Threshold(f32),
    /// One slice's own threshold, or (`None`) back to the global one. Only the review's own
    /// recognizer has thresholds per slice: while another is shown, this changes nothing.
    SliceThreshold {
        slice: String,
        threshold: Option<f32>,
    },
    /// Which attributes to slice by; an unknown attribute is refused.
    Slicing(Slicing),
    /// The group every other is compared against, or (`None`) lineup's default rule.
    ReferenceSlice(Option<String>),
    /// The reviewer's impact assessment text.
    Assessment(Box<Assessment>),
    /// The second reviewer's name (starting a second review if there is none).
    SecondReviewer(String),
    /// Who these tracks are, as the second reviewer labels them blind: kept apart from the
    /// review's own labels.
    SecondLabel {
        tracks: Vec<TrackId>,
        label: GroundTruth,
    },
    /// [`Command::EachLabel`] as the second reviewer labels blind: one undo step.
    EachSecondLabel { labels: Vec<(TrackId, GroundTruth)> },
    /// A perceived attribute of these tracks as the second reviewer sees it; `None` (or
    /// "unknown") clears it. Values outside the schema are refused.
    SecondAttribute {
        tracks: Vec<TrackId>,
        name: String,
        value: Option<String>,
    },
    /// Settles a disagreement between the reviewers: the review keeps `keep`'s value (a label
    /// change like any other, in the history), and the settlement is recorded with both values.
    Settle {
        track: TrackId,
        disagreement: Disagreement,
        keep: Reviewer,
    },
    /// Blind mode on or off: the first reviewer's work hidden across the app while a second
    /// reviewer labels. Recorded in the second review (started there if there is none) with
    /// the time; not undone by undo (it is no edit of anyone's answers).
    Blind(bool),
    /// Files found where they are now (by [`relink_command`], from a search by SHA-256): inputs
    /// by index, the watchlist folder, and single watchlist photos (identity, photo) where the
    /// folder could not be moved.
    Relink {
        inputs: Vec<(usize, PathBuf)>,
        watchlist_root: Option<PathBuf>,
        photos: Vec<((usize, usize), PathBuf)>,
    },
}

/// The command that relinks what `search` found, or None when it found nothing it can take.
/// See [`relink_plan`].
pub fn relink_command(document: &review::ReviewDocument, search: &Search) -> Option<Command> {
    relink_plan(document, search).command
}

/// What a relink does with a search's result, and what it refused, in words.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RelinkPlan {
    pub command: Option<Command>,
    /// Why something found was not relinked, or the watchlist folder not moved.
    pub problems: Vec<String>,
}

/// Plans the relink of what `search` found. Each file found is hashed again first: one changed
/// since the search is refused. The watchlist folder moves to where the photos found imply only
/// when every recorded photo there has its recorded content (a photo there with other content
/// would otherwise be taken as the one analysed); else each photo found is relinked on its own.
/// Hashes files: run it off the interface thread.
pub fn relink_plan(document: &review::ReviewDocument, search: &Search) -> RelinkPlan {
    let mut problems = Vec::new();
    let found: Vec<(locations::MissingFile, PathBuf)> = search
        .found
        .iter()
        .filter(|(missing, now)| {
            let still = locations::MissingFile {
                path: now.clone(),
                ..missing.clone()
            };
            let same = still.content_matches(sha256_file);
            if !same {
                problems.push(format!(
                    "Refused {}: it changed since the search (its SHA-256 is no longer the one                      recorded for {}).",
                    now.display(),
                    missing.name.display()
                ));
            }
            same
        })
        .cloned()
        .collect();
    let inputs: Vec<(usize, PathBuf)> = found
        .iter()
        .filter_map(|(missing, now)| match missing.file {
            ReviewFile::Input(index) => Some((index, now.clone())),
            ReviewFile::Photo { .. } => None,
        })
        .collect();
    let mut watchlist_root = locations::watchlist_root_from(document, &found);
    if let Some(root) = watchlist_root.clone() {
        let blocking: Vec<_> = locations::photos_present_in(document, &root)
            .into_iter()
            .filter(|photo| !photo.content_matches(sha256_file))
            .collect();
        if !blocking.is_empty() {
            watchlist_root = None;
            for photo in blocking {
                problems.push(format!(
                    "The watchlist folder was not moved to {}: {} there has other content than                      the photo analysed (its SHA-256 differs), so only the photos found with                      their recorded content were relinked, one by one.",
                    root.display(),
                    photo.path.display()
                ));
            }
        }
    }
    let photos: Vec<((usize, usize), PathBuf)> = if watchlist_root.is_some() {
        Vec::new()
    } else {
        found
            .iter()
            .filter_map(|(missing, now)| match missing.file {
                ReviewFile::Photo { identity, photo } => Some(((identity, photo), now.clone())),
                ReviewFile::Input(_) => None,
            })
            .collect()
    };
    let command = (!inputs.is_empty() || watchlist_root.is_some() || !photos.is_empty()).then_some(
        Command::Relink {
            inputs,
            watchlist_root,
            photos,
        },
    );
    RelinkPlan { command, problems }
}

/// A change with the values before and after it, so it can be undone and redone.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Edit {
    Label {
        track: TrackId,
        before: GroundTruth,
        after: GroundTruth,
    },
    Attribute {
        track: TrackId,
        name: String,
        before: Option<String>,
        after: Option<String>,
    },
    Person {
        track: TrackId,
        before: Option<String>,
        after: Option<String>,
    },
    IdentityAttribute {
        identity: String,
        name: String,
        before: Option<String>,
        after: Option<String>,
    },
    /// A recognizer's threshold (0: the review's own; k: its k-th other one).
    Threshold {
        recognizer: usize,
        before: f32,
        after: f32,
    },
    SliceThreshold {
        slice: String,
        before: Option<f32>,
        after: Option<f32>,
    },
    Slicing {
        before: Slicing,
        after: Slicing,
    },
    ReferenceSlice {
        before: Option<String>,
        after: Option<String>,
    },
    Assessment {
        before: Box<Assessment>,
        after: Box<Assessment>,
    },
    SecondReviewer {
        before: String,
        after: String,
    },
    /// One track of the second review (`None`: not looked at).
    SecondLabel {
        track: TrackId,
        before: Option<SecondLabel>,
        after: Option<SecondLabel>,
    },
    /// A settlement appended to the second review (taken off again when undone).
    Settled(Settlement),
    InputPath {
        input: usize,
        before: PathBuf,
        after: PathBuf,
    },
    WatchlistRoot {
        before: PathBuf,
        after: PathBuf,
    },
    /// One enrolment photo's path (inside the watchlist folder, or absolute when relinked on
    /// its own).
    PhotoPath {
        identity: usize,
        photo: usize,
        before: PathBuf,
        after: PathBuf,
    },
    Batch(Vec<Edit>),
}

/// What an edit invalidates, so that only that is recomputed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Refresh {
    /// Nothing measured changes (the assessment text).
    Nothing,
    /// Thresholds or the reference group: the rates, from the same sorted scores.
    Metrics,
    /// The slicing: the slices' sorted scores, then the rates.
    Slices,
    /// Labels or attributes: which tracks are searches and in which slice, then everything.
    Labels,
}

impl Edit {
    fn is_empty(&self) -> bool {
        matches!(self, Edit::Batch(edits) if edits.is_empty())
    }

    /// Whose answers the edit changes: the second review's edits are the second reviewer's,
    /// every other (a settlement included) the first reviewer's.
    fn owner(&self) -> Reviewer {
        match self {
            Edit::SecondReviewer { .. } | Edit::SecondLabel { .. } => Reviewer::Second,
            Edit::Batch(edits) if edits.iter().all(|e| e.owner() == Reviewer::Second) => {
                Reviewer::Second
            }
            _ => Reviewer::First,
        }
    }

    /// Whether the edit sets what is each recognizer's own, which the shown recognizer's view
    /// holds its own way (its threshold in place of the review's, no slice thresholds): such an
    /// edit is not the same edit in the view.
    fn is_a_recognizers_own(&self) -> bool {
        match self {
            Edit::Threshold { .. } | Edit::SliceThreshold { .. } => true,
            Edit::Batch(edits) => edits.iter().any(Edit::is_a_recognizers_own),
            _ => false,
        }
    }

    fn moves_files(&self) -> bool {
        match self {
            Edit::InputPath { .. } | Edit::WatchlistRoot { .. } | Edit::PhotoPath { .. } => true,
            Edit::Batch(edits) => edits.iter().any(Edit::moves_files),
            _ => false,
        }
    }

    fn refresh(&self) -> Refresh {
        match self {
            Edit::Label { .. }
            | Edit::Attribute { .. }
            | Edit::Person { .. }
            | Edit::IdentityAttribute { .. } => Refresh::Labels,
            Edit::Slicing { .. } => Refresh::Slices,
            Edit::Threshold { .. } | Edit::SliceThreshold { .. } | Edit::ReferenceSlice { .. } => {
                Refresh::Metrics
            }
            // Which files are missing is worked out again by `change`.
            Edit::Assessment { .. }
            | Edit::SecondReviewer { .. }
            | Edit::SecondLabel { .. }
            | Edit::Settled(_)
            | Edit::InputPath { .. }
            | Edit::WatchlistRoot { .. }
            | Edit::PhotoPath { .. } => Refresh::Nothing,
            Edit::Batch(edits) => edits
                .iter()
                .map(Edit::refresh)
                .max()
                .unwrap_or(Refresh::Nothing),
        }
    }

    /// `later` folded into `self` where both move the same setting (a slider being dragged,
    /// text being typed): one gesture, one undo step.
    fn merged_with(&self, later: &Edit) -> Option<Edit> {
        match (self, later) {
            (
                Edit::Threshold {
                    recognizer, before, ..
                },
                Edit::Threshold {
                    recognizer: later_recognizer,
                    after,
                    ..
                },
            ) if recognizer == later_recognizer => Some(Edit::Threshold {
                recognizer: *recognizer,
                before: *before,
                after: *after,
            }),
            (
                Edit::SliceThreshold { slice, before, .. },
                Edit::SliceThreshold {
                    slice: later_slice,
                    after,
                    ..
                },
            ) if slice == later_slice => Some(Edit::SliceThreshold {
                slice: slice.clone(),
                before: *before,
                after: *after,
            }),
            (Edit::Assessment { before, .. }, Edit::Assessment { after, .. }) => {
                Some(Edit::Assessment {
                    before: before.clone(),
                    after: after.clone(),
                })
            }
            (Edit::SecondReviewer { before, .. }, Edit::SecondReviewer { after, .. }) => {
                Some(Edit::SecondReviewer {
                    before: before.clone(),
                    after: after.clone(),
                })
            }
            _ => None,
        }
    }
}

impl Workspace {
    /// Applies one edit: checks it, records how to undo it, marks the review unsaved and
    /// refreshes what it invalidates. An edit that changes nothing records nothing.
    pub fn apply(&mut self, command: Command) -> Result<(), review::AttributeError> {
        if let Command::Blind(on) = command {
            self.set_blind(on);
            return Ok(());
        }
        let edit = self.edit_for(command)?;
        if edit.is_empty() {
            return Ok(());
        }
        let at = now();
        self.change(&edit, false, &at);
        self.record_label_changes(&edit, false, &at);
        self.record_second_changes(&edit, false, &at);
        // Moving files is nobody's label: it goes on the stack of whoever is working now, so
        // that a relink made in blind mode is the second reviewer's to undo.
        let owner = if edit.moves_files() {
            self.undoing_for()
        } else {
            edit.owner()
        };
        let stack = stack_of(owner);
        let merged = self.undo[stack]
            .last()
            .and_then(|last| last.merged_with(&edit))
            .filter(|_| self.redo[stack].is_empty());
        match merged {
            Some(merged) => {
                self.undo[stack].pop();
                self.undo[stack].push(merged);
            }
            None => self.undo[stack].push(edit),
        }
        self.redo[stack].clear();
        Ok(())
    }

    /// Whose edits undo and redo act on now: in blind mode the second reviewer's, else the
    /// first's (so neither takes back, unseen, what the other did).
    pub fn undoing_for(&self) -> Reviewer {
        if self.is_blind() {
            Reviewer::Second
        } else {
            Reviewer::First
        }
    }

    /// Whether the app is in blind mode (recorded in the second review, so it re-opens so).
    pub fn is_blind(&self) -> bool {
        self.document
            .second_review
            .as_ref()
            .is_some_and(SecondReview::is_blind)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo[stack_of(self.undoing_for())].is_empty()
    }

    pub fn can_redo(&self) -> bool {
        !self.redo[stack_of(self.undoing_for())].is_empty()
    }

    /// Takes back the last edit (of the reviewer undoing, see [`Self::undoing_for`]); false
    /// when there is none.
    pub fn undo(&mut self) -> bool {
        self.step(true)
    }

    /// Does again the last edit undone; false when there is none.
    pub fn redo(&mut self) -> bool {
        self.step(false)
    }

    /// Moves one edit from one stack to the other, applying it `backwards` (an undo) or not.
    fn step(&mut self, backwards: bool) -> bool {
        let stack = stack_of(self.undoing_for());
        let from = if backwards {
            &mut self.undo[stack]
        } else {
            &mut self.redo[stack]
        };
        let Some(edit) = from.pop() else {
            return false;
        };
        let at = now();
        self.change(&edit, backwards, &at);
        self.record_label_changes(&edit, backwards, &at);
        self.record_second_changes(&edit, backwards, &at);
        if backwards {
            self.redo[stack].push(edit);
        } else {
            self.undo[stack].push(edit);
        }
        true
    }

    /// Blind mode on or off, recorded with the time; the second review starts here if none has.
    fn set_blind(&mut self, on: bool) {
        if self.is_blind() == on {
            return;
        }
        let at = now();
        self.write_review(false, |document| {
            let second = second_review_mut(document, &at);
            if on {
                second.blind.push(BlindSpell {
                    started: at.clone(),
                    ended: None,
                });
            } else if let Some(spell) = second.blind.last_mut() {
                spell.ended = Some(at.clone());
            }
        });
        self.touch();
    }

    /// The edit a command makes here, with the values it replaces. Only what would change is
    /// kept: an empty batch means nothing to do.
    fn edit_for(&self, command: Command) -> Result<Edit, review::AttributeError> {
        let document = &self.document;
        let tracks_of = |tracks: Vec<TrackId>| {
            tracks
                .into_iter()
                .filter(|t| t.index() < document.tracks.len())
                .collect::<Vec<_>>()
        };
        let known = |value: Option<String>| value.filter(|v| v != review::UNKNOWN);
        let edit = match command {
            Command::Label { tracks, label } => Edit::Batch(
                tracks_of(tracks)
                    .into_iter()
                    .filter(|&track| document.tracks[track].label != label)
                    .map(|track| Edit::Label {
                        track,
                        before: document.tracks[track].label,
                        after: label,
                    })
                    .collect(),
            ),
            Command::EachLabel { labels } => Edit::Batch(
                labels
                    .into_iter()
                    .filter(|&(track, label)| {
                        document
                            .tracks
                            .get(track.index())
                            .is_some_and(|t| t.label != label)
                    })
                    .map(|(track, label)| Edit::Label {
                        track,
                        before: document.tracks[track].label,
                        after: label,
                    })
                    .collect(),
            ),
            Command::TrackAttribute {
                tracks,
                name,
                value,
            } => attribute_edits(
                document,
                &name,
                tracks.into_iter().map(|track| (track, value.clone())),
            )?,
            Command::EachTrackAttribute { name, values } => attribute_edits(
                document,
                &name,
                values
                    .into_iter()
                    .map(|(track, value)| (track, Some(value))),
            )?,
            Command::Person { tracks, person } => {
                let after = person
                    .map(|name| name.trim().to_string())
                    .filter(|name| !name.is_empty());
                Edit::Batch(
                    tracks_of(tracks)
                        .into_iter()
                        .filter(|&track| document.tracks[track].person != after)
                        .map(|track| Edit::Person {
                            track,
                            before: document.tracks[track].person.clone(),
                            after: after.clone(),
                        })
                        .collect(),
                )
            }
            Command::IdentityAttribute {
                identity,
                name,
                value,
            } => {
                let after = known(value);
                if let Some(value) = &after {
                    document.attribute_schema.check(&name, value)?;
                }
                let before = document
                    .identity_attributes
                    .get(&identity)
                    .and_then(|attributes| attributes.get(&name))
                    .cloned();
                unchanged_or(
                    before != after,
                    Edit::IdentityAttribute {
                        identity,
                        name,
                        before,
                        after,
                    },
                )
            }
            Command::Threshold(threshold) => {
                let after = self.shown().score_metric().clamp_score(threshold);
                let before = self.threshold();
                unchanged_or(
                    after != before,
                    Edit::Threshold {
                        recognizer: self.shown_recognizer(),
                        before,
                        after,
                    },
                )
            }
            // Another recognizer's scores are on another scale: the review's per-slice
            // thresholds are its own recognizer's alone.
            Command::SliceThreshold { .. } if self.shown_recognizer() != 0 => {
                Edit::Batch(Vec::new())
            }
            Command::SliceThreshold { slice, threshold } => {
                let metric = document.score_metric();
                let after = threshold.map(|t| metric.clamp_score(t));
                let before = document.slice_thresholds.get(&slice).copied();
                unchanged_or(
                    after != before,
                    Edit::SliceThreshold {
                        slice,
                        before,
                        after,
                    },
                )
            }
            Command::Slicing(slicing) => {
                // Refused before anything changes when it names an attribute not in the schema.
                self.labelled.slice(&document.attribute_schema, &slicing)?;
                unchanged_or(
                    slicing != document.slicing,
                    Edit::Slicing {
                        before: document.slicing.clone(),
                        after: slicing,
                    },
                )
            }
            Command::ReferenceSlice(after) => {
                let before = document.reference_slice.clone();
                unchanged_or(after != before, Edit::ReferenceSlice { before, after })
            }
            Command::Relink {
                inputs,
                watchlist_root,
                photos,
            } => {
                let mut edits: Vec<Edit> = inputs
                    .into_iter()
                    .filter_map(|(input, after)| {
                        let before = document.inputs.get(input)?.path.clone();
                        (before != after).then_some(Edit::InputPath {
                            input,
                            before,
                            after,
                        })
                    })
                    .collect();
                if let Some(after) = watchlist_root.filter(|r| *r != document.watchlist.root) {
                    edits.push(Edit::WatchlistRoot {
                        before: document.watchlist.root.clone(),
                        after,
                    });
                }
                edits.extend(photos.into_iter().filter_map(|((identity, photo), after)| {
                    let before = document
                        .watchlist
                        .identities
                        .get(identity)?
                        .photos
                        .get(photo)?
                        .path
                        .clone();
                    (before != after).then_some(Edit::PhotoPath {
                        identity,
                        photo,
                        before,
                        after,
                    })
                }));
                Edit::Batch(edits)
            }
            Command::Assessment(after) => unchanged_or(
                *after != document.assessment,
                Edit::Assessment {
                    before: Box::new(document.assessment.clone()),
                    after,
                },
            ),
            Command::SecondReviewer(after) => {
                let before = document
                    .second_review
                    .as_ref()
                    .map(|second| second.reviewer.clone())
                    .unwrap_or_default();
                unchanged_or(before != after, Edit::SecondReviewer { before, after })
            }
            Command::SecondLabel { tracks, label } => {
                second_label_edits(document, tracks_of(tracks), |theirs| theirs.label = label)
            }
            Command::EachSecondLabel { labels } => Edit::Batch(
                labels
                    .into_iter()
                    .flat_map(|(track, label)| {
                        match second_label_edits(document, tracks_of(vec![track]), |theirs| {
                            theirs.label = label
                        }) {
                            Edit::Batch(edits) => edits,
                            edit => vec![edit],
                        }
                    })
                    .collect(),
            ),
            Command::SecondAttribute {
                tracks,
                name,
                value,
            } => {
                let after = known(value);
                match &after {
                    Some(value) => document.attribute_schema.check(&name, value)?,
                    None => document.attribute_schema.definition(&name).map(|_| ())?,
                }
                second_label_edits(document, tracks_of(tracks), |theirs| match &after {
                    Some(value) => {
                        theirs.attributes.insert(name.clone(), value.clone());
                    }
                    None => {
                        theirs.attributes.remove(&name);
                    }
                })
            }
            Command::Settle {
                track,
                disagreement,
                keep,
            } => self.settle_edit(track, disagreement, keep)?,
            // Applied apart (see `apply`): no edit to undo.
            Command::Blind(_) => Edit::Batch(Vec::new()),
        };
        Ok(edit)
    }

    /// Keeping `keep`'s value of a disagreement: the review's label or attribute set to it, and
    /// the settlement recorded. A track the review does not have settles nothing.
    fn settle_edit(
        &self,
        track: TrackId,
        disagreement: Disagreement,
        keep: Reviewer,
    ) -> Result<Edit, review::AttributeError> {
        let Some(current) = self.document.tracks.get(track.index()) else {
            return Ok(Edit::Batch(Vec::new()));
        };
        let change = match disagreement.value_of(keep) {
            Answer::Label(after) => unchanged_or(
                current.label != after,
                Edit::Label {
                    track,
                    before: current.label,
                    after,
                },
            ),
            Answer::Attribute(name, value) => {
                attribute_edits(&self.document, &name, [(track, Some(value))].into_iter())?
            }
        };
        let settlement = Edit::Settled(Settlement {
            track,
            disagreement,
            kept: keep,
        });
        Ok(Edit::Batch(vec![settlement, change]))
    }

    /// Appends the label changes `edit` made (forwards or, undone, `backwards`) to the review's
    /// history, with the time and the reviewer's name. The history is not itself undone.
    fn record_label_changes(&mut self, edit: &Edit, backwards: bool, at: &str) {
        let name = self.document.assessment.reviewer.name.trim();
        let by = if name.is_empty() {
            "reviewer (not named in the assessment)".to_owned()
        } else {
            name.to_owned()
        };
        let mut changes = Vec::new();
        collect_label_changes(edit, backwards, None, &mut changes);
        if changes.is_empty() {
            return;
        }
        let changes: Vec<review::LabelChange> = changes
            .into_iter()
            .map(|(track, from, to, settled)| review::LabelChange {
                track,
                at: at.to_owned(),
                by: by.clone(),
                from,
                to,
                settled,
            })
            .collect();
        self.write_review(false, |document| {
            document.label_history.extend(changes.iter().cloned());
        });
    }

    /// Appends the second review's changes in `edit` (forwards or, undone, `backwards`) to its
    /// history, with the time and the second reviewer's name.
    fn record_second_changes(&mut self, edit: &Edit, backwards: bool, at: &str) {
        let mut changes = Vec::new();
        collect_second_changes(edit, backwards, &mut changes);
        if changes.is_empty() {
            return;
        }
        self.write_review(false, |document| {
            append_second_changes(document, &changes, at);
        });
    }

    /// Sets the document to an edit's values after (or, `backwards`, before) it, then refreshes
    /// what the edit invalidates.
    fn change(&mut self, edit: &Edit, backwards: bool, at: &str) {
        self.write_review(edit.is_a_recognizers_own(), |document| {
            set_values(document, edit, backwards, at)
        });
        // The assessment's text is in no comparison of the recognizers.
        if !matches!(edit, Edit::Assessment { .. }) {
            self.comparison = None;
        }
        self.touch();
        match edit.refresh() {
            Refresh::Nothing => {}
            Refresh::Metrics => self.refresh_metrics(),
            Refresh::Slices => self.reslice(),
            Refresh::Labels => self.labels_changed(),
        }
        if edit.moves_files() {
            self.check_files();
        }
    }
}

/// Sets `document` to an edit's values after (or, `backwards`, before) it; `at` is when, should
/// the edit start the second review.
fn set_values(document: &mut review::ReviewDocument, edit: &Edit, backwards: bool, at: &str) {
    fn pick<'a, T>(before: &'a T, after: &'a T, backwards: bool) -> &'a T {
        if backwards { before } else { after }
    }
    match edit {
        Edit::Label {
            track,
            before,
            after,
        } => document.tracks[*track].label = *pick(before, after, backwards),
        Edit::Attribute {
            track,
            name,
            before,
            after,
        } => {
            let attributes = &mut document.tracks[*track].attributes;
            match pick(before, after, backwards) {
                Some(value) => attributes.insert(name.clone(), value.clone()),
                None => attributes.remove(name),
            };
        }
        Edit::Person {
            track,
            before,
            after,
        } => document.tracks[*track].person = pick(before, after, backwards).clone(),
        Edit::IdentityAttribute {
            identity,
            name,
            before,
            after,
        } => {
            let attributes = document
                .identity_attributes
                .entry(identity.clone())
                .or_default();
            match pick(before, after, backwards) {
                Some(value) => attributes.insert(name.clone(), value.clone()),
                None => attributes.remove(name),
            };
            // Undone back to nothing, the identity has no entry, as before it had one.
            if attributes.is_empty() {
                document.identity_attributes.remove(identity);
            }
        }
        Edit::Threshold {
            recognizer,
            before,
            after,
        } => {
            let value = *pick(before, after, backwards);
            match recognizer.checked_sub(1) {
                None => document.settings.threshold = value,
                Some(other) => {
                    if let Some(run) = document.other_recognizers.get_mut(other) {
                        run.threshold = value;
                    }
                }
            }
        }
        Edit::SliceThreshold {
            slice,
            before,
            after,
        } => match pick(before, after, backwards) {
            Some(threshold) => {
                document.slice_thresholds.insert(slice.clone(), *threshold);
            }
            None => {
                document.slice_thresholds.remove(slice);
            }
        },
        Edit::Slicing { before, after } => {
            document.slicing = pick(before, after, backwards).clone();
        }
        Edit::ReferenceSlice { before, after } => {
            document.reference_slice = pick(before, after, backwards).clone();
        }
        Edit::Assessment { before, after } => {
            document.assessment = (**pick(before, after, backwards)).clone();
        }
        Edit::SecondReviewer { before, after } => {
            let second = second_review_mut(document, at);
            second.reviewer = pick(before, after, backwards).clone();
            forget_if_empty(&mut document.second_review);
        }
        Edit::SecondLabel {
            track,
            before,
            after,
        } => {
            let second = second_review_mut(document, at);
            match pick(before, after, backwards) {
                Some(label) => second.labels.insert(*track, label.clone()),
                None => second.labels.remove(track),
            };
            forget_if_empty(&mut document.second_review);
        }
        Edit::Settled(settlement) => {
            let second = second_review_mut(document, at);
            if backwards {
                if let Some(at) = second.settled.iter().rposition(|s| s == settlement) {
                    second.settled.remove(at);
                }
            } else {
                second.settled.push(settlement.clone());
            }
            forget_if_empty(&mut document.second_review);
        }
        Edit::InputPath {
            input,
            before,
            after,
        } => {
            if let Some(record) = document.inputs.get_mut(*input) {
                record.path = pick(before, after, backwards).clone();
            }
        }
        Edit::WatchlistRoot { before, after } => {
            document.watchlist.root = pick(before, after, backwards).clone();
        }
        Edit::PhotoPath {
            identity,
            photo,
            before,
            after,
        } => {
            if let Some(record) = document
                .watchlist
                .identities
                .get_mut(*identity)
                .and_then(|i| i.photos.get_mut(*photo))
            {
                record.path = pick(before, after, backwards).clone();
            }
        }
        Edit::Batch(edits) => {
            if backwards {
                for edit in edits.iter().rev() {
                    set_values(document, edit, true, at);
                }
            } else {
                for edit in edits {
                    set_values(document, edit, false, at);
                }
            }
        }
    }
}

/// The edits that set attribute `name` of each track to its value (`None` or "unknown": clear
/// it); only tracks that exist and whose value changes; refused if a value is not in the schema.
fn attribute_edits(
    document: &review::ReviewDocument,
    name: &str,
    values: impl Iterator<Item = (TrackId, Option<String>)>,
) -> Result<Edit, review::AttributeError> {
    let mut edits = Vec::new();
    for (track, value) in values {
        let after = value.filter(|v| v != review::UNKNOWN);
        if let Some(value) = &after {
            document.attribute_schema.check(name, value)?;
        }
        let Some(current) = document.tracks.get(track.index()) else {
            continue;
        };
        let before = current.attributes.get(name).cloned();
        if before != after {
            edits.push(Edit::Attribute {
                track,
                name: name.to_owned(),
                before,
                after,
            });
        }
    }
    Ok(Edit::Batch(edits))
}

/// The edits that change each of `tracks` in the second review by `change` (starting from what
/// the second reviewer said of it, or nothing); only tracks whose entry changes.
fn second_label_edits(
    document: &review::ReviewDocument,
    tracks: Vec<TrackId>,
    change: impl Fn(&mut SecondLabel),
) -> Edit {
    let second = document.second_review.as_ref();
    Edit::Batch(
        tracks
            .into_iter()
            .filter_map(|track| {
                let before = second.and_then(|s| s.labels.get(&track)).cloned();
                let mut after = before.clone().unwrap_or_default();
                change(&mut after);
                // A track with nothing said of it is not in the second review at all.
                let after = (after != SecondLabel::default()).then_some(after);
                (before != after).then_some(Edit::SecondLabel {
                    track,
                    before,
                    after,
                })
            })
            .collect(),
    )
}

/// The time now, as the review's histories write it.
fn now() -> String {
    crate::assessment::dates::UtcTime::now().iso8601()
}

/// Appends the second review's `changes` to its history, at `at`, with the second reviewer's
/// name.
fn append_second_changes(
    document: &mut review::ReviewDocument,
    changes: &[SecondChangeKind],
    at: &str,
) {
    let second = second_review_mut(document, at);
    for change in changes {
        // Typing a name is one change, not one per key.
        if let (
            SecondChangeKind::Reviewer { to, .. },
            Some(SecondChange {
                change: SecondChangeKind::Reviewer { to: last_to, .. },
                at: last_at,
                ..
            }),
        ) = (change, second.history.last_mut())
        {
            *last_to = to.clone();
            *last_at = at.to_owned();
            continue;
        }
        let by = second.reviewer.clone();
        second.history.push(SecondChange {
            at: at.to_owned(),
            by,
            change: change.clone(),
        });
    }
}

/// The second review, started here if there is none: with the first reviewer's answers as they
/// stand now, which is what the second reviewer's will be compared with.
/// `at` is when (the time of the edit that starts it).
fn second_review_mut<'a>(
    document: &'a mut review::ReviewDocument,
    at: &str,
) -> &'a mut SecondReview {
    if document.second_review.is_none() {
        let tracks = document.first_answers_now();
        document.second_review = Some(SecondReview {
            first_answers: Some(FirstAnswers {
                taken: at.to_owned(),
                at_start: true,
                tracks,
            }),
            ..SecondReview::default()
        });
    }
    document
        .second_review
        .get_or_insert_with(SecondReview::default)
}

/// Which undo stack holds the edits of `reviewer`.
pub(super) fn stack_of(reviewer: Reviewer) -> usize {
    match reviewer {
        Reviewer::First => 0,
        Reviewer::Second => 1,
    }
}

/// The second review's changes in `edit`, in the order they apply.
fn collect_second_changes(edit: &Edit, backwards: bool, out: &mut Vec<SecondChangeKind>) {
    fn swap<T>(before: T, after: T, backwards: bool) -> (T, T) {
        if backwards {
            (after, before)
        } else {
            (before, after)
        }
    }
    match edit {
        Edit::SecondReviewer { before, after } => {
            let (from, to) = swap(before, after, backwards);
            out.push(SecondChangeKind::Reviewer {
                from: from.clone(),
                to: to.clone(),
            });
        }
        Edit::SecondLabel {
            track,
            before,
            after,
        } => {
            let (from, to) = swap(before, after, backwards);
            let (from, to) = (
                from.clone().unwrap_or_default(),
                to.clone().unwrap_or_default(),
            );
            if from.label != to.label {
                out.push(SecondChangeKind::Label {
                    track: *track,
                    from: from.label,
                    to: to.label,
                });
            }
            let names: std::collections::BTreeSet<&String> =
                from.attributes.keys().chain(to.attributes.keys()).collect();
            for name in names {
                let (was, is) = (from.attributes.get(name), to.attributes.get(name));
                if was != is {
                    out.push(SecondChangeKind::Attribute {
                        track: *track,
                        name: name.clone(),
                        from: was.cloned(),
                        to: is.cloned(),
                    });
                }
            }
        }
        Edit::Batch(edits) if backwards => {
            for edit in edits.iter().rev() {
                collect_second_changes(edit, true, out);
            }
        }
        Edit::Batch(edits) => {
            for edit in edits {
                collect_second_changes(edit, false, out);
            }
        }
        _ => {}
    }
}

/// A second review undone back to nothing is no second review.
fn forget_if_empty(second: &mut Option<SecondReview>) {
    if second.as_ref().is_some_and(SecondReview::is_empty) {
        *second = None;
    }
}

/// The (track, from, to, settled) label changes in `edit`, in the order they apply; `settled`
/// whose value a settlement kept, for the label change of a settlement.
fn collect_label_changes(
    edit: &Edit,
    backwards: bool,
    settled: Option<Reviewer>,
    out: &mut Vec<(TrackId, GroundTruth, GroundTruth, Option<Reviewer>)>,
) {
    match edit {
        Edit::Label {
            track,
            before,
            after,
        } => out.push(if backwards {
            (*track, *after, *before, settled)
        } else {
            (*track, *before, *after, settled)
        }),
        Edit::Batch(edits) => {
            // A settlement is the settled edit followed by its label change, in one batch.
            let settled = edits.iter().find_map(|edit| match edit {
                Edit::Settled(settlement) => Some(settlement.kept),
                _ => None,
            });
            let mut each = |edit| collect_label_changes(edit, backwards, settled, out);
            if backwards {
                edits.iter().rev().for_each(&mut each);
            } else {
                edits.iter().for_each(&mut each);
            }
        }
        _ => {}
    }
}

/// `edit` where something changes, otherwise an empty batch (nothing to do or undo).
fn unchanged_or(changes: bool, edit: Edit) -> Edit {
    if changes {
        edit
    } else {
        Edit::Batch(Vec::new())
    }
}
