//! Numbers into words, once for the command line, the app and the PDF: percentages with the
//! digits that tell small rates from zero, counts "k of n", intervals, ratios, thousands.
//! The core computes numbers and typed cautions; only this module turns them into text.

use std::fmt::Write as _;

use lineup_core::metrics::{
    ComparisonWarning, Differentials, ExpectedAlerts, ExtrapolatedFpir, Interval, IntervalMethod,
    MIN_SEARCHES_TO_COMPARE, Parity, Rate, expected_alerts, extrapolate_fpir,
};
use lineup_core::review::evaluation::Evaluation;

/// Said wherever error rates would go while no ground truth is labelled.
pub const NO_GROUND_TRUTH: &str = "No ground truth is labelled yet, so no error rates can be \
    given: the counts above say what the system would flag, not whether it would be right. \
    Label who is and is not on the watchlist to measure false and missed alerts.";

pub fn plural<'a>(count: u64, one: &'a str, many: &'a str) -> &'a str {
    if count == 1 { one } else { many }
}

/// "3 of 40".
pub fn count_of(rate: &Rate) -> String {
    format!("{} of {}", rate.k, rate.n)
}

/// "7.50%, 95% interval 2.58–19.9%", or "not measured (no searches)".
pub fn rate_with_interval(rate: &Rate) -> String {
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
    if pct == 0.0 || pct >= 10.0 {
        format!("{pct:.1}")
    } else if pct >= 0.1 {
        format!("{pct:.2}")
    } else {
        format!("{pct:.3}")
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
    match differential.interval {
        Some(interval) => format!(
            "{} [{}–{}] {}",
            ratio(differential.ratio),
            ratio_bound(interval.low),
            ratio_bound(interval.high),
            parity_text(interval.parity())
        ),
        None => "–".into(),
    }
}

/// Which slice the ratios are against and why, for under a table.
pub fn reference_note(differentials: &Differentials, slice_names: &[String]) -> String {
    let label = differentials.rate.label();
    match differentials.reference {
        Some(reference) if reference.chosen => format!(
            "{label} ratios are against {}, chosen by the reviewer.",
            slice_name(slice_names, reference.slice)
        ),
        Some(reference) => format!(
            "{label} ratios are against {}, the known group with at least {MIN_SEARCHES_TO_COMPARE} \
             {} and the lowest {label}.",
            slice_name(slice_names, reference.slice),
            differentials.rate.searches_noun(2)
        ),
        None => format!(
            "No {label} ratios: no known group (not \"unknown\") has {MIN_SEARCHES_TO_COMPARE} or \
             more {}, and the reviewer chose none to compare against.",
            differentials.rate.searches_noun(2)
        ),
    }
}

/// How the ratio columns read, for under a table.
pub const RATIO_NOTE: &str = "Each ratio is a group's rate over the reference group's, with its 95% \
    interval (Katz's log method, widened where one person gave several searches). \"parity\": \
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
    let clustered = rates.into_iter().find_map(|rate| match rate.method {
        IntervalMethod::ClusterBootstrap { resamples, seed } => Some((resamples, seed)),
        IntervalMethod::Wilson => None,
    });
    match clustered {
        None => "Intervals are 95% Wilson intervals: every person gave one search.".into(),
        Some((resamples, seed)) => format!(
            "Intervals are 95%: Wilson's where every person gave one search; where one person \
             gave several (searches of one person are not independent), the wider of Wilson's \
             and a bootstrap that resamples people ({} resamples, seed {seed}). People not on \
             the watchlist without a person label count as one person per search.",
            group_thousands(u64::from(resamples))
        ),
    }
}

/// The evaluation as an aligned table for a terminal: one row per slice with its threshold, n,
/// rates, intervals and ratio to the reference slice, then the notes and cautions. Slices with
/// no labelled track are left out.
pub fn evaluation_table(evaluation: &Evaluation) -> String {
    let this = evaluation;
    let mut out = String::new();
    let by = if this.slicing.attributes.is_empty() {
        "everyone together".to_string()
    } else {
        this.slicing.attributes.join(" × ")
    };
    let _ = writeln!(
        out,
        "Labelled searches (face tracks): {} — sliced by {by}, threshold {:.4} (a slice's own \
         where the threshold column says so) — watchlist of {} identities",
        this.searches,
        this.threshold,
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
            format!("{:.4}", m.threshold)
        } else {
            format!("{:.4} own", m.threshold)
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
         right person at or above the threshold. FPIR is measured against this watchlist of {} \
         identities and grows with a longer one.",
        interval_note(this.metrics.iter().flat_map(|m| [&m.fpir, &m.fnir])),
        group_thousands(this.watchlist_size as u64)
    );
    for differentials in [&this.fpir_differentials, &this.fnir_differentials] {
        let _ = writeln!(out, "{}", reference_note(differentials, &this.names));
    }
    let _ = writeln!(out, "{RATIO_NOTE}");
    if !this.warnings.is_empty() {
        let _ = writeln!(out, "\nCaution:");
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
    match (warning.too_few_searches, overlap) {
        (true, Some(overlap)) => format!("{name}: only {} {noun}; {overlap}.", warning.searches),
        (true, None) => format!(
            "{name}: only {} {noun}; too few to compare its {label} reliably \
             (interval {interval}).",
            warning.searches
        ),
        (false, Some(overlap)) => format!("{name}: {overlap}; the difference may be chance."),
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
    format!(
        "Extrapolation, not a measurement: FPIR {} measured against a watchlist of {} would be \
         about {} [{}–{}] against one of {}, by the model 1 − (1 − FPIR)^(new size ÷ measured \
         size), which assumes every comparison is independent (real watchlists hold look-alikes, \
         so treat it as a rough guide).",
        rate_text(fpir),
        group_thousands(extrapolated.measured_size),
        percent(extrapolated.rate),
        percent_number(extrapolated.interval.low),
        percent(extrapolated.interval.high),
        group_thousands(extrapolated.deployment_size)
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
    let point = expected_alerts(fpir.rate?, fnir.rate?, crowd_size, prevalence)?;
    let (fewest, most) = expected_alert_range(fpir, fnir, crowd_size, prevalence)?;
    let crowd = group_thousands(crowd_size);
    let setting = format!(
        "in a crowd of {crowd} with {} of them on the watchlist",
        percent(prevalence)
    );
    let basis = format!(
        "by the 95% intervals of the rates: {fpir_basis}, FNIR (rank 1) {} mated searches",
        count_of(fnir)
    );
    let (Some(low), Some(high)) = (fewest.share_false, most.share_false) else {
        return Some(format!(
            "At this threshold no alerts would be expected {setting} ({basis})."
        ));
    };
    let range = if in_100(low) == in_100(high) {
        format!("about {} in 100 alerts would be wrong", in_100(low))
    } else {
        format!(
            "between {} and {} in 100 alerts would be wrong",
            in_100(low),
            in_100(high)
        )
    };
    let lead = if high - low > 0.5 {
        format!("The data cannot tell how many alerts would be wrong: {range}")
    } else {
        format!("At this threshold {range}")
    };
    let estimate = match point.share_false {
        Some(share) => format!(
            "The point estimate, {} in 100 (expected {} false and {} true alerts), is only one \
             value in that range, not a finding.",
            in_100(share),
            format_expected_count(point.false_alerts),
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
/// (both rates at their lower ends: fewer false, more true alerts) and the most (both at their
/// upper ends). `None` where either rate was not measured or `prevalence` is not a proportion.
pub fn expected_alert_range(
    fpir: &Rate,
    fnir: &Rate,
    crowd_size: u64,
    prevalence: f64,
) -> Option<(ExpectedAlerts, ExpectedAlerts)> {
    let (fpir, fnir) = (fpir.interval?, fnir.interval?);
    Some((
        expected_alerts(fpir.low, fnir.low, crowd_size, prevalence)?,
        expected_alerts(fpir.high, fnir.high, crowd_size, prevalence)?,
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

/// A threshold with four decimals, rounded up so that the printed number, read back as lineup
/// reads a threshold (an `f32`), is never below `threshold`: a threshold chosen to keep false
/// alerts under a target still does so used as printed (rounding down could let through the
/// very score it was chosen to exclude).
pub fn threshold_at_least(threshold: f32) -> String {
    let mut ten_thousandths = (f64::from(threshold) * 1e4).ceil();
    loop {
        let text = format!("{:.4}", ten_thousandths / 1e4);
        if text
            .parse::<f32>()
            .is_ok_and(|printed| printed >= threshold)
        {
            return text;
        }
        ten_thousandths += 1.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
             (Men, [0.54%, 1.83%]); the difference may be chance."
        );
        assert_eq!(
            caution(&warning(0, None, true, None), &[] as &[&str]),
            "slice 1: no non-mated searches, so its FPIR cannot be measured."
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
    fn printed_thresholds_are_never_below_the_exact_one() {
        for exact in [
            0.54399_f32,
            0.5440,
            0.17425,
            -1.0,
            0.99995,
            0.1,
            1.0_f32.next_down(),
        ] {
            let text = threshold_at_least(exact);
            assert!(text.parse::<f32>().unwrap() >= exact, "{exact} → {text}");
            assert!(
                text.parse::<f64>().unwrap() - f64::from(exact) < 2e-4,
                "{exact} → {text}"
            );
        }
        assert_eq!(threshold_at_least(0.54399), "0.5440");
    }

    /// 0 false alerts in 130 non-mated searches is not "none of the alerts would be wrong": at
    /// the upper end of its interval most alerts in a large crowd would be.
    #[test]
    fn crowd_sentences_give_the_range_the_intervals_allow() {
        let twelve = WatchlistSizes::measured(12);
        let sentence = crowd_sentence(&Rate::new(0, 130), &Rate::new(2, 29), 10_000, 0.001, twelve)
            .expect("both rates measured");
        assert!(!sentence.contains("none of the alerts"), "{sentence}");
        assert!(
            sentence
                .starts_with("The data cannot tell how many alerts would be wrong: between 0 and"),
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
            crowd_sentence(&Rate::new(0, 0), &Rate::new(1, 2), 100, 0.1, twelve),
            None
        );
    }

    /// A deployment's watchlist of 10,000 against the 12 measured: the FPIR used is the
    /// extrapolated one, and the sentence says so.
    #[test]
    fn crowd_sentences_extrapolate_to_the_deployments_watchlist_and_say_so() {
        let fpir = Rate::new(1, 500);
        let fnir = Rate::new(5, 100);
        let measured =
            crowd_sentence(&fpir, &fnir, 10_000, 0.001, WatchlistSizes::measured(12)).unwrap();
        let deployed = WatchlistSizes {
            measured: 12,
            deployment: Some(10_000),
        };
        let extrapolated = crowd_sentence(&fpir, &fnir, 10_000, 0.001, deployed).unwrap();
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
    }
}
