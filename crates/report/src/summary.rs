//! The plain-language summary a committee reads first, from a finished [`Report`].

use crate::drafting::fpir_spread;
use crate::findings::MeasuredFindings;
use crate::report::Report;
use crate::wording::{
    NO_GROUND_TRUTH, group_thousands, plural, rate_with_interval, searches_of_people,
};
use lineup_core::vision::ModelRole;

/// The plain-language summary, one paragraph per entry, for the first page.
pub(crate) fn plain_summary(report: &Report) -> Vec<String> {
    let mut paragraphs = vec![what_was_reviewed(report), stand_ins(report)];
    paragraphs.push(match &report.findings {
        Some(findings) => what_was_measured(findings),
        None => NO_GROUND_TRUTH.to_owned(),
    });
    // How many tracks the rates rest on, and how many alerts were kept out of them by being
    // left unlabelled: otherwise leaving a false alert unlabelled would hide it unseen.
    paragraphs.push(report.tracks.sentence());
    if let Some(findings) = &report.findings {
        paragraphs.extend(findings.scenarios.iter().map(|s| s.sentence.clone()));
        if let Some(sentence) = fpir_spread(findings) {
            paragraphs.push(sentence);
        }
        if !findings.warnings.is_empty() {
            paragraphs.push(format!(
                "Read the group comparisons with care: {} caution{} below say where the data \
                 cannot tell groups apart.",
                findings.warnings.len(),
                if findings.warnings.len() == 1 {
                    ""
                } else {
                    "s"
                }
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
         recognition model are open models that lineup runs in place of the system a vendor \
         would supply. The numbers in this report show how a face recognition system of this \
         kind behaves on this footage and this watchlist; they are not the vendor's error \
         rates, which can be better or worse, and must be measured on the vendor's own system, \
         at its own threshold, before deployment.",
        report.model_name(ModelRole::Detector),
        report.model_name(ModelRole::Recognizer),
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
        "lineup ran the {} face detector and the {} recognition model over {} {}{failed} and \
         found {} {}. Each face was compared with a watchlist of {identities} {} ({photos} \
         enrolment {}). At a match threshold of {:.2}, {} {} would have raised an alert{}.",
        report.model_name(ModelRole::Detector),
        report.model_name(ModelRole::Recognizer),
        d.inputs_analysed,
        plural(d.inputs_analysed, "image", "images"),
        d.faces,
        plural(d.faces, "face", "faces"),
        plural(identities as u64, "person", "people"),
        plural(photos as u64, "photo", "photos"),
        d.threshold,
        d.alerts,
        plural(d.alerts, "face", "faces"),
        if own_thresholds(report) {
            " (counted at that one threshold; the error rates below use each group's own where \
             the reviewer set one)"
        } else {
            ""
        },
    )
}

fn what_was_measured(findings: &MeasuredFindings) -> String {
    let pooled = &findings.pooled;
    let own: Vec<String> = findings
        .slices
        .iter()
        .filter(|s| s.metrics.threshold != findings.threshold)
        .map(|s| format!("{} at {:.4}", s.name, s.metrics.threshold))
        .collect();
    let thresholds = if own.is_empty() {
        String::new()
    } else {
        format!(
            " These rates count each group at its own threshold where the reviewer set one ({}; \
             the others at {:.4}), as a deployment with those thresholds would.",
            own.join(", "),
            findings.threshold
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
        "Measured on {} labelled searches ({}); a search is a face track, one appearance of one \
         person. Of {}{unnamed}, {} would raise a false alert: FPIR {} against a watchlist of {}. \
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
