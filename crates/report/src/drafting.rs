//! Drafting the assessment: what lineup pre-fills where it knows the answer (a title, the risks
//! every watchlist deployment carries, likelihoods from the measured rates, common mitigations),
//! and what the reviewer still has to write.

use crate::findings::MeasuredFindings;
use crate::wording::{
    count_of, expected_alert_range, group_thousands, percent, rate_with_interval, times,
};
use crate::{Assessment, Level, Risk};
use lineup_core::metrics::{Interval, MIN_SEARCHES_TO_COMPARE, Rate, judgeable};
use lineup_core::review::ReviewDocument;
use lineup_core::review::UNKNOWN;

/// Risk titles lineup drafts; the reviewer scores and edits them.
pub const WRONG_PERSON_RISK: &str = "People not on the watchlist are stopped as suspects";

/// Ends the basis of every risk lineup drafts, until the reviewer scores it.
pub const SCORE_PENDING: &str = "To be scored by the reviewer.";

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
        filled.mitigations = STANDARD_MITIGATIONS.iter().map(|m| m.to_string()).collect();
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

const STANDARD_MITIGATIONS: [&str; 6] = [
    "A trained officer reviews every alert against the enrolment photo before anyone is \
     approached; an alert alone is never grounds for a stop or an arrest.",
    "Faces that raise no alert are deleted at once; alerts are kept only as long as the \
     follow-up needs.",
    "The watchlist is limited to people sought for serious offences, with written criteria \
     and a named person accountable for each entry.",
    "The match threshold is fixed in advance from measured error rates and not lowered in \
     the field.",
    "Error rates are measured per demographic group on local footage, with at least 30 \
     labelled searches per group, before and during deployment.",
    "The public is told where and when cameras are in use, and how to complain.",
];

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

/// What the reviewer has still to write or decide, in reading order.
pub fn missing_parts(assessment: &Assessment) -> Vec<String> {
    let mut missing = Vec::new();
    let mut require = |text: &str, what: &str| {
        if text.trim().is_empty() {
            missing.push(what.to_owned());
        }
    };
    require(&assessment.purpose, "the purpose and context");
    require(
        &assessment.legal_basis,
        "the policy question or legal basis",
    );
    require(&assessment.reviewer.name, "the reviewer's name");
    require(&assessment.reviewer.role, "the reviewer's role");
    if assessment.recommendation.decision.is_none() {
        missing.push("the recommendation".to_owned());
    }
    let unscored = assessment
        .risks
        .iter()
        .filter(|risk| risk.score().is_none())
        .count();
    if unscored > 0 {
        missing.push(format!(
            "scores for {unscored} of {} risks",
            assessment.risks.len()
        ));
    }
    missing
}

/// Which group is wrongly flagged more often than another, said only where the data can carry
/// it: among groups that can be judged ([`judgeable`]: a known value and at least
/// [`MIN_SEARCHES_TO_COMPARE`] effective non-mated searches), the pair whose 95% intervals lie
/// furthest apart, the higher wholly above the lower. Every pair is tried, not only the highest
/// and lowest rates: a lowest group measured on few false alerts overlaps everything, and must not
/// hide a clear difference between two others. Otherwise, with two or more groups measured, a
/// sentence says the data cannot tell; `None` with fewer.
pub(crate) fn fpir_spread(findings: &MeasuredFindings) -> Option<String> {
    let groups: Vec<(&str, &Rate)> = findings
        .slices
        .iter()
        .map(|s| (s.name.as_str(), &s.metrics.fpir))
        .collect();
    spread_sentence(&groups).map(|sentence| {
        format!(
            "{sentence} (FPIR here is against a watchlist of {}; a longer one raises it.)",
            crate::wording::group_thousands(findings.watchlist_size)
        )
    })
}

fn spread_sentence(groups: &[(&str, &Rate)]) -> Option<String> {
    let measured: Vec<(&str, &Rate, f64, Interval)> = groups
        .iter()
        .filter_map(|(name, rate)| Some((*name, *rate, rate.rate?, rate.interval?)))
        .collect();
    if measured.len() < 2 {
        return None;
    }
    let comparable: Vec<_> = measured
        .iter()
        .filter(|(name, rate, _, _)| judgeable(rate, name.to_lowercase().contains(UNKNOWN)))
        .collect();
    // The pair with the widest gap between the higher's lower end and the lower's upper end.
    let apart = comparable
        .iter()
        .flat_map(|high| comparable.iter().map(move |low| (high, low)))
        .filter(|(high, low)| high.3.low > low.3.high)
        .max_by(|a, b| (a.0.3.low - a.1.3.high).total_cmp(&(b.0.3.low - b.1.3.high)));
    let Some((highest, lowest)) = apart else {
        return Some(cannot_tell(measured.len()));
    };
    let ratio = if lowest.2 > 0.0 {
        format!(", {} as often", times(highest.2 / lowest.2))
    } else {
        String::new()
    };
    Some(format!(
        "Non-mated searches (face tracks) in the group \"{}\" raise false alerts more often than \
         in \"{}\", beyond what chance explains: FPIR {} ({}) against {} ({}){ratio}; the 95% \
         intervals do not overlap.",
        highest.0,
        lowest.0,
        rate_with_interval(highest.1),
        count_of(highest.1),
        rate_with_interval(lowest.1),
        count_of(lowest.1),
    ))
}

fn cannot_tell(groups: usize) -> String {
    format!(
        "The data cannot tell whether any of the {groups} groups is wrongly flagged more often \
         than another: no two known groups with {MIN_SEARCHES_TO_COMPARE} or more effective \
         searches each (fewer than their searches where one person gave several) have 95% \
         intervals that do not overlap."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Decision, Recommendation};

    #[test]
    fn missing_parts_name_what_the_reviewer_must_still_do() {
        let mut assessment = Assessment {
            risks: standard_risks(None),
            ..Assessment::default()
        };
        let missing = missing_parts(&assessment);
        assert!(missing.contains(&"the purpose and context".to_owned()));
        assert!(missing.contains(&"the recommendation".to_owned()));
        assert!(missing.contains(&"scores for 5 of 5 risks".to_owned()));
        assessment.purpose = "p".into();
        assessment.legal_basis = "l".into();
        assessment.reviewer.name = "n".into();
        assessment.reviewer.role = "r".into();
        assessment.recommendation = Recommendation {
            decision: Some(Decision::DoNotDeploy),
            text: String::new(),
        };
        for risk in &mut assessment.risks {
            risk.severity = Some(Level::Limited);
            risk.likelihood = Some(Level::Limited);
        }
        assert!(missing_parts(&assessment).is_empty());
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

    #[test]
    fn a_group_comparison_is_a_headline_only_where_the_data_carries_it() {
        // "50% (2 of 4) vs 0% (0 of 1)": no headline, the data cannot tell.
        let (small, smaller) = (Rate::new(2, 4), Rate::new(0, 1));
        let sentence = spread_sentence(&[("A × female", &small), ("B × male", &smaller)]).unwrap();
        assert!(sentence.starts_with("The data cannot tell"), "{sentence}");
        // Large, far apart: said, with the intervals.
        let (high, low) = (Rate::new(60, 300), Rate::new(6, 400));
        let sentence = spread_sentence(&[("B", &high), ("A", &low)]).unwrap();
        assert!(
            sentence.contains("in the group \"B\" raise false alerts more often"),
            "{sentence}"
        );
        assert!(sentence.contains("95% interval"), "{sentence}");
        // An "unknown" group is never the reference.
        let unknown = Rate::new(0, 500);
        let sentence = spread_sentence(&[("skin unknown", &unknown), ("Monk 1-3", &low)]).unwrap();
        assert!(sentence.starts_with("The data cannot tell"), "{sentence}");
        assert_eq!(spread_sentence(&[("A", &low)]), None);
    }

    #[test]
    fn a_group_measured_on_few_errors_does_not_hide_a_clear_difference_between_others() {
        // Monk 1–3: 0 of 30 [0–11.4%] overlaps everything; Monk 4–6: 1 of 100 [0.18–5.4%] and
        // Monk 7–10: 16 of 100 [10.1–24.4%] do not overlap: that is the headline.
        let (zero, one, sixteen) = (Rate::new(0, 30), Rate::new(1, 100), Rate::new(16, 100));
        let sentence = spread_sentence(&[
            ("Monk 1–3", &zero),
            ("Monk 4–6", &one),
            ("Monk 7–10", &sixteen),
        ])
        .unwrap();
        assert!(
            sentence.contains("\"Monk 7–10\" raise false alerts more often than in \"Monk 4–6\""),
            "{sentence}"
        );
    }

    #[test]
    fn a_group_of_few_people_is_not_a_headline_however_many_searches() {
        // 100 searches of 10 people: 10 effective searches, too few to judge.
        let mut clustered = Rate::new(40, 100);
        clustered.method = lineup_core::metrics::IntervalMethod::Clustered {
            effective_searches: 10.0,
        };
        clustered.interval = lineup_core::metrics::wilson_at(0.4, 10.0, lineup_core::metrics::Z_95);
        let low = Rate::new(2, 400);
        let sentence = spread_sentence(&[("B", &clustered), ("A", &low)]).unwrap();
        assert!(sentence.starts_with("The data cannot tell"), "{sentence}");
    }
}
