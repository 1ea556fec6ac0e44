//! The plain-language summary a committee reads first, from a finished [`Report`].

use crate::drafting::fpir_spread;
use crate::findings::MeasuredFindings;
use crate::report::Report;
use crate::wording::{
    NO_GROUND_TRUTH, count_noun, group_thousands, own_number, plural, rate_with_interval,
    searches_of_people,
};
use lineup_core::vision::ModelRole;
use lineup_core::vision::manifest::Metric;

/// The plain-language summary, one paragraph per entry, for the first page.
pub(crate) fn plain_summary(report: &Report) -> Vec<String> {
    let mut paragraphs = vec![what_was_reviewed(report), stand_ins(report)];
    paragraphs.push(match &report.findings {
        Some(findings) => what_was_measured(findings, report),
        None => NO_GROUND_TRUTH.to_owned(),
    });
    // How many tracks the rates rest on, and how many alerts were kept out of them by being
    // left unlabelled or marked not a face: otherwise either would hide a false alert unseen.
    paragraphs.push(report.tracks.sentence());
    if let Some(findings) = &report.findings {
        paragraphs.extend(findings.scenarios.iter().map(|s| s.sentence.clone()));
        if let Some(sentence) = fpir_spread(findings) {
            paragraphs.push(sentence);
        }
        if !findings.warnings.is_empty() {
            let cautions = findings.warnings.len() as u64;
            paragraphs.push(format!(
                "Read the group comparisons with care: {} below {} where the data cannot tell \
                 groups apart.",
                count_noun(cautions, "caution", "cautions"),
                plural(cautions, "says", "say"),
            ));
        }
    }
    paragraphs
}

/// What the models measured are: open stand-ins for the vendor's system, so the rates describe
/// how such a system behaves on this footage, not the vendor's own rates.
pub(crate) fn stand_ins(report: &Report) -> String {
    format!(
        "The models measured are stand-ins, not the vendor's system: the {} detector and the {} \
         recognition {} open models that lineup runs in place of the system a vendor \
         would supply. The numbers in this report show how a face recognition system of this \
         kind behaves on this footage and this watchlist; they are not the vendor's error \
         rates, which can be better or worse, and must be measured on the vendor's own system, \
         at its own threshold, before deployment.",
        report.model_name(ModelRole::Detector),
        report.system.recognizer_names(),
        if report.system.compared.is_empty() {
            "model is"
        } else {
            "models are"
        },
    )
}

/// Whether any group's rates are counted at a threshold of its own.
fn own_thresholds(report: &Report) -> bool {
    report.findings.as_ref().is_some_and(|findings| {
        findings
            .slices
            .iter()
            .any(|s| s.metrics.threshold != findings.threshold)
    })
}

fn what_was_reviewed(report: &Report) -> String {
    let d = &report.detections;
    let identities = report.data.watchlist.len();
    let photos: usize = report.data.watchlist.iter().map(|w| w.photos.len()).sum();
    let failed = if d.inputs_failed > 0 {
        format!(" ({} more could not be used)", d.inputs_failed)
    } else {
        String::new()
    };
    format!(
        "lineup ran the {} face detector and the {} recognition model over {} {}{failed} \
         (stills or videos, each listed in the evidence annex) and found {} {} (a face found \
         in each frame it appears in, so one person passing a camera counts many times). Each \
         face was compared with a watchlist of {identities} {} ({photos} enrolment {}). At a \
         match threshold of {}, {} {} would have raised an alert{}. The error rates below \
         count face tracks instead: one appearance of one person.",
        report.model_name(ModelRole::Detector),
        report.model_name(ModelRole::Recognizer),
        d.inputs_analysed,
        plural(d.inputs_analysed, "input", "inputs"),
        d.faces,
        plural(d.faces, "detected face", "detected faces"),
        plural(identities as u64, "person", "people"),
        plural(photos as u64, "photo", "photos"),
        report.system.shown_threshold(d.threshold, 2),
        d.alerts,
        plural(d.alerts, "detected face", "detected faces"),
        if own_thresholds(report) {
            " (counted at that one threshold; the error rates below use each group's own where \
             the reviewer set one)"
        } else {
            ""
        },
    )
}

/// What one search is: a face track of footage, or one photo of an evaluation set.
pub(crate) fn search_is(report: &Report) -> &'static str {
    if report.evaluation.is_some() {
        "one photo of the evaluation set"
    } else {
        "a face track, one appearance of one person"
    }
}

fn what_was_measured(findings: &MeasuredFindings, report: &Report) -> String {
    let search_is = search_is(report);
    let metric = report.system.score_metric();
    let pooled = &findings.pooled;
    let own: Vec<String> = findings
        .slices
        .iter()
        .filter(|s| s.metrics.threshold != findings.threshold)
        .map(|s| {
            format!(
                "{} at {}",
                s.name,
                own_number(metric, s.metrics.threshold, 4)
            )
        })
        .collect();
    let thresholds = if own.is_empty() {
        String::new()
    } else {
        format!(
            " These rates count each group at its own threshold where the reviewer set one ({}; \
             the others at {}), as a deployment with those thresholds would.",
            own.join(", "),
            report.system.shown_threshold(findings.threshold, 4)
        )
    };
    // Without person labels on passers-by, each of their tracks counts as a different person,
    // and the interval rests on that.
    let unnamed = if pooled.fpir.people.is_none() && pooled.fpir.n > 0 {
        " (who is who among them is not labelled, so each counts as a different person; if some \
         are the same person, the interval is too narrow)"
    } else {
        ""
    };
    format!(
        "Measured on {} labelled searches ({}); a search is {search_is}. Of {}{unnamed}, {} would raise a false alert: FPIR {} against a watchlist of {}. \
         Of {}, {} would not find the right person at rank 1: FNIR (rank 1) {}.{thresholds}",
        findings.searches,
        findings.label_source,
        searches_of_people(&pooled.fpir, "non-mated"),
        pooled.fpir.k,
        rate_with_interval(&pooled.fpir),
        group_thousands(findings.watchlist_size),
        searches_of_people(&pooled.fnir, "mated"),
        pooled.fnir.k,
        rate_with_interval(&pooled.fnir),
    )
}

/// The three highest-scored risks, as the first page lists them.
pub(crate) fn highest_risks(report: &Report) -> Vec<String> {
    report
        .risks_by_score()
        .into_iter()
        .filter(|risk| risk.score().is_some())
        .take(3)
        .map(|risk| format!("{} — {}", risk.title, score_text(risk)))
        .collect()
}

/// "severity significant (3) × likelihood maximum (4) = 12".
pub(crate) fn score_text(risk: &crate::Risk) -> String {
    let level = |level: Option<crate::Level>| {
        level.map_or_else(
            || "not scored".to_owned(),
            |l| format!("{} ({})", l.label(), l.value()),
        )
    };
    let score = risk
        .score()
        .map_or_else(String::new, |score| format!(" = {score}"));
    format!(
        "severity {} × likelihood {}{score}",
        level(risk.severity),
        level(risk.likelihood)
    )
}

/// How a reader checks the bundle, and recomputes its numbers, without the signer's secret key.
pub(crate) fn how_to_check(report: &Report) -> String {
    let key = report.signer.as_ref().map_or_else(
        || "It is not signed.".to_owned(),
        |signer| format!("It is signed with the key whose ID is {}.", signer.key_id),
    );
    format!(
        "This document is one file of a signed bundle, with assessment.ron (every number and \
         setting) and a manifest of their SHA-256 hashes. {key} Only the public key the \
         reviewer published proves who signed, never the copy inside the bundle: anyone who \
         changes a bundle can sign it again with a key of their own. With that key, anyone \
         can check that nothing was changed: `lineup verify BUNDLE --key PUBLISHED.pub`, \
         or without lineup, the four commands in the bundle's README.txt (minisign, \
         sha256sum, a listing that catches added files and a check for links). \
         `lineup verify --recompute BUNDLE --key PUBLISHED.pub` also recomputes every \
         figure of assessment.ron from the data in the bundle (evidence.ron), checks that \
         assessment.md is exactly what the recomputed figures give and that assessment.pdf \
         is byte for byte the PDF the recomputed report draws with the pictures the bundle \
         keeps (pictures.ron), and names any that differs."
    )
}

/// The rows of the table of what the system flagged (inputs, faces, alerts, alerts per name),
/// as the PDF and the Markdown both show them.
pub(crate) fn detection_rows(report: &Report) -> Vec<Vec<String>> {
    let counts = &report.detections;
    let mut rows = vec![
        vec![
            "Inputs analysed".to_owned(),
            counts.inputs_analysed.to_string(),
        ],
        vec![
            "Inputs that could not be used".to_owned(),
            counts.inputs_failed.to_string(),
        ],
        vec!["Faces found".to_owned(), counts.faces.to_string()],
        vec![
            "Faces that raised an alert".to_owned(),
            counts.alerts.to_string(),
        ],
    ];
    rows.extend(
        counts
            .alerts_per_identity
            .iter()
            .map(|(name, alerts)| vec![format!("Alerts naming {name}"), alerts.to_string()]),
    );
    rows
}

/// The columns of the 1:1 table, as the PDF and the Markdown both head it.
pub(crate) const ONE_TO_ONE_HEADINGS: [&str; 5] = [
    "Group",
    "Genuine pairs",
    "FNMR [95% interval]",
    "Impostor pairs",
    "FMR [95% interval]",
];

/// The 1:1 table's sentence over it and its rows (groups without a pair left out), as the PDF
/// and the Markdown both show them.
pub(crate) fn one_to_one_table(
    report: &Report,
    table: &crate::findings::OneToOne,
) -> (String, Vec<Vec<String>>) {
    let heading = crate::wording::one_to_one_heading(
        table.threshold,
        &table.attributes,
        table.photos,
        table.people,
        &report.model_name(ModelRole::Recognizer),
        report.system.score_metric(),
    );
    let rows = table
        .groups
        .iter()
        .filter_map(|group| {
            crate::wording::verification_row(&group.name, group.unknown, &group.fnmr, &group.fmr)
        })
        .map(Vec::from)
        .collect();
    (heading, rows)
}

/// The findings table's rows: per group, then all groups together (threshold, FPIR n and rate,
/// FNIR n and rate, wrong-identity alerts, flag rate), as the PDF and the Markdown both show
/// them and `--recompute` looks for them in the PDF.
/// Thresholds are on the recognizer's own scale (`metric`'s: a distance as a distance).
pub(crate) fn rate_rows(findings: &MeasuredFindings, metric: Metric) -> Vec<Vec<String>> {
    use lineup_core::metrics::Rate;
    let cells = |name: String, threshold: String, rates: [&Rate; 4]| {
        let [fpir, fnir, wrong_identity, flag] = rates;
        vec![
            name,
            threshold,
            fpir.n.to_string(),
            crate::wording::rate_text(fpir),
            fnir.n.to_string(),
            crate::wording::rate_text(fnir),
            crate::wording::rate_text(wrong_identity),
            crate::wording::rate_text(flag),
        ]
    };
    let pooled = &findings.pooled;
    findings
        .slices
        .iter()
        .map(|slice| {
            let m = &slice.metrics;
            let rates = [&m.fpir, &m.fnir, &m.wrong_identity_alerts, &m.flag_rate];
            cells(
                slice.name.clone(),
                own_number(metric, m.threshold, 4),
                rates,
            )
        })
        .chain(std::iter::once(cells(
            "All groups".to_owned(),
            String::new(),
            [
                &pooled.fpir,
                &pooled.fnir,
                &pooled.wrong_identity_alerts,
                &pooled.flag_rate,
            ],
        )))
        .collect()
}

/// The differentials table: its column headings after "Group", its rows, and the notes on each
/// rate's reference group and on reading a ratio.
pub(crate) struct DifferentialsTable {
    pub headings: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub notes: Vec<String>,
}

pub(crate) fn differentials_table(findings: &MeasuredFindings) -> DifferentialsTable {
    let headings = findings
        .differentials
        .iter()
        .map(|d| format!("{} × reference [95% interval]", d.rate.label()))
        .collect();
    let rows =
        findings
            .slices
            .iter()
            .enumerate()
            .map(|(slice, s)| {
                std::iter::once(s.name.clone())
                    .chain(findings.differentials.iter().map(|differentials| {
                        crate::wording::differential_text(differentials, slice)
                    }))
                    .collect()
            })
            .collect();
    let names: Vec<String> = findings.slices.iter().map(|s| s.name.clone()).collect();
    let notes = findings
        .differentials
        .iter()
        .map(|d| crate::wording::reference_note(d, &names))
        .chain(std::iter::once(crate::wording::RATIO_NOTE.to_owned()))
        .collect();
    DifferentialsTable {
        headings,
        rows,
        notes,
    }
}

#[cfg(test)]
mod tests {
    /// Issue #20 finding 1 (c): every sentence that names a reviewer's model says they supplied
    /// it, not the models' table alone: the summary, the stand-ins, the training-data caveat,
    /// the threshold's words; and a name stored with line breaks reads on one line.
    #[test]
    fn every_sentence_naming_a_reviewers_model_says_they_supplied_it() {
        let mut review = crate::comparison::tests::two_model_review();
        for model in &mut review.models {
            model.name = format!("Vendor\n\nmodel {}", model.name);
            model.supplied_by_reviewer = true;
        }
        review.other_recognizers[0].model.supplied_by_reviewer = true;
        let report = crate::report::tests::report_of(&review);
        let named = "Vendor model Cosine model (supplied by the reviewer)";
        let summary = crate::summary::plain_summary(&report);
        assert!(
            summary[0].contains(&format!("the {named} recognition model over")),
            "{summary:?}"
        );
        let sentences = [
            crate::summary::stand_ins(&report),
            report.system.training_data_caveat(),
            report.system.threshold_words(report.system.threshold),
        ];
        for sentence in sentences {
            assert!(sentence.contains(named), "{sentence}");
        }
        let comparison = report
            .comparison
            .as_ref()
            .expect("two recognizers compared");
        let other = "Distance model (supplied by the reviewer)";
        let mut sentences = vec![comparison.heading()];
        sentences.extend(comparison.threshold_lines(crate::comparison::Thresholds::Own));
        sentences.extend(comparison.disagreement_sentences());
        for sentence in sentences {
            assert!(
                sentence.contains(named) || sentence.contains(other),
                "{sentence}"
            );
        }
    }
}
