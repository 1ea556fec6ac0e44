//! The sections of a serious impact assessment of face recognition, in the order the CNIL's PIA
//! method, the UK ICO's DPIA steps and the EU AI Act's fundamental-rights impact assessment
//! (Art. 27) ask for them. One list, read by the app's editor, the PDF, the list of what is
//! missing (which makes a report a DRAFT) and the editable export, so that none of them can
//! leave a section out or judge it complete differently.
//!
//! A section is written by lineup (facts from the review: models and hashes, measured rates,
//! false alerts per day, the evidence annex; never typed), drafted by lineup for the reviewer to
//! edit (risks, mitigations), or written by the reviewer alone.

use crate::Assessment;

/// Which section.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionId {
    System,
    Purpose,
    Deployment,
    Watchlist,
    PeopleAffected,
    Accuracy,
    FalseAlerts,
    Necessity,
    Risks,
    Mitigations,
    HumanReview,
    Retention,
    Rights,
    Consultation,
    ActionPlan,
    Recommendation,
    SignOff,
    Evidence,
}

/// A text the reviewer writes in a section.
pub struct TextField {
    /// The command-line name: `lineup assess --section SLUG=TEXT`.
    pub slug: &'static str,
    pub label: &'static str,
    /// How the DRAFT list names it while empty; `None` where it may stay empty.
    pub missing: Option<&'static str>,
    pub multiline: bool,
    pub get: fn(&Assessment) -> &String,
    pub get_mut: fn(&mut Assessment) -> &mut String,
}

impl TextField {
    pub fn is_missing(&self, assessment: &Assessment) -> bool {
        self.missing.is_some() && (self.get)(assessment).trim().is_empty()
    }
}

/// One section of the assessment.
pub struct Section {
    pub id: SectionId,
    pub title: &'static str,
    /// Short guidance for whoever fills it in.
    pub guidance: &'static str,
    /// What lineup writes into the section from the review, or `None` where it writes nothing.
    pub generated: Option<&'static str>,
    /// The reviewer's texts; other parts (scores, numbers, lists, decisions) are edited by the
    /// editor's own controls and judged by [`Section::missing`].
    pub fields: &'static [TextField],
}

macro_rules! text {
    ($slug:literal, $label:literal, $missing:expr, $multiline:literal, $($path:ident).+) => {
        TextField {
            slug: $slug,
            label: $label,
            missing: $missing,
            multiline: $multiline,
            get: |a| &a.$($path).+,
            get_mut: |a| &mut a.$($path).+,
        }
    };
}

/// Every section, in reading order.
pub const SECTIONS: [Section; 18] = [
    Section {
        id: SectionId::System,
        title: "System and vendor",
        guidance: "Name the vendor's system this assessment is for: product, version, and \
                   where it would run. lineup adds the models it measured with, their versions \
                   and SHA-256 hashes, and its settings.",
        generated: Some("the models measured, their versions and hashes, and the settings"),
        fields: &[text!(
            "system",
            "Vendor, product and version assessed; notes on the system",
            Some("the vendor's system assessed"),
            true,
            system_notes
        )],
    },
    Section {
        id: SectionId::Purpose,
        title: "Purpose and legal basis",
        guidance: "Who would deploy it, against whom, and why; the lawful basis (and, for \
                   biometric data, the condition for processing special category data), or \
                   the policy question this assessment answers.",
        generated: None,
        fields: &[
            text!(
                "purpose",
                "Purpose and context",
                Some("the purpose and context"),
                true,
                purpose
            ),
            text!(
                "legal-basis",
                "Legal basis or policy question",
                Some("the policy question or legal basis"),
                true,
                legal_basis
            ),
        ],
    },
    Section {
        id: SectionId::Deployment,
        title: "Deployment context",
        guidance: "Where the cameras would be, when and how often they would run (hours, days, \
                   events), live or after the event, and how many cameras.",
        generated: None,
        fields: &[text!(
            "deployment",
            "Where, when and how often",
            Some("the deployment context"),
            true,
            deployment
        )],
    },
    Section {
        id: SectionId::Watchlist,
        title: "Watchlist policy",
        guidance: "Who may be put on the watchlist and by whom, the source of the images, how \
                   many people it would hold, how old the images may be, and when entries are \
                   removed. lineup adds the watchlist reviewed.",
        generated: Some("the size of the watchlist reviewed and its enrolment photos"),
        fields: &[
            text!(
                "watchlist",
                "Who is on it, from what source, how many, how old the images",
                Some("the watchlist policy"),
                true,
                watchlist_policy
            ),
            text!(
                "data",
                "Notes on the footage and watchlist reviewed",
                None,
                true,
                data_notes
            ),
        ],
    },
    Section {
        id: SectionId::PeopleAffected,
        title: "People affected",
        guidance: "Everyone who passes the cameras, the people on the watchlist, and the groups \
                   who may bear more of the errors (by sex, age, skin tone, disability), or \
                   whose lawful assembly may be deterred.",
        generated: None,
        fields: &[text!(
            "people-affected",
            "Who is affected, and how",
            Some("the people affected"),
            true,
            people_affected
        )],
    },
    Section {
        id: SectionId::Accuracy,
        title: "Measured accuracy at the operating threshold",
        guidance: "lineup gives the error rates at the report's threshold, for all groups \
                   together and per group, each with its 95% interval and the number of \
                   searches it rests on. Add your reading of them.",
        generated: Some("FPIR and FNIR overall and per group, with 95% intervals"),
        fields: &[text!(
            "findings",
            "Your reading of the findings",
            None,
            true,
            findings_notes
        )],
    },
    Section {
        id: SectionId::FalseAlerts,
        title: "Expected false alerts per day",
        guidance: "Give how many people pass the cameras on a typical day, and the size of the \
                   watchlist that would be used; lineup turns the measured FPIR into false \
                   alerts per day, with the range its interval allows.",
        generated: Some("false alerts per day at the crowd and watchlist sizes given"),
        fields: &[],
    },
    Section {
        id: SectionId::Necessity,
        title: "Necessity, proportionality and alternatives",
        guidance: "Why this is necessary for the purpose, why the intrusion is proportionate \
                   to it, and which less intrusive alternatives were considered and why they \
                   were rejected.",
        generated: None,
        fields: &[text!(
            "necessity",
            "Necessity, proportionality, alternatives considered",
            Some("necessity, proportionality and alternatives"),
            true,
            necessity
        )],
    },
    Section {
        id: SectionId::Risks,
        title: "Risk register",
        guidance: "Score each risk's severity and likelihood from 1 (negligible) to 4 \
                   (maximum), as in the CNIL method. lineup drafts the risks every watchlist \
                   deployment carries, and a likelihood where its measurements decide it.",
        generated: Some("the risks every watchlist deployment carries, and the heat map"),
        fields: &[],
    },
    Section {
        id: SectionId::Mitigations,
        title: "Mitigations",
        guidance: "What reduces each risk. lineup drafts common ones; keep only those that \
                   will really be in place.",
        generated: Some("a draft of common mitigations"),
        fields: &[],
    },
    Section {
        id: SectionId::HumanReview,
        title: "Human-review protocol",
        guidance: "Who checks each alert, against what, with what training and authority, and \
                   what they may do. No one is stopped, searched or arrested on a match alone.",
        generated: None,
        fields: &[text!(
            "human-review",
            "How every alert is checked before anyone acts",
            Some("the human-review protocol"),
            true,
            human_review
        )],
    },
    Section {
        id: SectionId::Retention,
        title: "Retention and deletion",
        guidance: "What is kept (faces without an alert, alerts, logs, the watchlist), for how \
                   long, and how its deletion is done and checked.",
        generated: None,
        fields: &[text!(
            "retention",
            "What is kept, for how long, how it is deleted",
            Some("retention and deletion"),
            true,
            retention
        )],
    },
    Section {
        id: SectionId::Rights,
        title: "Rights and redress",
        guidance: "How people are told cameras are in use, how they exercise their rights \
                   (access, objection, erasure), and how someone wrongly stopped complains and \
                   obtains redress.",
        generated: None,
        fields: &[text!(
            "rights",
            "Information, rights and redress",
            Some("rights and redress"),
            true,
            rights
        )],
    },
    Section {
        id: SectionId::Consultation,
        title: "Consultation",
        guidance: "The data protection officer's advice, the public and groups consulted, and \
                   how the equality duty was met.",
        generated: None,
        fields: &[text!(
            "consultation",
            "DPO, public, equality duty",
            Some("the consultation"),
            true,
            consultation
        )],
    },
    Section {
        id: SectionId::ActionPlan,
        title: "Action plan",
        guidance: "Each action that must happen before or during deployment, with a named \
                   owner and a due date.",
        generated: None,
        fields: &[],
    },
    Section {
        id: SectionId::Recommendation,
        title: "Recommendation",
        guidance: "The reviewer's recommendation, with reasons and, when deploying with \
                   conditions, the conditions. lineup never decides.",
        generated: None,
        fields: &[text!(
            "recommendation",
            "Reasons and conditions",
            None,
            true,
            recommendation.text
        )],
    },
    Section {
        id: SectionId::SignOff,
        title: "Sign-off",
        guidance: "The reviewer who wrote this, and the person accountable who approves or \
                   refuses the deployment, the date of that decision and when the assessment \
                   is reviewed again.",
        generated: None,
        fields: &[
            text!(
                "reviewer-name",
                "Reviewer's name",
                Some("the reviewer's name"),
                false,
                reviewer.name
            ),
            text!(
                "reviewer-role",
                "Reviewer's role",
                Some("the reviewer's role"),
                false,
                reviewer.role
            ),
            text!(
                "reviewer-date",
                "Date of the review (YYYY-MM-DD)",
                None,
                false,
                reviewer.date
            ),
            text!(
                "approver",
                "Approver (name and role)",
                Some("the approver"),
                false,
                sign_off.approver
            ),
            text!(
                "sign-off-date",
                "Date of the decision (YYYY-MM-DD)",
                Some("the date of the decision"),
                false,
                sign_off.date
            ),
            text!(
                "review-date",
                "Next review (YYYY-MM-DD)",
                Some("the review date"),
                false,
                sign_off.review_date
            ),
        ],
    },
    Section {
        id: SectionId::Evidence,
        title: "Evidence annex",
        guidance: "lineup lists every file the numbers rest on, with its SHA-256 hash: the \
                   footage, the watchlist photos, the models and the review document.",
        generated: Some("every input, photo, model and the review document with their hashes"),
        fields: &[],
    },
];

impl Section {
    /// The section's number in the report, from 1.
    pub fn number(&self) -> usize {
        SECTIONS
            .iter()
            .position(|section| section.id == self.id)
            .map_or(0, |i| i + 1)
    }

    /// "7. Expected false alerts per day".
    pub fn heading(&self) -> String {
        format!("{}. {}", self.number(), self.title)
    }

    /// What the reviewer has still to write or decide in this section, as the DRAFT list
    /// names it.
    pub fn missing(&self, assessment: &Assessment) -> Vec<String> {
        let mut missing: Vec<String> = self
            .fields
            .iter()
            .filter(|field| field.is_missing(assessment))
            .filter_map(|field| field.missing.map(str::to_owned))
            .collect();
        missing.extend(self.missing_beyond_text(assessment));
        missing
    }

    /// What is missing among the parts that are not free text.
    fn missing_beyond_text(&self, assessment: &Assessment) -> Vec<String> {
        let a = assessment;
        let mut missing = Vec::new();
        match self.id {
            SectionId::FalseAlerts if a.people_per_day.is_none() => {
                missing.push("the people passing per day".to_owned());
            }
            SectionId::Risks if a.risks.is_empty() => missing.push("the risks".to_owned()),
            SectionId::Risks => {
                let unscored = a.risks.iter().filter(|r| r.score().is_none()).count();
                if unscored > 0 {
                    missing.push(format!("scores for {unscored} of {} risks", a.risks.len()));
                }
            }
            SectionId::Mitigations if a.mitigations.is_empty() => {
                missing.push("the mitigations".to_owned());
            }
            SectionId::ActionPlan if a.actions.is_empty() => {
                missing.push("the action plan".to_owned());
            }
            SectionId::ActionPlan => {
                let incomplete = a.actions.iter().filter(|x| !x.is_complete()).count();
                if incomplete > 0 {
                    missing.push(format!(
                        "an owner and due date for {incomplete} of {} actions",
                        a.actions.len()
                    ));
                }
            }
            SectionId::Recommendation if a.recommendation.decision.is_none() => {
                missing.push("the recommendation".to_owned());
            }
            SectionId::SignOff if a.sign_off.decision.is_none() => {
                missing.push("the approver's decision".to_owned());
            }
            _ => {}
        }
        missing
    }
}

/// The section with this id.
pub fn section(id: SectionId) -> &'static Section {
    // Every id has its section: `every_id_has_one_section` checks the list.
    SECTIONS
        .iter()
        .find(|section| section.id == id)
        .unwrap_or(&SECTIONS[0])
}

/// The text field called `slug` on the command line.
pub fn field(slug: &str) -> Option<&'static TextField> {
    SECTIONS
        .iter()
        .flat_map(|section| section.fields)
        .find(|field| field.slug == slug)
}

/// Every command-line name of a text field, for error messages.
pub fn field_slugs() -> Vec<&'static str> {
    SECTIONS
        .iter()
        .flat_map(|section| section.fields)
        .map(|field| field.slug)
        .collect()
}

/// What the reviewer has still to write or decide, section by section, in reading order.
pub fn missing_parts(assessment: &Assessment) -> Vec<String> {
    SECTIONS
        .iter()
        .flat_map(|section| section.missing(assessment))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Decision, Level, Risk};

    #[test]
    fn every_id_has_one_section_and_every_slug_one_field() {
        for (i, section) in SECTIONS.iter().enumerate() {
            assert_eq!(section.number(), i + 1);
            assert_eq!(super::section(section.id).title, section.title);
        }
        let slugs = field_slugs();
        for slug in &slugs {
            assert_eq!(slugs.iter().filter(|s| *s == slug).count(), 1, "{slug}");
        }
    }

    /// An assessment with every section filled in.
    pub(crate) fn complete() -> Assessment {
        let mut assessment = Assessment::default();
        for field in SECTIONS.iter().flat_map(|s| s.fields) {
            *(field.get_mut)(&mut assessment) = format!("{} text", field.slug);
        }
        assessment.people_per_day = Some(20_000);
        assessment.risks = vec![Risk {
            title: "r".into(),
            severity: Some(Level::Limited),
            likelihood: Some(Level::Significant),
            ..Risk::default()
        }];
        assessment.mitigations = vec!["m".into()];
        assessment.actions = vec![Action {
            action: "a".into(),
            owner: "o".into(),
            due: "2026-01-01".into(),
        }];
        assessment.recommendation.decision = Some(Decision::DoNotDeploy);
        assessment.sign_off.decision = Some(Decision::DoNotDeploy);
        assessment
    }

    #[test]
    fn a_complete_assessment_misses_nothing_and_each_empty_required_part_is_named() {
        assert_eq!(missing_parts(&complete()), Vec::<String>::new());
        for field in SECTIONS.iter().flat_map(|s| s.fields) {
            let mut assessment = complete();
            (field.get_mut)(&mut assessment).clear();
            let missing = missing_parts(&assessment);
            match field.missing {
                Some(name) => assert_eq!(missing, vec![name.to_owned()], "{}", field.slug),
                None => assert!(missing.is_empty(), "{}: {missing:?}", field.slug),
            }
        }
        let mut assessment = complete();
        assessment.actions[0].owner.clear();
        assessment.people_per_day = None;
        assessment.sign_off.decision = None;
        assert_eq!(
            missing_parts(&assessment),
            [
                "the people passing per day",
                "an owner and due date for 1 of 1 actions",
                "the approver's decision"
            ]
        );
    }
}
