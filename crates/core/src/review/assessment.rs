//! The reviewer's impact assessment text, as the review document stores it: only judgement
//! (purpose, deployment, watchlist policy, risks and their scores, mitigations, safeguards, the
//! action plan, the recommendation, who signs off). Drafting it, the list of sections a serious
//! assessment has, and turning it into a report belong to the report crate (`lineup-report`).
//!
//! Every field has a default, so a review saved before a field existed still loads.

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
    /// Whether the reviewer has adopted the mitigations listed, lineup's suggestions among
    /// them: until then a suggestion lineup drafted is not a measure anyone committed to.
    pub mitigations_adopted: bool,
    /// The risk that remains once the mitigations are in place, and whether it is acceptable.
    pub residual_risk: String,
    /// How the watchlist, the face templates, the footage and the alert logs are secured.
    pub security: String,
    /// Whether the supervisory authority must be consulted before processing (GDPR Art. 36),
    /// and what was decided.
    pub prior_consultation: String,
    /// How and when the market-surveillance authority is notified of the assessment's results
    /// (AI Act Art. 27(3)).
    pub authority_notification: String,
    pub recommendation: Recommendation,
    pub reviewer: Reviewer,
    /// Where, when and how often the system would run.
    pub deployment: String,
    /// People passing the cameras on a typical day of the deployment; the report turns the
    /// measured FPIR into false alerts per day with it. `None` until the reviewer says.
    pub people_per_day: Option<u64>,
    /// Identities on the watchlist the deployment would use (the review's may be a sample).
    pub deployed_watchlist_size: Option<u64>,
    /// Who goes on the watchlist, from what source, how many, how old their images may be.
    pub watchlist_policy: String,
    /// Who is affected: passers-by, people on the watchlist, groups who may bear more errors.
    pub people_affected: String,
    /// Why the deployment is necessary and proportionate, and the alternatives considered.
    pub necessity: String,
    /// How every alert is checked by a person before anything is done (never a match alone).
    pub human_review: String,
    /// What is kept, for how long, and how it is deleted.
    pub retention: String,
    /// How people learn of the processing, and how they complain or seek redress.
    pub rights: String,
    /// Who was consulted: the DPO, the public, the equality duty.
    pub consultation: String,
    /// What is to be done, by whom, by when.
    pub actions: Vec<Action>,
    /// Who approves the deployment, their decision, and when it is reviewed again.
    pub sign_off: SignOff,
}

/// One step of the action plan.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Action {
    pub action: String,
    /// Who is accountable for it.
    pub owner: String,
    /// When it is due, as YYYY-MM-DD.
    pub due: String,
}

impl Action {
    /// Whether the action names what, who and when.
    pub fn is_complete(&self) -> bool {
        [&self.action, &self.owner, &self.due]
            .iter()
            .all(|text| !text.trim().is_empty())
    }
}

/// The approval: separate from the reviewer's recommendation, since the person accountable for
/// deploying decides, not the reviewer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct SignOff {
    /// Name and role of whoever approves or refuses the deployment.
    pub approver: String,
    /// `None` until they decide.
    pub decision: Option<Decision>,
    /// The date of the decision, as YYYY-MM-DD.
    pub date: String,
    /// When the assessment is to be reviewed again, as YYYY-MM-DD.
    pub review_date: String,
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

    #[test]
    fn an_assessment_saved_before_the_full_sections_still_loads() {
        // Every field an assessment had before the deployment, watchlist policy, safeguards,
        // action plan and sign-off sections existed, as a review file then held them.
        let old = r#"Assessment(
            title: "t", purpose: "p", legal_basis: "l", system_notes: "s", data_notes: "d",
            findings_notes: "f",
            risks: [Risk(title: "r", description: "", severity: Some(Limited),
                likelihood: None, basis: "b")],
            mitigations: ["m"],
            recommendation: Recommendation(decision: Some(DoNotDeploy), text: "why"),
            reviewer: Reviewer(name: "n", role: "o", date: "2025-01-01"),
        )"#;
        let assessment: Assessment = ron::from_str(old).unwrap();
        assert_eq!(assessment.purpose, "p");
        assert_eq!(assessment.risks[0].severity, Some(Level::Limited));
        assert_eq!(assessment.deployment, "");
        assert_eq!(assessment.people_per_day, None);
        assert!(assessment.actions.is_empty());
        assert_eq!(assessment.sign_off, SignOff::default());
    }

    #[test]
    fn an_action_is_complete_only_with_what_who_and_when() {
        let mut action = Action {
            action: "Publish the watchlist criteria".into(),
            owner: "Head of operations".into(),
            due: String::new(),
        };
        assert!(!action.is_complete());
        action.due = "2026-01-31".into();
        assert!(action.is_complete());
    }
}
