//! The start screen: open a review, start a new analysis (pick or drop footage and a
//! watchlist), or open the demo. It owns the new analysis being put together and tells the app
//! what the person chose ([`StartAction`]); the app opens reviews and starts jobs.

use std::path::PathBuf;

use eframe::egui;

use super::dialogs::{FileDialogs, PathField, Pick};
use crate::analysis::AnalysisRequest;
use crate::analysis::estimate::Survey;
use crate::analysis::evaluation_set::{self, EvaluationRequest};
use crate::assessment::wording;
use crate::footage::Sampling;
use crate::review::DEFAULT_THRESHOLD;
use crate::vision::VisionConfig;
use crate::workspace::jobs::{self, NewReviewPath, SurveyJob};

/// What the person asked for on the start screen.
#[derive(Debug, Clone)]
pub(crate) enum StartAction {
    /// Open this review.
    Open(PathBuf),
    /// Analyse, saving the new review here.
    Analyse {
        request: Box<AnalysisRequest>,
        out: PathBuf,
    },
    /// Run an evaluation set's protocol, saving the new review here.
    Evaluate {
        request: Box<EvaluationRequest>,
        out: PathBuf,
    },
    /// Open the demo (analysing it first where needed).
    Demo,
    /// Replace this user's copy of the demo with a fresh one, and open it.
    ResetDemo,
    /// Open this user's copy of the SIMULATED workshop scenario (drawn first where needed).
    Scenario,
}

/// The start screen and the new analysis being put together on it.
#[derive(Debug, Default)]
pub(crate) struct StartScreen {
    footage: Vec<PathBuf>,
    watchlist: Option<PathBuf>,
    /// The review to open, the footage to add, the watchlist folder and where to save the
    /// analysis: typed, or chosen with the "…" button beside each.
    review: PathField,
    adding: PathField,
    watchlist_field: PathField,
    out: PathField,
    /// What the check of `out` found when Analyse was pressed: why no review can be saved
    /// there, or a file there to replace only once the person says so.
    out_check: OutCheck,
    /// The evaluation set being put together: the photo set, its people's attributes and where
    /// to save the review.
    evaluation: EvaluationForm,
    /// The footage's headers, read in the background for the estimate shown before the
    /// analysis starts (and the default sampling, which depends on the videos' length).
    survey: FootageSurvey,
    /// The sampling chosen for the videos; None for the default, which depends on their length.
    sampling: Option<Sampling>,
}

/// Where reading the chosen footage's headers is.
#[derive(Debug, Default)]
enum FootageSurvey {
    /// No footage chosen.
    #[default]
    Idle,
    Running(SurveyJob),
    /// What was found for this footage list.
    Done(Vec<PathBuf>, Survey),
}

/// An evaluation set to run: typed, or chosen with the "…" button beside each.
#[derive(Debug)]
struct EvaluationForm {
    set: PathField,
    people: PathField,
    out: PathField,
    /// What the check of `out` found when Evaluate was pressed (as the analysis form's).
    out_check: OutCheck,
    /// The seed that chooses who is enrolled and the share enrolled, as typed.
    seed: String,
    enrol_share: String,
}

impl Default for EvaluationForm {
    /// Empty paths, and `lineup evaluate`'s seed and share.
    fn default() -> Self {
        Self {
            set: PathField::default(),
            people: PathField::default(),
            out: PathField::default(),
            out_check: OutCheck::default(),
            seed: evaluation_set::DEFAULT_SEED.to_string(),
            enrol_share: evaluation_set::DEFAULT_ENROL_SHARE.to_string(),
        }
    }
}

const PEOPLE_CSV: Pick = Pick::File {
    kind: "people's attributes (CSV)",
    extensions: &["csv"],
};

const REVIEW: Pick = Pick::File {
    kind: "lineup review",
    extensions: &["ron"],
};

impl StartScreen {
    /// Draws the screen; `busy` while an analysis runs (no second one starts). Returns what the
    /// person chose, if anything, for the app to carry out; `notice` gets what they should know
    /// (no file dialog on this computer).
    pub(crate) fn ui(
        &mut self,
        busy: bool,
        dialogs: FileDialogs,
        notice: &mut Option<String>,
        ui: &mut egui::Ui,
    ) -> Option<StartAction> {
        let mut action = self.take_dropped_files(ui);
        if let Some(path) = self.review.chosen().and_then(|p| p.into_iter().next()) {
            action = Some(StartAction::Open(path));
        }
        self.take_chosen_footage();
        self.follow_survey(ui.ctx());
        ui.vertical_centered(|ui| {
            ui.add_space(24.0);
            ui.heading("Review what face recognition would do, before anyone deploys it.");
            ui.label("Everything runs on this computer. Nothing is sent anywhere.");
            ui.add_space(16.0);
            ui.horizontal(|ui| {
                self.review
                    .browse(ui, "Open a review…", REVIEW, dialogs, notice);
                self.review.edit(ui, "Review file", 360.0);
                if ui
                    .add_enabled(self.review.path().is_some(), egui::Button::new("Open"))
                    .clicked()
                    && let Some(path) = self.review.path()
                {
                    action = Some(StartAction::Open(path));
                }
            });
            ui.horizontal(|ui| {
                if ui.button("Open the demo").clicked() {
                    action = Some(StartAction::Demo);
                }
                if ui
                    .button("Reset the demo")
                    .on_hover_text(
                        "Throw away your edits to the demo and start from the demo as shipped.",
                    )
                    .clicked()
                {
                    action = Some(StartAction::ResetDemo);
                }
                if ui
                    .button("Workshop scenario (SIMULATED)")
                    .on_hover_text(
                        "A labelled review drawn from score distributions per skin-tone group, \
                         not from footage: move the threshold and watch the false-positive \
                         differential change. Marked SIMULATED everywhere; it can never be \
                         signed as an assessment.",
                    )
                    .clicked()
                {
                    action = Some(StartAction::Scenario);
                }
            });
        });
        ui.add_space(16.0);
        ui.group(|ui| {
            ui.heading("New analysis");
            ui.label(
                "Pick footage (images or folders of images) and a watchlist folder, or drop them here.",
            );
            ui.horizontal(|ui| {
                self.adding
                    .browse(ui, "Add footage…", Pick::Files, dialogs, notice);
                self.adding
                    .browse(ui, "Add footage folder…", Pick::Folder, dialogs, notice);
                self.adding.edit(ui, "Footage file or folder", 320.0);
                if ui
                    .add_enabled(self.adding.path().is_some(), egui::Button::new("Add"))
                    .clicked()
                    && let Some(path) = self.adding.path()
                {
                    self.footage.push(path);
                    self.adding.text.clear();
                }
            });
            ui.horizontal(|ui| {
                self.watchlist_field.browse(
                    ui,
                    "Choose watchlist folder…",
                    Pick::Folder,
                    dialogs,
                    notice,
                );
                self.watchlist_field.edit(ui, "Watchlist folder", 320.0);
            });
            if let Some(chosen) = self.watchlist_field.chosen() {
                self.watchlist = chosen.into_iter().next();
            } else if self.watchlist_field.path().is_some() {
                self.watchlist = self.watchlist_field.path();
            }
            for path in &self.footage {
                ui.label(format!("footage: {}", path.display()));
            }
            match &self.watchlist {
                Some(path) => ui.label(format!("watchlist: {}", path.display())),
                None => ui.label("watchlist: none chosen yet"),
            };
            self.show_estimate(ui);
            let ready = self.surveyed().is_some() && self.watchlist.is_some() && !busy;
            ui.horizontal(|ui| {
                ui.add_enabled_ui(ready, |ui| {
                    self.out.browse(
                        ui,
                        "Analyse…",
                        Pick::Save {
                            kind: "lineup review",
                            extensions: &["ron"],
                            name: "review.ron",
                        },
                        dialogs,
                        notice,
                    );
                    self.out.edit(ui, "Save the new review as", 320.0);
                    if ui
                        .add_enabled(self.out.path().is_some(), egui::Button::new("Analyse"))
                        .clicked()
                        && let Some(out) = self.out.path()
                    {
                        action = self.analyse(out, false);
                    }
                });
            });
            if let Some(out) = self.out.chosen().and_then(|p| p.into_iter().next())
                && ready
            {
                action = self.analyse(out, false);
            }
            if let Some(out) = self.out_check.ui(self.out.path(), ui)
                && ready
            {
                action = self.analyse(out, true);
            }
        });
        ui.add_space(16.0);
        if let Some(evaluate) = self.evaluation.ui(busy, dialogs, notice, ui) {
            action = Some(evaluate);
        }
        action
    }

    /// Starts reading the headers of the footage list whenever it changes, and keeps what the
    /// reading found once it is done.
    fn follow_survey(&mut self, ctx: &egui::Context) {
        if let FootageSurvey::Running(job) = &self.survey
            && let Some(found) = job.try_finish()
        {
            self.survey = FootageSurvey::Done(job.footage().to_vec(), found);
        }
        let surveyed = match &self.survey {
            FootageSurvey::Idle => None,
            FootageSurvey::Running(job) => Some(job.footage()),
            FootageSurvey::Done(footage, _) => Some(footage.as_slice()),
        };
        if self.footage.is_empty() {
            self.survey = FootageSurvey::Idle;
        } else if surveyed != Some(self.footage.as_slice()) {
            let ctx = ctx.clone();
            let job = SurveyJob::start(self.footage.clone(), move || ctx.request_repaint());
            self.survey = FootageSurvey::Running(job);
        }
    }

    /// The survey of the footage as listed now, once done.
    fn surveyed(&self) -> Option<&Survey> {
        match &self.survey {
            FootageSurvey::Done(footage, survey) if *footage == self.footage => Some(survey),
            _ => None,
        }
    }

    /// The sampling the analysis will use (a choice where there is video) and what it will
    /// take, said before it starts.
    fn show_estimate(&mut self, ui: &mut egui::Ui) {
        let survey = match &self.survey {
            FootageSurvey::Done(footage, survey) if *footage == self.footage => survey,
            FootageSurvey::Running(_) => {
                ui.label("Reading the footage's length and frame size for the estimate…");
                return;
            }
            _ => return,
        };
        if survey.has_video() {
            choose_sampling(ui, &mut self.sampling, survey.default_sampling());
            if self.sampling.is_none()
                && let Some(reason) = wording::default_sampling_reason(survey)
            {
                ui.label(reason);
            }
        }
        let sampling = self.sampling.unwrap_or_else(|| survey.default_sampling());
        let outlook = survey.outlook(sampling, &VisionConfig::default().detector);
        ui.label(wording::analysis_outlook(&outlook));
    }

    /// Footage a dialog chose is added to the list.
    fn take_chosen_footage(&mut self) {
        if let Some(paths) = self.adding.chosen() {
            self.footage.extend(paths);
            self.adding.text.clear();
        }
    }

    /// The analysis to start, once the review can be saved at `out` and any file there may be
    /// `replace`d; otherwise the form says why not, or asks.
    fn analyse(&mut self, out: PathBuf, replace: bool) -> Option<StartAction> {
        let request = self.request()?;
        self.out_check
            .allows(&out, replace)
            .then(|| StartAction::Analyse {
                request: Box::new(request),
                out,
            })
    }

    /// Dropped folders become the watchlist when none is chosen and the folder holds no video;
    /// everything else is footage. The person can see and correct the lists before analysing.
    /// A dropped review is opened.
    fn take_dropped_files(&mut self, ui: &egui::Ui) -> Option<StartAction> {
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        let mut open = None;
        for path in dropped {
            if path.extension().is_some_and(|e| e == "ron") {
                open = Some(StartAction::Open(path));
            } else if path.is_dir() && self.watchlist.is_none() && !self.footage.is_empty() {
                self.watchlist_field.text = path.display().to_string();
                self.watchlist = Some(path);
            } else {
                self.footage.push(path);
            }
        }
        open
    }

    /// The analysis the screen's lists describe, at the default sampling for the footage's
    /// length; `None` without a watchlist or before the footage's headers are read.
    fn request(&self) -> Option<AnalysisRequest> {
        Some(AnalysisRequest {
            footage: self.footage.clone(),
            watchlist: self.watchlist.clone()?,
            threshold: DEFAULT_THRESHOLD,
            top_k: 5,
            vision: VisionConfig::default(),
            sampling: self.sampling.unwrap_or(self.surveyed()?.default_sampling()),
            enrolment_cache: crate::watchlist::EnrolmentCache::default_dir(),
            recognizer: None,
            other_recognizers: Vec::new(),
        })
    }
}

/// What the check of where a form's new review is to be saved found, when the person asked to
/// start (the workspace's `jobs::check_new_review_path`, what `lineup analyze --out` checks).
#[derive(Debug, Default)]
enum OutCheck {
    /// Nothing to say: not checked yet, or the job started.
    #[default]
    Quiet,
    /// No review can be saved at this path: why, naming the file.
    Refused { out: PathBuf, reason: String },
    /// A file is at this path: the form asks before the job may write over it.
    AskingToReplace(PathBuf),
}

impl OutCheck {
    /// Whether a job may start that will save its review at `out`; `replace` is the person's
    /// yes to writing over a file there. When not, what the form shows next says why.
    fn allows(&mut self, out: &std::path::Path, replace: bool) -> bool {
        *self = match jobs::check_new_review_path(out) {
            Err(error) => OutCheck::Refused {
                out: out.to_path_buf(),
                reason: error.to_string(),
            },
            Ok(NewReviewPath::Taken) if !replace => OutCheck::AskingToReplace(out.to_path_buf()),
            Ok(_) => OutCheck::Quiet,
        };
        matches!(self, OutCheck::Quiet)
    }

    /// Says why the path was refused, or asks whether to replace the file there, while `typed`
    /// is still that path (a path typed anew is checked anew). Returns the path once the person
    /// presses Replace.
    fn ui(&mut self, typed: Option<PathBuf>, ui: &mut egui::Ui) -> Option<PathBuf> {
        let asked_about = match self {
            OutCheck::Quiet => return None,
            OutCheck::Refused { out, .. } | OutCheck::AskingToReplace(out) => out.clone(),
        };
        if typed.as_ref() != Some(&asked_about) {
            *self = OutCheck::Quiet;
            return None;
        }
        if let OutCheck::Refused { reason, .. } = self {
            ui.colored_label(ui.visuals().error_fg_color, reason.as_str());
            return None;
        }
        ui.colored_label(
            ui.visuals().warn_fg_color,
            format!(
                "{}: already exists. Replace it with the new review? What it holds (a \
                 reviewer's labels) would be lost.",
                asked_about.display()
            ),
        );
        let (replace, keep) = ui
            .horizontal(|ui| {
                (
                    ui.button("Replace").clicked(),
                    ui.button("Keep it").clicked(),
                )
            })
            .inner;
        if keep {
            *self = OutCheck::Quiet;
        }
        replace.then_some(asked_about)
    }
}

/// The sampling choices offered for video: the default (by the videos' length) or one of these.
fn choose_sampling(ui: &mut egui::Ui, chosen: &mut Option<Sampling>, default: Sampling) {
    const CHOICES: [Sampling; 4] = [
        Sampling::EveryFrame,
        Sampling::PerSecond(5.0),
        Sampling::PerSecond(1.0),
        Sampling::Keyframes,
    ];
    let default_text = format!("Default: {}", wording::sampling_text(default));
    let shown = chosen.map_or(default_text.clone(), wording::sampling_text);
    egui::ComboBox::from_label("Sampling of the video")
        .selected_text(shown)
        .show_ui(ui, |ui| {
            ui.selectable_value(chosen, None, default_text);
            for choice in CHOICES {
                ui.selectable_value(chosen, Some(choice), wording::sampling_text(choice));
            }
        });
}

impl EvaluationForm {
    /// The "Evaluate a photo set" group; returns the evaluation to start once asked for.
    fn ui(
        &mut self,
        busy: bool,
        dialogs: FileDialogs,
        notice: &mut Option<String>,
        ui: &mut egui::Ui,
    ) -> Option<StartAction> {
        let mut action = None;
        ui.group(|ui| {
            ui.heading("Evaluate a photo set");
            ui.label(
                "A labelled set of photos, one folder per person: a share of the people, chosen \
                 by the seed, are enrolled, their other photos are mated searches, everyone \
                 else's non-mated.",
            );
            ui.horizontal(|ui| {
                self.set
                    .browse(ui, "Choose photo set…", Pick::Folder, dialogs, notice);
                self.set.edit(ui, "Photo set folder", 320.0);
            });
            ui.horizontal(|ui| {
                self.people
                    .browse(ui, "Choose people.csv…", PEOPLE_CSV, dialogs, notice);
                self.people
                    .edit(ui, "People's attributes (CSV, optional)", 320.0);
            });
            let protocol = self.protocol_ui(ui);
            // A dialog's answer lands in its field's text.
            let _ = self.set.chosen();
            let _ = self.people.chosen();
            let ready = self.set.path().is_some() && protocol.is_some() && !busy;
            ui.horizontal(|ui| {
                ui.add_enabled_ui(ready, |ui| {
                    self.out.browse(
                        ui,
                        "Evaluate…",
                        Pick::Save {
                            kind: "lineup review",
                            extensions: &["ron"],
                            name: "evaluation.ron",
                        },
                        dialogs,
                        notice,
                    );
                    self.out.edit(ui, "Save the evaluation as", 320.0);
                    if ui
                        .add_enabled(self.out.path().is_some(), egui::Button::new("Evaluate"))
                        .clicked()
                    {
                        action = self.out.path().and_then(|out| self.evaluate(out, false));
                    }
                });
            });
            if let Some(out) = self.out.chosen().and_then(|p| p.into_iter().next())
                && ready
            {
                action = self.evaluate(out, false);
            }
            if let Some(out) = self.out_check.ui(self.out.path(), ui)
                && ready
            {
                action = self.evaluate(out, true);
            }
        });
        action
    }

    /// The seed and enrol share fields; returns them once both read as such, and says what is
    /// wrong with either otherwise.
    fn protocol_ui(&mut self, ui: &mut egui::Ui) -> Option<(u64, f64)> {
        ui.horizontal(|ui| {
            let name = ui.label("Seed");
            ui.add(egui::TextEdit::singleline(&mut self.seed).desired_width(80.0))
                .labelled_by(name.id);
            let name = ui.label("Enrol share (0–1)");
            ui.add(egui::TextEdit::singleline(&mut self.enrol_share).desired_width(60.0))
                .labelled_by(name.id);
        });
        match self.protocol() {
            Ok(protocol) => Some(protocol),
            Err(problem) => {
                ui.colored_label(ui.visuals().error_fg_color, problem);
                None
            }
        }
    }

    /// The seed and share typed, or what is wrong with them.
    fn protocol(&self) -> Result<(u64, f64), String> {
        let seed = self.seed.trim();
        let seed = seed
            .parse::<u64>()
            .map_err(|_| format!("Seed {seed:?} is not a whole number of 0 or more."))?;
        let share = self.enrol_share.trim();
        let share = share
            .parse::<f64>()
            .ok()
            .filter(|share| (0.0..=1.0).contains(share))
            .ok_or_else(|| format!("Enrol share {share:?} is not a share between 0 and 1."))?;
        if share == 0.0 || share == 1.0 {
            return Err(format!(
                "Enrol share {share} enrols everybody or nobody: the protocol needs people both \
                 enrolled and not."
            ));
        }
        Ok((seed, share))
    }

    /// The evaluation the form describes; `None` without a set, with a seed or share that does
    /// not read, or until the review can be saved at `out` (any file there `replace`d).
    fn evaluate(&mut self, out: PathBuf, replace: bool) -> Option<StartAction> {
        let (seed, enrol_share) = self.protocol().ok()?;
        self.set.path()?;
        if !self.out_check.allows(&out, replace) {
            return None;
        }
        let request = EvaluationRequest {
            set: self.set.path()?,
            attributes: self.people.path(),
            enrol_share,
            seed,
            threshold: DEFAULT_THRESHOLD,
            top_k: 5,
            vision: VisionConfig::default(),
            recognizer: None,
        };
        Some(StartAction::Evaluate {
            request: Box::new(request),
            out,
        })
    }
}
