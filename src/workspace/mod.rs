//! The state of one open review while a person works on it, outside any GUI: the document, its
//! file, undoable label edits, autosave, and the cached evaluation that threshold and slice
//! changes update. The desktop app (`ui`) reads and edits a [`Workspace`] and nothing else.

mod commands;
pub mod frames;
pub mod jobs;
pub mod settings;

pub use commands::{Command, RelinkPlan, relink_command, relink_plan};

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::ids::{DetectionId, TrackId};
use crate::metrics::SliceIndex;
use crate::review::locations::MissingFile;
use crate::review::slices::LabelledTracks;
use crate::review::{
    self, Evaluation, GroundTruth, ReviewDocument, ReviewError, SlicedSearches, Slicing,
};
use frames::FrameKey;

/// How long edits may sit unsaved before the autosave file is written.
pub const AUTOSAVE_AFTER: Duration = Duration::from_secs(5);
/// How long edits may sit unsaved at most, however steadily they keep coming: a reviewer who
/// labels faster than [`AUTOSAVE_AFTER`] never pauses long enough for it.
pub const AUTOSAVE_AT_MOST: Duration = Duration::from_secs(30);

/// A track at the current threshold, told apart by words and symbols as well as colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackState {
    /// Alerts; nobody has said yet whether rightly.
    Alert,
    /// Alerts on the person it really is.
    Confirmed,
    /// Alerts on someone it is not.
    FalseAlert,
    /// On the watchlist, but no alert (or not at rank 1).
    Missed,
    BelowThreshold,
    NotAFace,
}

impl TrackState {
    pub fn describe(self) -> &'static str {
        match self {
            TrackState::Alert => "⚠ alert",
            TrackState::Confirmed => "✔ confirmed match",
            TrackState::FalseAlert => "✖ false alert",
            TrackState::Missed => "◌ missed",
            TrackState::BelowThreshold => "· below threshold",
            TrackState::NotAFace => "— not a face",
        }
    }
}

/// What the status line says about the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    /// Edits since the last save; `autosaved` when they are safe in the autosave file.
    Unsaved {
        autosaved: bool,
    },
    /// A new analysis that has never been saved.
    NeverSaved,
}

pub struct Workspace {
    document: ReviewDocument,
    path: Option<PathBuf>,
    /// Undo and redo stacks, one pair per reviewer (indexed by [`commands::stack_of`]): in
    /// blind mode undo takes back only the second reviewer's edits, otherwise only the first's.
    undo: [Vec<commands::Edit>; 2],
    redo: [Vec<commands::Edit>; 2],
    labelled: LabelledTracks,
    sliced: SlicedSearches,
    index: SliceIndex,
    evaluation: Evaluation,
    state: SaveState,
    last_edit: Option<Instant>,
    /// The first edit not yet saved or autosaved: the autosave falls due at most
    /// [`AUTOSAVE_AT_MOST`] after it.
    first_unsaved_edit: Option<Instant>,
    /// Every frame with faces (and every input without), in order, with its detections.
    frames: Vec<(FrameKey, Vec<DetectionId>)>,
    /// For each detection, the track it belongs to (none for a detection in no track).
    track_of_detection: Vec<Option<TrackId>>,
    /// Each track's alert threshold: its slice's own where the review sets one, else the global
    /// one. Empty while no slice has its own (then every track uses the global one).
    track_thresholds: Vec<f32>,
    /// Each track's slice of the current slicing, by its attributes: worked out when first
    /// needed after labels, attributes or the slicing change, not on every threshold move.
    track_slices: Vec<usize>,
    /// Inputs and watchlist photos not where the review says, or there with other content:
    /// looked up when the review opens and after a relink, not on every frame.
    missing: Vec<MissingFile>,
    /// The check of the files that are there against their recorded SHA-256, while it runs.
    content_check: Option<jobs::ContentCheckJob>,
    /// Which recognizer's alerts, scores and threshold are shown (0: the review's own); see
    /// [`Workspace::show_recognizer`].
    shown_recognizer: usize,
    /// The review as that recognizer sees it (`ReviewDocument::as_seen_by`), kept in step with
    /// every edit; None while the review's own is shown.
    seen: Option<Box<ReviewDocument>>,
    /// The comparison of the review's recognizers, worked out when first asked for after an
    /// edit (the outer None: not yet).
    comparison: Option<Option<crate::assessment::comparison::ModelComparison>>,
}

pub use crate::review::autosave_path;

/// A second review saved before lineup kept the first reviewer's answers: they are taken now,
/// marked as taken late (the agreement panel says so), so that from here on relabelling or
/// settling cannot change what the first reviewer is compared on.
fn keep_first_answers_of_an_older_second_review(document: &mut ReviewDocument) {
    if document
        .second_review
        .as_ref()
        .is_some_and(|second| second.first_answers.is_none())
    {
        let tracks = document.first_answers_now();
        if let Some(second) = document.second_review.as_mut() {
            second.first_answers = Some(crate::review::FirstAnswers {
                taken: crate::assessment::dates::UtcTime::now().iso8601(),
                at_start: false,
                tracks,
            });
        }
    }
}

impl Workspace {
    /// A workspace over a document; `path` is where Save writes (None: ask first).
    pub fn new(mut document: ReviewDocument, path: Option<PathBuf>) -> Self {
        if document.tracks.is_empty() && !document.detections.is_empty() {
            document.rebuild_tracks();
        }
        // An unknown saved slicing (e.g. an attribute since removed) falls back to none.
        if document.sliced_searches(&document.slicing).is_err() {
            document.slicing = Slicing::default();
        }
        keep_first_answers_of_an_older_second_review(&mut document);
        let state = if path.is_some() {
            SaveState::Saved
        } else {
            SaveState::NeverSaved
        };
        let labelled = document.labelled_tracks();
        let sliced = slice(&document, &labelled, &document.slicing);
        let index = sliced.index();
        let evaluation = document
            .evaluate(&document.slicing, document.settings.threshold)
            .unwrap_or_else(|_| empty_evaluation(&document));
        let mut workspace = Self {
            document,
            path,
            undo: [Vec::new(), Vec::new()],
            redo: [Vec::new(), Vec::new()],
            labelled,
            sliced,
            index,
            evaluation,
            state,
            last_edit: None,
            first_unsaved_edit: None,
            frames: Vec::new(),
            track_of_detection: Vec::new(),
            track_thresholds: Vec::new(),
            track_slices: Vec::new(),
            missing: Vec::new(),
            content_check: None,
            shown_recognizer: 0,
            seen: None,
            comparison: None,
        };
        workspace.missing = workspace.document.missing_files();
        workspace.index_frames();
        workspace.refresh_metrics();
        workspace
    }

    /// Opens the review at `path`, and starts checking that its files are the ones analysed.
    pub fn open(path: &Path) -> Result<Self, ReviewError> {
        let mut workspace = Self::new(review::load(path)?, Some(path.to_path_buf()));
        workspace.check_files();
        Ok(workspace)
    }

    /// Looks up which files are missing now, and starts checking the content of those there
    /// (see [`Workspace::poll_content_check`]).
    fn check_files(&mut self) {
        self.missing = self.document.missing_files();
        let present = self.document.present_files();
        self.content_check = (!present.is_empty()).then(|| jobs::ContentCheckJob::start(present));
    }

    /// Takes in the content check's outcome when it is over: files whose content differs join
    /// the missing ones. True while it still runs (false once it is over).
    pub fn poll_content_check(&mut self) -> bool {
        let Some(job) = &self.content_check else {
            return false;
        };
        let Some(outcome) = job.try_finish() else {
            return true;
        };
        self.content_check = None;
        match outcome {
            Ok(differing) => self.missing.extend(differing),
            // A check that could not finish proves nothing: every file it was to check is
            // treated as unchecked, i.e. not shown as the footage analysed.
            Err(_) => self.missing.extend(self.document.present_files()),
        }
        false
    }

    /// Whether the file at input `input`'s path is known to be another than the one analysed
    /// (its pictures are then not shown).
    pub fn content_differs(&self, input: usize) -> bool {
        self.missing.iter().any(|m| {
            m.file == review::locations::ReviewFile::Input(input)
                && m.why == review::locations::WhyMissing::OtherContent
        })
    }

    /// Whether the file at `path` (an input or a watchlist photo) is known to be another than
    /// the one the review recorded.
    pub fn file_differs(&self, path: &Path) -> bool {
        self.missing
            .iter()
            .any(|m| m.path == path && m.why == review::locations::WhyMissing::OtherContent)
    }

    /// How far the content check is, while it runs.
    pub fn content_check_progress(&self) -> Option<jobs::CheckProgress> {
        self.content_check
            .as_ref()
            .map(jobs::ContentCheckJob::progress)
    }

    /// When an autosave newer than the review exists, its path: the app offers to recover it.
    pub fn newer_autosave(path: &Path) -> Option<PathBuf> {
        let autosave = autosave_path(path);
        let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
        match (modified(&autosave), modified(path)) {
            (Some(a), Some(r)) if a > r => Some(autosave),
            (Some(_), None) => Some(autosave),
            _ => None,
        }
    }

    /// Opens the autosave of `path` in place of the review (Save then writes over the review).
    pub fn recover(path: &Path) -> Result<Self, ReviewError> {
        let mut workspace = Self::new(
            review::load(&autosave_path(path))?,
            Some(path.to_path_buf()),
        );
        workspace.state = SaveState::Unsaved { autosaved: true };
        workspace.check_files();
        Ok(workspace)
    }

    fn index_frames(&mut self) {
        let document = &self.document;
        let mut frames: std::collections::BTreeMap<FrameKey, Vec<DetectionId>> =
            (0..document.inputs.len())
                .map(|input| {
                    (
                        FrameKey {
                            input,
                            frame_index: 0,
                        },
                        Vec::new(),
                    )
                })
                .collect();
        for (index, detection) in document.detections.iter().enumerate() {
            let key = FrameKey {
                input: detection.source.input,
                frame_index: detection.source.frame_index,
            };
            frames.entry(key).or_default().push(DetectionId(index));
        }
        // A video's frame 0 without faces is not worth a stop; a still always is.
        self.frames = frames
            .into_iter()
            .filter(|(key, found)| key.frame_index == 0 || !found.is_empty())
            .collect();
        self.track_of_detection = vec![None; document.detections.len()];
        for (track_index, track) in document.tracks.iter().enumerate() {
            for &d in &track.detections {
                if let Some(slot) = self.track_of_detection.get_mut(d.index()) {
                    *slot = Some(TrackId(track_index));
                }
            }
        }
    }

    /// Frames worth showing, in order, each with the detections in it.
    pub fn frames(&self) -> &[(FrameKey, Vec<DetectionId>)] {
        &self.frames
    }

    /// The track a detection belongs to.
    pub fn track_of(&self, detection: DetectionId) -> Option<TrackId> {
        self.track_of_detection
            .get(detection.index())
            .copied()
            .flatten()
    }

    /// The review's inputs and watchlist photos that are not where it says (see
    /// [`relink_command`]).
    pub fn missing_files(&self) -> &[MissingFile] {
        &self.missing
    }

    /// The review itself: what is saved, exported and edited. Its scores are its own
    /// recognizer's; what the chosen recognizer sees is [`Workspace::shown`].
    pub fn document(&self) -> &ReviewDocument {
        &self.document
    }

    /// The review as the recognizer whose alerts are shown sees it: its scores, metric and
    /// threshold; the same tracks and labels. The review itself while its own is shown.
    pub fn shown(&self) -> &ReviewDocument {
        self.seen.as_deref().unwrap_or(&self.document)
    }

    /// Which recognizer's alerts are shown: 0 for the review's own, k for its k-th other one.
    pub fn shown_recognizer(&self) -> usize {
        self.shown_recognizer
    }

    /// Shows the alerts, scores and threshold of recognizer `recognizer` (0: the review's own;
    /// see `ReviewDocument::recognizer_names`) on every screen. A choice of what to look at,
    /// not an edit: nothing to save or undo. False (and nothing changes) when the review has
    /// no such recognizer.
    pub fn show_recognizer(&mut self, recognizer: usize) -> bool {
        if recognizer == self.shown_recognizer {
            return true;
        }
        let seen = match recognizer {
            0 => None,
            k => match self.document.as_seen_by(k) {
                Some(view) => Some(Box::new(view)),
                None => return false,
            },
        };
        self.shown_recognizer = recognizer;
        self.seen = seen;
        self.labels_changed();
        true
    }

    /// Writes the review with `write`, and the shown recognizer's view of it the same way. The
    /// two differ only in what is each recognizer's own (scores, embeddings, thresholds), so an
    /// edit of anything else is the same edit in both, and the view is kept in step without
    /// being copied from the review again: a copy of 50,000 tracks' faces took far longer than
    /// a frame, on every label key. An edit of what is a recognizer's own (`recognizers_own`)
    /// makes the view again instead.
    fn write_review(&mut self, recognizers_own: bool, mut write: impl FnMut(&mut ReviewDocument)) {
        write(&mut self.document);
        if recognizers_own {
            self.refresh_seen();
        } else if let Some(seen) = self.seen.as_deref_mut() {
            write(seen);
        }
    }

    /// The shown recognizer's view again after the review changed.
    fn refresh_seen(&mut self) {
        self.comparison = None;
        if self.shown_recognizer != 0 {
            self.seen = self
                .document
                .as_seen_by(self.shown_recognizer)
                .map(Box::new);
            if self.seen.is_none() {
                self.shown_recognizer = 0;
            }
        }
    }

    /// The review's recognizers compared (per group at each one's own threshold and at the
    /// first one's FPIR; the tracks one flags and another does not): the comparison the signed
    /// report states, at the review's threshold. None for a review of one recognizer.
    pub fn comparison(&mut self) -> Option<&crate::assessment::comparison::ModelComparison> {
        if self.comparison.is_none() {
            let threshold = self.document.settings.threshold;
            self.comparison = Some(crate::assessment::comparison::of_review(
                &self.document,
                threshold,
            ));
        }
        self.comparison.as_ref().and_then(Option::as_ref)
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    pub fn save_state(&self) -> &SaveState {
        &self.state
    }

    pub fn evaluation(&self) -> &Evaluation {
        &self.evaluation
    }

    pub fn sliced(&self) -> &SlicedSearches {
        &self.sliced
    }

    /// For each track of the review, whether it is a labelled track in the slice called `name`
    /// of the current slicing; None when the slicing has no slice of that name. One pass over
    /// the sliced searches, so that choosing a slice costs the same per track at any size.
    pub fn tracks_in_slice(&self, name: &str) -> Option<Vec<bool>> {
        let slice = self.sliced.names.iter().position(|n| n == name)?;
        let mut in_slice = vec![false; self.document.tracks.len()];
        for (track, search) in self.sliced.tracks.iter().zip(&self.sliced.searches) {
            if search.slice == slice
                && let Some(member) = in_slice.get_mut(track.0)
            {
                *member = true;
            }
        }
        Some(in_slice)
    }

    pub fn slice_index(&self) -> &SliceIndex {
        &self.index
    }

    /// The shown recognizer's threshold (a lineup score on its metric).
    pub fn threshold(&self) -> f32 {
        self.shown().settings.threshold
    }

    /// Tracks that raise an alert at the current thresholds: a track's slice's own where the
    /// review sets one (by its attributes, labelled or not), the global one elsewhere, as the
    /// rates count them.
    pub fn alerting_tracks(&self) -> Vec<TrackId> {
        (0..self.document.tracks.len())
            .map(TrackId)
            .filter(|&t| self.track_alerts(t))
            .collect()
    }

    /// Every track of the review, in order.
    pub fn tracks(&self) -> impl Iterator<Item = TrackId> + use<> {
        (0..self.document.tracks.len()).map(TrackId)
    }

    /// The threshold `track` alerts at. In blind mode every track alerts at the global
    /// threshold: a group's own threshold would tell the second reviewer which group the
    /// first reviewer's attributes (or the person they named) put the track in.
    pub fn track_threshold(&self, track: TrackId) -> f32 {
        if self.is_blind() {
            return self.threshold();
        }
        self.track_thresholds
            .get(track.index())
            .copied()
            .unwrap_or_else(|| self.threshold())
    }

    /// How many slices of the current slicing have a threshold of their own.
    pub fn own_threshold_groups(&self) -> usize {
        if self.is_blind() {
            return 0;
        }
        self.sliced
            .names
            .iter()
            .filter(|name| self.shown().slice_thresholds.contains_key(*name))
            .count()
    }

    pub fn track_alerts(&self, track: TrackId) -> bool {
        self.shown().track_match(track).score >= self.track_threshold(track)
    }

    /// What a track amounts to at its threshold, given its label.
    pub fn track_state(&self, track: TrackId) -> TrackState {
        let matched = self.shown().track_match(track);
        let alert = matched.score >= self.track_threshold(track);
        match (alert, self.document.tracks[track.index()].label) {
            (_, GroundTruth::NotAFace) => TrackState::NotAFace,
            (true, GroundTruth::Unlabelled) => TrackState::Alert,
            (true, GroundTruth::OnWatchlist(id)) if matched.identity == Some(id) => {
                TrackState::Confirmed
            }
            (true, _) => TrackState::FalseAlert,
            (false, GroundTruth::OnWatchlist(_)) => TrackState::Missed,
            (false, _) => TrackState::BelowThreshold,
        }
    }

    fn labels_changed(&mut self) {
        self.labelled = self.shown().labelled_tracks();
        self.reslice();
    }

    fn reslice(&mut self) {
        self.track_slices.clear();
        self.sliced = slice(self.shown(), &self.labelled, &self.document.slicing);
        self.index = self.sliced.index();
        self.refresh_metrics();
    }

    /// Each track's threshold, for the alert lists and states.
    fn refresh_track_thresholds(&mut self) {
        self.track_thresholds.clear();
        if self.own_threshold_groups() == 0 {
            return;
        }
        if self.track_slices.len() != self.document.tracks.len() {
            self.track_slices = self
                .document
                .slices_of_tracks(&self.document.slicing)
                .unwrap_or_default();
        }
        let global = self.threshold();
        self.track_thresholds = self
            .track_slices
            .iter()
            .map(|&slice| {
                self.sliced
                    .names
                    .get(slice)
                    .and_then(|name| self.shown().slice_thresholds.get(name))
                    .copied()
                    .unwrap_or(global)
            })
            .collect();
    }

    fn refresh_metrics(&mut self) {
        self.refresh_track_thresholds();
        let shown = self.shown();
        self.evaluation = Evaluation::new(
            shown,
            &shown.slicing,
            shown.settings.threshold,
            &self.sliced,
            &self.index,
        );
    }

    fn touch(&mut self) {
        self.touch_at(Instant::now());
    }

    fn touch_at(&mut self, now: Instant) {
        self.last_edit = Some(now);
        self.first_unsaved_edit.get_or_insert(now);
        self.state = match self.state {
            SaveState::NeverSaved => SaveState::NeverSaved,
            _ => SaveState::Unsaved { autosaved: false },
        };
    }

    /// Saves to the review's file (atomically) and removes the autosave.
    pub fn save(&mut self) -> Result<(), ReviewError> {
        let Some(path) = self.path.clone() else {
            return Err(ReviewError::Unwritable {
                path: PathBuf::from("(untitled)"),
                reason: "choose where to save first".into(),
            });
        };
        self.save_as(&path)
    }

    pub fn save_as(&mut self, path: &Path) -> Result<(), ReviewError> {
        review::save(&self.document, path)?;
        let _ = review::remove_review_file(&autosave_path(path));
        self.path = Some(path.to_path_buf());
        self.state = SaveState::Saved;
        self.last_edit = None;
        self.first_unsaved_edit = None;
        Ok(())
    }

    /// When unsaved edits fall due for autosaving: [`AUTOSAVE_AFTER`] after the last edit, or
    /// [`AUTOSAVE_AT_MOST`] after the first unsaved one if edits keep coming; `None` when nothing
    /// waits (no file yet, nothing unsaved, or already autosaved).
    fn autosave_due_at(&self) -> Option<Instant> {
        let (Some(last_edit), Some(first)) = (self.last_edit, self.first_unsaved_edit) else {
            return None;
        };
        (self.path.is_some() && matches!(self.state, SaveState::Unsaved { autosaved: false }))
            .then(|| (last_edit + AUTOSAVE_AFTER).min(first + AUTOSAVE_AT_MOST))
    }

    /// How long until unsaved edits fall due for autosaving; `None` when nothing waits (no file
    /// yet, nothing unsaved, or already autosaved).
    pub fn autosave_due_in(&self, now: Instant) -> Option<Duration> {
        self.autosave_due_at()
            .map(|due| due.saturating_duration_since(now))
    }

    /// Writes the autosave file when edits have waited long enough; returns what happened.
    pub fn autosave_if_due(&mut self, now: Instant) -> Option<Result<(), ReviewError>> {
        let path = self.path.clone()?;
        if self.autosave_due_at()? > now {
            return None;
        }
        let result = review::save(&self.document, &autosave_path(&path));
        if result.is_ok() {
            self.state = SaveState::Unsaved { autosaved: true };
            self.first_unsaved_edit = None;
        }
        Some(result)
    }
}

fn slice(
    document: &ReviewDocument,
    labelled: &LabelledTracks,
    slicing: &Slicing,
) -> SlicedSearches {
    labelled
        .slice(&document.attribute_schema, slicing)
        .or_else(|_| labelled.slice(&document.attribute_schema, &Slicing::default()))
        .unwrap_or(SlicedSearches {
            names: vec!["everyone".into()],
            searches: Vec::new(),
            tracks: Vec::new(),
            unknown: vec![false],
            people_known: Default::default(),
        })
}

fn empty_evaluation(document: &ReviewDocument) -> Evaluation {
    let nothing = SlicedSearches {
        names: Vec::new(),
        searches: Vec::new(),
        tracks: Vec::new(),
        unknown: Vec::new(),
        people_known: Default::default(),
    };
    Evaluation::new(
        document,
        &Slicing::default(),
        document.settings.threshold,
        &nothing,
        &nothing.index(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Edits every 4 s, never pausing the 5 s the autosave waits for: it still falls due
    /// [`AUTOSAVE_AT_MOST`] after the first of them (the expert's finding c on #17).
    #[test]
    fn steady_edits_are_autosaved_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("review.ron");
        let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/review_v1.ron");
        std::fs::copy(fixture, &path).unwrap();
        let mut workspace = Workspace::open(&path).unwrap();
        let start = Instant::now();
        workspace.touch_at(start);
        workspace
            .apply(Command::Label {
                tracks: vec![TrackId(0)],
                label: GroundTruth::NotAFace,
            })
            .unwrap();
        let every = Duration::from_secs(4);
        for n in 1..=9 {
            let now = start + every * n;
            workspace.touch_at(now);
            if workspace.autosave_if_due(now).is_some() {
                break;
            }
            let due = workspace.autosave_due_in(now).unwrap();
            assert!(
                now + due <= start + AUTOSAVE_AT_MOST,
                "after {:?} of edits, due in {due:?}",
                every * n
            );
        }
        assert_eq!(
            workspace.save_state(),
            &SaveState::Unsaved { autosaved: true },
            "steady edits were never autosaved"
        );
        assert!(autosave_path(&path).exists());
        // The next edit starts a new wait: a pause of AUTOSAVE_AFTER, or the limit again.
        let later = start + Duration::from_secs(40);
        workspace.touch_at(later);
        assert_eq!(workspace.autosave_due_in(later), Some(AUTOSAVE_AFTER));
    }
}
