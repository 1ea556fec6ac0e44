//! Numbers into words, once for the command line, the app and the PDF: percentages with the
//! digits that tell small rates from zero, counts "k of n", intervals, ratios, thousands.
//! The core computes numbers and typed cautions; only this module turns them into text.

use std::fmt::Write as _;

use lineup_core::metrics::{
    Agreement, ComparisonWarning, Differentials, ExpectedAlerts, ExtrapolatedFpir, Interval,
    IntervalMethod, Kappa, MIN_SEARCHES_TO_COMPARE, Parity, Rate, expected_alerts,
    extrapolate_fpir,
};
use lineup_core::review::GroundTruth;
use lineup_core::review::evaluation::Evaluation;
use lineup_core::vision::manifest::Metric;

/// Said wherever error rates would go while no ground truth is labelled.
pub const NO_GROUND_TRUTH: &str = "No ground truth is labelled yet, so no error rates can be \
    given: the counts above say what the system would flag, not whether it would be right. \
    Label who is and is not on the watchlist to measure false and missed alerts.";

pub(crate) fn plural<'a>(count: u64, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

/// "1 part", "3 parts": a count with its noun, singular or plural as the count asks.
pub fn count_noun(count: u64, one: &str, many: &str) -> String {
    format!("{count} {}", plural(count, one, many))
}

/// "3 of 40".
pub fn count_of(rate: &Rate) -> String {
    format!("{} of {}", rate.k, rate.n)
}

/// "7.50%, 95% interval 2.58–19.9%", or "not measured (no searches)".
pub(crate) fn rate_with_interval(rate: &Rate) -> String {
    match (rate.rate, rate.interval) {
        (Some(value), Some(interval)) => format!(
            "{}, 95% interval {}–{}",
            percent(value),
            percent_number(interval.low),
            percent(interval.high)
        ),
        _ => "not measured (no searches)".to_owned(),
    }
}

/// A proportion as a percentage with enough digits to tell small rates from zero.
pub fn percent(value: f64) -> String {
    format!("{}%", percent_number(value))
}

fn percent_number(value: f64) -> String {
    let pct = value * 100.0;
    // Rounding must not turn "almost all" into all, or "a few in a million" into none.
    if pct > 99.95 && pct < 100.0 {
        return ">99.9".into();
    }
    if pct > 0.0 && pct < 0.0005 {
        return "<0.001".into();
    }
    if pct == 0.0 || pct >= 10.0 {
        format!("{pct:.1}")
    } else if pct >= 0.1 {
        format!("{pct:.2}")
    } else {
        format!("{pct:.3}")
    }
}

/// A chart's axis tick: "20%".
pub fn percent_tick(value: f64) -> String {
    format!("{:.0}%", value * 100.0)
}

/// "between 3 and 41 in 10,000" (or "about 3 in 10,000"): how many of 10,000 people of a group
/// passing the cameras would be wrongly flagged, at the two ends of an FPIR interval.
pub fn wrongly_flagged_per_10000(low: f64, high: f64) -> String {
    let count = |share: f64| format_expected_count(share * 10_000.0);
    let (low, high) = (count(low), count(high));
    if low == high {
        format!("about {low} in 10,000")
    } else {
        format!("between {low} and {high} in 10,000")
    }
}

/// "2.5 times", "twice".
pub fn times(ratio: f64) -> String {
    if (ratio - 2.0).abs() < 0.05 {
        "twice".to_owned()
    } else {
        format!("{ratio:.1} times")
    }
}

/// 10000 → "10,000".
pub fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A length of time as an estimate says it: "less than a minute", "about 7 min",
/// "about 1 h 12 min" (whole minutes: an estimate is not more precise than that).
pub fn duration_about(seconds: f64) -> String {
    let minutes = (seconds / 60.0).round() as u64;
    match minutes {
        0 => "less than a minute".to_owned(),
        1..=59 => format!("about {minutes} min"),
        _ => format!("about {} h {} min", minutes / 60, minutes % 60),
    }
}

/// A range of times: "about 94–107 min", "about 1 h 34 min – 1 h 47 min"; one figure where
/// both ends round alike.
pub fn duration_range(fastest: f64, slowest: f64) -> String {
    let (low, high) = (duration_about(fastest), duration_about(slowest));
    if low == high {
        return low;
    }
    let bare = |text: &str| text.trim_start_matches("about ").to_owned();
    match (low.as_str(), high.as_str()) {
        ("less than a minute", _) => format!("up to {}", bare(&high)),
        _ => format!("about {} – {}", bare(&low), bare(&high)),
    }
}

/// A file size to two significant figures, in decimal units: "12 KB", "1.5 MB", "140 MB".
pub fn bytes_about(bytes: u64) -> String {
    const UNITS: [(f64, &str); 4] = [(1e12, "TB"), (1e9, "GB"), (1e6, "MB"), (1e3, "KB")];
    let bytes = bytes as f64;
    let Some(&(size, unit)) = UNITS.iter().find(|(size, _)| bytes >= *size) else {
        return format!("{bytes} bytes");
    };
    let value = bytes / size;
    // Two significant figures: one decimal below 10, whole numbers (rounded to tens) above.
    let text = if value < 9.95 {
        let text = format!("{value:.1}");
        text.strip_suffix(".0").map(str::to_owned).unwrap_or(text)
    } else if value < 99.5 {
        format!("{value:.0}")
    } else {
        format!("{}", ((value / 10.0).round() * 10.0) as u64)
    };
    format!("{text} {unit}")
}

/// "every frame", "5 frames a second", "keyframes only".
pub fn sampling_text(sampling: lineup_core::footage::Sampling) -> String {
    use lineup_core::footage::Sampling;
    match sampling {
        Sampling::EveryFrame => "every frame".to_owned(),
        Sampling::PerSecond(rate) => format!("at most {rate} frames a second"),
        Sampling::Keyframes => "keyframes only".to_owned(),
    }
}

/// Why the sampling no one asked for is the one used: "Sampling fps:5 by default: 1 h 0 min of
/// video is more than 5 min (every frame up to 5 min of video, 5 frames a second beyond)";
/// None without video (stills are always taken whole).
pub fn default_sampling_reason(survey: &lineup_core::analysis::estimate::Survey) -> Option<String> {
    if !survey.has_video() {
        return None;
    }
    use lineup_core::footage::sampling::{EVERY_FRAME_UP_TO_S, LONG_FOOTAGE_RATE};
    let seconds = survey.video_seconds();
    let sampling = survey.default_sampling();
    let limit = duration_about(EVERY_FRAME_UP_TO_S).replace("about ", "");
    let length = video_length(seconds);
    let comparison = if seconds > EVERY_FRAME_UP_TO_S {
        "more than"
    } else {
        "at most"
    };
    Some(format!(
        "Sampling {sampling} by default: {length} of video is {comparison} {limit} (every frame \
         up to {limit} of video, {LONG_FOOTAGE_RATE} frames a second beyond)"
    ))
}

/// "3 s", "4 min 10 s", "1 h 0 min": a video's length as its header gives it.
fn video_length(seconds: f64) -> String {
    let whole = seconds.round() as u64;
    match whole {
        0..60 => format!("{whole} s"),
        60..3600 => format!("{} min {} s", whole / 60, whole % 60),
        _ => format!("{} h {} min", whole / 3600, whole % 3600 / 60),
    }
}

/// The estimate said before an analysis starts: the frames the sampling takes, the time at the
/// documented pace with its conditions, and when the review's size will be known.
pub fn analysis_outlook(outlook: &lineup_core::analysis::estimate::Outlook) -> String {
    use lineup_core::analysis::estimate::{CALIBRATION_FRAMES, DOCUMENTED_FRAMES_PER_SECOND};
    let mut parts = Vec::new();
    if outlook.videos > 0 {
        parts.push(format!(
            "{} of {} ({})",
            sampling_text(outlook.sampling),
            count_noun(outlook.videos as u64, "video", "videos"),
            video_length(outlook.video_seconds)
        ));
    }
    if outlook.stills > 0 {
        parts.push(count_noun(outlook.stills as u64, "still", "stills"));
    }
    let what = parts.join(" and ");
    let (slowest, fastest) = DOCUMENTED_FRAMES_PER_SECOND;
    let time = match (outlook.frames, outlook.documented_seconds) {
        (Some(frames), Some((low, high))) => format!(
            "{} frames ({what}): {} at the pace measured on 1080p video, {slowest:.0}–{fastest:.0} \
             frames a second on 2 cores with the detector at 960 px and about 2 faces a frame \
             (BENCHMARKS.md), scaled to these frames' size; faster with more cores, slower with \
             more faces",
            group_thousands(frames),
            duration_range(low, high)
        ),
        _ => format!(
            "{what}: the frames {} takes cannot be counted before reading the videos, so the \
             time is said once the first frames are analysed",
            sampling_text(outlook.sampling)
        ),
    };
    let unreadable = match outlook.unreadable {
        0 => String::new(),
        n => format!(
            " {} could not be read and {} not counted.",
            count_noun(n as u64, "input", "inputs"),
            plural(n as u64, "is", "are")
        ),
    };
    format!(
        "Estimate: {time}. The review size follows the faces found: said after the first \
         {CALIBRATION_FRAMES} frames.{unreadable}"
    )
}

/// The estimate from this run's own first frames: "Measured on the first 32 frames: about 1 h
/// 12 min left, review about 140 MB (2.1 faces a frame, 2.4 KB a face)".
pub fn analysis_projection(projection: &lineup_core::analysis::estimate::Projection) -> String {
    let left = duration_about(projection.time_left.as_secs_f64());
    let size = match (projection.review_bytes, projection.bytes_per_face) {
        (Some(bytes), Some(per_face)) => format!(
            "review about {} ({:.1} faces a frame, {} a face)",
            bytes_about(bytes),
            projection.faces_per_frame,
            bytes_about(per_face.round() as u64)
        ),
        _ => "review size not known yet: no face found so far (0 faces a frame)".to_owned(),
    };
    format!(
        "Measured on the first {} frames: {left} left, {size}",
        projection.frames_measured
    )
}

/// Whole numbers with thousands separators from 10 up; one decimal below (dropping ".0").
fn format_expected_count(count: f64) -> String {
    if count <= 0.0 {
        return "0".to_owned();
    }
    if count < 0.05 {
        return "under 0.1".to_owned();
    }
    if count < 9.95 {
        let text = format!("{count:.1}");
        return text.strip_suffix(".0").map(str::to_owned).unwrap_or(text);
    }
    group_thousands(count.round() as u64)
}

/// "12.5% [4.10–32.6%]" for tables (the terminal's, the app's and the PDF's), with
/// [`percent`]'s digits, or "not measured" when there was nothing to measure.
pub fn rate_text(rate: &Rate) -> String {
    match (rate.rate, rate.interval) {
        (Some(value), Some(ci)) => format!(
            "{} [{}–{}]",
            percent(value),
            percent_number(ci.low),
            percent(ci.high)
        ),
        _ => "not measured".into(),
    }
}

/// A ratio to the reference slice, "3.25×", or "–" where none is defined.
pub fn ratio(ratio: Option<f64>) -> String {
    ratio.map_or_else(|| "–".into(), |r| format!("{r:.2}×"))
}

/// A ratio's bound with two significant figures, whatever its size: "0.0090", "0.99", "14",
/// "400"; below 0.001, "<0.001".
fn ratio_bound(value: f64) -> String {
    if !value.is_finite() {
        return "∞".into();
    }
    if value >= 10.0 {
        format!("{value:.0}")
    } else if value >= 1.0 {
        format!("{value:.1}")
    } else if value >= 0.001 {
        // Two significant figures: one decimal more than the leading zeros after the point.
        let decimals = (-value.log10()).ceil() as usize + 1;
        format!("{value:.decimals$}")
    } else {
        "<0.001".into()
    }
}

/// What a ratio's interval says against the 0.8–1.25 parity band, in a few words.
pub fn parity_text(parity: Parity) -> &'static str {
    match parity {
        Parity::Within => "parity",
        Parity::Outside => "disparity",
        Parity::CannotTell => "cannot tell",
    }
}

/// One slice's ratio to the reference for a table: "4.00× [0.99–4.1] cannot tell",
/// "reference", or "–" where there is nothing to compare.
pub fn differential_text(differentials: &Differentials, position: usize) -> String {
    let Some(differential) = differentials.per_slice.get(position) else {
        return "–".into();
    };
    if differentials.reference.map(|r| r.slice) == Some(differential.slice) {
        return "reference".into();
    }
    let verdict = match (differential.parity, differential.unknown_group) {
        (Some(parity), _) => parity_text(parity),
        (None, true) => "unknown group, not judged",
        (None, false) => "too few to judge",
    };
    // A ratio of 0 (no errors in this group) is a point its corrected interval does not hold:
    // only the interval says anything.
    let point = differential.ratio.filter(|&r| r > 0.0);
    match differential.interval {
        Some(interval) => format!(
            "{} [{}–{}] {verdict}",
            ratio(point),
            ratio_bound(interval.low),
            ratio_bound(interval.high),
        ),
        None => "–".into(),
    }
}

/// Which slice the ratios are against and why, for under a table.
pub fn reference_note(differentials: &Differentials, slice_names: &[String]) -> String {
    let label = differentials.rate.label();
    let noun = differentials.rate.searches_noun(2);
    let rule = format!(
        "rule: not \"unknown\", at least {MIN_SEARCHES_TO_COMPARE} effective {noun} (fewer than \
         its searches where one person gave several), and a rate above 0"
    );
    let unusable_choice = match (differentials.chosen, differentials.reference) {
        (Some(chosen), reference) if reference.is_none_or(|r| !r.chosen) => format!(
            "The group chosen to compare against, {}, has no {noun}, so it cannot serve. ",
            slice_name(slice_names, chosen)
        ),
        _ => String::new(),
    };
    match differentials.reference {
        Some(reference) if reference.chosen && differentials.chosen_qualifies => format!(
            "{label} ratios are against {}, chosen by the reviewer.",
            slice_name(slice_names, reference.slice)
        ),
        Some(reference) if reference.chosen => format!(
            "{label} ratios are against {}, chosen by the reviewer although it does not qualify \
             by the default rule ({rule}): every ratio against it is weaker than it looks.",
            slice_name(slice_names, reference.slice)
        ),
        Some(reference) if differentials.eligible == 1 => format!(
            "{unusable_choice}{label} ratios are against {}, the only group that qualifies ({rule}).",
            slice_name(slice_names, reference.slice)
        ),
        Some(reference) => format!(
            "{unusable_choice}{label} ratios are against {}, the one with the lowest {label} of the \
             {} groups that qualify ({rule}).",
            slice_name(slice_names, reference.slice),
            differentials.eligible
        ),
        None => format!("{unusable_choice}No {label} ratios: no group qualifies ({rule})."),
    }
}

/// A caution where groups share people: `None` where none do.
pub fn shared_people_caution(people: u64) -> Option<String> {
    (people > 0).then(|| {
        format!(
            "{} {} (a watchlist identity or a named passer-by) {} searches in more than one group, \
             labelled differently on different tracks: those groups share people, so they are not \
             independent samples and comparing them is less certain than the intervals say.",
            group_thousands(people),
            plural(people, "person", "people"),
            plural(people, "has", "have")
        )
    })
}

/// How the ratio columns read, for under a table.
pub const RATIO_NOTE: &str = "Each ratio is a group's rate over the reference group's, with its 95% \
    interval (Katz's log method, widened where one person gave several searches; \"too few to \
    judge\" for a group with under 30 effective searches or an unknown value). \"parity\": \
    the whole interval lies within the 0.8–1.25 parity band; \"disparity\": wholly outside it; \"cannot tell\": \
    the data allow either.";

/// "FPIR (watchlist of 1,000)": a false-alert rate grows with the number of people a face is
/// compared against, so it is stated with the watchlist it was measured at.
pub fn fpir_label(watchlist_size: u64) -> String {
    format!("FPIR (watchlist of {})", group_thousands(watchlist_size))
}

/// "29 mated searches (face tracks) of 2 people", or without the people where they are not
/// known.
pub fn searches_of_people(rate: &Rate, noun: &str) -> String {
    let searches = format!(
        "{} {noun} {} (face {})",
        group_thousands(rate.n),
        plural(rate.n, "search", "searches"),
        plural(rate.n, "track", "tracks")
    );
    match rate.people {
        Some(people) => format!(
            "{searches} of {} {}",
            group_thousands(people),
            plural(people, "person", "people")
        ),
        None => searches,
    }
}

/// Which intervals a set of rates carries, in one sentence for under a table.
pub fn interval_note<'a>(rates: impl IntoIterator<Item = &'a Rate>) -> String {
    let clustered = rates
        .into_iter()
        .any(|rate| matches!(rate.method, IntervalMethod::Clustered { .. }));
    if clustered {
        "Intervals are 95%: Wilson's where every person gave one search; where one person gave \
         several (searches of one person are not independent), Wilson's at the effective number \
         of searches: the searches divided by the design effect, but never more than one per \
         person up to 30 people, rising to two per person at 60, people counted by how evenly \
         they share the searches (one regular passer-by is not many people). In simulation these \
         covered at least 95%, more where people differ little. People not on the watchlist \
         without a person label count as one person per search."
            .into()
    } else {
        "Intervals are 95% Wilson intervals: every person gave one search.".into()
    }
}

/// The evaluation as an aligned table for a terminal: one row per slice with its threshold, n,
/// rates, intervals and ratio to the reference slice, then the notes and cautions. Slices with
/// no labelled track are left out.
/// The evaluation as a table; `metric` is the review's recognizer's, on whose own scale the
/// thresholds are shown.
pub fn evaluation_table(evaluation: &Evaluation, metric: Metric) -> String {
    let this = evaluation;
    let shown = |threshold: f32| own_number(metric, threshold, 4);
    let scale = match metric {
        Metric::Cosine => String::new(),
        Metric::Euclidean => format!(" ({}, a match at or below)", metric.name()),
    };
    let mut out = String::new();
    let by = if this.slicing.attributes.is_empty() {
        "everyone together".to_string()
    } else {
        this.slicing.attributes.join(" × ")
    };
    let _ = writeln!(
        out,
        "Labelled searches (face tracks): {} — sliced by {by}, threshold {}{scale} (a slice's \
         own where the threshold column says so) — watchlist of {} identities",
        this.searches,
        shown(this.threshold),
        group_thousands(this.watchlist_size as u64)
    );
    let row = |out: &mut String, cells: [&str; 9]| {
        let _ = writeln!(
            out,
            "{:<32} {:>9} {:>9} {:>22} {:>30} {:>6} {:>22} {:>30} {:>8}",
            cells[0],
            cells[1],
            cells[2],
            cells[3],
            cells[4],
            cells[5],
            cells[6],
            cells[7],
            cells[8]
        );
    };
    row(
        &mut out,
        [
            "slice",
            "threshold",
            "non-mated",
            "FPIR [95% CI]",
            "FPIR ×ref [95% CI]",
            "mated",
            "FNIR (rank 1) [95% CI]",
            "FNIR ×ref [95% CI]",
            "wrong-id",
        ],
    );
    for (i, m) in this.metrics.iter().enumerate() {
        if m.flag_rate.n == 0 {
            continue;
        }
        let threshold = if m.threshold == this.threshold {
            shown(m.threshold)
        } else {
            format!("{} own", shown(m.threshold))
        };
        row(
            &mut out,
            [
                &this.names[i],
                &threshold,
                &m.fpir.n.to_string(),
                &rate_text(&m.fpir),
                &differential_text(&this.fpir_differentials, i),
                &m.fnir.n.to_string(),
                &rate_text(&m.fnir),
                &differential_text(&this.fnir_differentials, i),
                &m.wrong_identity_alerts.k.to_string(),
            ],
        );
    }
    let p = &this.pooled;
    row(
        &mut out,
        [
            "all labelled",
            "",
            &p.fpir.n.to_string(),
            &rate_text(&p.fpir),
            "",
            &p.fnir.n.to_string(),
            &rate_text(&p.fnir),
            "",
            &p.wrong_identity_alerts.k.to_string(),
        ],
    );
    let _ = writeln!(
        out,
        "\nAll labelled: {}; {}.",
        searches_of_people(&p.fpir, "non-mated"),
        searches_of_people(&p.fnir, "mated")
    );
    let _ = writeln!(
        out,
        "{} FNIR is rank 1: a mated search counts as found only when its best candidate is the \
         right person {} the threshold. FPIR is measured against this watchlist of {} \
         identities and grows with a longer one.",
        interval_note(this.metrics.iter().flat_map(|m| [&m.fpir, &m.fnir])),
        matching_side(metric),
        group_thousands(this.watchlist_size as u64)
    );
    for differentials in [&this.fpir_differentials, &this.fnir_differentials] {
        let _ = writeln!(out, "{}", reference_note(differentials, &this.names));
    }
    let _ = writeln!(out, "{RATIO_NOTE}");
    let shared = shared_people_caution(this.people_in_several_slices);
    if !this.warnings.is_empty() || shared.is_some() {
        let _ = writeln!(out, "\nCaution:");
        if let Some(shared) = shared {
            let _ = writeln!(out, "  - {shared}");
        }
        for warning in &this.warnings {
            let _ = writeln!(out, "  - {}", caution(warning, &this.names));
        }
    }
    out
}

/// A caution for a report or a screen, naming slices by `slice_names[slice]` (or "slice N"
/// where a name is missing), e.g. "Women 18-30: only 12 non-mated searches; its FPIR interval
/// [0.00%, 24.25%] overlaps the reference group's (Men 31-50, [0.12%, 0.80%])."
pub fn caution<S: AsRef<str>>(warning: &ComparisonWarning, slice_names: &[S]) -> String {
    let name = slice_name(slice_names, warning.slice);
    let label = warning.rate.label();
    let noun = warning.rate.searches_noun(warning.searches);
    let Some(interval) = warning.interval else {
        return format!("{name}: no {noun}, so its {label} cannot be measured.");
    };
    let interval = bracketed(&interval);
    let overlap = warning.overlaps_best.map(|best| {
        format!(
            "its {label} interval {interval} overlaps the reference group's ({}, {})",
            slice_name(slice_names, best.slice),
            bracketed(&best.interval)
        )
    });
    // "only 12 non-mated searches", or where one person gave several, "only 5 effective
    // (34 mated searches of 5 people)".
    let few = if warning.effective_searches + 0.5 < warning.searches as f64 {
        let of_people = warning.people.map_or(String::new(), |people| {
            format!(" of {people} {}", plural(people, "person", "people"))
        });
        format!(
            "only {:.0} effective ({} {noun}{of_people})",
            warning.effective_searches.floor(),
            warning.searches
        )
    } else {
        format!("only {} {noun}", warning.searches)
    };
    match (warning.too_few_searches, overlap) {
        (true, Some(overlap)) => format!("{name}: {few}; {overlap}."),
        (true, None) => {
            format!("{name}: {few}; too few to compare its {label} reliably (interval {interval}).")
        }
        (false, Some(overlap)) => format!("{name}: {overlap}; the data cannot tell them apart."),
        (false, None) => format!("{name}: its {label} interval is {interval}."),
    }
}

fn slice_name<S: AsRef<str>>(slice_names: &[S], slice: usize) -> String {
    slice_names
        .get(slice)
        .map(|name| name.as_ref().to_owned())
        .unwrap_or_else(|| format!("slice {slice}"))
}

/// "[0.12%, 3.40%]": percentages read more easily than proportions for a lay audience.
fn bracketed(interval: &Interval) -> String {
    format!(
        "[{:.2}%, {:.2}%]",
        interval.low * 100.0,
        interval.high * 100.0
    )
}

/// The watchlist FPIR was measured against, and the one a deployment would use (entered by the
/// reviewer; `None` or the same size: no extrapolation).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WatchlistSizes {
    pub measured: u64,
    pub deployment: Option<u64>,
}

impl WatchlistSizes {
    pub fn measured(measured: u64) -> Self {
        Self {
            measured,
            deployment: None,
        }
    }
}

/// "FPIR 3.00% [1.0–8.5%] measured against 12 identities becomes 92.6% [57.0–99.9%] against
/// 10,000 (extrapolated, not measured: ...)".
pub fn extrapolation_sentence(extrapolated: &ExtrapolatedFpir, fpir: &Rate) -> String {
    // A model's output is never certain: no "100.0%", however close the arithmetic comes.
    let modelled = |value: f64| {
        if value >= 0.9995 {
            ">99.9".to_owned()
        } else {
            percent_number(value)
        }
    };
    let factor = extrapolated.deployment_size as f64 / extrapolated.measured_size.max(1) as f64;
    format!(
        "Extrapolation, not a measurement: FPIR {} measured against a watchlist of {} would be \
         somewhere in {}–{}% against one of {} ({} times the size measured), by the model \
         1 − (1 − FPIR)^(new size ÷ measured size), which assumes every comparison is \
         independent (real watchlists hold look-alikes, so treat it as a rough guide).",
        rate_text(fpir),
        group_thousands(extrapolated.measured_size),
        modelled(extrapolated.interval.low),
        modelled(extrapolated.interval.high),
        group_thousands(extrapolated.deployment_size),
        if factor >= 10.0 {
            group_thousands(factor.round() as u64)
        } else {
            format!("{factor:.1}")
        }
    )
}

/// What the measured rates mean for a crowd, as far as the data can tell: the share of alerts
/// that would be wrong over the whole of the 95% intervals of FPIR and FNIR (fewest wrong at
/// both lower ends, most at both upper ends), then the point estimate as no more than that.
/// Said "cannot tell" where the range spans more than half the scale. FPIR is extrapolated to
/// the deployment's watchlist where one is given (and said to be). `None` where either rate
/// was not measured or `prevalence` is not a proportion.
pub fn crowd_sentence(
    fpir: &Rate,
    fnir: &Rate,
    wrong_identity: &Rate,
    crowd_size: u64,
    prevalence: f64,
    watchlist: WatchlistSizes,
) -> Option<String> {
    let extrapolated = watchlist
        .deployment
        .filter(|&size| size != watchlist.measured)
        .and_then(|size| extrapolate_fpir(fpir, watchlist.measured, size));
    let (used_fpir, fpir_basis) = match extrapolated {
        Some(e) => (
            Rate {
                rate: Some(e.rate),
                interval: Some(e.interval),
                ..*fpir
            },
            format!(
                "FPIR extrapolated from {} non-mated searches against a watchlist of {} to one of \
                 {} (an extrapolation, not a measurement)",
                count_of(fpir),
                group_thousands(e.measured_size),
                group_thousands(e.deployment_size)
            ),
        ),
        None => (
            *fpir,
            format!(
                "FPIR {} non-mated searches (face tracks) against a watchlist of {}",
                count_of(fpir),
                group_thousands(watchlist.measured)
            ),
        ),
    };
    let fpir = &used_fpir;
    let point = expected_alerts(
        fpir.rate?,
        fnir.rate?,
        wrong_identity.rate?,
        crowd_size,
        prevalence,
    )?;
    let (fewest, most) = expected_alert_range(fpir, fnir, wrong_identity, crowd_size, prevalence)?;
    let crowd = group_thousands(crowd_size);
    let setting = format!(
        "in a crowd of {crowd} with {} of them on the watchlist",
        percent(prevalence)
    );
    let basis = format!(
        "by the 95% intervals of the rates: {fpir_basis}, FNIR (rank 1) {} mated searches, of \
         which {} alerted on the wrong person (counted as wrong alerts)",
        count_of(fnir),
        wrong_identity.k
    );
    let (lead, wide) = match (fewest.share_false, most.share_false) {
        (None, None) => {
            return Some(format!(
                "At this threshold no alerts would be expected {setting} ({basis})."
            ));
        }
        (Some(low), Some(high)) => {
            let range = if in_100(low) == in_100(high) {
                let share = in_100(low);
                if share.contains("than") {
                    format!("{share} in 100 alerts would be wrong")
                } else {
                    format!("about {share} in 100 alerts would be wrong")
                }
            } else if low >= 0.985 {
                "99 or more in 100 alerts would be wrong".to_owned()
            } else if high < 0.015 {
                "1 or fewer in 100 alerts would be wrong".to_owned()
            } else if low < 0.005 {
                format!("up to {} in 100 alerts would be wrong", in_100(high))
            } else {
                format!(
                    "between {} and {} in 100 alerts would be wrong",
                    in_100(low),
                    in_100(high)
                )
            };
            (range, high - low > 0.5)
        }
        // One end of the range expects no alerts at all: the other end is all that can be said.
        (None, Some(share)) | (Some(share), None) => (
            format!(
                "anything from no alerts at all to alerts of which {} in 100 would be wrong",
                in_100(share)
            ),
            true,
        ),
    };
    let lead = if wide {
        format!("The data cannot tell how many alerts would be wrong: {lead}")
    } else {
        format!("At this threshold {lead}")
    };
    let estimate = match point.share_false {
        Some(share) => format!(
            "The point estimate, {} in 100 (expected {} wrong and {} true alerts), is only one \
             value in that range, not a finding.",
            in_100(share),
            format_expected_count(point.false_alerts + point.wrong_identity_alerts),
            format_expected_count(point.true_alerts)
        ),
        None => String::new(),
    };
    Some(
        format!("{lead} {setting} ({basis}). {estimate}")
            .trim_end()
            .to_owned(),
    )
}

/// Expected alerts at the two ends of the measured rates' 95% intervals: the fewest wrong alerts
/// (every rate at its lower end: fewer false and wrong-identity alerts, more true ones) and the
/// most (every rate at its upper end). `None` where a rate was not measured or `prevalence` is
/// not a proportion.
pub(crate) fn expected_alert_range(
    fpir: &Rate,
    fnir: &Rate,
    wrong_identity: &Rate,
    crowd_size: u64,
    prevalence: f64,
) -> Option<(ExpectedAlerts, ExpectedAlerts)> {
    let (fpir, fnir, wrong) = (fpir.interval?, fnir.interval?, wrong_identity.interval?);
    Some((
        expected_alerts(fpir.low, fnir.low, wrong.low, crowd_size, prevalence)?,
        expected_alerts(fpir.high, fnir.high, wrong.high, crowd_size, prevalence)?,
    ))
}

/// A share as "how many in 100", keeping the ends honest: "0", "fewer than 1", "more than 99",
/// "100".
fn in_100(share: f64) -> String {
    if share <= 0.0 {
        return "0".into();
    }
    if share >= 1.0 {
        return "100".into();
    }
    match (share * 100.0).round() {
        hundredths if hundredths < 1.0 => "fewer than 1".into(),
        hundredths if hundredths > 99.0 => "more than 99".into(),
        hundredths => format!("{hundredths}"),
    }
}

/// A threshold as short as it can be printed (four decimals where possible) that, read back as
/// lineup reads a threshold (an `f32`), lies in `(below, threshold]`: it raises exactly the
/// alerts `threshold` raises among scores at or below it, down to (not including) the score
/// `below`. Rounding up instead could silence the very score the threshold was chosen to let
/// through, and rounding down past `below` could let through the one it was chosen to stop.
pub fn threshold_within(threshold: f32, below: Option<f32>) -> String {
    let fits = |text: &str| {
        text.parse::<f32>()
            .is_ok_and(|printed| printed <= threshold && below.is_none_or(|b| printed > b))
    };
    for decimals in 4..=9 {
        let scale = 10f64.powi(decimals);
        let text = format!(
            "{:.*}",
            decimals as usize,
            (f64::from(threshold) * scale).floor() / scale
        );
        if fits(&text) {
            return text;
        }
    }
    // Rust prints the shortest text that reads back as the same f32.
    threshold.to_string()
}

/// What Cohen's kappa means, for a reader who is not a statistician.
pub const KAPPA_MEANING: &str = "κ (Cohen's kappa) is how far two reviewers who labelled the same \
    tracks without seeing each other's labels agree, beyond what chance alone would give: 1 is \
    perfect agreement, 0 no better than chance, below 0 worse than chance. n counts the tracks \
    both reviewers gave a value (\"unknown\" is none). A rough reading (Landis & Koch): up to \
    0.20 slight, 0.21–0.40 fair, 0.41–0.60 moderate, 0.61–0.80 substantial, above 0.80 almost \
    perfect. Low agreement on an attribute means the groups built from it rest on guesses.";

/// Landis & Koch's word for the strength of a kappa.
pub fn kappa_strength(kappa: f64) -> &'static str {
    match kappa {
        k if k < 0.0 => "less",
        k if k <= 0.20 => "slight",
        k if k <= 0.40 => "fair",
        k if k <= 0.60 => "moderate",
        k if k <= 0.80 => "substantial",
        _ => "almost perfect",
    }
}

/// "κ = 0.71 (n = 40 tracks, 85.0% agree): substantial agreement beyond chance", or why there is
/// no kappa.
pub fn agreement_text(agreement: &Agreement) -> String {
    let n = agreement.n;
    let tracks = plural(n as u64, "track", "tracks");
    let agree = agreement.observed().map_or(String::new(), percent);
    match agreement.kappa {
        Kappa::Value(kappa) => format!(
            "κ = {kappa:.2} (n = {n} {tracks}, {agree} agree): {} agreement beyond chance",
            kappa_strength(kappa)
        ),
        Kappa::NoItems => "no track given a value by both reviewers yet".into(),
        Kappa::OneCategory => format!(
            "κ undefined: both reviewers gave all {n} {tracks} one and the same value, so \
             agreement cannot be told from chance"
        ),
    }
}

/// The mark a simulated review carries on every screen and in every command's output; None for
/// a review that shows no sign of being one (see `ReviewDocument::simulated_because`). Where the
/// review lost its simulation record, the mark says what gave it away.
pub fn simulation_mark(document: &lineup_core::review::ReviewDocument) -> Option<String> {
    use lineup_core::review::scenario::SIMULATED;
    let reason = document.simulated_because()?;
    let (seed, why) = match &document.simulation {
        Some(simulation) => (
            format!(" (seed {})", simulation.parameters.seed),
            String::new(),
        ),
        None => (String::new(), format!(" ({reason})")),
    };
    Some(format!(
        "{SIMULATED}{seed}: a workshop scenario drawn from score distributions, not from footage. \
         Its numbers describe no real system, and it cannot be exported as a signed \
         assessment{why}."
    ))
}

/// What an evaluation set's protocol did, for the command line: the set by hash, who was
/// enrolled by which seed, the searches it made, and every photo it skipped with why; `metric`
/// is the review's recognizer's; `reviewers_bound` whether the reviewer supplied it, so that its
/// near-duplicate bound is their spec's statement ([`near_duplicates_note`]).
pub fn evaluation_protocol(
    protocol: &lineup_core::review::EvaluationProtocol,
    metric: Metric,
    reviewers_bound: bool,
) -> String {
    let mut text = String::new();
    let line = |text: &mut String, label: &str, value: String| {
        let _ = writeln!(text, "{label:<34}{value:>8}");
    };
    let _ = writeln!(
        text,
        "Evaluation set {} (SHA-256 of its manifest {})",
        protocol.set.display(),
        protocol.set_sha256
    );
    line(&mut text, "People", protocol.people.to_string());
    line(&mut text, "Photos", protocol.photos.to_string());
    if protocol.augmented > 0 {
        line(
            &mut text,
            "  of them augmented copies",
            protocol.augmented.to_string(),
        );
    }
    line(
        &mut text,
        &format!(
            "Chosen to enrol ({}, seed {})",
            percent(protocol.enrol_share),
            protocol.seed
        ),
        protocol.chosen.to_string(),
    );
    line(&mut text, "Enrolled", protocol.enrolled.to_string());
    line(
        &mut text,
        "Mated searches",
        protocol.mated_searches.to_string(),
    );
    line(
        &mut text,
        "Non-mated searches",
        protocol.non_mated_searches.to_string(),
    );
    line(
        &mut text,
        "Photos skipped",
        protocol.skipped.len().to_string(),
    );
    for skipped in &protocol.skipped {
        let _ = writeln!(text, "  {}: {}", skipped.path.display(), skipped.reason);
    }
    if let Some(note) = near_duplicates_note(protocol, metric, reviewers_bound) {
        let _ = writeln!(text, "{note}");
    }
    text
}

/// The 1:1 table of a review of an evaluation set: per group, the genuine pairs and FNMR, the
/// same-group impostor pairs and FMR, at one threshold, each rate with its interval.
pub fn verification_table(verification: &lineup_core::review::Verification) -> String {
    let mut out = String::new();
    let by = if verification.slicing.attributes.is_empty() {
        "everyone together".to_string()
    } else {
        verification.slicing.attributes.join(" × ")
    };
    let metric = verification.metric;
    let _ = writeln!(
        out,
        "1:1 verification at threshold {:.4} ({}), by {by}: every pair of the {} photos of {} \
         people within a group (NISTIR 8280)",
        metric.own_value(verification.threshold),
        metric.describe(),
        group_thousands(verification.photos as u64),
        group_thousands(verification.people as u64)
    );
    let row = |out: &mut String, cells: [&str; 5]| {
        let _ = writeln!(
            out,
            "{:<32} {:>14} {:>26} {:>14} {:>26}",
            cells[0], cells[1], cells[2], cells[3], cells[4]
        );
    };
    row(
        &mut out,
        [
            "group",
            "genuine pairs",
            "FNMR [95% CI]",
            "impostor pairs",
            "FMR [95% CI]",
        ],
    );
    let groups = verification
        .names
        .iter()
        .zip(&verification.unknown)
        .zip(&verification.groups);
    for ((name, unknown), rates) in groups {
        if let Some(cells) = verification_row(name, *unknown, &rates.fnmr, &rates.fmr) {
            row(&mut out, cells.each_ref().map(String::as_str));
        }
    }
    let _ = writeln!(out, "{}", one_to_one_note(metric));
    out
}

/// `text` with every run of white space (line breaks included) one space: a name or a stated
/// source a review holds, printed where it must start no line or paragraph of its own.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A model's name as a sentence of the report gives it: on one line (a name stored with a line
/// break by a review from before specs were checked starts no paragraph of its own), and marked
/// "(supplied by the reviewer)" where it is, so that no sentence passes it for lineup's own.
pub fn model_in_prose(model: &lineup_core::vision::manifest::ModelRecord) -> String {
    let name = one_line(&model.name);
    if model.supplied_by_reviewer {
        format!("{name} (supplied by the reviewer)")
    } else {
        name
    }
}

/// Where a model the reviewer supplied came from, for the models' table: the source and licence
/// their spec states, marked as their statement (lineup cannot check either), or, for a review
/// from before lineup recorded them, that they must state it.
pub fn reviewer_model_source(
    stated: Option<&lineup_core::vision::manifest::StatedSource>,
) -> String {
    match stated {
        Some(stated) => format!(
            "supplied by the reviewer; source as the reviewer states it (lineup cannot check \
             it): {}; licence: {}",
            stated.provenance.trim(),
            stated.licence.trim()
        ),
        None => "supplied by the reviewer, who must state its source, licence and training \
                 data: lineup cannot check them"
            .to_owned(),
    }
}

/// What a 1:1 table's rates count, under every such table: a pair of a similarity matches at or
/// above the threshold, a pair of a distance at or below it.
pub fn one_to_one_note(metric: Metric) -> String {
    format!(
        "A pair matches {} the threshold. FMR: impostor pairs (two people of the same group) \
         that match; FNMR: genuine pairs (two photos of one person) that do not. Pairs share \
         people, so the 95% intervals are clustered by person.",
        matching_side(metric)
    )
}

/// One group's row of a 1:1 table: its name, genuine pairs, FNMR with its interval, impostor
/// pairs, FMR with its interval; `None` for a group without a pair. An `unknown` group is
/// named as no group and has no FMR: its impostor pairs are not known to be same-group pairs.
pub fn verification_row(name: &str, unknown: bool, fnmr: &Rate, fmr: &Rate) -> Option<[String; 5]> {
    if fmr.n == 0 && fnmr.n == 0 {
        return None;
    }
    if unknown {
        return Some([
            format!("{name} (not a group)"),
            group_thousands(fnmr.n),
            rate_text(fnmr),
            "–".to_owned(),
            "not a group: no same-group FMR".to_owned(),
        ]);
    }
    Some([
        name.to_owned(),
        group_thousands(fnmr.n),
        rate_text(fnmr),
        group_thousands(fmr.n),
        rate_text(fmr),
    ])
}

/// The sentence over the report's 1:1 table: what is compared, at which threshold (a lineup
/// score, shown on `metric`'s own scale) of which score, by which groups.
pub fn one_to_one_heading(
    threshold: f32,
    attributes: &[String],
    photos: u64,
    people: u64,
    model: &str,
    metric: Metric,
) -> String {
    let by = if attributes.is_empty() {
        "everyone together".to_owned()
    } else {
        attributes.join(" × ")
    };
    format!(
        "1:1 verification at threshold {:.4} of the {} of {model} embeddings (a match {} \
         it), by {by}: every pair of the {} {} of {} {} within a group, as NISTIR 8280 \
         reports FMR (one fixed threshold for every group; n is pairs of photos).",
        metric.own_value(threshold),
        metric.name(),
        matching_side(metric),
        group_thousands(photos),
        plural(photos, "photo", "photos"),
        group_thousands(people),
        plural(people, "person", "people"),
    )
}

/// Where a report's searches come from when they come from an evaluation set: the set by the
/// SHA-256 of its manifest, the protocol by its seed and share, its counts, and how many
/// photos it skipped (each with why in the bundle's evidence).
pub fn evaluation_set_paragraph(protocol: &lineup_core::review::EvaluationProtocol) -> String {
    let count = |n: usize, one: &str, many: &str| {
        format!(
            "{} {}",
            group_thousands(n as u64),
            plural(n as u64, one, many)
        )
    };
    let augmented = if protocol.augmented > 0 {
        format!(
            " ({} of them augmented copies of another, which are not independent)",
            group_thousands(protocol.augmented as u64)
        )
    } else {
        String::new()
    };
    format!(
        "The searches come from the evaluation set {} (SHA-256 of its manifest {}): {} and {}{augmented}. \
         lineup's 1:N protocol ran on it with seed {} and enrol share {}: {} chosen to enrol, {} \
         enrolled ({}); {} and {}; {}{}, each with why in evidence.ron. Identities come from the set's folders \
         and perceived attributes from {}, not from a reviewer's labels. The manifest's hash \
         and each photo's SHA-256 and file name are published so that the set can be checked; \
         they also let anyone who holds or guesses a person's photos and name confirm who is \
         behind a pseudonym (pseudonym numbers follow the folders' order): pseudonyms hide the \
         names of people not on the watchlist from readers, not from guessers.",
        protocol.set.display(),
        protocol.set_sha256,
        count(protocol.people, "person", "people"),
        count(protocol.photos, "photo", "photos"),
        protocol.seed,
        percent(protocol.enrol_share),
        count(protocol.chosen, "person", "people"),
        count(protocol.enrolled, "person", "people"),
        enrolment_photos(protocol),
        count(protocol.mated_searches, "mated search", "mated searches"),
        count(
            protocol.non_mated_searches,
            "non-mated search",
            "non-mated searches"
        ),
        count(protocol.skipped.len(), "photo", "photos"),
        skipped_by_kind(&protocol.skipped),
        match &protocol.attributes {
            Some((file, sha256)) => format!("{} (SHA-256 {sha256})", file.display()),
            None => "nowhere (no attributes file was given)".to_owned(),
        },
    )
}

/// What the report says next to the 1:1 table when photos of different people score as the
/// same picture, or when they could not be looked for (the recognizer states no bound); None
/// when none do. `metric` is the review's recognizer's: scores and the bound are said on its
/// own scale. `reviewers_bound`: the recognizer is the reviewer's, so its bound is what their
/// spec states, not lineup's measurement, and is said so.
pub fn near_duplicates_note(
    protocol: &lineup_core::review::EvaluationProtocol,
    metric: Metric,
    reviewers_bound: bool,
) -> Option<String> {
    let pairs = &protocol.near_duplicates;
    let Some(bound) = protocol.near_duplicate_bound else {
        return Some(
            "Photos of different people were not looked for copies of one picture \
             (near-duplicates): the recognizer's spec states no near-duplicate bound, so FMR \
             may count one photo under two names as a false match."
                .to_owned(),
        );
    };
    if pairs.is_empty() {
        return None;
    }
    // The first few by name; every pair is in the protocol in evidence.ron.
    const LISTED: usize = 10;
    let mut listed: Vec<String> = pairs
        .iter()
        .take(LISTED)
        .map(|pair| {
            format!(
                "{} and {} ({:.3})",
                pair.first.display(),
                pair.second.display(),
                metric.own_value(pair.score)
            )
        })
        .collect();
    if pairs.len() > LISTED {
        listed.push(format!(
            "and {} more (all in evidence.ron)",
            group_thousands((pairs.len() - LISTED) as u64)
        ));
    }
    let one = pairs.len() == 1;
    let alike = match metric {
        Metric::Cosine => format!(
            "{} at least {} (cosine of the recognizer's embeddings)",
            if one { "scores" } else { "score" },
            metric.own_value(bound)
        ),
        Metric::Euclidean => format!(
            "{} at a Euclidean distance at or below {} (of the recognizer's embeddings)",
            if one { "is" } else { "are" },
            metric.own_value(bound)
        ),
    };
    let whose = if reviewers_bound {
        ", by the bound the reviewer's spec states (lineup has not measured it)"
    } else {
        ""
    };
    Some(format!(
        "Warning: {} of photos of different people {alike}{whose}: likely the same photo under \
         two names. FMR counts {} as impostor pairs (those of one group) and is the higher for \
         it: {}.",
        count_words(pairs.len() as u64, "impostor pair", "impostor pairs"),
        if one { "it" } else { "them" },
        listed.join("; ")
    ))
}

fn count_words(n: u64, one: &str, many: &str) -> String {
    format!("{} {}", group_thousands(n), plural(n, one, many))
}

/// How the enrolled people's enrolment photos were chosen, as the evaluation paragraph says it.
fn enrolment_photos(protocol: &lineup_core::review::EvaluationProtocol) -> String {
    const NAMED: &str = "the photo people.csv names (enrol_photo)";
    const FIRST: &str = "their first usable photo";
    match protocol.enrolled_by_named_photo {
        None => format!("each by {NAMED}, or else by {FIRST}"),
        Some(0) => format!("{FIRST} forms the watchlist"),
        Some(named) if named >= protocol.enrolled => {
            format!("{NAMED} forms each one's watchlist entry")
        }
        Some(named) => format!(
            "{} by {NAMED}, {} by {FIRST}",
            group_thousands(named as u64),
            group_thousands((protocol.enrolled - named) as u64)
        ),
    }
}

/// " skipped (1 unreadable, 2 with no face, ...)": the photos skipped, counted by kind of reason.
fn skipped_by_kind(skipped: &[lineup_core::review::SkippedPhoto]) -> String {
    if skipped.is_empty() {
        return " skipped".to_owned();
    }
    let mut kinds: std::collections::BTreeMap<Option<lineup_core::review::SkipKind>, u64> =
        Default::default();
    for photo in skipped {
        *kinds.entry(photo.kind()).or_default() += 1;
    }
    let counts: Vec<String> = kinds
        .into_iter()
        .map(|(kind, n)| {
            let words = kind.map_or("for another reason", |kind| kind.words());
            format!("{} {words}", group_thousands(n))
        })
        .collect();
    format!(" skipped ({})", counts.join(", "))
}

/// What an evaluation set's report says when labels were changed after `lineup evaluate`: the
/// protocol's counts above are evaluate's, the rates count the labels as they are now, and
/// those labels are not the set's alone.
pub fn labels_changed_paragraph(
    protocol: &lineup_core::review::EvaluationProtocol,
    changes: &lineup_core::review::LabelChanges,
) -> String {
    let count = |n: usize, one: &str, many: &str| count_noun(n as u64, one, many);
    format!(
        "The labels of {} were changed after lineup evaluate (by a reviewer or by editing the \
         review), so they do not all come from the set's folders and attributes file: the {} \
         and {} above are as lineup evaluate made them; as labelled now, which the rates below \
         count, there are {} and {}.",
        count(changes.searches, "search", "searches"),
        count(protocol.mated_searches, "mated search", "mated searches"),
        count(
            protocol.non_mated_searches,
            "non-mated search",
            "non-mated searches"
        ),
        count(changes.mated_now, "mated search", "mated searches"),
        count(
            changes.non_mated_now,
            "non-mated search",
            "non-mated searches"
        ),
    )
}

/// A model's threshold with its model and metric, on the metric's own scale (a distance as a
/// distance): "MobileFaceNet at cosine similarity ≥ 0.6000", "dlib ResNet-29 at Euclidean
/// distance ≤ 0.6000". `threshold` is a lineup score ([`Metric::score`]).
pub fn model_threshold(model: &str, metric: Metric, threshold: f32) -> String {
    model_threshold_as(model, metric, format!("{:.4}", metric.own_value(threshold)))
}

/// [`model_threshold`] printed exactly, for a threshold a report states rates at: four
/// decimals where they read back as the very same threshold, else the shortest text that
/// does, so that `--threshold` given the printed value raises the same alerts.
pub fn model_threshold_exactly(model: &str, metric: Metric, threshold: f32) -> String {
    let own = metric.own_value(threshold);
    let four = format!("{own:.4}");
    let number = match four.parse::<f32>() {
        Ok(read_back) if read_back == own => four,
        _ => own.to_string(),
    };
    model_threshold_as(model, metric, number)
}

fn model_threshold_as(model: &str, metric: Metric, number: String) -> String {
    let side = match metric {
        Metric::Cosine => "≥",
        Metric::Euclidean => "≤",
    };
    format!("{model} at {} {side} {number}", metric.name())
}

/// A threshold or score (a lineup score, [`Metric::score`]) as the number the model itself
/// gives, to `decimals` places: a cosine as it is, a distance as the distance, never negated.
pub fn own_number(metric: Metric, score: f32, decimals: usize) -> String {
    format!("{:.*}", decimals, metric.own_value(score))
}

/// A threshold standing alone in a sentence, on its model's own scale, naming the metric where
/// it is not the cosine every reader assumes: "0.60", "0.64 (Euclidean distance, a match at or
/// below)".
pub fn own_threshold(metric: Metric, threshold: f32, decimals: usize) -> String {
    let number = own_number(metric, threshold, decimals);
    match metric {
        Metric::Cosine => number,
        Metric::Euclidean => format!("{number} ({}, a match at or below)", metric.name()),
    }
}

/// [`threshold_within`] on the model's own scale: the shortest text of at most nine decimals
/// that, read back as the model's own value ([`Metric::score`]), is a threshold at or below
/// `threshold` and above `below` (lineup scores), so that it raises the same alerts. A distance
/// is rounded up where a cosine is rounded down.
pub fn own_threshold_within(metric: Metric, threshold: f32, below: Option<f32>) -> String {
    match metric {
        Metric::Cosine => threshold_within(threshold, below),
        // On the negated scale rounding down is rounding the distance up; negation is exact.
        Metric::Euclidean => {
            let text = threshold_within(threshold, below);
            text.strip_prefix('-')
                .map_or_else(|| format!("-{text}"), str::to_owned)
        }
    }
}

/// Which side of a threshold a match is on, for a sentence: "at or above" for a similarity,
/// "at or below" for a distance.
pub fn matching_side(metric: Metric) -> &'static str {
    match metric {
        Metric::Cosine => "at or above",
        Metric::Euclidean => "at or below",
    }
}

/// A score on the model's own scale, for a list: "cosine similarity 0.6512", "Euclidean
/// distance 0.4480".
pub fn model_score(metric: Metric, score: f32) -> String {
    format!("{} {:.4}", metric.name(), metric.own_value(score))
}

/// What the comparison of models compares, in one sentence over its tables.
pub fn comparison_heading(models: &[&str], attributes: &[String]) -> String {
    let by = if attributes.is_empty() {
        "everyone together".to_owned()
    } else {
        attributes.join(" × ")
    };
    format!(
        "{} recognizers ran on the same footage and their alerts were counted on the same \
         labelled face tracks: {}. Per group ({by}), each model's FPIR and FNIR (rank 1) with \
         the number of searches (n) each rests on and its 95% interval, every model at one \
         threshold for every group.",
        models.len(),
        models.join(", ")
    )
}

/// How the fair comparison's thresholds were chosen, and why it is the fair one.
pub fn equal_fpir_note(first: &str, target: &Rate) -> String {
    format!(
        "At equal FPIR: a model that flags more people also misses fewer, so two models are \
         compared fairly where they give the same share of false alerts. Each other model's \
         threshold is moved to where its FPIR over all groups is nearest {first}'s at its own \
         threshold ({}, {} non-mated searches; of two equally near, the lower FPIR): of the \
         thresholds giving that FPIR, the loosest (just above the highest score of a non-mated \
         search that must not alert, whether that FPIR is 0 or not). {IN_SAMPLE_NOTE} Every \
         model searches the same labelled tracks, so the FPIRs share their n.",
        rate_text(target),
        group_thousands(target.n)
    )
}

/// What a threshold moved to another model's FPIR cannot claim: the CLI, the app and the report
/// all say it.
pub const IN_SAMPLE_NOTE: &str = "The moved threshold was fitted on these same searches \
    (in-sample), so the moved model's rates there are optimistic: on other footage that threshold \
    will give another FPIR.";

/// Why no fair comparison is given: no labelled search of someone not on the watchlist.
pub const NO_EQUAL_FPIR: &str = "No comparison at equal FPIR: no labelled face track is of \
    someone not on the watchlist, so the first model's FPIR, which the others would be set to, \
    cannot be measured.";

/// A comparison's groups the first model had thresholds of its own for, which it leaves out.
pub fn own_group_thresholds_note(first: &str, groups: &[String]) -> Option<String> {
    (!groups.is_empty()).then(|| {
        format!(
            "{first} has a threshold of its own for {} ({}); to compare models like for like, \
             this comparison counts every group at the model's one threshold.",
            count_noun(groups.len() as u64, "group", "groups"),
            groups.join(", ")
        )
    })
}

/// Plain words for how two models differ: "MobileFaceNet flagged 3 face tracks that dlib
/// ResNet-29 did not.", or with `moved` (the moved model, and the one whose FPIR it was moved
/// to) "At equal FPIR (dlib moved to MobileFaceNet's FPIR), …".
pub fn flagged_not_by(
    flagging: &str,
    other: &str,
    tracks: usize,
    moved: Option<(&str, &str)>,
) -> String {
    let at = moved.map_or_else(String::new, |(moved, staying)| {
        format!("At equal FPIR ({moved} moved to {staying}'s FPIR), ")
    });
    match tracks {
        0 => format!("{at}{flagging} flagged no face track that {other} did not."),
        n => format!(
            "{at}{flagging} flagged {} that {other} did not.",
            count_noun(n as u64, "face track", "face tracks")
        ),
    }
}

/// A model as a comparison's table names it: its name, and the model whose FPIR it was moved
/// to, if any ("dlib (moved to MobileFaceNet's FPIR)").
pub fn moved_model(model: &str, moved_to: Option<&str>) -> String {
    match moved_to {
        Some(staying) => format!("{model} (moved to {staying}'s FPIR)"),
        None => model.to_owned(),
    }
}

/// The comparison at equal FPIR the other way round: the first model moved to each other
/// model's FPIR (`others`: each model with its overall FPIR at its own threshold).
pub fn first_moved_note(first: &str, others: &[(&str, &Rate)]) -> String {
    let targets = others
        .iter()
        .map(|(name, target)| {
            format!(
                "{name}'s ({}, {} non-mated searches)",
                rate_text(target),
                group_thousands(target.n)
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    format!(
        "The same comparison the other way round: {first}'s threshold is moved to where its \
         FPIR over all groups is nearest {targets} at that model's own threshold, by the same \
         rule (of two equally near, the lower FPIR; of the thresholds giving it, the loosest), \
         while the other model stays at its own. {IN_SAMPLE_NOTE} Moving each model in turn \
         keeps the order the models are listed in from deciding which one gets the in-sample \
         fit."
    )
}

/// A track one model flagged and the other did not, as a row: the track, who the reviewer
/// says it is, whom the model took it for and with what score.
pub fn flagged_track_row(
    track: u32,
    label: &str,
    identity: Option<&str>,
    metric: Metric,
    score: f32,
) -> [String; 4] {
    [
        format!("#{track}"),
        label.to_owned(),
        identity.unwrap_or("?").to_owned(),
        model_score(metric, score),
    ]
}

/// Who the reviewer says a track is, in words.
pub fn ground_truth_words(label: GroundTruth, identity_name: Option<&str>) -> String {
    match label {
        GroundTruth::Unlabelled => "unlabelled".to_owned(),
        GroundTruth::NotOnWatchlist => "not on the watchlist".to_owned(),
        GroundTruth::NotAFace => "not a face".to_owned(),
        GroundTruth::OnWatchlist(_) => format!("is {}", identity_name.unwrap_or("?")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lineup_core::review::{EvaluationProtocol, SkippedPhoto};

    #[test]
    fn estimates_are_said_no_more_precisely_than_they_are() {
        assert_eq!(duration_about(20.0), "less than a minute");
        assert_eq!(duration_about(7.0 * 60.0 + 10.0), "about 7 min");
        assert_eq!(duration_about(72.4 * 60.0), "about 1 h 12 min");
        assert_eq!(
            duration_range(93.75 * 60.0, 107.1 * 60.0),
            "about 1 h 34 min – 1 h 47 min"
        );
        assert_eq!(duration_range(10.0, 100.0), "up to 2 min");
        assert_eq!(duration_range(61.0, 70.0), "about 1 min");
        assert_eq!(bytes_about(512), "512 bytes");
        assert_eq!(bytes_about(2_345), "2.3 KB");
        assert_eq!(bytes_about(1_000_000), "1 MB");
        assert_eq!(bytes_about(98_700_000), "99 MB");
        assert_eq!(bytes_about(487_000_000), "490 MB");
        assert_eq!(bytes_about(1_530_000_000), "1.5 GB");
    }

    #[test]
    fn percentages_keep_small_rates_visible() {
        assert_eq!(percent(0.0), "0.0%");
        assert_eq!(percent(0.25), "25.0%");
        assert_eq!(percent(0.0123), "1.23%");
        assert_eq!(percent(0.00012), "0.012%");
    }

    #[test]
    fn thousands_are_grouped() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(10_000), "10,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn rates_come_with_their_interval_or_say_they_are_unmeasured() {
        let text = rate_with_interval(&Rate::new(3, 40));
        assert!(text.starts_with("7.50%, 95% interval "), "{text}");
        assert_eq!(
            rate_with_interval(&Rate::new(0, 0)),
            "not measured (no searches)"
        );
    }

    #[test]
    fn counts_are_rounded_for_reading() {
        assert_eq!(format_expected_count(0.0), "0");
        assert_eq!(format_expected_count(0.04), "under 0.1");
        assert_eq!(format_expected_count(0.06), "0.1");
        assert_eq!(format_expected_count(3.0), "3");
        assert_eq!(format_expected_count(3.04), "3");
        assert_eq!(format_expected_count(9.96), "10");
        assert_eq!(format_expected_count(86.6), "87");
        assert_eq!(format_expected_count(12_345.5), "12,346");
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1,000");
        assert_eq!(group_thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn cautions_name_the_slice_its_searches_and_the_reference_group() {
        use lineup_core::metrics::{BestSliceOverlap, ComparedRate};
        let interval = |low, high| Interval { low, high };
        let best = BestSliceOverlap {
            slice: 0,
            interval: interval(0.005441, 0.018309),
        };
        let warning = |searches, interval, too_few, overlaps| ComparisonWarning {
            slice: 1,
            rate: ComparedRate::Fpir,
            searches,
            effective_searches: searches as f64,
            people: None,
            interval,
            too_few_searches: too_few,
            overlaps_best: overlaps,
        };
        let names = ["Men", "Women"];
        assert_eq!(
            caution(
                &warning(12, Some(interval(0.014865, 0.35388)), true, Some(best)),
                &names
            ),
            "Women: only 12 non-mated searches; its FPIR interval [1.49%, 35.39%] overlaps \
             the reference group's (Men, [0.54%, 1.83%])."
        );
        assert_eq!(
            caution(
                &warning(12, Some(interval(0.552, 0.953)), true, None),
                &names
            ),
            "Women: only 12 non-mated searches; too few to compare its FPIR reliably \
             (interval [55.20%, 95.30%])."
        );
        assert_eq!(
            caution(
                &warning(400, Some(interval(0.01, 0.02)), false, Some(best)),
                &names
            ),
            "Women: its FPIR interval [1.00%, 2.00%] overlaps the reference group's \
             (Men, [0.54%, 1.83%]); the data cannot tell them apart."
        );
        assert_eq!(
            caution(&warning(0, None, true, None), &[] as &[&str]),
            "slice 1: no non-mated searches, so its FPIR cannot be measured."
        );
    }

    /// A reference the reviewer chose against the rule is named as such; an unknown group is
    /// "not judged" (not "too few"); a group without errors shows no 0× point its interval
    /// does not hold.
    #[test]
    fn ratio_notes_say_what_the_reference_and_each_verdict_rest_on() {
        use lineup_core::metrics::{ComparedRate, SliceMetrics, differentials};
        let slice = |slice, k, n| SliceMetrics {
            slice,
            threshold: 0.5,
            fpir: Rate::new(k, n),
            fnir: Rate::new(0, 0),
            wrong_identity_alerts: Rate::new(0, 0),
            flag_rate: Rate::new(k, n),
        };
        let metrics = [slice(0, 0, 22), slice(1, 0, 100), slice(2, 40, 138)];
        let names = ["skin unknown".to_string(), "A".into(), "B".into()];
        let unknown = [true, false, false];
        let chosen = differentials(&metrics, ComparedRate::Fpir, &unknown, Some(0));
        let note = reference_note(&chosen, &names);
        assert!(note.contains("although it does not qualify"), "{note}");
        let by_default = differentials(&metrics, ComparedRate::Fpir, &[false, false, true], None);
        assert_eq!(
            by_default.reference.map(|r| r.slice),
            None,
            "only B has errors, and it is unknown here"
        );
        let against_a = differentials(&metrics, ComparedRate::Fpir, &[false, false, true], Some(1));
        assert!(differential_text(&against_a, 2).ends_with("unknown group, not judged"));
        let against_b = differentials(&metrics, ComparedRate::Fpir, &unknown, Some(2));
        let zero = differential_text(&against_b, 1);
        assert!(zero.starts_with("– ["), "{zero}");
    }

    #[test]
    fn nearly_all_wrong_reads_as_one_range_not_two_ends() {
        let sentence = crowd_sentence(
            &Rate::new(3_000, 10_000),
            &Rate::new(50, 100),
            &Rate::new(0, 100),
            100_000,
            0.0001,
            WatchlistSizes::measured(5),
        )
        .unwrap();
        assert!(!sentence.contains("about more than"), "{sentence}");
        assert!(
            !sentence.contains("between 99 and more than 99"),
            "{sentence}"
        );
    }

    #[test]
    fn ratio_bounds_have_two_significant_figures_and_no_exponent() {
        assert_eq!(ratio_bound(0.008_98), "0.0090");
        assert_eq!(ratio_bound(0.0323), "0.032");
        assert_eq!(ratio_bound(0.5), "0.50");
        assert_eq!(ratio_bound(0.1), "0.10");
        assert_eq!(ratio_bound(4.05), "4.0");
        assert_eq!(ratio_bound(177.4), "177");
        assert_eq!(ratio_bound(0.000_2), "<0.001");
        assert_eq!(ratio_bound(f64::INFINITY), "∞");
    }

    #[test]
    fn printed_thresholds_read_back_between_the_score_below_and_the_exact_one() {
        for (exact, below) in [
            (0.544_05_f32, Some(0.5439_f32)),
            (0.5440, Some(0.5)),
            (0.17425, None),
            (-1.0, None),
            (0.99995, Some(0.99994)),
            (0.1, Some(0.099_999_99)),
            (1.0_f32.next_down(), Some(0.9)),
            (0.3_f32.next_up(), Some(0.3)),
        ] {
            let text = threshold_within(exact, below);
            let printed: f32 = text.parse().unwrap();
            assert!(printed <= exact, "{exact} → {text}");
            assert!(
                below.is_none_or(|b| printed > b),
                "{exact} above {below:?} → {text}"
            );
        }
        // The score 0.54405 itself must still alert: "0.5440", not "0.5441".
        assert_eq!(threshold_within(0.544_05, Some(0.5439)), "0.5440");
    }

    /// 0 false alerts in 130 non-mated searches is not "none of the alerts would be wrong": at
    /// the upper end of its interval most alerts in a large crowd would be.
    #[test]
    fn crowd_sentences_give_the_range_the_intervals_allow() {
        let twelve = WatchlistSizes::measured(12);
        let sentence = crowd_sentence(
            &Rate::new(0, 130),
            &Rate::new(2, 29),
            &Rate::new(0, 29),
            10_000,
            0.001,
            twelve,
        )
        .expect("both rates measured");
        assert!(!sentence.contains("none of the alerts"), "{sentence}");
        assert!(
            sentence.starts_with("The data cannot tell how many alerts would be wrong: up to"),
            "{sentence}"
        );
        assert!(
            sentence.contains(
                "FPIR 0 of 130 non-mated searches (face tracks) against a watchlist of 12"
            ),
            "{sentence}"
        );
        // Plenty of searches: a narrow range, stated as a finding.
        let sentence = crowd_sentence(
            &Rate::new(900, 90_000),
            &Rate::new(500, 5_000),
            &Rate::new(0, 5_000),
            10_000,
            0.001,
            twelve,
        )
        .unwrap();
        assert!(
            sentence.starts_with("At this threshold between 9"),
            "{sentence}"
        );
        assert_eq!(
            crowd_sentence(
                &Rate::new(0, 0),
                &Rate::new(1, 2),
                &Rate::new(0, 2),
                100,
                0.1,
                twelve
            ),
            None
        );
    }

    /// Everyone in the crowd on the watchlist, and 2 of 88 mated searches alerting on the wrong
    /// person: those alerts are wrong, not "about 0 in 100"; and a crowd where nobody is on the
    /// list, whose lower end expects no alerts at all, still gets its range.
    #[test]
    fn wrong_identity_alerts_count_as_wrong_and_an_empty_end_still_says_the_range() {
        let everyone = crowd_sentence(
            &Rate::new(0, 468),
            &Rate::new(40, 88),
            &Rate::new(2, 88),
            10_000,
            1.0,
            WatchlistSizes::measured(5),
        )
        .unwrap();
        assert!(!everyone.contains("about 0 in 100"), "{everyone}");
        assert!(
            everyone.contains("2 alerted on the wrong person"),
            "{everyone}"
        );
        let nobody = crowd_sentence(
            &Rate::new(0, 468),
            &Rate::new(40, 88),
            &Rate::new(0, 88),
            10_000,
            0.0,
            WatchlistSizes::measured(5),
        )
        .unwrap();
        assert!(!nobody.contains("no alerts would be expected"), "{nobody}");
        assert!(
            nobody.contains("anything from no alerts at all"),
            "{nobody}"
        );
    }

    /// A deployment's watchlist of 10,000 against the 12 measured: the FPIR used is the
    /// extrapolated one, and the sentence says so.
    #[test]
    fn crowd_sentences_extrapolate_to_the_deployments_watchlist_and_say_so() {
        let fpir = Rate::new(1, 500);
        let fnir = Rate::new(5, 100);
        let none = Rate::new(0, 100);
        let measured = crowd_sentence(
            &fpir,
            &fnir,
            &none,
            10_000,
            0.001,
            WatchlistSizes::measured(12),
        )
        .unwrap();
        let deployed = WatchlistSizes {
            measured: 12,
            deployment: Some(10_000),
        };
        let extrapolated = crowd_sentence(&fpir, &fnir, &none, 10_000, 0.001, deployed).unwrap();
        assert!(
            extrapolated.contains("extrapolated from 1 of 500 non-mated searches against a watchlist of 12 to one of 10,000 (an extrapolation, not a measurement)"),
            "{extrapolated}"
        );
        assert_ne!(measured, extrapolated);
        let e = extrapolate_fpir(&fpir, 12, 10_000).unwrap();
        let text = extrapolation_sentence(&e, &fpir);
        assert!(
            text.starts_with("Extrapolation, not a measurement"),
            "{text}"
        );
        assert!(text.contains("against one of 10,000"), "{text}");
        assert!(text.contains("833 times the size measured"), "{text}");
        // Nearly certain by the model is still not "100.0%".
        let many = extrapolate_fpir(&Rate::new(14, 100), 5, 5_000).unwrap();
        let text = extrapolation_sentence(&many, &Rate::new(14, 100));
        assert!(!text.contains("100.0"), "{text}");
        assert!(text.contains(">99.9–>99.9%"), "{text}");
    }

    #[test]
    fn a_range_from_almost_none_reads_up_to() {
        let sentence = crowd_sentence(
            &Rate::new(2, 468),
            &Rate::new(6, 88),
            &Rate::new(0, 88),
            1_000,
            0.5,
            WatchlistSizes::measured(5),
        )
        .unwrap();
        assert!(!sentence.contains("between fewer than 1"), "{sentence}");
        assert!(sentence.contains("up to"), "{sentence}");
    }

    #[test]
    fn agreement_reads_as_kappa_with_its_n_or_says_why_there_is_none() {
        let pairs = [(1, 1), (1, 1), (2, 2), (1, 2)];
        let text = agreement_text(&lineup_core::metrics::cohens_kappa(pairs));
        // p_o 0.75, p_e 0.75·0.5 + 0.25·0.5 = 0.5, κ 0.5.
        assert_eq!(
            text,
            "κ = 0.50 (n = 4 tracks, 75.0% agree): moderate agreement beyond chance"
        );
        let same = agreement_text(&lineup_core::metrics::cohens_kappa([(1, 1)]));
        assert!(
            same.starts_with("κ undefined") && !same.contains("NaN"),
            "{same}"
        );
        assert_eq!(kappa_strength(-0.1), "less");
        assert_eq!(kappa_strength(0.81), "almost perfect");
    }

    fn protocol(skipped: &[&str], enrolled_by_named_photo: Option<usize>) -> EvaluationProtocol {
        EvaluationProtocol {
            set: "set".into(),
            set_sha256: "ab".repeat(32),
            photos: 12,
            people: 6,
            enrol_share: 0.5,
            seed: 7,
            attributes: None,
            chosen: 3,
            enrolled: 2,
            mated_searches: 4,
            non_mated_searches: 4,
            skipped: skipped
                .iter()
                .map(|reason| SkippedPhoto {
                    path: "p/x.jpg".into(),
                    reason: (*reason).to_owned(),
                })
                .collect(),
            augmented: 0,
            enrolled_by_named_photo,
            near_duplicates: Vec::new(),
            near_duplicate_bound: Some(0.95),
            labels: Vec::new(),
            identity_attributes: Default::default(),
        }
    }

    /// Opposing expert P, finding 7: photos of different people scoring as the same picture
    /// are said next to the 1:1 table.
    #[test]
    fn near_duplicates_are_said_with_their_count() {
        assert_eq!(
            near_duplicates_note(&protocol(&[], Some(0)), Metric::Cosine, false),
            None
        );
        let mut twice = protocol(&[], Some(0));
        for (first, second) in [("Bob/a.jpg", "Frank/f1.jpg"), ("Bob/b.jpg", "Frank/f2.jpg")] {
            twice
                .near_duplicates
                .push(lineup_core::review::NearDuplicate {
                    first: first.into(),
                    second: second.into(),
                    score: 0.9991,
                });
        }
        let note = near_duplicates_note(&twice, Metric::Cosine, false).unwrap();
        assert!(
            note.contains("2 impostor pairs of photos of different people score at least 0.95"),
            "{note}"
        );
        assert!(
            note.contains("likely the same photo under two names"),
            "{note}"
        );
        assert!(
            note.contains("Bob/a.jpg and Frank/f1.jpg (0.999)"),
            "{note}"
        );
    }

    /// Opposing expert P, finding 5: the paragraph says that the published hashes let a guesser
    /// confirm a name behind a pseudonym.
    #[test]
    fn the_evaluation_paragraph_says_pseudonyms_do_not_stop_guessers() {
        let text = evaluation_set_paragraph(&protocol(&[], Some(0)));
        assert!(
            text.contains(
                "pseudonyms hide the names of people not on the watchlist from readers, not \
                 from guessers"
            ),
            "{text}"
        );
    }

    /// Opposing expert P, finding 8: the paragraph says how enrolment photos were chosen and
    /// why photos were skipped, by kind.
    #[test]
    fn the_evaluation_paragraph_says_how_photos_were_enrolled_and_why_skipped() {
        let skipped = [
            "cannot be read: set/p/x.jpg: not an image",
            "no face found; each photo needs exactly one",
            "6 faces found; each photo needs exactly one",
            "2 faces found; each photo needs exactly one",
            "not reached before the run was cancelled",
        ];
        let text = evaluation_set_paragraph(&protocol(&skipped, Some(0)));
        assert!(
            text.contains(
                "5 photos skipped (1 unreadable, 1 with no face, 2 with several faces, 1 not \
                 reached)"
            ),
            "{text}"
        );
        assert!(!text.contains("no usable face"), "{text}");
        assert!(text.contains("their first usable photo"), "{text}");
        let text = evaluation_set_paragraph(&protocol(&[], Some(2)));
        assert!(
            text.contains("the photo people.csv names (enrol_photo)"),
            "{text}"
        );
        assert!(!text.contains("first usable"), "{text}");
        let text = evaluation_set_paragraph(&protocol(&[], Some(1)));
        assert!(
            text.contains(
                "1 by the photo people.csv names (enrol_photo), 1 by their first usable photo"
            ),
            "{text}"
        );
        let text = evaluation_set_paragraph(&protocol(&[], None));
        assert!(text.contains("each by the photo people.csv names (enrol_photo), or else by their first usable photo"), "{text}");
    }
}
