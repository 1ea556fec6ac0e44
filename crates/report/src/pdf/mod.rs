//! `assessment.pdf`: the report for a committee. A plain-language summary comes first, then
//! the purpose, the system and data reviewed, the findings with their tables and charts, the
//! stills, the risks, the mitigations and the recommendation, and how to check it all.
//!
//! The PDF is written as PDF/A-2b (for archiving) with the bundled DejaVu fonts embedded.

mod charts;
mod layout;

use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke, StrokeDash};
use krilla::surface::Surface;
use krilla::text::{Font, TextDirection};
use krilla::{Data, Document, SerializeSettings};

use self::charts::Frame;
use self::layout::{
    BLACK, CONTENT_WIDTH, Column, FontKind, Fonts, GREY, Item, Layout, MARGIN, PAGE_HEIGHT,
    PAGE_WIDTH, RED, Rgb, Style,
};
use super::Level;
use super::findings::MeasuredFindings;
use super::report::{FaceDisclosure, Report};
use super::sections::{SECTIONS, Section, SectionId, mitigations_as_listed};
use super::stills::{AlertReview, Pictures, StillPicture};
use super::summary;
use super::wording::{self, group_thousands, percent};

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the PDF could not be written: {0}")]
    Krilla(String),
}

/// Lays out and writes the whole report.
pub fn render(report: &Report, pictures: &Pictures) -> Result<Vec<u8>, PdfError> {
    let fonts = Fonts::default();
    let pages = compose(report, pictures, &fonts);
    write_pdf(report, &pages, &fonts)
}

/// The report as pages of items: the summary page, then each section of
/// [`SECTIONS`](crate::sections::SECTIONS) in turn, marked where something is missing.
pub(crate) fn compose(report: &Report, pictures: &Pictures, fonts: &Fonts) -> Vec<Vec<Item>> {
    let mut layout = Layout::new(fonts);
    summary_page(&mut layout, report);
    layout.new_page();
    for section in &SECTIONS {
        section_body(&mut layout, report, pictures, section);
    }
    layout.finish()
}

/// One section: its heading, what is missing in it, what lineup knows, the reviewer's text.
fn section_body(layout: &mut Layout, report: &Report, pictures: &Pictures, section: &Section) {
    layout.heading(&section.heading());
    let missing = section.missing(
        &report.assessment,
        crate::drafting::report_day(&report.generated_at),
    );
    if !missing.is_empty() {
        layout.paragraph(
            &format!("Missing: {}.", missing.join("; ")),
            Style {
                color: RED,
                ..Style::BOLD
            },
        );
    }
    match section.id {
        SectionId::System => system_section(layout, report),
        SectionId::Watchlist => watchlist_facts(layout, report),
        SectionId::Accuracy => {
            findings_section(layout, report);
            pictures_section(layout, report, pictures);
        }
        SectionId::FalseAlerts => false_alerts_section(layout, report),
        SectionId::Risks => risks_section(layout, report),
        SectionId::Mitigations => mitigations_section(layout, report),
        SectionId::ActionPlan => actions_section(layout, report),
        SectionId::Recommendation => recommendation_body(layout, report),
        SectionId::Evidence => evidence_section(layout, report),
        _ => {}
    }
    if section.id == SectionId::SignOff {
        sign_off_table(layout, report, section);
    } else {
        section_texts(layout, report, section);
    }
}

/// The reviewer's texts of a section: a required one still empty says so in red, an optional
/// empty one is left out. A section of several texts labels each.
fn section_texts(layout: &mut Layout, report: &Report, section: &Section) {
    let labelled = section.fields.len() > 1 || section.generated.is_some();
    for field in section.fields {
        let text = (field.get)(&report.assessment);
        if text.trim().is_empty() && field.missing.is_none() {
            continue;
        }
        if labelled {
            layout.subheading(field.label);
        }
        if text.trim().is_empty() {
            layout.paragraph(
                NOT_STATED,
                Style {
                    color: RED,
                    ..Style::BODY
                },
            );
        } else {
            layout.paragraph_as_typed(text, Style::BODY);
        }
    }
}

const NOT_STATED: &str = "Not stated yet: the reviewer has still to write this part.";

fn summary_page(layout: &mut Layout, report: &Report) {
    let assessment = &report.assessment;
    layout.paragraph(
        &assessment.title,
        Style {
            font: FontKind::Bold,
            size: 17.0,
            color: BLACK,
        },
    );
    let reviewer = &assessment.reviewer;
    let by = match (reviewer.name.trim(), reviewer.role.trim()) {
        ("", _) => "Reviewer not named yet".to_owned(),
        (name, "") => format!("Reviewed by {name}"),
        (name, role) => format!("Reviewed by {name}, {role}"),
    };
    layout.paragraph(&format!("{by} · {}", reviewer.date), Style::SMALL);
    if !report.incomplete.is_empty() {
        draft_notice(layout, &report.incomplete);
    }
    layout.heading("Summary in plain language");
    for paragraph in summary::plain_summary(report) {
        layout.paragraph(&paragraph, Style::BODY);
    }
    recommendation_section(layout, report, "Recommendation");
    let highest = summary::highest_risks(report);
    if !highest.is_empty() {
        layout.heading("Highest risks");
        layout.bullets(&highest, Style::BODY);
    }
    layout.heading("How to check this document");
    layout.paragraph(&summary::how_to_check(report), Style::BODY);
}

fn draft_notice(layout: &mut Layout, missing: &[String]) {
    let text = format!(
        "DRAFT. Still to be written or decided by the reviewer: {}.",
        missing.join("; ")
    );
    let style = Style {
        font: FontKind::Bold,
        size: 9.0,
        color: RED,
    };
    let lines = layout.wrap(&text, style, CONTENT_WIDTH - 12.0).len() as f32;
    let height = lines * style.line_height() + 8.0;
    let top = layout.block(0.0);
    layout.push(Item::Rect {
        x: MARGIN,
        y: top,
        width: CONTENT_WIDTH,
        height,
        fill: Some(Rgb(253, 236, 234)),
        stroke: Some((RED, 0.8)),
    });
    layout.space(3.0);
    layout.paragraph_at(MARGIN + 6.0, CONTENT_WIDTH - 12.0, &text, style);
    layout.space(10.0);
}

fn system_section(layout: &mut Layout, report: &Report) {
    let system = &report.system;
    layout.paragraph(&summary::stand_ins(report), Style::BOLD);
    layout.paragraph(
        &format!(
            "The analysis was run with lineup {}; this report was made with lineup {}.",
            system.analysed_with, report.lineup_version
        ),
        Style::BODY,
    );
    layout.table(
        &[
            Column::new("Role", 1.0),
            Column::new("Model, version and file", 1.5),
            Column::new("Metric", 0.9),
            Column::new("Source and licence", 2.4),
            Column::new("SHA-256", 1.6).mono(),
        ],
        &system.model_rows(),
    );
    layout.paragraph(&system.training_data_caveat(), Style::BODY);
    let settings = &system.settings;
    let detector = &settings.vision.detector;
    let rows = vec![
        row([
            "Match threshold in this report",
            &system.threshold_words(system.threshold),
        ]),
        row([
            "Match threshold of the analysis",
            &system.threshold_words(settings.threshold),
        ]),
        row([
            "Watchlist candidates kept per face",
            &settings.top_k.to_string(),
        ]),
        row([
            "Detector input, longest side (pixels): stills",
            &detector.max_side.to_string(),
        ]),
        row([
            "Detector input, longest side (pixels): video",
            &detector.max_side_for(true).to_string(),
        ]),
        row([
            "Detector score threshold",
            &format!("{:.3}", detector.score_threshold),
        ]),
        row([
            "Detector overlap (NMS IoU) limit",
            &format!("{:.3}", detector.nms_iou),
        ]),
        row(["Model threads", &settings.vision.threads.to_string()]),
    ];
    layout.table(
        &[
            Column::new("Setting", 3.0),
            Column::new("Value", 2.0).right(),
        ],
        &rows,
    );
}

fn row<const N: usize>(cells: [&str; N]) -> Vec<String> {
    cells.iter().map(|c| c.to_string()).collect()
}

/// What lineup knows of the watchlist reviewed: its size; the photos' hashes are in the
/// evidence annex.
fn watchlist_facts(layout: &mut Layout, report: &Report) {
    let data = &report.data;
    let photos: usize = data.watchlist.iter().map(|w| w.photos.len()).sum();
    let deployed = report.assessment.deployed_watchlist_size.map_or_else(
        || {
            "The reviewer has not given the size of the watchlist a deployment would use."
                .to_owned()
        },
        |size| {
            format!(
                "A deployment would use a watchlist of {}.",
                group_thousands(size)
            )
        },
    );
    layout.paragraph(
        &format!(
            "The watchlist reviewed holds {} people with {photos} enrolment photos (folder {}); \
             each photo and its SHA-256 is listed in the evidence annex. {deployed}",
            data.watchlist.len(),
            data.watchlist_root.display()
        ),
        Style::BODY,
    );
}

/// Every file the numbers rest on, with its hash, and how to reproduce and check them.
fn evidence_section(layout: &mut Layout, report: &Report) {
    let data = &report.data;
    layout.subheading(&format!("Footage: {} inputs", data.inputs.len()));
    let rows: Vec<Vec<String>> = data
        .inputs
        .iter()
        .map(|input| {
            vec![
                input.path.display().to_string(),
                input.sha256.clone().unwrap_or_else(|| "unreadable".into()),
                input
                    .dimensions
                    .map_or_else(String::new, |(w, h)| format!("{w}×{h}")),
                input.status.clone(),
                input.faces.to_string(),
                input.alerts.to_string(),
            ]
        })
        .collect();
    layout.table(
        &[
            Column::new("File", 2.2),
            Column::new("SHA-256", 2.4).mono(),
            Column::new("Pixels", 1.0),
            Column::new("Status", 1.2),
            Column::new("Faces", 0.6).right(),
            Column::new("Alerts", 0.6).right(),
        ],
        &rows,
    );
    layout.subheading(&format!(
        "Watchlist enrolment photos (folder {})",
        data.watchlist_root.display()
    ));
    let rows: Vec<Vec<String>> = data
        .watchlist
        .iter()
        .flat_map(|entry| {
            entry.photos.iter().map(move |photo| {
                vec![
                    entry.name.clone(),
                    photo.path.display().to_string(),
                    photo.sha256.clone(),
                ]
            })
        })
        .collect();
    layout.table(
        &[
            Column::new("Person", 1.4),
            Column::new("Photo", 2.4),
            Column::new("SHA-256", 2.4).mono(),
        ],
        &rows,
    );
    layout.subheading("Models");
    let rows: Vec<Vec<String>> = report
        .system
        .models
        .iter()
        .map(|m| vec![m.file.clone(), m.sha256.clone()])
        .collect();
    layout.table(
        &[Column::new("File", 2.0), Column::new("SHA-256", 3.0).mono()],
        &rows,
    );
    reproduction_table(layout, report);
}

fn findings_section(layout: &mut Layout, report: &Report) {
    let counts = &report.detections;
    let data = &report.data;
    if !data.analysis_complete {
        layout.paragraph(
            "The analysis was cancelled before every input was reached: the counts cover only \
             part of the footage.",
            Style {
                color: RED,
                ..Style::BODY
            },
        );
    }
    if !data.analysis_warnings.is_empty() {
        layout.subheading("Warnings from the analysis");
        layout.bullets(&data.analysis_warnings, Style::SMALL);
    }
    layout.subheading(&format!(
        "What the system flagged at threshold {}",
        report.system.shown_threshold(counts.threshold, 2)
    ));
    let rows = summary::detection_rows(report);
    layout.table(
        &[Column::new("", 3.0), Column::new("Count", 1.0).right()],
        &rows,
    );
    if let Some(protocol) = &report.evaluation {
        layout.subheading("The evaluation set");
        layout.paragraph(&wording::evaluation_set_paragraph(protocol), Style::BODY);
        if let Some(changes) = &report.labels_changed {
            layout.paragraph(
                &wording::labels_changed_paragraph(protocol, changes),
                Style::BODY,
            );
        }
    }
    match &report.findings {
        Some(findings) => measured_findings(layout, findings, report),
        None => {
            layout.subheading("Error rates");
            layout.paragraph(
                wording::NO_GROUND_TRUTH,
                Style {
                    color: RED,
                    ..Style::BODY
                },
            );
        }
    }
    if let Some(verification) = &report.verification {
        one_to_one_table(layout, report, verification);
    }
    if let Some(comparison) = &report.comparison {
        comparison_section(layout, report, comparison);
    }
}

/// Several recognizers on the same footage: each one's rates per group at its own threshold,
/// at equal FPIR both ways (every other moved to the first model's FPIR, the first moved to
/// each other's), and the tracks one flagged and the other did not.
fn comparison_section(
    layout: &mut Layout,
    report: &Report,
    comparison: &super::comparison::ModelComparison,
) {
    use super::comparison::{FLAGGED_HEADINGS, FLAGGED_INTRO, RATE_HEADINGS, TABLES};
    layout.subheading("Comparison of the recognizers");
    layout.paragraph(&comparison.heading(), Style::BODY);
    let [model, group, fpir_n, fpir, fnir_n, fnir] = RATE_HEADINGS;
    let columns = [
        Column::new(model, 1.8),
        Column::new(group, 1.4),
        Column::new(fpir_n, 0.7).right(),
        Column::new(fpir, 1.8),
        Column::new(fnir_n, 0.7).right(),
        Column::new(fnir, 1.8),
    ];
    for (thresholds, title) in TABLES {
        layout.paragraph(title, Style::BODY);
        if let Some(note) = comparison.table_note(thresholds) {
            layout.paragraph(&note, Style::SMALL);
        }
        if comparison.table(thresholds).is_empty() {
            continue;
        }
        layout.bullets(&comparison.threshold_lines(thresholds), Style::SMALL);
        layout.table(&columns, &comparison.rate_rows(thresholds));
    }
    if let Some(note) = comparison.group_thresholds_note() {
        layout.paragraph(&note, Style::SMALL);
    }
    layout.paragraph(FLAGGED_INTRO, Style::BODY);
    layout.bullets(&comparison.disagreement_sentences(), Style::BODY);
    let rows = comparison.flagged_rows(|id| report.identity_name(id));
    if !rows.is_empty() {
        let [at, by, track, who, taken_for, score] = FLAGGED_HEADINGS;
        layout.table(
            &[
                Column::new(at, 1.0),
                Column::new(by, 1.8),
                Column::new(track, 0.6),
                Column::new(who, 1.6),
                Column::new(taken_for, 1.4),
                Column::new(score, 1.8),
            ],
            &rows,
        );
    }
}

/// An evaluation set's 1:1 table: FNMR and FMR per group at one threshold.
fn one_to_one_table(
    layout: &mut Layout,
    report: &Report,
    verification: &super::findings::OneToOne,
) {
    layout.subheading("1:1 verification per group (FMR at one threshold)");
    let (heading, rows) = summary::one_to_one_table(report, verification);
    layout.paragraph(&heading, Style::BODY);
    let [group, genuine, fnmr, impostor, fmr] = summary::ONE_TO_ONE_HEADINGS;
    layout.table(
        &[
            Column::new(group, 1.6),
            Column::new(genuine, 1.0).right(),
            Column::new(fnmr, 2.0),
            Column::new(impostor, 1.0).right(),
            Column::new(fmr, 2.0),
        ],
        &rows,
    );
    let metric = report.system.score_metric();
    layout.paragraph(&wording::one_to_one_note(metric), Style::SMALL);
    if let Some(note) = report.evaluation.as_ref().and_then(|protocol| {
        wording::near_duplicates_note(protocol, metric, report.system.recognizer_is_reviewers())
    }) {
        layout.paragraph(
            &note,
            Style {
                color: RED,
                ..Style::BODY
            },
        );
    }
}

fn measured_findings(layout: &mut Layout, findings: &MeasuredFindings, report: &Report) {
    let search_is = summary::search_is(report);
    layout.subheading("Error rates per group");
    let fpir_label = wording::fpir_label(findings.watchlist_size);
    layout.paragraph(
        &format!(
            "Ground truth: {}. {} labelled searches (a search is {search_is}){}: \
             {}; {}. Rates are given with their 95% interval in brackets and the number of \
             searches (n) they rest on: FPIR is the share of non-mated searches (people not on \
             the watchlist) that raise an alert, measured against this watchlist of {} \
             identities (it grows with a longer one); FNIR (rank 1) the share of mated searches \
             (people on it) whose best candidate is not the right person {} the threshold. {}",
            findings.label_source,
            findings.searches,
            if findings.ignored_searches > 0 {
                format!(
                    ", of which {} named no group and were left out",
                    findings.ignored_searches
                )
            } else {
                String::new()
            },
            wording::searches_of_people(&findings.pooled.fpir, "non-mated"),
            wording::searches_of_people(&findings.pooled.fnir, "mated"),
            group_thousands(findings.watchlist_size),
            wording::matching_side(report.system.score_metric()),
            wording::interval_note(
                findings
                    .slices
                    .iter()
                    .flat_map(|s| [&s.metrics.fpir, &s.metrics.fnir])
            ),
        ),
        Style::BODY,
    );
    let own_thresholds = findings
        .slices
        .iter()
        .any(|slice| slice.metrics.threshold != findings.threshold);
    if own_thresholds {
        layout.paragraph(
            &format!(
                "Some groups have their own threshold, set by the reviewer (the Threshold \
                 column); the others alert at {}. The rates of every group, and of all groups \
                 together, are counted at these thresholds.",
                report.system.shown_threshold(findings.threshold, 4)
            ),
            Style::BODY,
        );
    }
    let rows = summary::rate_rows(findings, report.system.score_metric());
    layout.table(
        &[
            Column::new("Group", 1.3),
            Column::new("Threshold", 0.8).right(),
            Column::new("FPIR n", 0.9).right(),
            Column::new(&format!("{fpir_label} [95% interval]"), 2.0),
            Column::new("FNIR n", 0.9).right(),
            Column::new("FNIR (rank 1) [95% interval]", 2.0),
            Column::new("Wrong-identity alerts", 1.6),
            Column::new("Flag rate", 1.6),
        ],
        &rows,
    );
    differentials_table(layout, findings);
    det_figure(layout, findings, report);
    layout.subheading("What these rates mean for a crowd");
    let rows: Vec<Vec<String>> = findings
        .scenarios
        .iter()
        .map(|s| {
            let (false_alerts, true_alerts, share) = match &s.expected {
                Some(e) => (
                    format!("{:.1}", e.false_alerts + e.wrong_identity_alerts),
                    format!("{:.1}", e.true_alerts),
                    e.share_false.map_or_else(|| "no alerts".into(), percent),
                ),
                None => ("—".into(), "—".into(), "—".into()),
            };
            vec![
                group_thousands(s.scenario.crowd_size),
                percent(s.scenario.prevalence),
                false_alerts,
                true_alerts,
                share,
            ]
        })
        .collect();
    layout.table(
        &[
            Column::new("People scanned", 1.2).right(),
            Column::new("On the watchlist", 1.2).right(),
            Column::new("Expected wrong alerts", 1.3).right(),
            Column::new("Expected true alerts", 1.3).right(),
            Column::new("Share of alerts that are wrong", 1.5).right(),
        ],
        &rows,
    );
    let sentences: Vec<String> = findings
        .scenarios
        .iter()
        .map(|s| s.sentence.clone())
        .collect();
    layout.bullets(&sentences, Style::BODY);
    layout.paragraph(
        "These are expectations from the pooled rates (wrong = crowd × (1 − prevalence) × FPIR + \
         crowd × prevalence × wrong-identity rate, true = crowd × prevalence × (1 − FNIR)), not \
         measurements; the sentences give the range the rates' 95% intervals allow.",
        Style::SMALL,
    );
    if !findings.warnings.is_empty() {
        layout.subheading("Cautions: where the data cannot tell groups apart");
        layout.bullets(&findings.warnings, Style::BODY);
    }
}

fn differentials_table(layout: &mut Layout, findings: &MeasuredFindings) {
    layout.subheading("Differentials: each group's rate over a reference group's");
    let differentials = summary::differentials_table(findings);
    let mut columns = vec![Column::new("Group", 1.6)];
    for heading in &differentials.headings {
        columns.push(Column::new(heading, 2.0).right());
    }
    layout.table(&columns, &differentials.rows);
    let mut notes = differentials.notes;
    notes.push(
        "A ratio is missing (–) where the group has no searches of that kind or the reference \
         rate is 0; its interval is still given."
            .to_owned(),
    );
    layout.paragraph(&notes.join(" "), Style::SMALL);
}

fn det_figure(layout: &mut Layout, findings: &MeasuredFindings, report: &Report) {
    let names: Vec<String> = findings.slices.iter().map(|s| s.name.clone()).collect();
    let chart_height = 200.0;
    let legend_rows = names.len().div_ceil(3) as f32;
    let figure_height = chart_height + 40.0 + legend_rows * 12.0 + 20.0;
    // Keep the heading on the page of its chart.
    layout.ensure(figure_height + 30.0);
    layout.subheading("Trade-off between false and missed alerts (DET)");
    let top = layout.block(figure_height);
    let frame = Frame {
        x: MARGIN + 40.0,
        y: top + 12.0,
        width: CONTENT_WIDTH - 60.0,
        height: chart_height,
    };
    for item in charts::det_chart(findings, frame) {
        layout.push(item);
    }
    let (legend, _) = charts::legend(
        &names,
        MARGIN + 40.0,
        top + chart_height + 40.0,
        CONTENT_WIDTH - 40.0,
    );
    for item in legend {
        layout.push(item);
    }
    layout.paragraph(
        &format!(
            "Each line shows one group's error rates as the threshold moves; the square marks \
             the threshold of this report ({}). Lower and further left is better.",
            report.system.shown_threshold(findings.threshold, 2)
        ),
        Style::SMALL,
    );
}

fn pictures_section(layout: &mut Layout, report: &Report, pictures: &Pictures) {
    layout.subheading("What the system flagged, pictured");
    layout.paragraph(disclosure_text(report.privacy.faces_shown), Style::BODY);
    layout.paragraph(ALERT_CAPTIONS, Style::BODY);
    for still in &pictures.stills {
        still_figure(layout, still);
    }
    if report.privacy.watchlist_photos_included && !pictures.watchlist.is_empty() {
        layout.subheading("Watchlist enrolment photos (included at the reviewer's request)");
        let size = 90.0;
        let per_row = (CONTENT_WIDTH / (size + 10.0)).floor().max(1.0) as usize;
        for chunk in pictures.watchlist.chunks(per_row) {
            let top = layout.block(size + 16.0);
            for (i, picture) in chunk.iter().enumerate() {
                let scale = (size / picture.width as f32).min(size / picture.height as f32);
                let x = MARGIN + i as f32 * (size + 10.0);
                layout.push(Item::Image {
                    x,
                    y: top,
                    width: picture.width as f32 * scale,
                    height: picture.height as f32 * scale,
                    jpeg: picture.jpeg.clone(),
                });
                layout.push(Item::Text {
                    x,
                    y: top + size + 10.0,
                    style: Style::SMALL,
                    text: picture.name.clone(),
                });
            }
        }
    } else {
        layout.paragraph(
            "Watchlist photos are left out of this report (the reviewer did not opt in).",
            Style::SMALL,
        );
    }
    if !pictures.notes.is_empty() {
        layout.bullets(&pictures.notes, Style::SMALL);
    }
}

/// What the stills show, in words: the reviewer's choice of [`FaceDisclosure`].
fn disclosure_text(disclosure: FaceDisclosure) -> &'static str {
    match disclosure {
        FaceDisclosure::ConfirmedMatchesOnly => {
            "Faces shown: only confirmed matches; everything else in each frame is blurred, \
             faces the detector missed included. A confirmed match is an alert whose face the \
             reviewer labelled as the very watchlist person the alert names."
        }
        FaceDisclosure::AllAlerts => {
            "Faces shown: every alert. The reviewer chose to show every face that raised an \
             alert, wrong and unconfirmed alerts included (lineup shows only confirmed matches \
             unless asked); everything else in each frame is blurred, faces the detector missed \
             included."
        }
        FaceDisclosure::Everything => {
            "Faces shown: everything. The reviewer chose to show every face unblurred (lineup \
             shows only confirmed matches unless asked): bystanders and people wrongly flagged \
             are recognisable in these stills."
        }
    }
}

/// How alerts are captioned, whichever faces are shown.
const ALERT_CAPTIONS: &str = "Every alert is framed in red. A confirmed match is captioned with \
     the watchlist name and its score; any other alert only as a wrong alert (the reviewer \
     labelled the person as someone else, as not on the watchlist, or as not a face) or an \
     unconfirmed alert (not labelled yet), with its score, so that nobody is pictured beside the \
     name of a person they are not.";

/// One still, its alerts framed and captioned, and a line counting its faces.
fn still_figure(layout: &mut Layout, still: &StillPicture) {
    let scale = (CONTENT_WIDTH / still.width as f32).min(380.0 / still.height as f32);
    let (width, height) = (still.width as f32 * scale, still.height as f32 * scale);
    let top = layout.block(height + 14.0);
    let x = MARGIN + (CONTENT_WIDTH - width) / 2.0;
    layout.push(Item::Image {
        x,
        y: top,
        width,
        height,
        jpeg: still.jpeg.clone(),
    });
    for alert in &still.alerts {
        let b = &alert.bbox;
        for item in charts::alert_box(
            x + b.x1 * scale,
            top + b.y1 * scale,
            b.width() * scale,
            b.height() * scale,
            &alert.label,
        ) {
            layout.push(item);
        }
    }
    layout.paragraph(&still_counts(still), Style::SMALL);
}

/// "t1.jpg: 2 alerts (1 wrong, 1 unconfirmed), 4 other faces detected."
fn still_counts(still: &StillPicture) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let count = |review: AlertReview| still.alerts.iter().filter(|a| a.review == review).count();
    let kinds: Vec<String> = [
        (AlertReview::Confirmed, "confirmed"),
        (AlertReview::Wrong, "wrong"),
        (AlertReview::Unconfirmed, "unconfirmed"),
    ]
    .into_iter()
    .filter(|&(review, _)| count(review) > 0)
    .map(|(review, word)| format!("{} {word}", count(review)))
    .collect();
    let kinds = if kinds.is_empty() {
        String::new()
    } else {
        format!(" ({})", kinds.join(", "))
    };
    format!(
        "{}: {}{kinds}, {} detected.",
        still.title,
        plural(still.alerts.len(), "alert"),
        plural(still.other_faces, "other face")
    )
}

fn risks_section(layout: &mut Layout, report: &Report) {
    layout.paragraph(
        "Each risk is scored as in the CNIL's privacy impact assessment method: severity and \
         likelihood each from 1 (negligible) through 2 (limited) and 3 (significant) to 4 \
         (maximum). Their product orders the risks; risks of significant or maximum severity \
         and likelihood must be reduced before deployment.",
        Style::BODY,
    );
    let risks = &report.assessment.risks;
    let level = |level: Option<Level>| {
        level.map_or_else(
            || "not scored".to_owned(),
            |l| format!("{} {}", l.value(), l.label()),
        )
    };
    let rows: Vec<Vec<String>> = risks
        .iter()
        .enumerate()
        .map(|(i, risk)| {
            vec![
                (i + 1).to_string(),
                format!("{}\n{}", risk.title, risk.description),
                level(risk.severity),
                level(risk.likelihood),
                risk.score().map_or_else(|| "—".into(), |s| s.to_string()),
                risk.basis.clone(),
            ]
        })
        .collect();
    layout.table(
        &[
            Column::new("#", 0.3),
            Column::new("Risk", 3.0).keeping_line_breaks(),
            Column::new("Severity", 0.9),
            Column::new("Likelihood", 0.9),
            Column::new("Score", 0.5).right(),
            Column::new("Basis", 2.2),
        ],
        &rows,
    );
    let scored: Vec<(usize, Level, Level)> = risks
        .iter()
        .enumerate()
        .filter_map(|(i, r)| Some((i + 1, r.severity?, r.likelihood?)))
        .collect();
    if !scored.is_empty() {
        let top = layout.block(190.0);
        let frame = Frame {
            x: MARGIN + 80.0,
            y: top + 12.0,
            width: 240.0,
            height: 140.0,
        };
        for item in charts::risk_map(&scored, frame) {
            layout.push(item);
        }
    }
}

fn mitigations_section(layout: &mut Layout, report: &Report) {
    if report.assessment.mitigations.is_empty() {
        layout.paragraph(
            NOT_STATED,
            Style {
                color: RED,
                ..Style::BODY
            },
        );
    } else {
        layout.bullets(&mitigations_as_listed(&report.assessment), Style::BODY);
    }
}

fn recommendation_section(layout: &mut Layout, report: &Report, heading: &str) {
    layout.heading(heading);
    recommendation_body(layout, report);
    let text = &report.assessment.recommendation.text;
    if !text.trim().is_empty() {
        layout.paragraph_as_typed(text, Style::BODY);
    }
}

/// The decision; its reasons are the section's text.
fn recommendation_body(layout: &mut Layout, report: &Report) {
    let recommendation = &report.assessment.recommendation;
    match recommendation.decision {
        Some(decision) => layout.paragraph(
            decision.label(),
            Style {
                font: FontKind::Bold,
                size: 12.0,
                color: BLACK,
            },
        ),
        None => layout.paragraph(
            "The reviewer has not made a recommendation yet.",
            Style {
                color: RED,
                ..Style::BOLD
            },
        ),
    }
}

/// Who reviewed and who decided, when, and when it is reviewed again: the sign-off's texts and
/// the approver's decision in one table.
fn sign_off_table(layout: &mut Layout, report: &Report, section: &Section) {
    let or_missing = |text: &str| {
        if text.trim().is_empty() {
            "not stated".to_owned()
        } else {
            text.to_owned()
        }
    };
    let mut rows: Vec<Vec<String>> = section
        .fields
        .iter()
        .map(|field| {
            vec![
                field.label.to_owned(),
                or_missing((field.get)(&report.assessment)),
            ]
        })
        .collect();
    let decision = report.assessment.sign_off.decision;
    rows.push(vec![
        "Approver's decision".to_owned(),
        decision.map_or_else(|| "not decided".to_owned(), |d| d.label().to_owned()),
    ]);
    layout.table(&[Column::new("", 1.4), Column::new("", 3.0)], &rows);
}

fn false_alerts_section(layout: &mut Layout, report: &Report) {
    let text = match (&report.false_alerts_per_day, &report.findings) {
        (Some(daily), _) => daily.sentence(),
        (None, None) => wording::NO_GROUND_TRUTH.to_owned(),
        (None, Some(_)) if report.assessment.people_per_day.is_none() => {
            "Not worked out: the reviewer has not given how many people pass the cameras in a \
             day."
                .to_owned()
        }
        (None, Some(_)) => "Not worked out: no non-mated search is labelled, so FPIR is not \
                            measured."
            .to_owned(),
    };
    layout.paragraph(&text, Style::BODY);
}

fn actions_section(layout: &mut Layout, report: &Report) {
    let actions = &report.assessment.actions;
    if actions.is_empty() {
        return;
    }
    let or_missing = |text: &str| {
        if text.trim().is_empty() {
            "not stated".to_owned()
        } else {
            text.to_owned()
        }
    };
    let rows: Vec<Vec<String>> = actions
        .iter()
        .enumerate()
        .map(|(i, a)| {
            vec![
                (i + 1).to_string(),
                or_missing(&a.action),
                or_missing(&a.owner),
                or_missing(&a.due),
            ]
        })
        .collect();
    layout.table(
        &[
            Column::new("#", 0.3),
            Column::new("Action", 4.0),
            Column::new("Owner", 1.6),
            Column::new("Due", 1.0),
        ],
        &rows,
    );
}

/// The report's own provenance: when it was made, from which review, how to reproduce it, and
/// who signed it.
fn reproduction_table(layout: &mut Layout, report: &Report) {
    layout.subheading("This report");
    let mut rows = vec![
        row(["Report generated", &report.generated_at]),
        row(["Review document SHA-256", &report.reproduce.review_sha256]),
        row(["Label changes recorded", &label_history_summary(report)]),
        row([
            "Command that made the numbers from the review (the signer's key in place of YOUR-KEY)",
            &report.reproduce.command,
        ]),
        row([
            "Command that recomputes them from this bundle alone",
            "lineup verify --recompute BUNDLE --key PUBLISHED.pub",
        ]),
        row(["Written by", &report.build.to_string()]),
    ];
    match &report.signer {
        Some(signer) => {
            rows.push(row(["Signing key ID (minisign)", &signer.key_id]));
            rows.push(row(["Public key", &signer.public_key]));
        }
        None => rows.push(row(["Signature", "not signed"])),
    }
    layout.table(&[Column::new("", 1.4), Column::new("", 3.0).mono()], &rows);
    let review = if report.privacy.review_included {
        "The reviewer chose to include the full review file (review.ron) too, which holds every \
         face's embedding, a biometric template, and the names given to passers-by."
    } else {
        "The full review file, which holds every face's embedding (a biometric template) and \
         the names given to passers-by, is not in the bundle: the reviewer can include it."
    };
    layout.paragraph(
        &format!(
            "Running the first command above on the same review document, with the same lineup \
             version, gives the same numbers. assessment.ron in the bundle holds every number and \
             setting shown here; evidence.ron holds what they are computed from (each face's best \
             match and score, each labelled track's label, perceived attributes and pseudonymous \
             person, the grouping, thresholds, alert rule and settings), without face embeddings, \
             boxes or the names given to passers-by, so that the second command needs neither the \
             review nor any secret key. {review}"
        ),
        Style::SMALL,
    );
}

/// "14 (the first 2026-11-29T10:00:00Z, the last … by A. Reviewer); each in assessment.ron".
fn label_history_summary(report: &Report) -> String {
    let history = &report.label_history;
    match (history.first(), history.last()) {
        (Some(first), Some(last)) => format!(
            "{} (the first at {}, the last at {} by {}; {} of them settled a disagreement of two \
             reviewers); each, with who, when and from → to, in assessment.ron",
            history.len(),
            first.at,
            last.at,
            last.by,
            history.iter().filter(|c| c.settled.is_some()).count()
        ),
        _ => "none in the app (labels set before the history was kept, or by CSV import)".into(),
    }
}

/// Draws the pages with krilla, adding a footer with page numbers.
fn write_pdf(report: &Report, pages: &[Vec<Item>], fonts: &Fonts) -> Result<Vec<u8>, PdfError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|e| PdfError::Krilla(format!("{e:?}")))?;
    let settings = SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    };
    let mut document = Document::new_with(settings);
    let embedded = EmbeddedFonts::load()?;
    let total = pages.len();
    for (number, items) in pages.iter().enumerate() {
        let page_settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
            .ok_or_else(|| PdfError::Krilla("invalid page size".into()))?;
        let mut page = document.start_page_with(page_settings);
        let mut surface = page.surface();
        for item in items {
            draw(&mut surface, item, &embedded, fonts)?;
        }
        for item in footer(report, number + 1, total) {
            draw(&mut surface, &item, &embedded, fonts)?;
        }
        surface.finish();
        page.finish();
    }
    document.set_metadata(metadata(report));
    document
        .finish()
        .map_err(|e| PdfError::Krilla(format!("{e:?}")))
}

fn metadata(report: &Report) -> Metadata {
    // A draft says so in its title too, which PDF readers show in place of the file name.
    let title = if report.incomplete.is_empty() {
        report.assessment.title.clone()
    } else {
        format!("DRAFT – {}", report.assessment.title)
    };
    let mut metadata = Metadata::new()
        .title(title)
        .creator(format!("lineup {}", report.lineup_version))
        .producer(format!("lineup {} (krilla)", report.lineup_version))
        .language("en".to_owned());
    if !report.assessment.reviewer.name.trim().is_empty() {
        metadata = metadata.authors(vec![report.assessment.reviewer.name.clone()]);
    }
    if let Some(date) = pdf_date(&report.generated_at) {
        metadata = metadata.creation_date(date);
    }
    metadata
}

/// "2025-01-31T12:00:00Z" as a PDF date.
fn pdf_date(iso: &str) -> Option<DateTime> {
    let number = |range: std::ops::Range<usize>| iso.get(range)?.parse::<u8>().ok();
    let year = iso.get(0..4)?.parse::<u16>().ok()?;
    Some(
        DateTime::new(year)
            .month(number(5..7)?)
            .day(number(8..10)?)
            .hour(number(11..13)?)
            .minute(number(14..16)?)
            .second(number(17..19)?)
            .utc_offset_hour(0)
            .utc_offset_minute(0),
    )
}

/// Marks every page of a draft, so that no page taken out of it passes for a final one.
pub(crate) const DRAFT_PAGE_MARK: &str =
    "DRAFT: incomplete, not for decision (what is missing is listed on page 1)";

fn footer(report: &Report, page: usize, total: usize) -> Vec<Item> {
    let y = PAGE_HEIGHT - MARGIN + 8.0;
    let mut items = Vec::new();
    if !report.incomplete.is_empty() {
        items.push(Item::Text {
            x: MARGIN,
            y: MARGIN - 24.0,
            style: Style {
                color: RED,
                ..Style::BOLD
            },
            text: DRAFT_PAGE_MARK.to_owned(),
        });
    }
    items.extend([
        Item::Line {
            points: vec![(MARGIN, y - 12.0), (PAGE_WIDTH - MARGIN, y - 12.0)],
            color: GREY,
            width: 0.4,
            dashed: false,
        },
        Item::Text {
            x: MARGIN,
            y,
            style: Style::SMALL,
            text: format!(
                "lineup {} impact assessment · generated {}",
                report.lineup_version, report.generated_at
            ),
        },
        Item::Text {
            x: PAGE_WIDTH - MARGIN - 50.0,
            y,
            style: Style::SMALL,
            text: format!("page {page} of {total}"),
        },
    ]);
    items
}

struct EmbeddedFonts {
    regular: Font,
    bold: Font,
    mono: Font,
}

impl EmbeddedFonts {
    fn load() -> Result<EmbeddedFonts, PdfError> {
        let font = |bytes: &'static [u8]| {
            Font::new(Data::from(bytes.to_vec()), 0)
                .ok_or_else(|| PdfError::Krilla("a bundled font could not be read".into()))
        };
        Ok(EmbeddedFonts {
            regular: font(layout::REGULAR_TTF)?,
            bold: font(layout::BOLD_TTF)?,
            mono: font(layout::MONO_TTF)?,
        })
    }

    fn get(&self, kind: FontKind) -> Font {
        match kind {
            FontKind::Regular => self.regular.clone(),
            FontKind::Bold => self.bold.clone(),
            FontKind::Mono => self.mono.clone(),
        }
    }
}

fn colour(c: Rgb) -> rgb::Color {
    rgb::Color::new(c.0, c.1, c.2)
}

fn fill(c: Rgb) -> Fill {
    Fill {
        paint: colour(c).into(),
        ..Fill::default()
    }
}

fn stroke(c: Rgb, width: f32, dashed: bool) -> Stroke {
    Stroke {
        paint: colour(c).into(),
        width,
        dash: dashed.then(|| StrokeDash {
            array: vec![2.0, 2.0],
            offset: 0.0,
        }),
        ..Stroke::default()
    }
}

fn draw(
    surface: &mut Surface,
    item: &Item,
    embedded: &EmbeddedFonts,
    fonts: &Fonts,
) -> Result<(), PdfError> {
    match item {
        Item::Text { x, y, style, text } => {
            surface.set_fill(Some(fill(style.color)));
            surface.set_stroke(None);
            // One drawn line: a line break left in a name (a chart's label, a review's words)
            // has no glyph, which PDF/A refuses.
            let line = fonts.drawable(style.font, text).replace('\n', " ");
            surface.draw_text(
                Point::from_xy(*x, *y),
                embedded.get(style.font),
                style.size,
                &line,
                false,
                TextDirection::Auto,
            );
        }
        Item::Rect {
            x,
            y,
            width,
            height,
            fill: background,
            stroke: outline,
        } => {
            // With neither fill nor stroke krilla would fill black: there is nothing to draw.
            if background.is_none() && outline.is_none() {
                return Ok(());
            }
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                return Ok(());
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            if let Some(path) = path.finish() {
                surface.set_fill(background.map(fill));
                surface.set_stroke(outline.map(|(c, w)| stroke(c, w, false)));
                surface.draw_path(&path);
            }
        }
        Item::Line {
            points,
            color,
            width,
            dashed,
        } => {
            let mut path = PathBuilder::new();
            for (i, (x, y)) in points.iter().enumerate() {
                if i == 0 {
                    path.move_to(*x, *y);
                } else {
                    path.line_to(*x, *y);
                }
            }
            if let Some(path) = path.finish() {
                surface.set_fill(None);
                surface.set_stroke(Some(stroke(*color, *width, *dashed)));
                surface.draw_path(&path);
            }
        }
        Item::Image {
            x,
            y,
            width,
            height,
            jpeg,
        } => {
            let image = Image::from_jpeg(Data::from(jpeg.clone()), false)
                .map_err(|e| PdfError::Krilla(format!("a picture could not be embedded: {e}")))?;
            let Some(size) = Size::from_wh(*width, *height) else {
                return Ok(());
            };
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image, size);
            surface.pop();
        }
    }
    Ok(())
}
