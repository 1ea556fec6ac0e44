//! `assessment.md`: the assessment as an editable document, for a council to paste into its own
//! template. Markdown, because it is plain text whose bytes depend only on the report (so it
//! can be signed and reproduced with the rest of the bundle), any word processor takes it in by
//! pasting, and pandoc turns it into DOCX or ODT in the council's own template
//! (`pandoc assessment.md --reference-doc=TEMPLATE.docx -o assessment.docx`).
//!
//! It reads the same [`SECTIONS`] as the PDF, in the same order, with the same marks where
//! something is missing; the numbers come from the same [`Report`] and the same wording.

use crate::report::Report;
use crate::sections::{SECTIONS, Section, SectionId, mitigations_as_listed};
use crate::summary;
use crate::wording::{self, group_thousands};

/// The whole assessment as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let assessment = &report.assessment;
    markup(&mut out, &format!("# {}", inline(&assessment.title)));
    if !report.incomplete.is_empty() {
        markup(
            &mut out,
            &format!(
                "**DRAFT. Still to be written or decided by the reviewer: {}.**",
                inline(&report.incomplete.join("; "))
            ),
        );
    }
    markup(
        &mut out,
        &format!(
            "Made with lineup {} on {} from the review document with SHA-256 {}. The signed \
             PDF and assessment.ron in the same bundle are the record; this file is for editing.",
            inline(&report.lineup_version),
            inline(&report.generated_at),
            code(&report.reproduce.review_sha256)
        ),
    );
    markup(&mut out, "## Summary in plain language");
    draft_mark(&mut out, report);
    for paragraph in summary::plain_summary(report) {
        line(&mut out, &paragraph);
    }
    let highest = summary::highest_risks(report);
    if !highest.is_empty() {
        markup(&mut out, "## Highest risks");
        draft_mark(&mut out, report);
        bullets(&mut out, &highest);
    }
    markup(&mut out, "## How to check this document");
    draft_mark(&mut out, report);
    // lineup's own words, with commands as code; the key's ID is lineup's hex.
    markup(&mut out, &summary::how_to_check(report));
    for section in &SECTIONS {
        write_section(&mut out, report, section);
    }
    out
}

fn write_section(out: &mut String, report: &Report, section: &Section) {
    markup(out, &format!("## {}", section.heading()));
    draft_mark(out, report);
    markup(out, &format!("> Guidance: {}", inline(section.guidance)));
    let missing = section.missing(
        &report.assessment,
        crate::drafting::report_day(&report.generated_at),
    );
    if !missing.is_empty() {
        markup(
            out,
            &format!("**Missing: {}.**", inline(&missing.join("; "))),
        );
    }
    match section.id {
        SectionId::System => system(out, report),
        SectionId::Watchlist => line(
            out,
            &format!(
                "The watchlist reviewed holds {} people with {} enrolment photos.{}",
                report.data.watchlist.len(),
                report
                    .data
                    .watchlist
                    .iter()
                    .map(|w| w.photos.len())
                    .sum::<usize>(),
                report
                    .assessment
                    .deployed_watchlist_size
                    .map_or_else(String::new, |size| format!(
                        " A deployment would use a watchlist of {}.",
                        group_thousands(size)
                    ))
            ),
        ),
        SectionId::Accuracy => accuracy(out, report),
        SectionId::FalseAlerts => {
            if let Some(daily) = &report.false_alerts_per_day {
                line(out, &daily.sentence());
            }
        }
        SectionId::Risks => risks(out, report),
        SectionId::Mitigations => {
            bullets(out, &mitigations_as_listed(&report.assessment));
        }
        SectionId::ActionPlan => actions(out, report),
        SectionId::Recommendation => {
            let decision = report.assessment.recommendation.decision;
            markup(
                out,
                &format!(
                    "**{}**",
                    decision.map_or("No recommendation yet", |d| d.label())
                ),
            );
        }
        SectionId::Evidence => evidence(out, report),
        _ => {}
    }
    for field in section.fields {
        let text = (field.get)(&report.assessment);
        if text.trim().is_empty() && field.missing.is_none() {
            continue;
        }
        markup(out, &format!("**{}**", field.label));
        if text.trim().is_empty() {
            markup(out, "*Not stated yet.*");
        } else {
            as_typed(out, text.trim());
        }
    }
    if section.id == SectionId::SignOff {
        let decision = report.assessment.sign_off.decision;
        markup(out, "**Decision**");
        match decision {
            Some(decision) => line(out, decision.label()),
            None => markup(out, "*Not decided yet.*"),
        }
    }
}

fn system(out: &mut String, report: &Report) {
    line(out, &summary::stand_ins(report));
    table(
        out,
        &[
            "Role",
            "Model, version and file",
            "Metric",
            "Source and licence",
            "SHA-256",
        ],
        report.system.model_rows(),
    );
    line(out, &report.system.training_data_caveat());
    line(
        out,
        &format!(
            "Match threshold in this report: {}.",
            report.system.threshold_words(report.system.threshold)
        ),
    );
}

fn accuracy(out: &mut String, report: &Report) {
    detection_counts(out, report);
    if let Some(protocol) = &report.evaluation {
        markup(out, "**The evaluation set**");
        line(out, &wording::evaluation_set_paragraph(protocol));
        if let Some(changes) = &report.labels_changed {
            line(out, &wording::labels_changed_paragraph(protocol, changes));
        }
    }
    match &report.findings {
        Some(findings) => rates(out, findings, report),
        None => line(out, wording::NO_GROUND_TRUTH),
    }
    if let Some(verification) = &report.verification {
        one_to_one(out, report, verification);
    }
    if let Some(comparison) = &report.comparison {
        model_comparison(out, report, comparison);
    }
}

/// Several recognizers compared, as the PDF's section.
fn model_comparison(
    out: &mut String,
    report: &Report,
    comparison: &crate::comparison::ModelComparison,
) {
    use crate::comparison::{FLAGGED_HEADINGS, FLAGGED_INTRO, RATE_HEADINGS, TABLES};
    markup(out, "**Comparison of the recognizers**");
    line(out, &comparison.heading());
    for (thresholds, title) in TABLES {
        line(out, title);
        if let Some(note) = comparison.table_note(thresholds) {
            line(out, &note);
        }
        if comparison.table(thresholds).is_empty() {
            continue;
        }
        bullets(out, &comparison.threshold_lines(thresholds));
        table(out, &RATE_HEADINGS, comparison.rate_rows(thresholds));
    }
    if let Some(note) = comparison.group_thresholds_note() {
        line(out, &note);
    }
    line(out, FLAGGED_INTRO);
    bullets(out, &comparison.disagreement_sentences());
    let rows = comparison.flagged_rows(|id| report.identity_name(id));
    if !rows.is_empty() {
        table(out, &FLAGGED_HEADINGS, rows);
    }
}

/// An evaluation set's 1:1 table, as the PDF's.
fn one_to_one(out: &mut String, report: &Report, verification: &crate::findings::OneToOne) {
    let (heading, rows) = summary::one_to_one_table(report, verification);
    markup(out, &format!("**{}**", inline(&heading)));
    table(out, &summary::ONE_TO_ONE_HEADINGS, rows);
    let metric = report.system.score_metric();
    line(out, &wording::one_to_one_note(metric));
    if let Some(note) = report.evaluation.as_ref().and_then(|protocol| {
        wording::near_duplicates_note(protocol, metric, report.system.recognizer_is_reviewers())
    }) {
        line(out, &note);
    }
}

/// The 1:N rates per group, their differentials and cautions.
fn rates(out: &mut String, findings: &crate::findings::MeasuredFindings, report: &Report) {
    line(
        out,
        &format!(
            "Rates at the report's threshold, with their 95% interval and the number of \
             searches (n) they rest on; FPIR against this watchlist of {}.",
            group_thousands(findings.watchlist_size)
        ),
    );
    let rows = crate::summary::rate_rows(findings, report.system.score_metric());
    table(
        out,
        &[
            "Group",
            "Threshold",
            "FPIR n",
            "FPIR [95% interval]",
            "FNIR n",
            "FNIR (rank 1) [95% interval]",
            "Wrong-identity alerts",
            "Flag rate",
        ],
        rows,
    );
    differentials(out, findings);
    line(
        out,
        "The trade-off between false and missed alerts (DET chart) and the stills of what the \
         system flagged are in the PDF.",
    );
    if !findings.warnings.is_empty() {
        markup(out, "**Cautions: where the data cannot tell groups apart**");
        bullets(out, &findings.warnings);
    }
}

/// What the system flagged, counted over every face found, as the PDF's first table.
fn detection_counts(out: &mut String, report: &Report) {
    let counts = &report.detections;
    if !report.data.analysis_complete {
        markup(
            out,
            "**The analysis was cancelled before every input was reached: the counts cover only \
             part of the footage.**",
        );
    }
    if !report.data.analysis_warnings.is_empty() {
        markup(out, "**Warnings from the analysis**");
        bullets(out, &report.data.analysis_warnings);
    }
    markup(
        out,
        &format!(
            "**What the system flagged at threshold {}**",
            inline(&report.system.shown_threshold(counts.threshold, 2))
        ),
    );
    let rows = crate::summary::detection_rows(report);
    table(out, &["", "Count"], rows);
}

/// Each group's rate over the reference group's, as the PDF's differentials table.
fn differentials(out: &mut String, findings: &crate::findings::MeasuredFindings) {
    markup(
        out,
        "**Differentials: each group's rate over a reference group's**",
    );
    let differentials = crate::summary::differentials_table(findings);
    let mut headers = vec!["Group"];
    headers.extend(differentials.headings.iter().map(String::as_str));
    table(out, &headers, differentials.rows);
    let notes = differentials.notes;
    line(out, &notes.join(" "));
}

/// Marks a section of a draft, so that no section copied out of it passes for a final one.
fn draft_mark(out: &mut String, report: &Report) {
    if !report.incomplete.is_empty() {
        markup(
            out,
            "**DRAFT: incomplete, not for decision (what is missing is listed at the top).**",
        );
    }
}

/// A bulleted list, each item on one line.
fn bullets(out: &mut String, items: &[String]) {
    for item in items {
        out.push_str(&format!("- {}\n", plain(item)));
    }
    out.push('\n');
}

fn risks(out: &mut String, report: &Report) {
    let level = |level: Option<crate::Level>| {
        level.map_or_else(
            || "not scored".to_owned(),
            |l| format!("{} {}", l.value(), l.label()),
        )
    };
    table(
        out,
        &["#", "Risk", "Severity", "Likelihood", "Score", "Basis"],
        report.assessment.risks.iter().enumerate().map(|(i, risk)| {
            vec![
                (i + 1).to_string(),
                format!("{}: {}", risk.title, risk.description),
                level(risk.severity),
                level(risk.likelihood),
                risk.score().map_or_else(|| "—".into(), |s| s.to_string()),
                risk.basis.clone(),
            ]
        }),
    );
}

fn actions(out: &mut String, report: &Report) {
    if report.assessment.actions.is_empty() {
        return;
    }
    table(
        out,
        &["#", "Action", "Owner", "Due"],
        report.assessment.actions.iter().enumerate().map(|(i, a)| {
            vec![
                (i + 1).to_string(),
                a.action.clone(),
                a.owner.clone(),
                a.due.clone(),
            ]
        }),
    );
}

fn evidence(out: &mut String, report: &Report) {
    let data = &report.data;
    table(
        out,
        &["Footage", "SHA-256", "Status", "Faces", "Alerts"],
        data.inputs.iter().map(|input| {
            vec![
                input.path.display().to_string(),
                input
                    .sha256
                    .as_ref()
                    .map_or_else(|| "unreadable".into(), Clone::clone),
                input.status.clone(),
                input.faces.to_string(),
                input.alerts.to_string(),
            ]
        }),
    );
    table(
        out,
        &["Watchlist person", "Photo", "SHA-256"],
        data.watchlist.iter().flat_map(|entry| {
            entry.photos.iter().map(move |photo| {
                vec![
                    entry.name.clone(),
                    photo.path.display().to_string(),
                    photo.sha256.clone(),
                ]
            })
        }),
    );
    table(
        out,
        &["Model file", "SHA-256"],
        report
            .system
            .models
            .iter()
            .map(|m| vec![m.file.clone(), m.sha256.clone()]),
    );
    markup(
        out,
        &format!(
            "Review document SHA-256: {}. Command that recomputes the numbers from this bundle \
             alone: `lineup verify --recompute BUNDLE --key PUBLISHED.pub`. Command that made \
             them from the review document (the signer's own key in place of YOUR-KEY): {}.",
            code(&report.reproduce.review_sha256),
            code(&report.reproduce.command)
        ),
    );
}

/// A paragraph of lineup's sentences (which name models, people, files), on one line and
/// escaped, then a blank line.
fn line(out: &mut String, text: &str) {
    markup(out, &plain(text));
}

/// A reviewer's text of several lines or paragraphs, escaped line by line.
fn as_typed(out: &mut String, text: &str) {
    markup(out, &escape(text));
}

/// A paragraph of lineup's own Markdown, then a blank line: only what lineup wrote itself or
/// has escaped.
fn markup(out: &mut String, text: &str) {
    out.push_str(text);
    out.push_str("\n\n");
}

/// A Markdown table; cells lose their line breaks and escape `|`.
fn table(out: &mut String, headers: &[&str], rows: impl IntoIterator<Item = Vec<String>>) {
    let row = |cells: Vec<String>| format!("| {} |\n", cells.join(" | "));
    out.push_str(&row(headers.iter().map(|h| h.to_string()).collect()));
    out.push_str(&row(headers.iter().map(|_| "---".to_owned()).collect()));
    for cells in rows {
        out.push_str(&row(cells.iter().map(|c| cell(c)).collect()));
    }
    out.push('\n');
}

/// A cell: a SHA-256 as code, any other text on one line and escaped (a cell holds no block:
/// no heading or list can start in it).
fn cell(text: &str) -> String {
    if is_sha256(text) {
        format!("`{text}`")
    } else {
        inline(text)
    }
}

fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `text` as a code span, which shows it as it is; one with a backtick of its own (which would
/// end the span) as escaped text instead.
fn code(text: &str) -> String {
    let text = one_line(text);
    if text.is_empty() || text.contains('`') {
        inline(&text)
    } else {
        format!("`{text}`")
    }
}

/// A paragraph or list item that holds text lineup did not write itself: line breaks joined
/// and escaped, so that it reads as it is.
pub fn plain(text: &str) -> String {
    escape(&one_line(text))
}

/// A text inside a line of lineup's own Markdown (after `# ` or `**`, in a table cell): as
/// [`plain`], but where no block can start (so "0.1.0" needs no escape).
fn inline(text: &str) -> String {
    escape_line(&one_line(text), false)
}

/// `text` as Markdown that shows it as it is, line breaks kept: every character that could start
/// a heading, list, quote, code block, link, emphasis, table cell or HTML escaped, and control
/// characters as spaces. A name, a file, a model's spec or a reviewer's text can then make no
/// heading or link of its own in the signed report (issue #20, finding 1).
pub fn escape(text: &str) -> String {
    text.split('\n')
        .map(|line| escape_line(line, true))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line escaped; `starts_block`: it starts a paragraph, where "- ", "1. " or "=" would
/// make a list or a heading.
fn escape_line(line: &str, starts_block: bool) -> String {
    // Leading spaces would make an indented code block.
    let chars: Vec<char> = line.trim_start().chars().collect();
    // A list item's number ("1." or "1)") ends where the leading digits do.
    let digits = chars.iter().take_while(|c| c.is_ascii_digit()).count();
    let mut out = String::with_capacity(line.len());
    for (at, &c) in chars.iter().enumerate() {
        let between_words = at > 0
            && chars[at - 1].is_alphanumeric()
            && chars.get(at + 1).is_some_and(|next| next.is_alphanumeric());
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            // A link needs "](", "][" or, to define one, "]:"; a bracket alone ("[0.0–5.6%]",
            // lineup's own intervals) makes none.
            ']' if chars
                .get(at + 1)
                .is_some_and(|next| matches!(next, '(' | '[' | ':')) =>
            {
                out.push_str("\\]");
            }
            // Inside a word (dlib_resnet29) an underscore emphasises nothing.
            '_' if !between_words => out.push_str("\\_"),
            '-' | '+' | '=' if starts_block && at == 0 => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if starts_block && at > 0 && at == digits => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_keep_one_line_and_escape_bars() {
        let mut out = String::new();
        table(
            &mut out,
            &["a", "b"],
            [vec!["x | y".to_owned(), "two\nlines".to_owned()]],
        );
        assert_eq!(out, "| a | b |\n| --- | --- |\n| x \\| y | two lines |\n\n");
    }

    /// What a name or text typed by someone else tries to make of itself: a heading, emphasis,
    /// HTML, a link, a list, a code block, a heading by underlining.
    const FORGED: &str = "\n\n## Verified by lineup\n\n**VERIFIED** <img src=x onerror=alert(1)> \
        [verified](https://example.com) & _so_\n1. item\n- item\n    code\n===";

    /// Lines of `markdown` that hold Markdown or HTML `FORGED` made.
    fn forged_lines(markdown: &str) -> Vec<&str> {
        let link = |line: &str| {
            line.match_indices("](")
                .any(|(at, _)| !line[..at].ends_with('\\'))
        };
        markdown
            .lines()
            .filter(|line| {
                let start = line.trim_start();
                let heading = start.trim_start_matches('#').trim_start();
                (start.starts_with('#') && heading.starts_with("Verified"))
                    || line.contains("**VERIFIED")
                    || line.contains("<img")
                    || link(line)
                    || line.contains(" _so_")
                    || ["1. item", "- item", "==="]
                        .iter()
                        .any(|forged| start.starts_with(forged))
                    || line.starts_with("    ")
            })
            .collect()
    }

    /// Issue #20 finding 1: models' names, versions and stated sources, people's names, the
    /// title and a reviewer's text reach the Markdown as text: no heading, emphasis, HTML, link
    /// or list of their own, even from a review written before the spec's words were checked.
    #[test]
    fn names_and_texts_lineup_did_not_write_make_no_markdown_of_their_own() {
        let mut review = crate::comparison::tests::two_model_review();
        let other = review
            .other_recognizers
            .iter_mut()
            .map(|run| &mut run.model);
        for model in review.models.iter_mut().chain(other) {
            model.name = format!("{}{FORGED}", model.name);
            model.version = FORGED.into();
            model.file = format!("{FORGED}.onnx");
            model.supplied_by_reviewer = true;
            model.stated_source = Some(lineup_core::vision::manifest::StatedSource {
                provenance: FORGED.into(),
                licence: FORGED.into(),
            });
        }
        for identity in &mut review.watchlist.identities {
            identity.name = format!("{}{FORGED}", identity.name);
        }
        review.assessment.title = FORGED.into();
        review.assessment.purpose = format!("Two paragraphs.{FORGED}");
        let report = crate::report::build_report(
            &review,
            None,
            &crate::report::ReportOptions::default(),
            format!("review{FORGED}.ron").into(),
            "0".repeat(64),
        );
        let markdown = markdown(&report);
        assert!(markdown.contains("Verified by lineup"), "{markdown}");
        let forged = forged_lines(&markdown);
        assert!(forged.is_empty(), "{forged:#?}\n{markdown}");
        // A reviewer's paragraphs stay paragraphs.
        assert!(markdown.contains("Two paragraphs.\n\n"), "{markdown}");
    }

    #[test]
    fn escaping_keeps_plain_words_and_file_names_as_they_read() {
        assert_eq!(
            plain("dlib_resnet29.onnx, MobileFaceNet (192-d): 0.6 ≤ 1"),
            "dlib_resnet29.onnx, MobileFaceNet (192-d): 0.6 ≤ 1"
        );
        assert_eq!(plain("a\n# b <i>"), "a \\# b &lt;i&gt;");
    }

    /// Issue #20 finding 6: the Markdown names every recognizer compared as a stand-in, lists
    /// each in the models' table and gives the training-data caveat.
    #[test]
    fn the_system_section_names_every_recognizer_compared() {
        let review = crate::comparison::tests::two_model_review();
        let report = crate::report::build_report(
            &review,
            None,
            &crate::report::ReportOptions::default(),
            "review.ron".into(),
            "0".repeat(64),
        );
        let markdown = markdown(&report);
        assert!(
            markdown.contains("the Cosine model and Distance model recognition models"),
            "{markdown}"
        );
        assert!(
            markdown.contains("| Recognizer compared | Distance model 1 (Distance model.onnx) |")
        );
        assert!(markdown.contains("Training data: who Cosine model and Distance model were"));
    }
}
