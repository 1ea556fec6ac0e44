//! The reviewer's impact assessment text, as the review document stores it: only judgement
//! (purpose, risks and their scores, mitigations, the recommendation, who signs off). Drafting
//! it and turning it into a report belong to the report crate (`lineup-report`).

use serde::{Deserialize, Serialize};

/// What the reviewer says about a deployment, stored in the review document.
///
/// Only judgement lives here. Facts (models, hashes, counts, error rates) are recomputed from
/// the document at every export, so the text can never drift from the numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Assessment {
    pub title: String,
    /// Purpose and context: who would deploy it, where, against whom, why.
    pub purpose: String,
    /// The policy question the assessment answers, or the legal basis claimed for deployment.
    pub legal_basis: String,
    /// The reviewer's remarks on the system; the facts are generated from the document.
    pub system_notes: String,
    /// The reviewer's remarks on the footage and watchlist reviewed.
    pub data_notes: String,
    /// The reviewer's reading of the findings.
    pub findings_notes: String,
    pub risks: Vec<Risk>,
    pub mitigations: Vec<String>,
    pub recommendation: Recommendation,
    pub reviewer: Reviewer,
}

/// One risk, scored as in the CNIL's privacy impact assessment method: severity and likelihood
/// each on a four-step scale.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Risk {
    pub title: String,
    pub description: String,
    /// `None` until the reviewer scores it.
    pub severity: Option<Level>,
    /// `None` until the reviewer scores it.
    pub likelihood: Option<Level>,
    /// Where the scores come from (a measurement, the reviewer's judgement, ...).
    pub basis: String,
}

impl Risk {
    /// Severity × likelihood, 1 to 16; `None` while either is unscored.
    pub fn score(&self) -> Option<u8> {
        Some(self.severity?.value() * self.likelihood?.value())
    }
}

/// The CNIL's four levels, used for both severity and likelihood.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    Negligible,
    Limited,
    Significant,
    Maximum,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Negligible,
        Level::Limited,
        Level::Significant,
        Level::Maximum,
    ];

    /// 1 (negligible) to 4 (maximum).
    pub fn value(self) -> u8 {
        match self {
            Level::Negligible => 1,
            Level::Limited => 2,
            Level::Significant => 3,
            Level::Maximum => 4,
        }
    }

    /// The CNIL's label.
    pub fn label(self) -> &'static str {
        match self {
            Level::Negligible => "negligible",
            Level::Limited => "limited",
            Level::Significant => "significant",
            Level::Maximum => "maximum",
        }
    }

    /// A level from its number (1–4) or its label, in any case.
    pub fn parse(text: &str) -> Option<Level> {
        let text = text.trim();
        Level::ALL.into_iter().find(|level| {
            text == level.value().to_string() || text.eq_ignore_ascii_case(level.label())
        })
    }
}

/// What the reviewer recommends.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Recommendation {
    /// `None` until the reviewer decides: lineup never decides for them.
    pub decision: Option<Decision>,
    /// Reasons, and the conditions when deploying with conditions.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    DoNotDeploy,
    DeployWithConditions,
    Deploy,
}

impl Decision {
    pub const ALL: [Decision; 3] = [
        Decision::DoNotDeploy,
        Decision::DeployWithConditions,
        Decision::Deploy,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Decision::DoNotDeploy => "Do not deploy",
            Decision::DeployWithConditions => "Deploy with conditions",
            Decision::Deploy => "Deploy",
        }
    }

    /// The command-line spelling: `do-not-deploy`, `deploy-with-conditions`, `deploy`.
    pub fn slug(self) -> &'static str {
        match self {
            Decision::DoNotDeploy => "do-not-deploy",
            Decision::DeployWithConditions => "deploy-with-conditions",
            Decision::Deploy => "deploy",
        }
    }

    pub fn parse(text: &str) -> Option<Decision> {
        Decision::ALL
            .into_iter()
            .find(|decision| text.trim().eq_ignore_ascii_case(decision.slug()))
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Reviewer {
    pub name: String,
    pub role: String,
    /// The date the reviewer signs off, as YYYY-MM-DD.
    pub date: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_parse_from_number_or_cnil_label() {
        assert_eq!(Level::parse("1"), Some(Level::Negligible));
        assert_eq!(Level::parse(" Significant "), Some(Level::Significant));
        assert_eq!(Level::parse("MAXIMUM"), Some(Level::Maximum));
        assert_eq!(Level::parse("5"), None);
        assert_eq!(Level::parse("high"), None);
    }

    #[test]
    fn a_risk_scores_only_when_both_axes_are_scored() {
        let mut risk = Risk {
            severity: Some(Level::Significant),
            ..Risk::default()
        };
        assert_eq!(risk.score(), None);
        risk.likelihood = Some(Level::Maximum);
        assert_eq!(risk.score(), Some(12));
    }

    #[test]
    fn decisions_round_trip_through_their_slugs() {
        for decision in Decision::ALL {
            assert_eq!(Decision::parse(decision.slug()), Some(decision));
        }
        assert_eq!(Decision::parse("maybe"), None);
    }

    #[test]
    fn an_old_review_without_an_assessment_reads_as_empty() {
        let assessment: Assessment = ron::from_str("Assessment(purpose: \"x\")").unwrap();
        assert_eq!(assessment.purpose, "x");
        assert_eq!(assessment.recommendation.decision, None);
    }
}
