//! Drafting the assessment: what lineup pre-fills where it knows the answer (a title, the risks
//! every watchlist deployment carries, likelihoods from the measured rates, common mitigations),
//! and what the reviewer still has to write.

use crate::findings::MeasuredFindings;
use crate::wording::{
    count_of, expected_alert_range, group_thousands, percent, rate_with_interval, times,
};
use crate::{Assessment, Level, Risk};
use lineup_core::metrics::{
    ComparedRate, Differentials, MIN_SEARCHES_TO_COMPARE, PARITY_BAND, Rate, normal_quantile,
    ratio_interval_at,
};
use lineup_core::review::ReviewDocument;

/// Risk titles lineup drafts; the reviewer scores and edits them.
pub(crate) const WRONG_PERSON_RISK: &str = "People not on the watchlist are stopped as suspects";

/// Ends the basis of every risk lineup drafts, until the reviewer scores it.
pub(crate) const SCORE_PENDING: &str = "To be scored by the reviewer.";

/// Records that the reviewer has scored `risk`: the pending note gives way to theirs, and
/// what lineup measured stays.
pub fn mark_scored(risk: &mut Risk) {
    let measured = risk.basis.replace(SCORE_PENDING, "");
    let measured = measured.trim();
    risk.basis = if measured.is_empty() || measured.starts_with("Not measured") {
        "Scored by the reviewer.".to_owned()
    } else if measured.starts_with("Scored by the reviewer.") {
        measured.to_owned()
    } else {
        format!("Scored by the reviewer. {measured}")
    };
}

/// Fills what the reviewer left empty with what lineup knows, leaving their words untouched:
/// a title, the risks that face recognition against a watchlist always carries (with the
/// likelihood of false alerts where it was measured), common mitigations, and today's date.
pub fn prefill(
    assessment: &Assessment,
    document: &ReviewDocument,
    findings: Option<&MeasuredFindings>,
    today: &str,
) -> Assessment {
    let mut filled = assessment.clone();
    if filled.title.trim().is_empty() {
        filled.title = default_title(document);
    }
    if filled.risks.is_empty() {
        filled.risks = standard_risks(findings);
    }
    if filled.mitigations.is_empty() {
        filled.mitigations = crate::sections::SUGGESTED_MITIGATIONS
            .iter()
            .map(|m| m.to_string())
            .collect();
    }
    if filled.reviewer.date.trim().is_empty() {
        filled.reviewer.date = today.to_owned();
    }
    filled
}

fn default_title(document: &ReviewDocument) -> String {
    let people = document.watchlist.identities.len();
    format!(
        "Impact assessment: face recognition against a watchlist of {people} {}",
        if people == 1 { "person" } else { "people" }
    )
}

/// The risks any watchlist deployment carries. Only what lineup measured is scored.
fn standard_risks(findings: Option<&MeasuredFindings>) -> Vec<Risk> {
    let (likelihood, basis) = false_alert_likelihood(findings);
    vec![
        Risk {
            title: WRONG_PERSON_RISK.to_owned(),
            description: "A false alert points officers at someone who is not wanted: they may \
                          be stopped, searched or detained, in public."
                .to_owned(),
            severity: None,
            likelihood,
            basis,
        },
        Risk {
            title: "Some groups are misidentified more often than others".to_owned(),
            description: "If error rates differ by sex, age or skin tone, the burden of false \
                          alerts, and the benefit of true ones, falls unequally."
                .to_owned(),
            severity: None,
            likelihood: None,
            basis: differential_basis(findings),
        },
        Risk {
            title: "Wanted people are missed".to_owned(),
            description: "Missed matches give a false sense of security and can divert \
                          resources from other policing."
                .to_owned(),
            severity: None,
            likelihood: None,
            basis: format!("The FNIR (rank 1) in the findings is the measure. {SCORE_PENDING}"),
        },
        Risk {
            title: "Everyone passing the cameras has their biometric data processed".to_owned(),
            description: "Bystanders' faces are detected and compared without their consent; \
                          this can deter lawful protest and assembly."
                .to_owned(),
            severity: None,
            likelihood: None,
            basis: SCORE_PENDING.to_owned(),
        },
        Risk {
            title: "Biometric data is accessed or reused without authority".to_owned(),
            description: "Watchlist photos, face templates and alert logs are sensitive data; \
                          a breach or a quiet extension to other purposes harms the people in \
                          them."
                .to_owned(),
            severity: None,
            likelihood: None,
            basis: SCORE_PENDING.to_owned(),
        },
    ]
}

/// The likelihood of a false alert on any one alert, from the first crowd scenario: the share
/// of alerts expected to be wrong, mapped onto the CNIL scale.
fn false_alert_likelihood(findings: Option<&MeasuredFindings>) -> (Option<Level>, String) {
    let measured = findings.and_then(|f| {
        let scenario = f.scenarios.iter().find(|s| s.expected.is_some())?;
        let (fewest, most) = expected_alert_range(
            &f.pooled.fpir,
            &f.pooled.fnir,
            &f.pooled.wrong_identity_alerts,
            scenario.scenario.crowd_size,
            scenario.scenario.prevalence,
        )?;
        // Where the low end expects no alerts at all, none of them is wrong.
        Some((
            scenario,
            fewest.share_false.unwrap_or(0.0),
            most.share_false?,
        ))
    });
    let Some((scenario, low, high)) = measured else {
        return (
            None,
            format!("Not measured: no ground truth is labelled. {SCORE_PENDING}"),
        );
    };
    let level = likelihood_of_wrong_alerts(low, high);
    let verdict = if level.is_some() {
        "the whole range lies in one band"
    } else {
        "the range spans more than one band, so the data cannot tell and the reviewer must score it"
    };
    let basis = format!(
        "Likelihood from the measured rates' 95% intervals: between {} and {} of alerts would be \
         wrong in a crowd of {} with {} on the watchlist (≥ 50% maximum, ≥ 20% significant, \
         above 0 limited); {verdict}. {SCORE_PENDING}",
        percent(low),
        percent(high),
        group_thousands(scenario.scenario.crowd_size),
        percent(scenario.scenario.prevalence),
    );
    (level, basis)
}

/// The likelihood band a share of wrong alerts falls in, for a share known only to lie between
/// `low` and `high`: a band only where both ends fall in it.
fn likelihood_of_wrong_alerts(low: f64, high: f64) -> Option<Level> {
    let band = |share: f64| match share {
        s if s >= 0.5 => Level::Maximum,
        s if s >= 0.2 => Level::Significant,
        s if s > 0.0 => Level::Limited,
        _ => Level::Negligible,
    };
    (band(low) == band(high)).then(|| band(low))
}

fn differential_basis(findings: Option<&MeasuredFindings>) -> String {
    let Some(findings) = findings else {
        return format!("Not measured: no ground truth is labelled. {SCORE_PENDING}");
    };
    let mut basis = match fpir_spread(findings) {
        Some(spread) => format!("Measured: {spread}"),
        None => "Measured: the groups' FPIRs do not differ in this data.".to_owned(),
    };
    if !findings.warnings.is_empty() {
        basis.push_str(
            " The findings carry cautions: some groups cannot be told apart with this data.",
        );
    }
    basis.push(' ');
    basis.push_str(SCORE_PENDING);
    basis
}

/// What the reviewer has still to write or decide, in reading order: each section of
/// [`crate::sections::SECTIONS`] says what it lacks. `report_date` (YYYY-MM-DD) is the day the
/// report is made, against which its dates are judged: the day of its `generated_at`, or today
/// (see [`today`]) while the assessment is being written.
pub fn missing_parts(assessment: &Assessment, report_date: &str) -> Vec<String> {
    crate::sections::missing_parts(assessment, report_date)
}

/// Today (UTC, `$SOURCE_DATE_EPOCH` when set) as YYYY-MM-DD: the date a report made now
/// would carry.
pub fn today() -> String {
    crate::dates::UtcTime::now().date()
}

/// The day (YYYY-MM-DD) of a report's `generated_at` timestamp.
pub fn report_day(generated_at: &str) -> &str {
    generated_at.get(..10).unwrap_or(generated_at)
}

/// Whether any group is wrongly flagged more often than the reference group, said only where the
/// data can carry it, and in the terms of the differentials table: a judged group's FPIR ratio to
/// the reference must lie wholly outside the 0.8–1.25 parity band even when its 95% interval is
/// shared among all the groups compared (Bonferroni), so that testing many crossed groups does
/// not turn chance into a headline. Otherwise, with two or more groups measured, a sentence says
/// the data cannot tell; `None` with fewer.
pub(crate) fn fpir_spread(findings: &MeasuredFindings) -> Option<String> {
    let differentials = findings.differentials_of(ComparedRate::Fpir)?;
    let rates: Vec<(&str, &Rate)> = findings
        .slices
        .iter()
        .map(|s| (s.name.as_str(), &s.metrics.fpir))
        .collect();
    disparity_sentence(&rates, differentials).map(|sentence| {
        format!(
            "{sentence} (FPIR here is against a watchlist of {}; a longer one raises it.)",
            crate::wording::group_thousands(findings.watchlist_size)
        )
    })
}

fn disparity_sentence(rates: &[(&str, &Rate)], differentials: &Differentials) -> Option<String> {
    let measured = rates.iter().filter(|(_, rate)| rate.n > 0).count();
    if measured < 2 {
        return None;
    }
    let reference = differentials.reference?;
    let (reference_name, reference_rate) = rates.get(reference.slice)?;
    let judged: Vec<usize> = differentials
        .per_slice
        .iter()
        .enumerate()
        .filter(|(_, d)| d.parity.is_some())
        .map(|(i, _)| i)
        .collect();
    if judged.is_empty() {
        return Some(cannot_tell(0, reference_name));
    }
    // 95% shared among the comparisons made: each at 1 − 0.05/k, two-sided.
    let z = normal_quantile(1.0 - 0.025 / judged.len() as f64);
    let (low_band, high_band) = PARITY_BAND;
    let outside = judged
        .iter()
        .filter_map(|&i| {
            let interval = ratio_interval_at(rates[i].1, reference_rate, z)?;
            (interval.low > high_band || interval.high < low_band).then_some((i, interval))
        })
        .max_by(|a, b| a.1.low.total_cmp(&b.1.low));
    let Some((worst, interval)) = outside else {
        return Some(cannot_tell(judged.len(), reference_name));
    };
    let (name, rate) = rates[worst];
    let direction = if interval.low > high_band {
        "more often"
    } else {
        "less often"
    };
    let point = differentials.per_slice[worst]
        .ratio
        .filter(|r| *r > 0.0)
        .map(|r| format!(" {} as often", times(r)))
        .unwrap_or_default();
    Some(format!(
        "Non-mated searches (face tracks) in the group \"{name}\" raise false alerts {direction} \
         than in the reference group \"{reference_name}\"{point}: FPIR {} ({}) against {} ({}). \
         The ratio's interval, {:.2}–{:.2}, lies wholly outside the 0.8–1.25 parity band even \
         with 95% confidence shared among the {} groups compared.",
        rate_with_interval(rate),
        count_of(rate),
        rate_with_interval(reference_rate),
        count_of(reference_rate),
        interval.low,
        interval.high,
        judged.len(),
    ))
}

fn cannot_tell(compared: usize, reference: &str) -> String {
    format!(
        "The data cannot tell whether any group is wrongly flagged more often than the reference \
         group \"{reference}\": no FPIR ratio of the {compared} known {} with \
         {MIN_SEARCHES_TO_COMPARE} or more effective searches lies wholly outside the 0.8–1.25 \
         parity band once 95% confidence is shared among them (the differentials table gives \
         each ratio with its own interval).",
        crate::wording::plural(compared as u64, "group", "groups")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_parts_name_what_the_reviewer_must_still_do() {
        let assessment = Assessment {
            risks: standard_risks(None),
            ..Assessment::default()
        };
        let missing = missing_parts(&assessment, "2025-07-07");
        for part in [
            "the purpose and context",
            "the deployment context",
            "the watchlist policy",
            "the human-review protocol",
            "the action plan",
            "the recommendation",
            "the approver's decision",
            "scores for 5 of 5 risks",
        ] {
            assert!(missing.contains(&part.to_owned()), "{part}: {missing:?}");
        }
    }

    #[test]
    fn scoring_a_risk_keeps_what_was_measured() {
        let mut risk = Risk {
            basis: format!("Likelihood from the measured rates: 80%. {SCORE_PENDING}"),
            ..Risk::default()
        };
        mark_scored(&mut risk);
        assert_eq!(
            risk.basis,
            "Scored by the reviewer. Likelihood from the measured rates: 80%."
        );
        mark_scored(&mut risk);
        assert_eq!(
            risk.basis,
            "Scored by the reviewer. Likelihood from the measured rates: 80%."
        );
        let mut unmeasured = standard_risks(None).remove(0);
        mark_scored(&mut unmeasured);
        assert_eq!(unmeasured.basis, "Scored by the reviewer.");
    }

    #[test]
    fn unmeasured_risks_are_left_for_the_reviewer_to_score() {
        for risk in standard_risks(None) {
            assert_eq!(risk.score(), None, "{}", risk.title);
            assert!(risk.basis.contains("reviewer"), "{}", risk.basis);
        }
    }

    #[test]
    fn a_likelihood_is_drafted_only_where_the_whole_interval_agrees() {
        // 0 false alerts in 130 searches: between none and most alerts wrong.
        assert_eq!(likelihood_of_wrong_alerts(0.0, 0.96), None);
        assert_eq!(likelihood_of_wrong_alerts(0.55, 0.95), Some(Level::Maximum));
        assert_eq!(likelihood_of_wrong_alerts(0.1, 0.3), None);
        assert_eq!(
            likelihood_of_wrong_alerts(0.0, 0.0),
            Some(Level::Negligible)
        );
    }

    /// Slice metrics with only an FPIR, for the page-1 comparison.
    fn groups(fpir: &[(u64, u64)]) -> Vec<lineup_core::metrics::SliceMetrics> {
        fpir.iter()
            .enumerate()
            .map(|(slice, &(k, n))| lineup_core::metrics::SliceMetrics {
                slice,
                threshold: 0.5,
                fpir: Rate::new(k, n),
                fnir: Rate::new(0, 0),
                wrong_identity_alerts: Rate::new(0, 0),
                flag_rate: Rate::new(k, n),
            })
            .collect()
    }

    fn page_one(names: &[&str], fpir: &[(u64, u64)], unknown: &[bool]) -> Option<String> {
        let metrics = groups(fpir);
        let differentials =
            lineup_core::metrics::differentials(&metrics, ComparedRate::Fpir, unknown, None);
        let rates: Vec<(&str, &Rate)> = names
            .iter()
            .zip(&metrics)
            .map(|(name, m)| (*name, &m.fpir))
            .collect();
        disparity_sentence(&rates, &differentials)
    }

    #[test]
    fn a_group_comparison_is_a_headline_only_where_the_data_carries_it() {
        // "50% (2 of 4) vs 0% (0 of 1)": no group can be judged, no headline.
        let sentence = page_one(&["A", "B"], &[(2, 4), (0, 1)], &[false, false]);
        assert!(sentence.is_none_or(|s| s.starts_with("The data cannot tell")));
        // Large and far apart: said, in the table's terms.
        let sentence = page_one(&["A", "B"], &[(6, 400), (60, 300)], &[false, false]).unwrap();
        assert!(
            sentence.contains(
                "in the group \"B\" raise false alerts more often than in the reference group \"A\""
            ),
            "{sentence}"
        );
        assert!(sentence.contains("parity band"), "{sentence}");
    }

    #[test]
    fn page_one_agrees_with_the_table_it_summarises() {
        // The expert's case: 14 of 100, 3 of 100, 1 of 61. The reference is the lowest rate
        // (1 of 61); against it, 14 of 100 is 8.5× but its interval reaches into the band:
        // the table says "cannot tell", so page 1 must not claim a disparity between any pair.
        let sentence = page_one(
            &["Monk 1–3", "Monk 4–6", "Monk 7–10"],
            &[(14, 100), (3, 100), (1, 61)],
            &[false, false, false],
        )
        .unwrap();
        assert!(sentence.starts_with("The data cannot tell"), "{sentence}");
    }

    #[test]
    fn many_groups_share_the_confidence_so_chance_is_not_a_headline() {
        // 50 of 400 against 20 of 400: 2.5×, [1.52, 4.12] at 95% for one comparison, wholly
        // above the band; shared among 20 groups (z = 3.02) it reaches down to 1.2: no headline.
        let mut fpir = vec![(20, 400), (50, 400)];
        let two = page_one(&["A", "B"], &fpir, &[false, false]).unwrap();
        assert!(two.contains("raise false alerts more often"), "{two}");
        fpir.extend(std::iter::repeat_n((30, 400), 18));
        let names: Vec<String> = (0..20).map(|i| format!("G{i}")).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        let twenty = page_one(&names, &fpir, &[false; 20]).unwrap();
        assert!(twenty.starts_with("The data cannot tell"), "{twenty}");
    }
}
