//! Long work off the interface thread: an analysis runs on its own thread, reports progress
//! through shared state the app reads each frame, and stops early when cancelled; an export
//! and a verification each run on a thread of their own too, and the app polls them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, TryRecvError};
use std::sync::{Arc, Mutex};

use super::{RelinkPlan, Workspace};
use crate::analysis::evaluation_set::{self, EvaluationRequest, EvaluationSetError};
use crate::analysis::{self, AnalysisError, AnalysisRequest, Progress};
use crate::assessment::{BundleError, ExportedBundle, Verified, VerifyError};
use crate::review::locations::{self, MissingFile, Search, SearchLimits, SearchProgress};
use crate::review::{ReviewDocument, ReviewError};

/// Why a background job gave no result.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Evaluation(#[from] EvaluationSetError),
    #[error(transparent)]
    Export(#[from] BundleError),
    #[error(transparent)]
    Verify(#[from] VerifyError),
    /// A review that could not be opened (its message names the file).
    #[error(transparent)]
    Open(#[from] ReviewError),
    /// The folder to search for moved files could not be read.
    #[error("{}: cannot be searched: {reason}", folder.display())]
    Search {
        folder: std::path::PathBuf,
        reason: String,
    },
    /// The job's thread ended without a result (it panicked): named by what it was doing.
    #[error("the {0} stopped unexpectedly")]
    Stopped(&'static str),
}

/// The outcome of a job once it is over; `None` while it runs. A thread that ended without
/// sending counts as [`JobError::Stopped`].
fn outcome<T>(
    result: &Receiver<Result<T, JobError>>,
    what: &'static str,
) -> Option<Result<T, JobError>> {
    match result.try_recv() {
        Ok(outcome) => Some(outcome),
        Err(TryRecvError::Empty) => None,
        Err(TryRecvError::Disconnected) => Some(Err(JobError::Stopped(what))),
    }
}

/// Where a new analysis is to save its review, as checked before the analysis starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewReviewPath {
    /// Nothing is there, and a review and its sidecar can be written.
    Free,
    /// A file is there (a review holds a reviewer's labels): writing over it needs the person's
    /// yes, as `lineup analyze --out` needs `--force`.
    Taken,
}

/// Checks `path` before an analysis that will save its review there starts (the check `lineup
/// analyze` makes, `review::check_saveable`): an analysis can take hours, and a path no review
/// and sidecar can be written at would lose it all. Err says why not, naming the file; a file
/// already there is left as it is.
pub fn check_new_review_path(path: &std::path::Path) -> Result<NewReviewPath, ReviewError> {
    crate::review::check_saveable(path)?;
    Ok(if path.exists() {
        NewReviewPath::Taken
    } else {
        NewReviewPath::Free
    })
}

pub struct AnalysisJob {
    progress: Arc<Mutex<Option<Progress>>>,
    cancel: Arc<AtomicBool>,
    result: Receiver<Result<ReviewDocument, JobError>>,
}

impl AnalysisJob {
    /// Starts `request` on a new thread. `on_progress` runs on that thread after each step (the
    /// app passes a repaint request so the progress bar moves without polling).
    pub fn start(request: AnalysisRequest, on_progress: impl Fn() + Send + 'static) -> Self {
        Self::spawn(
            move |report, cancel| analysis::run(&request, report, cancel).map_err(JobError::from),
            on_progress,
        )
    }

    /// Starts an evaluation set's protocol (what `lineup evaluate` runs) the same way: same
    /// progress, same cancel, a review document at the end.
    pub fn start_evaluation(
        request: EvaluationRequest,
        on_progress: impl Fn() + Send + 'static,
    ) -> Self {
        Self::spawn(
            move |report, cancel| {
                evaluation_set::run(&request, report, cancel).map_err(JobError::from)
            },
            on_progress,
        )
    }

    fn spawn(
        job: impl FnOnce(&mut dyn FnMut(Progress), &AtomicBool) -> Result<ReviewDocument, JobError>
        + Send
        + 'static,
        on_progress: impl Fn() + Send + 'static,
    ) -> Self {
        let progress = Arc::new(Mutex::new(None));
        let cancel = Arc::new(AtomicBool::new(false));
        let (sender, result) = mpsc::channel();
        let (shared, flag) = (Arc::clone(&progress), Arc::clone(&cancel));
        std::thread::spawn(move || {
            let mut report = |p: Progress| {
                if let Ok(mut slot) = shared.lock() {
                    *slot = Some(p);
                }
                on_progress();
            };
            let outcome = job(&mut report, &flag);
            let _ = sender.send(outcome);
            on_progress();
        });
        Self {
            progress,
            cancel,
            result,
        }
    }

    pub fn progress(&self) -> Option<Progress> {
        self.progress.lock().ok().and_then(|p| p.clone())
    }

    /// Asks the job to stop after the current input; it then finishes with what it has.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// The outcome once the job is over; None while it runs.
    pub fn try_finish(&self) -> Option<Result<ReviewDocument, JobError>> {
        outcome(&self.result, "analysis")
    }

    /// Blocks until the job is over (for tests and the command line).
    pub fn wait(self) -> Result<ReviewDocument, JobError> {
        self.result
            .recv()
            .unwrap_or(Err(JobError::Stopped("analysis")))
    }
}

/// Opening a review: reading and checking a review of 50,000 faces takes seconds, so it runs on
/// its own thread while the window says what it is opening and how big it is.
pub struct OpenJob {
    path: std::path::PathBuf,
    /// The file's size in bytes, once the job has looked (0 until then).
    size: Arc<std::sync::atomic::AtomicU64>,
    result: Receiver<Result<Workspace, JobError>>,
}

impl OpenJob {
    /// Opens the review at `path` as [`Workspace::open`] does; `on_done` runs when it is over.
    pub fn start(path: std::path::PathBuf, on_done: impl Fn() + Send + 'static) -> Self {
        let size = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (sender, result) = mpsc::channel();
        let (shared, opened) = (Arc::clone(&size), path.clone());
        std::thread::spawn(move || {
            if let Ok(metadata) = std::fs::metadata(&opened) {
                shared.store(metadata.len(), Ordering::Relaxed);
            }
            let _ = sender.send(Workspace::open(&opened).map_err(JobError::from));
            on_done();
        });
        Self { path, size, result }
    }

    /// The review being opened.
    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// The review file's size in bytes; None until known (or for a file that is not one, such
    /// as a pipe).
    pub fn size(&self) -> Option<u64> {
        Some(self.size.load(Ordering::Relaxed)).filter(|&bytes| bytes > 0)
    }

    /// The open review, or why it could not be opened; waits at most `patience` for it, and
    /// gives None if it is still being read.
    pub fn finish_within(
        &self,
        patience: std::time::Duration,
    ) -> Option<Result<Workspace, JobError>> {
        match self.result.recv_timeout(patience) {
            Ok(outcome) => Some(outcome),
            Err(mpsc::RecvTimeoutError::Timeout) => None,
            Err(mpsc::RecvTimeoutError::Disconnected) => Some(Err(JobError::Stopped("opening"))),
        }
    }
}

/// Reading the headers of the footage chosen for a new analysis (its length, frame rate and
/// frame size), for the estimate the form shows before the analysis starts: cheap, but a
/// folder of thousands of stills or a video on a slow disk must not hold up the window.
#[derive(Debug)]
pub struct SurveyJob {
    footage: Vec<std::path::PathBuf>,
    result: Receiver<crate::analysis::estimate::Survey>,
}

impl SurveyJob {
    /// Surveys `footage` as [`crate::analysis::estimate::survey`] does; `on_done` runs when it
    /// is over (the app passes a repaint request).
    pub fn start(footage: Vec<std::path::PathBuf>, on_done: impl Fn() + Send + 'static) -> Self {
        let (sender, result) = mpsc::channel();
        let paths = footage.clone();
        std::thread::spawn(move || {
            let _ = sender.send(crate::analysis::estimate::survey(&paths));
            on_done();
        });
        Self { footage, result }
    }

    /// The footage being surveyed.
    pub fn footage(&self) -> &[std::path::PathBuf] {
        &self.footage
    }

    /// The survey once it is done; None while it runs (or if its thread ended without one).
    pub fn try_finish(&self) -> Option<crate::analysis::estimate::Survey> {
        self.result.try_recv().ok()
    }
}

/// Exporting a signed assessment bundle: rendering the PDF and signing take seconds, so they
/// run on their own thread like an analysis.
pub struct ExportJob {
    result: Receiver<Result<ExportedBundle, JobError>>,
}

/// What an export needs besides the review itself.
pub struct ExportRequest {
    pub document: ReviewDocument,
    /// The saved review file the bundle records the hash of.
    pub review_path: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub password: String,
    pub out: std::path::PathBuf,
}

impl ExportJob {
    pub fn start(request: ExportRequest, on_done: impl Fn() + Send + 'static) -> Self {
        let (sender, result) = mpsc::channel();
        std::thread::spawn(move || {
            let _ = sender.send(export(&request).map_err(JobError::from));
            on_done();
        });
        Self { result }
    }

    /// The bundle written, or the error; None while it runs.
    pub fn try_finish(&self) -> Option<Result<ExportedBundle, JobError>> {
        outcome(&self.result, "export")
    }
}

/// A sentence for the reviewer saying what an export wrote.
pub fn exported_sentence(bundle: &ExportedBundle) -> String {
    let key_id = bundle
        .report
        .signer
        .as_ref()
        .map_or("?", |s| s.key_id.as_str());
    format!(
        "Signed bundle written to {} (and {}); key ID {key_id}",
        bundle.folder.display(),
        bundle.zip.display(),
    )
}

fn export(request: &ExportRequest) -> Result<ExportedBundle, BundleError> {
    use crate::assessment::{FaceDisclosure, SignedExport, export_signed};
    export_signed(&SignedExport {
        document: &request.document,
        review_path: &request.review_path,
        key: &request.key,
        password: &request.password,
        out: &request.out,
        overwrite: false,
        threshold: None,
        // The app always shows only confirmed matches: showing more is a choice made, and
        // recorded, on the command line.
        face_disclosure: FaceDisclosure::ConfirmedMatchesOnly,
        include_watchlist_photos: false,
        // Likewise the full review (embeddings of everyone found): the bundle's evidence
        // recomputes every number without it.
        include_review: false,
    })
}

fn verify(
    bundle: &std::path::Path,
    published_key: Option<&std::path::Path>,
) -> Result<Verified, JobError> {
    let trusted = published_key
        .map(|key| crate::assessment::trusted_key_file(bundle, key))
        .transpose()?;
    Ok(crate::assessment::verify_bundle(bundle, trusted.as_ref())?)
}

/// Checking a bundle: reading, unzipping and hashing a bundle of pictures, and reading its PDF
/// back, take long enough to freeze the window, so it runs on its own thread.
pub struct VerifyJob {
    result: Receiver<Result<Verified, JobError>>,
}

impl VerifyJob {
    /// Verifies the bundle (folder or zip) at `bundle`: with `published_key` (the reviewer's
    /// public key, from outside the bundle) where given, which proves who signed; otherwise with
    /// the key the signature names, which proves only that nothing changed. `on_done` runs when
    /// it is over.
    pub fn start(
        bundle: std::path::PathBuf,
        published_key: Option<std::path::PathBuf>,
        on_done: impl Fn() + Send + 'static,
    ) -> Self {
        let (sender, result) = mpsc::channel();
        std::thread::spawn(move || {
            let outcome = verify(&bundle, published_key.as_deref());
            let _ = sender.send(outcome);
            on_done();
        });
        Self { result }
    }

    /// The outcome, or None while it runs.
    pub fn try_finish(&self) -> Option<Result<Verified, JobError>> {
        outcome(&self.result, "verification")
    }
}

/// Looking for moved files in a folder by their SHA-256: hashing big videos takes a while, so it
/// runs on its own thread, reports how far it got, and can be cancelled.
pub struct RelinkJob {
    folder: std::path::PathBuf,
    progress: Arc<Mutex<SearchProgress>>,
    cancel: Arc<AtomicBool>,
    result: Receiver<Result<(Search, RelinkPlan), JobError>>,
}

impl RelinkJob {
    /// Searches `folder` for the `missing` files of `document`, then plans the relink (which
    /// hashes each file found again, and the photos in a new watchlist folder); `on_progress`
    /// runs on the job's thread after each file hashed and at the end.
    pub fn start(
        folder: std::path::PathBuf,
        document: ReviewDocument,
        missing: Vec<MissingFile>,
        on_progress: impl Fn() + Send + 'static,
    ) -> Self {
        let progress = Arc::new(Mutex::new(SearchProgress::default()));
        let cancel = Arc::new(AtomicBool::new(false));
        let (sender, result) = mpsc::channel();
        let (shared, flag, searched) = (Arc::clone(&progress), Arc::clone(&cancel), folder.clone());
        std::thread::spawn(move || {
            let report = |seen: SearchProgress| {
                if let Ok(mut slot) = shared.lock() {
                    *slot = seen;
                }
                on_progress();
            };
            let outcome = locations::find_by_digest(
                &searched,
                &missing,
                SearchLimits::default(),
                &flag,
                report,
            )
            .map_err(|e| JobError::Search {
                folder: searched.clone(),
                reason: e.to_string(),
            })
            .map(|search| {
                let plan = super::relink_plan(&document, &search);
                (search, plan)
            });
            let _ = sender.send(outcome);
            on_progress();
        });
        Self {
            folder,
            progress,
            cancel,
            result,
        }
    }

    /// The folder being searched.
    pub fn folder(&self) -> &std::path::Path {
        &self.folder
    }

    pub fn progress(&self) -> SearchProgress {
        self.progress.lock().map(|p| *p).unwrap_or_default()
    }

    /// Stops the search; it then finishes with what it found so far.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    /// The outcome, or None while it runs.
    pub fn try_finish(&self) -> Option<Result<(Search, RelinkPlan), JobError>> {
        outcome(&self.result, "search for moved files")
    }
}

/// What a search for moved files came to, in words: how many were relinked, which still miss,
/// which files were refused because only their name matched, and what the plan refused.
pub fn relinked_sentence(folder: &std::path::Path, search: &Search, plan: &RelinkPlan) -> String {
    let total = search.found.len() + search.still_missing.len();
    let relinked = match &plan.command {
        Some(super::Command::Relink {
            inputs,
            watchlist_root,
            photos,
        }) => {
            let in_root = watchlist_root.as_ref().map_or(0, |_| {
                search
                    .found
                    .iter()
                    .filter(|(m, _)| matches!(m.file, locations::ReviewFile::Photo { .. }))
                    .count()
            });
            inputs.len() + photos.len() + in_root
        }
        _ => 0,
    };
    let mut text = format!(
        "Relinked {relinked} of {total} missing files from {} (each checked by size and SHA-256).",
        folder.display()
    );
    if !search.still_missing.is_empty() {
        let names: Vec<String> = search
            .still_missing
            .iter()
            .take(5)
            .map(|m| file_name(&m.path))
            .collect();
        let more = search.still_missing.len().saturating_sub(names.len());
        text.push_str(&format!(" Still missing: {}", names.join(", ")));
        if more > 0 {
            text.push_str(&format!(" and {more} more"));
        }
        text.push('.');
    }
    for (missing, refused) in search.refused.iter().take(5) {
        text.push_str(&format!(
            " Refused {}: it has the name of {} but not its content (the SHA-256 differs from the \
             one recorded), so it is not the file that was analysed.",
            refused.display(),
            file_name(&missing.path)
        ));
    }
    for problem in &plan.problems {
        text.push(' ');
        text.push_str(problem);
    }
    if search.incomplete {
        text.push_str(" The search stopped before looking everywhere (too many files or folders too deep): choose a folder nearer the files.");
    }
    text
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .unwrap_or(path.as_os_str())
        .to_string_lossy()
        .into_owned()
}

/// SHA-256s worked out in this session, by (path, size, modification time): a review opened
/// again, or checked again after a relink, does not hash its videos again unless they changed.
fn cached_sha256(path: &std::path::Path) -> std::io::Result<crate::digest::FileDigest> {
    type Key = (std::path::PathBuf, u64, Option<std::time::SystemTime>);
    static CACHE: std::sync::OnceLock<
        Mutex<std::collections::HashMap<Key, crate::digest::FileDigest>>,
    > = std::sync::OnceLock::new();
    let meta = std::fs::metadata(path)?;
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    let cache = CACHE.get_or_init(Default::default);
    if let Some(digest) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(digest);
    }
    let digest = crate::digest::sha256_file(path)?;
    if let Ok(mut cache) = cache.lock() {
        cache.insert(key, digest.clone());
    }
    Ok(digest)
}

/// How far a content check is: files checked of all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckProgress {
    pub checked: usize,
    pub total: usize,
}

/// Checking that the review's files found at their paths are the ones analysed (size, then
/// SHA-256): a review moved next to another clip of the same name must not show that clip as
/// the footage analysed. Hashing videos takes a while, so it runs on its own thread.
pub struct ContentCheckJob {
    progress: Arc<Mutex<CheckProgress>>,
    result: Receiver<Result<Vec<MissingFile>, JobError>>,
}

impl ContentCheckJob {
    /// Checks `present` (files there, with a recorded digest); the outcome is those whose
    /// content differs.
    pub fn start(present: Vec<MissingFile>) -> Self {
        let progress = Arc::new(Mutex::new(CheckProgress {
            checked: 0,
            total: present.len(),
        }));
        let (sender, result) = mpsc::channel();
        let shared = Arc::clone(&progress);
        std::thread::spawn(move || {
            let mut differing = Vec::new();
            for file in present {
                if !file.content_matches(cached_sha256) {
                    differing.push(file);
                }
                if let Ok(mut seen) = shared.lock() {
                    seen.checked += 1;
                }
            }
            let _ = sender.send(Ok(differing));
        });
        Self { progress, result }
    }

    pub fn progress(&self) -> CheckProgress {
        self.progress.lock().map(|p| *p).unwrap_or_default()
    }

    /// The files whose content differs, or None while it runs.
    pub fn try_finish(&self) -> Option<Result<Vec<MissingFile>, JobError>> {
        outcome(&self.result, "check of the review's files")
    }
}
