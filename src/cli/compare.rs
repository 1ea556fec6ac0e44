//! `lineup metrics REVIEW --compare`: a review analysed with several recognizers, the review's
//! own against each other one, group by group, at each model's own threshold and at thresholds
//! giving equal overall FPIR (each model moved in turn to the other's, since the moved threshold
//! is fitted on these searches), with the faces and tracks one model flags and the other does not.
//! The numbers are `ReviewDocument::compare_recognizers`'; this only words them.

use std::fmt::Write as _;

use crate::assessment::wording;
use crate::metrics::{Disagreements, FpirThreshold, Rate};
use crate::review::{
    ComparedModel, EqualFpir, Evaluation, ModelComparison, ReviewDocument, Slicing,
};
use crate::vision::manifest::Metric;

/// The comparison of the review's own recognizer with every other one, as text; `list` adds
/// every face and track flagged by one model alone.
pub fn comparison_text(
    document: &ReviewDocument,
    slicing: &Slicing,
    list: bool,
) -> anyhow::Result<String> {
    let count = document.recognizer_count();
    if count < 2 {
        anyhow::bail!(
            "this review holds one recognizer's scores ({}): --compare needs a review analysed \
             with several, e.g. `lineup analyze --recognizer mobilefacenet --recognizer dlib`",
            document.recognizer_names().join(", ")
        );
    }
    let mut out = String::new();
    for other in 1..count {
        let comparison = document.compare_recognizers(0, other, slicing)?;
        write_comparison(&mut out, document, &comparison, list);
    }
    Ok(out)
}

fn write_comparison(
    out: &mut String,
    document: &ReviewDocument,
    comparison: &ModelComparison,
    list: bool,
) {
    let (first, second) = (&comparison.first, &comparison.second);
    let by = match slicing_of(&first.evaluation) {
        Some(attributes) => format!("grouped by {attributes}"),
        None => "everyone together".to_owned(),
    };
    let _ = writeln!(
        out,
        "Two recognizers on the same {} labelled face tracks, {by}:",
        first.evaluation.searches
    );
    for (number, model) in [first, second].into_iter().enumerate() {
        let _ = writeln!(
            out,
            "  {}. {} (SHA-256 {}{}), {}; its own threshold {}",
            number + 1,
            model.model.name,
            model.model.sha256,
            if model.model.supplied_by_reviewer {
                ", supplied by the reviewer"
            } else {
                ""
            },
            model.metric.describe(),
            model.metric.own_value(model.threshold)
        );
    }
    let _ = writeln!(
        out,
        "Each model's scores are on its own scale and are never compared with the other's; each \
         has one threshold for every group here (per-group thresholds are left out)."
    );
    let _ = writeln!(out, "\nAt each model's own threshold:");
    write_table(out, first, &first.evaluation, second, &second.evaluation);
    write_disagreements(out, "Faces", &comparison.faces, first, second);
    write_disagreements(out, "Tracks", &comparison.tracks, first, second);
    if comparison.second_moved.is_none() && comparison.first_moved.is_none() {
        let _ = writeln!(
            out,
            "\nNo labelled track is off the watchlist, so FPIR cannot be measured and no \
             thresholds giving equal FPIR can be chosen."
        );
    }
    for equal in comparison.equal_fpir() {
        write_equal_fpir(out, comparison, equal);
    }
    if list {
        write_lists(out, document, comparison);
    } else {
        let _ = writeln!(
            out,
            "(--list names every face and track flagged by one model alone)"
        );
    }
    out.push('\n');
}

/// One direction of the comparison at equal overall FPIR: which model was moved, to whose FPIR,
/// that its threshold is in-sample, then both models' groups and what they disagree on.
fn write_equal_fpir(out: &mut String, comparison: &ModelComparison, equal: &EqualFpir) {
    let (first, second) = (&comparison.first, &comparison.second);
    let moved = comparison.model(equal.moved);
    let staying = comparison.model(equal.staying());
    let _ = writeln!(
        out,
        "\nAt equal overall FPIR, {moving} moved to {stays}'s FPIR: {stays} stays at its own \
         threshold, overall FPIR {} ({}). {moving}'s threshold moves to {} ({}; its own is {}): \
         of the thresholds, the loosest whose overall FPIR, {} ({}), is nearest {stays}'s (of \
         two equally near, the lower): just above the highest score of a non-mated search that \
         must not alert. {}",
        percent_of(&equal.target),
        wording::count_of(&equal.target),
        threshold_text(moved.metric, &equal.moved_threshold),
        moved.metric.describe(),
        moved.metric.own_value(moved.threshold),
        percent_of(&equal.moved_threshold.fpir),
        wording::count_of(&equal.moved_threshold.fpir),
        wording::IN_SAMPLE_NOTE,
        moving = moved.model.name,
        stays = staying.model.name,
    );
    write_table(out, first, &equal.first, second, &equal.second);
    write_disagreements(out, "Faces", &equal.faces, first, second);
    write_disagreements(out, "Tracks", &equal.tracks, first, second);
}

/// A rate as a percentage, or "not measured".
fn percent_of(rate: &Rate) -> String {
    rate.rate
        .map_or_else(|| "not measured".to_owned(), wording::percent)
}

/// The slicing's attributes joined, or None for everyone together.
fn slicing_of(evaluation: &Evaluation) -> Option<String> {
    let attributes = &evaluation.slicing.attributes;
    (!attributes.is_empty()).then(|| attributes.join(" × "))
}

/// A chosen threshold on the model's own scale, exactly: read back as `--threshold` it is the
/// very threshold the rates were measured at (a distance is the negated lineup score, exactly).
fn threshold_text(metric: Metric, chosen: &FpirThreshold) -> String {
    metric.own_value(chosen.threshold).to_string()
}

/// One row per group and model: FPIR and FNIR with their counts and 95% intervals, then all
/// groups together.
fn write_table(
    out: &mut String,
    first: &ComparedModel,
    first_evaluation: &Evaluation,
    second: &ComparedModel,
    second_evaluation: &Evaluation,
) {
    let row = |out: &mut String, cells: [&str; 6]| {
        let _ = writeln!(
            out,
            "  {:<20} {:<40} {:>22} {:>10} {:>22} {:>10}",
            cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]
        );
    };
    row(
        out,
        ["group", "model", "FPIR [95%]", "n", "FNIR [95%]", "n"],
    );
    let models = [(first, first_evaluation), (second, second_evaluation)];
    for (slice, name) in first_evaluation.names.iter().enumerate() {
        let searched = models
            .iter()
            .any(|(_, e)| e.metrics.get(slice).is_some_and(|m| m.flag_rate.n > 0));
        if !searched {
            continue;
        }
        for (number, (model, evaluation)) in models.iter().enumerate() {
            let Some(metrics) = evaluation.metrics.get(slice) else {
                continue;
            };
            let group = if number == 0 { name.as_str() } else { "" };
            rate_row(out, &row, group, model, &metrics.fpir, &metrics.fnir);
        }
    }
    for (number, (model, evaluation)) in models.iter().enumerate() {
        let group = if number == 0 { "all groups" } else { "" };
        let pooled = &evaluation.pooled;
        rate_row(out, &row, group, model, &pooled.fpir, &pooled.fnir);
    }
}

fn rate_row(
    out: &mut String,
    row: &impl Fn(&mut String, [&str; 6]),
    group: &str,
    model: &ComparedModel,
    fpir: &Rate,
    fnir: &Rate,
) {
    row(
        out,
        [
            group,
            &model.model.name,
            &wording::rate_text(fpir),
            &wording::count_of(fpir),
            &wording::rate_text(fnir),
            &wording::count_of(fnir),
        ],
    );
}

fn write_disagreements(
    out: &mut String,
    what: &str,
    found: &Disagreements,
    first: &ComparedModel,
    second: &ComparedModel,
) {
    let _ = writeln!(
        out,
        "  {what} flagged by {} alone: {}; by {} alone: {}; by both: {}; by neither: {}",
        first.model.name,
        found.only_first.len(),
        second.model.name,
        found.only_second.len(),
        found.both,
        found.neither
    );
}

/// Every face and track flagged by one model alone, at each model's own threshold and at equal
/// FPIR: where it was seen and each model's best candidate, on each model's own scale.
fn write_lists(out: &mut String, document: &ReviewDocument, comparison: &ModelComparison) {
    let (first, second) = (&comparison.first, &comparison.second);
    let views = [
        document.as_seen_by(first.recognizer),
        document.as_seen_by(second.recognizer),
    ];
    let [Some(first_view), Some(second_view)] = views else {
        return;
    };
    let best = |view: &ReviewDocument, model: &ComparedModel, detection: usize| match view
        .detections[detection]
        .candidates
        .first()
    {
        Some(candidate) => format!(
            "{} {}",
            view.identity_name(candidate.identity).unwrap_or("?"),
            model.metric.own_value(candidate.score)
        ),
        None => "no candidate".to_owned(),
    };
    let face_line = |out: &mut String, detection: usize| {
        let source = document.detections[detection].source;
        let input = document
            .inputs
            .get(source.input)
            .map_or_else(String::new, |i| i.path.display().to_string());
        let _ = writeln!(
            out,
            "    face {detection}: {input} frame {} ({:.2} s); {}: {}; {}: {}",
            source.frame_index,
            source.timestamp_s,
            first.model.name,
            best(&first_view, first, detection),
            second.model.name,
            best(&second_view, second, detection)
        );
    };
    let track_line = |out: &mut String, track: usize| {
        let members = &document.tracks[track].detections;
        let _ = writeln!(
            out,
            "    track {track}: {} face(s), first face {}",
            members.len(),
            members.first().map_or(0, |d| d.index())
        );
    };
    let mut sets = vec![(
        "at each model's own threshold",
        &comparison.faces,
        &comparison.tracks,
    )];
    let directions: Vec<(String, &EqualFpir)> = comparison
        .equal_fpir()
        .map(|equal| {
            let when = format!(
                "at equal overall FPIR, {} moved to {}'s FPIR",
                comparison.model(equal.moved).model.name,
                comparison.model(equal.staying()).model.name
            );
            (when, equal)
        })
        .collect();
    for (when, equal) in &directions {
        sets.push((when.as_str(), &equal.faces, &equal.tracks));
    }
    for (when, faces, tracks) in sets {
        for (model, (face_list, track_list)) in [
            (first, (&faces.only_first, &tracks.only_first)),
            (second, (&faces.only_second, &tracks.only_second)),
        ] {
            let _ = writeln!(out, "\nFlagged by {} alone, {when}:", model.model.name);
            for &track in track_list {
                track_line(out, track);
            }
            for &face in face_list {
                face_line(out, face);
            }
        }
    }
}
