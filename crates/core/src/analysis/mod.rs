//! One analysis job: enrol the watchlist, then for every input find faces, embed them and search
//! the watchlist, producing a review document. Progress is reported through a callback and the
//! job stops early, keeping what it has, when its cancel flag is raised.
//!
//! Work runs as a pipeline of threads joined by bounded channels, so memory stays flat however
//! long the footage and every core has work: a decoder thread hashes and decodes inputs into
//! frames, detection workers (two when there are two cores or more) take the frames in turn and
//! find and align their faces, an embedding thread takes the faces back in order and embeds them
//! (the faces of consecutive frames are gathered into one model run), and the calling thread
//! files faces into the document and reports progress. Only a few frames are ever in flight; none
//! is kept once its faces are found.

pub mod estimate;
pub mod evaluation_set;
mod fan_out;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{SyncSender, sync_channel};
use std::time::{Duration, Instant};

use crate::digest::sha256_file;
use crate::footage::{self, Footage, FootageError, Frame, MediaKind, Sampling, VideoReader};
use crate::matching;
use crate::review::shards::{Shard, ShardRecord, file_list_fingerprint};
use crate::review::{
    AnalysisSettings, DetectionRecord, InputRecord, InputStatus, RecognizedFace, RecognizerRun,
    ReviewDocument, SourceRef, TrackingSettings,
};
use crate::vision::manifest::Metric;
use crate::vision::{
    AlignedFace, Detector, DetectorConfig, Embedder, Embedding, Face, FacePipeline, FoundFace,
    Recognizer, Template, VisionConfig, VisionError, align_to, embed_found, embedding_runs,
    find_faces_for,
};
use crate::watchlist::{self, EnrolmentCache, EnrolmentCounts, Watchlist, WatchlistError};
use estimate::{Calibration, Projection};
use fan_out::{Dealer, Gatherer, Lane};

/// Detection workers at most, each with its own detector session and an even share of the
/// threads: on 2 cores, two one-thread detectors keep both cores busier than one of two threads
/// (19.7 against 17.7 fps on the 1080p bench clip). The price is memory: each detector session
/// keeps its own working memory, about 220 MiB at the video size (peak 650 against 430 MiB).
pub const DETECTION_WORKERS: usize = 2;
/// Decoded frames waiting for each detection worker. Small: a 4K frame is 25 MB, and detection
/// is the slow stage, so a longer queue would only hold more memory.
const FRAME_QUEUE: usize = 1;
/// Frames' aligned faces waiting in each detection worker's lane for the embedding thread (150 kB
/// a face), so the detectors go on while a batch is embedded.
const FOUND_QUEUE: usize = 4;
/// Frames whose faces are embedded together at most: bounds how far progress lags behind the
/// detector on footage with few faces. Sixteen lets a run of one-face frames fill a batch.
pub const FRAMES_PER_BATCH: usize = 16;
/// Found faces waiting to be filed (small records; the queue only smooths hand-over).
const RESULT_QUEUE: usize = 16;

#[derive(Debug, Clone)]
pub struct AnalysisRequest {
    pub footage: Vec<PathBuf>,
    pub watchlist: PathBuf,
    pub threshold: f32,
    pub top_k: usize,
    pub vision: VisionConfig,
    /// Which frames of each video to analyse.
    pub sampling: Sampling,
    /// The enrolment cache's folder (see [`watchlist::EnrolmentCache`]); None enrols every
    /// photo afresh and stores nothing.
    pub enrolment_cache: Option<PathBuf>,
    /// The recognizer to run; None for the shipped MobileFaceNet. `threshold` is a lineup score
    /// on this recognizer's metric (see [`crate::vision::manifest::Metric::score`]).
    pub recognizer: Option<Box<Recognizer>>,
    /// More recognizers to run on the same faces, each at its own threshold: the review keeps
    /// their embeddings and candidates beside the first's (`ReviewDocument::other_recognizers`).
    /// Faces are detected once, and tracked by the first recognizer's embeddings.
    pub other_recognizers: Vec<OtherRecognizer>,
}

/// A recognizer run beside the request's own on the same faces.
#[derive(Debug, Clone)]
pub struct OtherRecognizer {
    pub recognizer: Recognizer,
    /// A lineup score on this recognizer's metric (see `Metric::score`), never another's.
    pub threshold: f32,
}

/// Where a running analysis is.
#[derive(Debug, Clone, PartialEq)]
pub enum Progress {
    LoadingModels,
    Enrolling {
        done: usize,
        total: usize,
    },
    /// The watchlist is enrolled: how its photos went, and how many came from the cache.
    Enrolled(EnrolmentCounts),
    /// Opening the inputs to learn how many frames the run will analyse.
    Counting {
        done: usize,
        total: usize,
    },
    Analysing {
        frames_done: u64,
        /// Frames the run will analyse, as well as it can be told before decoding (a video's
        /// header may be missing or wrong); at least `frames_done`.
        frames_total: u64,
        inputs_done: usize,
        inputs_total: usize,
        /// The input being read; None between inputs.
        current: Option<PathBuf>,
        /// Time left at the pace so far; None until a frame is done.
        eta: Option<Duration>,
        /// This run's pace, faces a frame and review size, once its first frames are timed
        /// ([`estimate::CALIBRATION_FRAMES`]); None before.
        projection: Option<Projection>,
    },
}

#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    #[error(transparent)]
    Vision(#[from] VisionError),
    #[error(transparent)]
    Watchlist(#[from] WatchlistError),
    #[error("no footage to analyse: {}", list_problems(.0))]
    NoFootage(Vec<FootageError>),
    #[error(
        "shard {shard} has no files: the footage is {files} file(s), so use at most {files} shard(s)"
    )]
    EmptyShard { shard: Shard, files: usize },
    #[error(
        "recognizer {recognizer} enrolled other watchlist photos than {first} did, though both \
         use the same detector: the photos changed during the analysis; run it again"
    )]
    EnrolmentDiffers { recognizer: String, first: String },
}

fn list_problems(problems: &[FootageError]) -> String {
    if problems.is_empty() {
        return "no paths were given".into();
    }
    problems
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

/// What flows between the threads. The decoder sends `Started`, `Frame`s and `Finished` for each
/// input in turn; a detection worker replaces each `Frame` by the faces it `Found`, the
/// embedding thread those by their `Faces`, and both pass the rest on in order.
enum Event {
    Started {
        input: usize,
        record: InputRecord,
    },
    Frame {
        input: usize,
        frame: Frame,
        /// A frame of video (seen at the video detection size) rather than a still.
        video: bool,
    },
    Found {
        source: SourceRef,
        found: Vec<FoundFace>,
        /// For each other recognizer, each of `found`'s faces aligned to its template.
        also: Vec<Vec<AlignedFace>>,
    },
    Faces {
        source: SourceRef,
        faces: Vec<Face>,
        /// For each other recognizer, its embedding of each of `faces`.
        also: Vec<Vec<Embedding>>,
    },
    Finished {
        input: usize,
        outcome: InputOutcome,
    },
}

/// How reading one input ended.
struct InputOutcome {
    warnings: Vec<String>,
    /// Frames decoded and handed to detection. Not what the review records: once the run is
    /// cancelled, frames still queued are dropped unanalysed, so the filing side, which counts
    /// the frames whose faces it holds, words the record (finding 14 of #21).
    frames_read: u64,
    /// Why reading stopped before the end, if it did.
    stopped: Option<Stop>,
    /// Set when nothing of the input could be used.
    failure: Option<FootageError>,
}

/// Why the decoder stopped reading an input before its end.
enum Stop {
    Cancelled,
    /// The video's damage ended reading (its warnings say where).
    Damaged,
    /// A frame after the first could not be decoded: what was read stands.
    Broke(String),
}

impl Stop {
    /// What the input's record says, counting the `analysed` frames (those whose faces the
    /// review holds), the one number a reader sees in the record and in the warning.
    fn wording(&self, analysed: u64) -> String {
        match self {
            Stop::Cancelled => format!("cancelled after {analysed} analysed frame(s)"),
            Stop::Damaged => format!(
                "damaged: reading stopped after {analysed} analysed frame(s); see the warnings"
            ),
            Stop::Broke(reason) => reason.clone(),
        }
    }
}

/// Runs the whole job. Problems with single inputs become warnings and failed input records, and
/// the run goes on; only a problem that spoils everything (models, watchlist) is an error.
pub fn run(
    request: &AnalysisRequest,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ReviewDocument, AnalysisError> {
    let (files, problems) = footage::expand_inputs(&request.footage);
    if files.is_empty() {
        return Err(AnalysisError::NoFootage(problems));
    }
    analyse_files(request, &files, &problems, on_progress, cancel).map(|(document, _)| document)
}

/// Runs one shard of the job: `request`'s footage is expanded into its files as [`run`] does,
/// and only the shard's block of them (see [`Shard::files`]) is analysed. The review records
/// which block it holds, for [`crate::review::shards::merge`], with the fingerprint of the whole
/// file list and `build`, the lineup build running it (the caller knows it: the git commit is
/// recorded by the report crate's build script, above this one).
pub fn run_shard(
    request: &AnalysisRequest,
    shard: Shard,
    build: &str,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<ReviewDocument, AnalysisError> {
    let (files, problems) = footage::expand_inputs(&request.footage);
    if files.is_empty() {
        return Err(AnalysisError::NoFootage(problems));
    }
    let block = shard.files(files.len());
    if block.is_empty() {
        return Err(AnalysisError::EmptyShard {
            shard,
            files: files.len(),
        });
    }
    let first_input = block.start;
    let (mut document, shared_warnings) =
        analyse_files(request, &files[block], &problems, on_progress, cancel)?;
    document.shard = Some(ShardRecord {
        shard,
        files_total: files.len(),
        first_input,
        shared_warnings,
        files_fingerprint: file_list_fingerprint(&files),
        build: build.to_owned(),
        onnx_runtime: crate::vision::runtime::onnx_runtime_build(),
    });
    Ok(document)
}

/// The job on `files`, `problems` being the footage paths that gave none. Also returns how many
/// of the review's warnings come before those of single files (the watchlist's and `problems`).
fn analyse_files(
    request: &AnalysisRequest,
    files: &[PathBuf],
    problems: &[FootageError],
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<(ReviewDocument, usize), AnalysisError> {
    on_progress(Progress::LoadingModels);
    let mut pipeline = match &request.recognizer {
        Some(recognizer) => FacePipeline::load_with(request.vision.clone(), recognizer)?,
        None => FacePipeline::load(request.vision.clone())?,
    };
    let enrolment = enrol(request, &mut pipeline, on_progress)?;
    on_progress(Progress::Enrolled(enrolment.counts.clone()));
    let settings = AnalysisSettings {
        threshold: request.threshold,
        top_k: request.top_k,
        vision: request.vision.clone(),
        sampling: request.sampling,
    };
    let inputs = files.iter().map(|path| not_analysed(path)).collect();
    let mut others = Vec::with_capacity(request.other_recognizers.len());
    let mut runs = Vec::with_capacity(request.other_recognizers.len());
    for other in &request.other_recognizers {
        let (embedder, run) = enrol_other(request, other, &enrolment.watchlist, on_progress)?;
        others.push(embedder);
        runs.push(run);
    }
    let mut document =
        ReviewDocument::new(settings, pipeline.models(), inputs, enrolment.watchlist);
    if let Some(recognizer) = &request.recognizer {
        document.tracking = TrackingSettings::for_recognizer(&recognizer.spec);
    }
    document.other_recognizers = runs;
    document.warnings = enrolment.warnings;
    document
        .warnings
        .extend(problems.iter().map(ToString::to_string));
    let shared_warnings = document.warnings.len();
    let mut stages = Stages {
        first: &mut pipeline,
        others: &mut others,
    };
    find_faces_in_inputs(&mut document, files, &mut stages, on_progress, cancel)?;
    document.rebuild_tracks();
    Ok((document, shared_warnings))
}

/// Enrols the request's watchlist with `pipeline`, through the enrolment cache when the request
/// names one (keyed by the pipeline's models), reporting each photo.
fn enrol(
    request: &AnalysisRequest,
    pipeline: &mut FacePipeline,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<watchlist::Enrolment, AnalysisError> {
    let cache = request
        .enrolment_cache
        .as_deref()
        .map(|dir| EnrolmentCache::new(dir, &pipeline.models(), &request.vision.detector));
    Ok(watchlist::enrol_with_cache(
        &request.watchlist,
        pipeline,
        cache.as_ref(),
        |done, total| on_progress(Progress::Enrolling { done, total }),
    )?)
}

/// Loads `other`, enrols the watchlist with it (the same photos as `first`, whose detector it
/// shares) and starts its run: its enrolment embeddings, no faces yet. Returns its embedder for
/// the analysis (its own detector is only needed to enrol).
fn enrol_other(
    request: &AnalysisRequest,
    other: &OtherRecognizer,
    first: &Watchlist,
    on_progress: &mut dyn FnMut(Progress),
) -> Result<(Embedder, RecognizerRun), AnalysisError> {
    let mut pipeline = FacePipeline::load_with(request.vision.clone(), &other.recognizer)?;
    let enrolment = enrol(request, &mut pipeline, on_progress)?;
    let photos = |watchlist: &Watchlist| -> Vec<(String, PathBuf)> {
        watchlist
            .identities
            .iter()
            .flat_map(|i| i.photos.iter().map(|p| (i.name.clone(), p.path.clone())))
            .collect()
    };
    if photos(&enrolment.watchlist) != photos(first) {
        return Err(AnalysisError::EnrolmentDiffers {
            recognizer: other.recognizer.spec.name.clone(),
            first: request
                .recognizer
                .as_ref()
                .map_or_else(|| "the first recognizer".into(), |r| r.spec.name.clone()),
        });
    }
    let enrolment_embeddings = enrolment
        .watchlist
        .identities
        .into_iter()
        .flat_map(|identity| identity.photos)
        .map(|photo| photo.embedding)
        .collect();
    let run = RecognizerRun {
        model: other.recognizer.record(),
        threshold: other.threshold,
        enrolment_embeddings,
        faces: Vec::new(),
    };
    Ok((pipeline.into_embedder(), run))
}

/// The models of one analysis: the first recognizer's pipeline, whose detectors find the faces
/// and whose embeddings track them, and the embedder of every other recognizer, in the order of
/// the document's `other_recognizers`.
pub(crate) struct Stages<'a> {
    pub first: &'a mut FacePipeline,
    pub others: &'a mut [Embedder],
}

/// Finds, embeds and searches the faces of every one of `files` (the document's inputs, in
/// order) against the document's watchlist, filing them into `document`: the one detection loop
/// that footage analysis and evaluation sets share. Every other recognizer embeds the same faces
/// and searches its own enrolment of the watchlist.
pub(crate) fn find_faces_in_inputs(
    document: &mut ReviewDocument,
    files: &[PathBuf],
    stages: &mut Stages<'_>,
    on_progress: &mut dyn FnMut(Progress),
    cancel: &AtomicBool,
) -> Result<(), AnalysisError> {
    let sampling = document.settings.sampling;
    let frames_total = count_frames(files, sampling, on_progress);
    let pipeline = &mut *stages.first;
    // One still gains nothing from side-by-side detectors, and loses their threads.
    if frames_total > 1 {
        pipeline.share_detection(DETECTION_WORKERS)?;
    }
    let detector_config = document.settings.vision.detector.clone();
    let embed_batch = document.settings.vision.embed_batch;
    let template = pipeline.template();
    let other_templates: Vec<Template> = stages.others.iter().map(Embedder::template).collect();
    let other_embedders: Vec<&mut Embedder> = stages.others.iter_mut().collect();
    let mut filing = Filing::new(document, frames_total, on_progress);

    let vision_result = std::thread::scope(|scope| {
        let (detectors, embedder) = pipeline.stages();
        let (mut frames, lanes, found) =
            fan_out::fan_out(detectors.len(), FRAME_QUEUE, FOUND_QUEUE);
        let (face_tx, face_rx) = sync_channel(RESULT_QUEUE);
        scope.spawn(move || decode_inputs(files, sampling, cancel, &mut frames));
        let templates = (&template, other_templates.as_slice());
        let config = &detector_config;
        let detection: Vec<_> = detectors
            .iter_mut()
            .zip(lanes)
            .map(|(detector, lane)| {
                scope.spawn(move || detect_frames(detector, config, templates, lane, cancel))
            })
            .collect();
        let embedders = Embedders {
            first: embedder,
            others: other_embedders,
        };
        let embedding = scope.spawn(move || embed_frames(embedders, embed_batch, found, &face_tx));
        for event in face_rx {
            filing.file(event, cancel);
        }
        let detected: Vec<_> = detection.into_iter().map(joined).collect();
        let embedded = joined(embedding);
        detected
            .into_iter()
            .collect::<Result<(), _>>()
            .and(embedded)
    });
    vision_result?;
    if cancel.load(Ordering::Relaxed) {
        document.complete = false;
    }
    Ok(())
}

/// A stage thread's result; its panic goes on in the caller.
fn joined<T>(handle: std::thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

fn not_analysed(path: &Path) -> InputRecord {
    InputRecord {
        path: path.to_path_buf(),
        digest: None,
        dimensions: None,
        status: InputStatus::NotAnalysed,
        media: None,
        frames_analysed: 0,
        stopped_early: None,
    }
}

/// How many frames `sampling` will take from all `files`: 1 a still, a video's sampled share of
/// its declared frames (keyframes are counted from the packets). Inputs that cannot be opened count
/// 0; the decoder reports them.
fn count_frames(
    files: &[PathBuf],
    sampling: Sampling,
    on_progress: &mut dyn FnMut(Progress),
) -> u64 {
    let mut total = 0;
    for (done, path) in files.iter().enumerate() {
        on_progress(Progress::Counting {
            done,
            total: files.len(),
        });
        total += if footage::looks_like_video(path) {
            expected_video_frames(path, sampling).unwrap_or(0)
        } else {
            1
        };
    }
    total
}

fn expected_video_frames(path: &Path, sampling: Sampling) -> Option<u64> {
    let mut video = VideoReader::open(path).ok()?;
    let info = video.info();
    match sampling.expected_frames(info.frame_count, info.duration_s) {
        Some(frames) => Some(frames),
        None if sampling == Sampling::Keyframes => video.count_keyframes().ok(),
        None => video.count_frames().ok(),
    }
}

/// The decoder thread: hashes and decodes each input in turn, dealing its sampled frames to the
/// detection workers. Stops when cancelled, or when a detection worker has hung up (it failed).
fn decode_inputs(
    files: &[PathBuf],
    sampling: Sampling,
    cancel: &AtomicBool,
    out: &mut Dealer<Event>,
) {
    for (input, path) in files.iter().enumerate() {
        if cancel.load(Ordering::Relaxed)
            || decode_input(input, path, sampling, cancel, out).is_err()
        {
            return;
        }
    }
}

/// Sends one input's record, frames and outcome. Err only when the receiver has gone.
fn decode_input(
    input: usize,
    path: &Path,
    sampling: Sampling,
    cancel: &AtomicBool,
    out: &mut Dealer<Event>,
) -> Result<(), ()> {
    let mut send = |event| out.send(event).map_err(|_| ());
    let mut record = not_analysed(path);
    let opened = sha256_file(path)
        .map_err(|e| FootageError::Unreadable {
            path: path.to_path_buf(),
            reason: e.to_string(),
        })
        .and_then(|digest| {
            record.digest = Some(digest);
            Footage::open(path)?.sampled(sampling)
        });
    let mut frames = match opened {
        Ok(frames) => frames,
        Err(failure) => {
            send(Event::Started { input, record })?;
            let outcome = InputOutcome {
                warnings: Vec::new(),
                frames_read: 0,
                stopped: None,
                failure: Some(failure),
            };
            return send(Event::Finished { input, outcome });
        }
    };
    let media = frames.media_info();
    let video = media.kind == MediaKind::Video;
    record.dimensions = Some((media.width, media.height));
    record.media = Some(media);
    send(Event::Started { input, record })?;

    let mut decoded = 0u64;
    let mut stopped = None;
    let mut failure = None;
    loop {
        if cancel.load(Ordering::Relaxed) {
            stopped = Some(Stop::Cancelled);
            break;
        }
        match frames.next_frame() {
            Ok(Some(frame)) => {
                decoded += 1;
                send(Event::Frame {
                    input,
                    frame,
                    video,
                })?;
            }
            Ok(None) => break,
            // A still's only frame, or a video that breaks down before its first frame: nothing
            // of the input is usable. Later in a video, what was read so far stands.
            Err(e) if decoded == 0 => {
                failure = Some(e);
                break;
            }
            Err(e) => {
                stopped = Some(Stop::Broke(e.to_string()));
                break;
            }
        }
    }
    if failure.is_none() && stopped.is_none() {
        if decoded == 0 {
            failure = Some(FootageError::VideoDamaged {
                path: path.to_path_buf(),
                reason: "not one frame could be decoded; the file is probably truncated".into(),
            });
        } else if frames.stopped_by_damage() {
            stopped = Some(Stop::Damaged);
        }
    }
    let warnings = frames.warnings();
    let outcome = InputOutcome {
        warnings,
        frames_read: decoded,
        stopped,
        failure,
    };
    send(Event::Finished { input, outcome })
}

/// A detection worker: the aligned faces of every frame dealt to it, in order, and every other
/// event passed on as it is. Once cancelled, frames still queued are dropped unanalysed (answered
/// with `None`). A model failure ends the worker, which hangs up its lane and so ends the run.
fn detect_frames(
    detector: &mut Detector,
    config: &DetectorConfig,
    (template, others): (&Template, &[Template]),
    lane: Lane<Event, Event>,
    cancel: &AtomicBool,
) -> Result<(), VisionError> {
    for event in lane.work {
        let result = match event {
            Event::Frame { .. } if cancel.load(Ordering::Relaxed) => None,
            Event::Frame {
                input,
                frame,
                video,
            } => {
                let found =
                    find_faces_for(detector, &frame.image, config.max_side_for(video), template)?;
                let source = SourceRef {
                    input,
                    frame_index: frame.index,
                    timestamp_s: frame.timestamp_s,
                };
                let also = others
                    .iter()
                    .map(|other| {
                        found
                            .iter()
                            .map(|f| align_to(&frame.image, &f.detection.landmarks, other))
                            .collect()
                    })
                    .collect();
                Some(Event::Found {
                    source,
                    found,
                    also,
                })
            }
            other => Some(other),
        };
        if lane.results.send(result).is_err() {
            break;
        }
    }
    Ok(())
}

/// The embedding thread's models: the first recognizer's, then every other one's in order.
struct Embedders<'a> {
    first: &'a mut Embedder,
    others: Vec<&'a mut Embedder>,
}

/// Frames whose faces wait for one shared model run.
#[derive(Default)]
struct PendingFaces {
    frames: Vec<(SourceRef, usize)>,
    faces: Vec<FoundFace>,
    /// For each other recognizer, the same faces aligned to its template.
    also: Vec<Vec<AlignedFace>>,
}

impl PendingFaces {
    fn push(&mut self, source: SourceRef, found: Vec<FoundFace>, also: Vec<Vec<AlignedFace>>) {
        self.frames.push((source, found.len()));
        self.faces.extend(found);
        self.also.resize_with(also.len(), Vec::new);
        for (pending, aligned) in self.also.iter_mut().zip(also) {
            pending.extend(aligned);
        }
    }

    /// Embeds everything pending and sends each frame's faces on, in order.
    fn flush(
        &mut self,
        embedders: &mut Embedders<'_>,
        batch: usize,
        out: &SyncSender<Event>,
    ) -> Result<bool, VisionError> {
        let faces = embed_found(embedders.first, std::mem::take(&mut self.faces), batch)?;
        let mut faces = faces.into_iter();
        let mut also = Vec::with_capacity(self.also.len());
        for (embedder, aligned) in embedders.others.iter_mut().zip(&mut self.also) {
            let mut embeddings = Vec::with_capacity(aligned.len());
            for run in embedding_runs(aligned, batch) {
                embeddings.extend(embedder.embed(run)?);
            }
            aligned.clear();
            also.push(embeddings.into_iter());
        }
        for (source, count) in self.frames.drain(..) {
            let faces = faces.by_ref().take(count).collect();
            let also = also
                .iter_mut()
                .map(|embeddings| embeddings.by_ref().take(count).collect())
                .collect();
            if out
                .send(Event::Faces {
                    source,
                    faces,
                    also,
                })
                .is_err()
            {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The embedding thread: embeddings for every frame's faces, in order. Faces of consecutive
/// frames are gathered until `batch` of them (or [`FRAMES_PER_BATCH`] frames) can go through the
/// model in one run, which costs about two thirds as much per face as a run of a single frame's
/// one face (measured on 2 cores); an input's end, or the end of the footage, sends what is
/// gathered. Ends when the detection workers' stream ends or the filing side hangs up.
///
/// Once a frame has been dropped (the run was cancelled), the faces of later frames are dropped
/// too: another worker may have analysed the next frame before it saw the cancel, and the frames
/// a review says were analysed must be the first ones of the input, without gaps.
fn embed_frames(
    mut embedders: Embedders<'_>,
    batch: usize,
    events: Gatherer<Event>,
    out: &SyncSender<Event>,
) -> Result<(), VisionError> {
    let mut pending = PendingFaces::default();
    let mut cut = false;
    for event in events {
        let Some(event) = event else {
            cut = true;
            continue;
        };
        match event {
            Event::Found { .. } if cut => {}
            Event::Found {
                source,
                found,
                also,
            } => {
                pending.push(source, found, also);
                let full =
                    pending.faces.len() >= batch.max(1) || pending.frames.len() >= FRAMES_PER_BATCH;
                if full && !pending.flush(&mut embedders, batch, out)? {
                    return Ok(());
                }
            }
            other => {
                if !pending.flush(&mut embedders, batch, out)? || out.send(other).is_err() {
                    return Ok(());
                }
            }
        }
    }
    pending.flush(&mut embedders, batch, out)?;
    Ok(())
}

/// The calling thread's part: files events into the document and reports progress.
struct Filing<'a> {
    document: &'a mut ReviewDocument,
    /// The watchlist as each other recognizer enrolled it, in `other_recognizers` order.
    other_watchlists: Vec<Watchlist>,
    on_progress: &'a mut dyn FnMut(Progress),
    started: Instant,
    frames_done: u64,
    frames_total: u64,
    inputs_done: usize,
    current: Option<PathBuf>,
    calibration: Calibration,
}

impl<'a> Filing<'a> {
    fn new(
        document: &'a mut ReviewDocument,
        frames_total: u64,
        on_progress: &'a mut dyn FnMut(Progress),
    ) -> Self {
        let other_watchlists = document
            .other_recognizers
            .iter()
            .map(|run| run.enrolled_watchlist(&document.watchlist))
            .collect();
        let mut filing = Self {
            other_watchlists,
            document,
            on_progress,
            started: Instant::now(),
            frames_done: 0,
            frames_total,
            inputs_done: 0,
            current: None,
            calibration: Calibration::default(),
        };
        filing.report();
        filing
    }

    fn file(&mut self, event: Event, cancel: &AtomicBool) {
        match event {
            Event::Started { input, record } => {
                self.current = Some(record.path.clone());
                self.document.inputs[input] = record;
            }
            Event::Faces {
                source,
                faces,
                also,
            } => self.file_faces(source, faces, also),
            Event::Finished { input, outcome } => {
                self.finish_input(input, outcome, cancel.load(Ordering::Relaxed))
            }
            // The vision threads turn every frame into faces before it reaches here.
            Event::Frame { .. } | Event::Found { .. } => {}
        }
        self.report();
    }

    fn file_faces(&mut self, source: SourceRef, faces: Vec<Face>, also: Vec<Vec<Embedding>>) {
        self.frames_done += 1;
        self.document.inputs[source.input].frames_analysed += 1;
        let top_k = self.document.settings.top_k;
        for ((run, watchlist), embeddings) in self
            .document
            .other_recognizers
            .iter_mut()
            .zip(&self.other_watchlists)
            .zip(also)
        {
            let metric = run.model.metric.unwrap_or(Metric::Cosine);
            run.faces.extend(embeddings.into_iter().map(|embedding| {
                let candidates = matching::search_by(&embedding, watchlist, top_k, metric);
                RecognizedFace {
                    embedding,
                    candidates,
                }
            }));
        }
        for face in faces {
            let candidates = matching::search_by(
                &face.embedding,
                &self.document.watchlist,
                self.document.settings.top_k,
                self.document.score_metric(),
            );
            self.document.detections.push(DetectionRecord {
                source,
                bbox: face.detection.bbox,
                landmarks: face.detection.landmarks,
                detector_score: face.detection.score,
                embedding: face.embedding,
                candidates,
                skin_ita: face.skin_ita.map(|ita| ita.median),
                skin_ita_quartiles: face
                    .skin_ita
                    .map(|ita| (ita.lower_quartile, ita.upper_quartile)),
            });
        }
    }

    fn finish_input(&mut self, input: usize, outcome: InputOutcome, cancelled: bool) {
        self.inputs_done += 1;
        self.current = None;
        self.document.warnings.extend(outcome.warnings);
        let record = &mut self.document.inputs[input];
        record.status = match outcome.failure {
            Some(failure) => {
                self.document.warnings.push(failure.to_string());
                InputStatus::Failed(failure.to_string())
            }
            None if cancelled && record.frames_analysed == 0 => InputStatus::NotAnalysed,
            None => InputStatus::Analysed,
        };
        // Frames read but not analysed were dropped by the cancel, even when the decoder had
        // already read the input to its end.
        let stop = match outcome.stopped {
            _ if cancelled && record.frames_analysed < outcome.frames_read => Some(Stop::Cancelled),
            stop => stop,
        };
        if matches!(stop, Some(Stop::Cancelled)) && record.frames_analysed > 0 {
            self.document.warnings.push(format!(
                "{}: analysis was cancelled after {} analysed frame(s); the rest of it was not \
                 analysed",
                record.path.display(),
                record.frames_analysed
            ));
        }
        record.stopped_early = stop.map(|stop| stop.wording(record.frames_analysed));
    }

    fn report(&mut self) {
        self.frames_total = self.frames_total.max(self.frames_done);
        let eta = (self.frames_done > 0).then(|| {
            let per_frame =
                self.started.elapsed() / self.frames_done.min(u64::from(u32::MAX)) as u32;
            per_frame * (self.frames_total - self.frames_done).min(u64::from(u32::MAX)) as u32
        });
        let projection =
            self.calibration
                .projection(self.document, self.frames_done, self.frames_total);
        (self.on_progress)(Progress::Analysing {
            frames_done: self.frames_done,
            frames_total: self.frames_total,
            inputs_done: self.inputs_done,
            inputs_total: self.document.inputs.len(),
            current: self.current.clone(),
            eta,
            projection,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vision::ModelRole;

    fn found(frame_index: u64) -> Event {
        let source = SourceRef {
            input: 0,
            frame_index,
            timestamp_s: frame_index as f64 / 25.0,
        };
        Event::Found {
            source,
            found: Vec::new(),
            also: Vec::new(),
        }
    }

    /// What the embedding thread hands on for `results` as the detection workers gave them.
    fn handed_on(results: Vec<Option<Event>>) -> Vec<String> {
        let (_dealer, mut lanes, gatherer) = fan_out::fan_out::<Event, Event>(1, 1, results.len());
        let lane = lanes.pop().expect("one lane");
        for result in results {
            lane.results.send(result).expect("gatherer is there");
        }
        drop(lane);
        let mut embedder = Embedder::load(ModelRole::Recognizer, 1).expect("the recognizer loads");
        let (out, handed) = sync_channel(16);
        let embedders = Embedders {
            first: &mut embedder,
            others: Vec::new(),
        };
        embed_frames(embedders, 16, gatherer, &out).expect("no model run fails");
        drop(out);
        handed
            .into_iter()
            .map(|event| match event {
                Event::Started { .. } => "started".into(),
                Event::Faces { source, .. } => format!("frame {}", source.frame_index),
                Event::Finished { .. } => "finished".into(),
                Event::Frame { .. } | Event::Found { .. } => "unembedded".into(),
            })
            .collect()
    }

    #[test]
    fn after_a_dropped_frame_later_frames_are_dropped_so_analysed_frames_have_no_gap() {
        let path = Path::new("clip.mp4");
        let outcome = InputOutcome {
            warnings: Vec::new(),
            frames_read: 4,
            stopped: Some(Stop::Cancelled),
            failure: None,
        };
        let results = vec![
            Some(Event::Started {
                input: 0,
                record: not_analysed(path),
            }),
            Some(found(0)),
            Some(found(1)),
            None,           // frame 2: its worker saw the cancel
            Some(found(3)), // the other worker had started on frame 3 before it
            Some(Event::Finished { input: 0, outcome }),
        ];
        assert_eq!(
            handed_on(results),
            ["started", "frame 0", "frame 1", "finished"]
        );
    }
}
