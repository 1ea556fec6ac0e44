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
    ResidualRisk,
    HumanReview,
    Retention,
    Security,
    Rights,
    Consultation,
    PriorConsultation,
    AuthorityNotification,
    ActionPlan,
    Recommendation,
    SignOff,
    Evidence,
}

/// What a text field holds, which decides when its text counts as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    /// Prose: at least [`MIN_PROSE_WORDS`] distinct words, not a placeholder.
    Prose,
    /// A short line (a name, a role): anything but a placeholder.
    Line,
    /// A calendar date, YYYY-MM-DD.
    Date,
}

/// The fewest words a prose section may hold: "Not applicable because ..." is an answer,
/// "See above" or "Agreed" is not.
pub const MIN_PROSE_WORDS: usize = 3;

/// What stands in for text nobody wrote, compared after trimming punctuation, brackets and case.
const PLACEHOLDERS: [&str; 24] = [
    "tbd",
    "tbc",
    "tba",
    "todo",
    "to do",
    "n/a",
    "na",
    "none",
    "nil",
    "xxx",
    "placeholder",
    "fixme",
    "pending",
    "later",
    "test",
    "to be completed",
    "to be confirmed",
    "to be decided",
    "to be written",
    "to be added",
    "to follow",
    "see above",
    "see below",
    "insert text here",
];

/// Phrases that say the answer is still to come, refused wherever they stand in prose as whole
/// words ("Retention: to be agreed with the DPO"). "not yet", "pending", "to follow" and "ask"
/// are not here: honest answers use them ("faces not yet reviewed are deleted", "people may
/// ask for their records"); [`PLACEHOLDER_OPENINGS`] and [`PLACEHOLDER_ENDINGS`] catch them
/// where they stand for the answer.
const PLACEHOLDER_PHRASES: [&str; 9] = [
    "to be decided",
    "to be agreed",
    "to be confirmed",
    "to be completed",
    "to be determined",
    "see attached",
    "see annex",
    "decide later",
    "will decide",
];

/// Words that, opening a text, say the answer is elsewhere or still to come ("Not yet
/// written.", "Ask IT dept", "Pending the DPO's advice").
const PLACEHOLDER_OPENINGS: [&str; 4] = ["not yet", "ask", "pending", "to follow"];

/// Words that, closing a short text (under [`SHORT_TEXT_WORDS`] words), put the answer off
/// ("Not done yet", "Information to follow.", "Will do later").
const PLACEHOLDER_ENDINGS: [&str; 4] = ["yet", "later", "to follow", "pending"];

/// A text shorter than this that ends in a [`PLACEHOLDER_ENDINGS`] word puts the answer off;
/// a longer one ("... have not been measured yet.") has said something first.
const SHORT_TEXT_WORDS: usize = 6;

/// Whole values that name nobody: refused as a name, role or owner, and as prose.
const NOBODY: [&str; 4] = ["unknown", "someone", "somebody", "anyone"];

/// Whether `text` only holds the place of an answer. In any field: a known placeholder ("TBD",
/// "n/a", "[to be completed]", "Lorem ipsum ...", "xxx"), text that opens with TBD, TBC, TBA,
/// TODO, FIXME or "?", no letters at all ("-", "..."), a value that names nobody ("unknown",
/// "someone"), or a word that mixes Latin letters with Cyrillic or Greek look-alikes ("ТBD"
/// with a Cyrillic Т passes a list of placeholders by eye alone). In prose, besides: fewer
/// than [`MIN_PROSE_WORDS`] distinct words of two letters or more, one word making up more
/// than half the words ("blah blah blah", "N/A. N/A. N/A."), or a phrase that puts the answer
/// off ([`PLACEHOLDER_PHRASES`], [`PLACEHOLDER_OPENINGS`], [`PLACEHOLDER_ENDINGS`]).
/// Empty text is missing, not a placeholder.
pub fn is_placeholder(text: &str, kind: FieldKind) -> bool {
    let lower = text.trim().to_lowercase();
    if lower.is_empty() {
        return false;
    }
    if !lower.chars().any(char::is_alphabetic) || lower.starts_with('?') {
        return true;
    }
    let core = lower.trim_matches(|c: char| !c.is_alphanumeric());
    let words: Vec<&str> = core
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    // "TBD: awaiting the DPO" still says nothing was decided.
    let first_word = words.first().copied().unwrap_or_default();
    PLACEHOLDERS.contains(&core)
        || NOBODY.contains(&core)
        || ["tbd", "tbc", "tba", "todo", "fixme"].contains(&first_word)
        || core.contains("lorem ipsum")
        || core.chars().all(|c| c == 'x')
        || words.iter().any(|word| mixes_look_alike_letters(word))
        || (kind == FieldKind::Prose && !is_prose_answer(&words))
}

/// Whether prose `words` (lower case) say something: enough distinct words, none repeated to
/// fill the space, and no phrase that puts the answer off.
fn is_prose_answer(words: &[&str]) -> bool {
    let long: Vec<&str> = words
        .iter()
        .copied()
        .filter(|word| word.chars().filter(|c| c.is_alphabetic()).count() >= 2)
        .collect();
    let mut distinct = long.clone();
    distinct.sort_unstable();
    distinct.dedup();
    let most_repeated = distinct
        .iter()
        .map(|word| long.iter().filter(|w| *w == word).count())
        .max()
        .unwrap_or(0);
    let spaced = format!(" {} ", words.join(" "));
    let opens = |phrase: &str| spaced.starts_with(&format!(" {phrase} "));
    let ends = |phrase: &str| spaced.ends_with(&format!(" {phrase} "));
    distinct.len() >= MIN_PROSE_WORDS
        && most_repeated * 2 <= long.len()
        && !PLACEHOLDER_PHRASES
            .iter()
            .any(|phrase| spaced.contains(&format!(" {phrase} ")))
        && !PLACEHOLDER_OPENINGS.iter().any(|phrase| opens(phrase))
        && !(words.len() < SHORT_TEXT_WORDS && PLACEHOLDER_ENDINGS.iter().any(|p| ends(p)))
}

/// Whether `word` mixes Latin letters with Cyrillic or Greek ones: "ТВD" (Cyrillic Т and В)
/// reads as "TBD". A word wholly in one script is a word of that script.
fn mixes_look_alike_letters(word: &str) -> bool {
    let latin = word.chars().any(|c| c.is_ascii_alphabetic());
    let look_alike = word
        .chars()
        .any(|c| matches!(c as u32, 0x0370..=0x03FF | 0x0400..=0x04FF | 0x1F00..=0x1FFF));
    latin && look_alike
}

/// A date written YYYY-MM-DD, as (year, month, day), which compare in calendar order.
pub fn calendar_date(text: &str) -> Option<(u32, u32, u32)> {
    let text = text.trim();
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let number = |range: std::ops::Range<usize>| {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse::<u32>().ok())?
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        1..=12 => 31,
        _ => return None,
    };
    (1..=days).contains(&day).then_some((year, month, day))
}

/// A text the reviewer writes in a section.
pub struct TextField {
    /// The command-line name: `lineup assess --section SLUG=TEXT`.
    pub slug: &'static str,
    pub label: &'static str,
    /// How the DRAFT list names it while empty; `None` where it may stay empty.
    pub missing: Option<&'static str>,
    pub multiline: bool,
    pub kind: FieldKind,
    pub get: fn(&Assessment) -> &String,
    pub get_mut: fn(&mut Assessment) -> &mut String,
}

impl TextField {
    pub fn is_missing(&self, assessment: &Assessment) -> bool {
        self.problem(assessment).is_some()
    }

    /// How the DRAFT list names this field while it is empty, a placeholder or (for a date)
    /// not a date; `None` once it is written, or where it may stay empty.
    pub fn problem(&self, assessment: &Assessment) -> Option<String> {
        let name = self.missing?;
        let text = (self.get)(assessment);
        if text.trim().is_empty() {
            Some(name.to_owned())
        } else if self.kind == FieldKind::Date {
            calendar_date(text)
                .is_none()
                .then(|| format!("{name} (not a date YYYY-MM-DD)"))
        } else {
            is_placeholder(text, self.kind).then(|| format!("{name} (placeholder text)"))
        }
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
    ($slug:literal, $label:literal, $missing:expr, $kind:ident, $($path:ident).+) => {
        TextField {
            slug: $slug,
            label: $label,
            missing: $missing,
            multiline: matches!(FieldKind::$kind, FieldKind::Prose),
            kind: FieldKind::$kind,
            get: |a| &a.$($path).+,
            get_mut: |a| &mut a.$($path).+,
        }
    };
}

/// Every section, in reading order.
pub const SECTIONS: [Section; 22] = [
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
            Prose,
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
                Prose,
                purpose
            ),
            text!(
                "legal-basis",
                "Legal basis or policy question",
                Some("the policy question or legal basis"),
                Prose,
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
            Prose,
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
                Prose,
                watchlist_policy
            ),
            text!(
                "data",
                "Notes on the footage and watchlist reviewed",
                None,
                Prose,
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
            Prose,
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
            Prose,
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
            Prose,
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
        guidance: "What reduces each risk. lineup suggests common ones; keep only those that \
                   will really be in place, then adopt them: until then they are marked as \
                   lineup's suggestions, and the report is a draft.",
        generated: Some("a draft of common mitigations"),
        fields: &[],
    },
    Section {
        id: SectionId::ResidualRisk,
        title: "Residual risk",
        guidance: "The risk that remains once the mitigations are in place, risk by risk where \
                   it differs, and whether it is acceptable. A high residual risk means the \
                   supervisory authority must be consulted first (GDPR Art. 36).",
        generated: None,
        fields: &[text!(
            "residual-risk",
            "What risk remains after the mitigations, and is it acceptable",
            Some("the residual risk after mitigations"),
            Prose,
            residual_risk
        )],
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
            Prose,
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
            Prose,
            retention
        )],
    },
    Section {
        id: SectionId::Security,
        title: "Security measures",
        guidance: "How the watchlist, face templates, footage and alert logs are protected: who \
                   may access them, encryption, access logs and their audit, and what happens \
                   after a breach (GDPR Art. 32 and 35(7)(d)).",
        generated: None,
        fields: &[text!(
            "security",
            "Access, encryption, logging, breach response",
            Some("the security measures"),
            Prose,
            security
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
            Prose,
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
            Prose,
            consultation
        )],
    },
    Section {
        id: SectionId::PriorConsultation,
        title: "Prior consultation of the supervisory authority",
        guidance: "Whether the residual risk is high, so that the data protection authority \
                   must be consulted before processing begins (GDPR Art. 36; Law Enforcement \
                   Directive Art. 28), what was decided and why, and the authority's advice \
                   where it was consulted.",
        generated: None,
        fields: &[text!(
            "prior-consultation",
            "Consulted or not, and why; the authority's advice",
            Some("the prior-consultation decision (GDPR Art. 36)"),
            Prose,
            prior_consultation
        )],
    },
    Section {
        id: SectionId::AuthorityNotification,
        title: "Notification of the market-surveillance authority",
        guidance: "A deployer of a high-risk AI system notifies the market-surveillance \
                   authority of the results of this assessment (EU AI Act Art. 27(3)): say \
                   when and how it was or will be done, or why the Act does not apply.",
        generated: None,
        fields: &[text!(
            "authority-notification",
            "When and how the authority is notified, or why not",
            Some("the notification of the market-surveillance authority (AI Act Art. 27(3))"),
            Prose,
            authority_notification
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
            Prose,
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
                Line,
                reviewer.name
            ),
            text!(
                "reviewer-role",
                "Reviewer's role",
                Some("the reviewer's role"),
                Line,
                reviewer.role
            ),
            text!(
                "reviewer-date",
                "Date of the review (YYYY-MM-DD)",
                Some("the date of the review"),
                Date,
                reviewer.date
            ),
            text!(
                "approver",
                "Approver (name and role)",
                Some("the approver"),
                Line,
                sign_off.approver
            ),
            text!(
                "sign-off-date",
                "Date of the decision (YYYY-MM-DD)",
                Some("the date of the decision"),
                Date,
                sign_off.date
            ),
            text!(
                "review-date",
                "Next review (YYYY-MM-DD)",
                Some("the review date"),
                Date,
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
    /// `report_date` (YYYY-MM-DD) is the day the report is made: the dates are judged against it.
    pub fn missing(&self, assessment: &Assessment, report_date: &str) -> Vec<String> {
        let mut missing: Vec<String> = self
            .fields
            .iter()
            .filter_map(|field| field.problem(assessment))
            .collect();
        missing.extend(self.missing_beyond_text(assessment, report_date));
        missing
    }

    /// What is missing among the parts that are not free text.
    fn missing_beyond_text(&self, assessment: &Assessment, report_date: &str) -> Vec<String> {
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
            SectionId::Mitigations => {
                if a.mitigations.iter().any(|m| is_suggestion_pending(a, m)) {
                    missing
                        .push("the mitigations (lineup's suggestions are not yet adopted)".into());
                }
                if a.mitigations
                    .iter()
                    .all(|m| is_placeholder(m, FieldKind::Prose))
                {
                    missing.push("the mitigations (placeholder text)".to_owned());
                }
            }
            SectionId::ActionPlan if a.actions.is_empty() => {
                missing.push("the action plan".to_owned());
            }
            SectionId::ActionPlan => {
                let incomplete = a.actions.iter().filter(|x| !is_action_written(x)).count();
                if incomplete > 0 {
                    missing.push(format!(
                        "an owner and due date for {incomplete} of {} actions",
                        a.actions.len()
                    ));
                }
                missing.extend(action_dates_in_doubt(a, report_date));
            }
            SectionId::Recommendation if a.recommendation.decision.is_none() => {
                missing.push("the recommendation".to_owned());
            }
            SectionId::SignOff => {
                if a.sign_off.decision.is_none() {
                    missing.push("the approver's decision".to_owned());
                }
                missing.extend(dates_out_of_order(a));
                missing.extend(dates_against_the_report(a, report_date));
            }
            _ => {}
        }
        missing
    }
}

/// The mitigations lineup suggests (drafting fills them in where the reviewer wrote none).
/// They are marked as lineup's suggestions until the reviewer adopts them.
pub const SUGGESTED_MITIGATIONS: [&str; 6] = [
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

/// Whether `mitigation` is one of lineup's suggestions that the reviewer has not adopted.
pub fn is_suggestion_pending(assessment: &Assessment, mitigation: &str) -> bool {
    !assessment.mitigations_adopted
        && SUGGESTED_MITIGATIONS
            .iter()
            .any(|suggested| suggested.trim() == mitigation.trim())
}

/// The mitigations as the report lists them: each of lineup's suggestions the reviewer has not
/// adopted says so, so that no reader takes it for a measure anyone committed to.
pub fn mitigations_as_listed(assessment: &Assessment) -> Vec<String> {
    assessment
        .mitigations
        .iter()
        .map(|mitigation| {
            if is_suggestion_pending(assessment, mitigation) {
                format!("{} (suggested by lineup, not adopted)", mitigation.trim())
            } else {
                mitigation.trim().to_owned()
            }
        })
        .collect()
}

/// Whether an action names what (not a placeholder), who (not a placeholder) and a real date.
fn is_action_written(action: &crate::Action) -> bool {
    action.is_complete()
        && !is_placeholder(&action.action, FieldKind::Prose)
        && !is_placeholder(&action.owner, FieldKind::Line)
        && calendar_date(&action.due).is_some()
}

/// The sign-off's dates where they contradict each other: the decision cannot come before the
/// review it decides on, and the next review must come after the decision.
fn dates_out_of_order(assessment: &Assessment) -> Vec<String> {
    let reviewed = calendar_date(&assessment.reviewer.date);
    let decided = calendar_date(&assessment.sign_off.date);
    let next = calendar_date(&assessment.sign_off.review_date);
    let mut wrong = Vec::new();
    if let (Some(reviewed), Some(decided)) = (reviewed, decided)
        && decided < reviewed
    {
        wrong.push(format!(
            "a date of the decision not before the review ({} is before {})",
            assessment.sign_off.date.trim(),
            assessment.reviewer.date.trim()
        ));
    }
    if let (Some(decided), Some(next)) = (decided, next)
        && next <= decided
    {
        wrong.push(format!(
            "a next review date after the decision ({} is not after {})",
            assessment.sign_off.review_date.trim(),
            assessment.sign_off.date.trim()
        ));
    }
    wrong
}

/// How far ahead a date may lie: a next review or an action due more than 10 years after the
/// report is no plan anyone is held to, and 2098 is a typing error or a way round the rules.
const PLAUSIBLE_YEARS_AHEAD: u32 = 10;

/// How long before the report the decision may have been taken. A report records the decision
/// taken on the evidence in it; one more than a year old was taken on older evidence (the
/// assessment is to be reviewed at least that often, ICO DPIA guidance and AI Act Art. 27(2)
/// "update" duty), so the report cannot stand as its record.
const SIGN_OFF_YEARS_BEFORE: u32 = 1;

/// `date` moved by whole years, for comparing calendar tuples (29 February compares as a day
/// between 28 February and 1 March, which is all a bound needs).
fn years_later((year, month, day): (u32, u32, u32), years: i64) -> (u32, u32, u32) {
    let year = u32::try_from(i64::from(year) + years).unwrap_or(0);
    (year, month, day)
}

/// The sign-off's dates where the report's own date contradicts them: the decision cannot be
/// taken after the report that records it, nor long before it; the next review lies ahead of
/// the report; no date lies more than [`PLAUSIBLE_YEARS_AHEAD`] years after it.
fn dates_against_the_report(assessment: &Assessment, report_date: &str) -> Vec<String> {
    let Some(made) = calendar_date(report_date) else {
        return Vec::new();
    };
    let report_date = report_date.trim();
    let decided_text = assessment.sign_off.date.trim();
    let next_text = assessment.sign_off.review_date.trim();
    let mut wrong = Vec::new();
    if let Some(decided) = calendar_date(decided_text) {
        if decided > made {
            wrong.push(format!(
                "a date of the decision not after the report date ({decided_text} is after \
                 {report_date})"
            ));
        } else if decided < years_later(made, -i64::from(SIGN_OFF_YEARS_BEFORE)) {
            wrong.push(format!(
                "a date of the decision at most a year before the report date ({decided_text} \
                 is more than a year before {report_date})"
            ));
        }
    }
    if let Some(next) = calendar_date(next_text)
        && next <= made
    {
        wrong.push(format!(
            "a next review date after the report date ({next_text} is not after {report_date})"
        ));
    }
    let too_far = years_later(made, i64::from(PLAUSIBLE_YEARS_AHEAD));
    for (name, text) in [
        ("date of the review", assessment.reviewer.date.trim()),
        ("date of the decision", decided_text),
        ("review date", next_text),
    ] {
        if calendar_date(text).is_some_and(|date| date > too_far) {
            wrong.push(format!(
                "a plausible {name} ({text} is more than {PLAUSIBLE_YEARS_AHEAD} years after \
                 the report date {report_date})"
            ));
        }
    }
    wrong
}

/// The actions' due dates where they contradict the assessment: an action is due on or after
/// the review that set it (the date of the review), and within [`PLAUSIBLE_YEARS_AHEAD`] years
/// of the report.
fn action_dates_in_doubt(assessment: &Assessment, report_date: &str) -> Vec<String> {
    let dues: Vec<(&str, (u32, u32, u32))> = assessment
        .actions
        .iter()
        .filter_map(|action| Some((action.due.trim(), calendar_date(&action.due)?)))
        .collect();
    let count = assessment.actions.len();
    let mut wrong = Vec::new();
    let reviewed_text = assessment.reviewer.date.trim();
    if let Some(reviewed) = calendar_date(reviewed_text) {
        let early: Vec<&str> = dues
            .iter()
            .filter(|(_, due)| *due < reviewed)
            .map(|(text, _)| *text)
            .collect();
        if !early.is_empty() {
            wrong.push(format!(
                "due dates on or after the date of the review for {} of {count} actions ({} is \
                 before {reviewed_text})",
                early.len(),
                early.join(", ")
            ));
        }
    }
    if let Some(made) = calendar_date(report_date) {
        let too_far = years_later(made, i64::from(PLAUSIBLE_YEARS_AHEAD));
        let far = dues.iter().filter(|(_, due)| *due > too_far).count();
        if far > 0 {
            wrong.push(format!(
                "plausible due dates for {far} of {count} actions (more than \
                 {PLAUSIBLE_YEARS_AHEAD} years after the report date {})",
                report_date.trim()
            ));
        }
    }
    wrong
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

/// What the reviewer has still to write or decide, section by section, in reading order, in a
/// report made on `report_date` (YYYY-MM-DD; the day of `generated_at`, or today while editing).
pub fn missing_parts(assessment: &Assessment, report_date: &str) -> Vec<String> {
    SECTIONS
        .iter()
        .flat_map(|section| section.missing(assessment, report_date))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, Decision, Level, Risk};

    /// The date the reports in these tests were made: the day of the sign-off in [`complete`].
    const REPORT_DATE: &str = "2025-07-07";

    fn missing_parts(assessment: &Assessment) -> Vec<String> {
        super::missing_parts(assessment, REPORT_DATE)
    }

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
            *(field.get_mut)(&mut assessment) = format!("Written text for {}.", field.slug);
        }
        assessment.reviewer.date = "2025-06-30".into();
        assessment.sign_off.date = "2025-07-07".into();
        assessment.sign_off.review_date = "2026-01-07".into();
        assessment.people_per_day = Some(20_000);
        assessment.risks = vec![Risk {
            title: "r".into(),
            severity: Some(Level::Limited),
            likelihood: Some(Level::Significant),
            ..Risk::default()
        }];
        assessment.mitigations = vec!["Alerts are checked by a trained officer.".into()];
        assessment.actions = vec![Action {
            action: "Publish the criteria".into(),
            owner: "Head of operations".into(),
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
            if field.slug == "reviewer-date" {
                // Without the review's date, the decision's date has nothing to follow.
                assert_eq!(missing, vec!["the date of the review".to_owned()]);
                continue;
            }
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

    #[test]
    fn placeholders_count_as_missing_and_say_so() {
        for text in [
            "TBD",
            "tbc.",
            "TODO",
            "n/a",
            "-",
            ".",
            "...",
            "Lorem ipsum dolor sit amet",
            "[to be completed]",
            "xxx",
            "XXXX",
            "123",
            "Agreed.",
            "TBD: awaiting the DPO's advice",
        ] {
            let mut assessment = complete();
            assessment.retention = text.into();
            assert_eq!(
                missing_parts(&assessment),
                ["retention and deletion (placeholder text)"],
                "{text:?}"
            );
        }
        let mut assessment = complete();
        // Text that merely mentions a placeholder word is an answer.
        assessment.necessity = "Officers with printed photos are the alternative; todo lists \
                                do not apply."
            .into();
        assessment.retention = "Not applicable: nothing is recorded.".into();
        assessment.sign_off.approver = "TBD".into();
        assert_eq!(
            missing_parts(&assessment),
            ["the approver (placeholder text)"]
        );
        // A name is short by nature: two words are a name, not a placeholder.
        assessment.sign_off.approver = "A. Approver".into();
        assert!(missing_parts(&assessment).is_empty());
    }

    #[test]
    fn dates_must_be_dates_in_order() {
        let mut assessment = complete();
        assessment.sign_off.date = "TBD".into();
        assessment.sign_off.review_date = "2025-02-30".into();
        assert_eq!(
            missing_parts(&assessment),
            [
                "the date of the decision (not a date YYYY-MM-DD)",
                "the review date (not a date YYYY-MM-DD)"
            ]
        );
        let mut assessment = complete();
        assessment.sign_off.date = "2025-01-01".into();
        assessment.sign_off.review_date = "2024-12-31".into();
        assert_eq!(
            missing_parts(&assessment),
            [
                "a date of the decision not before the review (2025-01-01 is before 2025-06-30)",
                "a next review date after the decision (2024-12-31 is not after 2025-01-01)",
                "a next review date after the report date (2024-12-31 is not after 2025-07-07)"
            ]
        );
        assert_eq!(calendar_date("2024-02-29"), Some((2024, 2, 29)));
        assert_eq!(calendar_date("2023-02-29"), None);
        assert_eq!(calendar_date("2024-2-9"), None);
    }

    #[test]
    fn placeholder_actions_and_unadopted_suggestions_are_missing() {
        let mut assessment = complete();
        assessment.actions[0] = Action {
            action: "TBD".into(),
            owner: "TBD".into(),
            due: "2025-09-01".into(),
        };
        assessment.mitigations = SUGGESTED_MITIGATIONS
            .iter()
            .map(|m| m.to_string())
            .collect();
        assert_eq!(
            missing_parts(&assessment),
            [
                "the mitigations (lineup's suggestions are not yet adopted)",
                "an owner and due date for 1 of 1 actions"
            ]
        );
        assert!(is_suggestion_pending(&assessment, SUGGESTED_MITIGATIONS[1]));
        assessment.mitigations_adopted = true;
        assessment.actions = complete().actions;
        assert!(missing_parts(&assessment).is_empty());
        assessment.mitigations = vec!["TBD".into()];
        assert_eq!(
            missing_parts(&assessment),
            ["the mitigations (placeholder text)"]
        );
    }

    /// The second-round expert's near-placeholders (#16, finding 5), each refused in prose.
    #[test]
    fn near_placeholders_in_prose_are_refused() {
        for text in [
            "To be decided later.",
            "Pending pending pending",
            "see attached document",
            "N/A. N/A. N/A.",
            "ТВD ТВD ТВD",
            "word word word",
            "blah blah blah",
            "Not yet written.",
            "Information to follow.",
            "See attached annex.",
            "To be agreed.",
            "Ask IT dept",
            "Will decide later",
            "Not done yet",
            "?unknown",
            "Unknown",
            "Someone",
        ] {
            assert!(is_placeholder(text, FieldKind::Prose), "{text:?}");
            let mut assessment = complete();
            assessment.retention = text.into();
            assert_eq!(
                missing_parts(&assessment),
                ["retention and deletion (placeholder text)"],
                "{text:?}"
            );
        }
    }

    /// Names, roles and owners: the expert's "?unknown", Cyrillic "ТBD", "Unknown", "someone".
    #[test]
    fn near_placeholders_in_names_roles_and_owners_are_refused() {
        for text in ["?unknown", "ТBD", "Unknown", "someone", "Somebody", "N/A"] {
            assert!(is_placeholder(text, FieldKind::Line), "{text:?}");
        }
        let mut assessment = complete();
        assessment.sign_off.approver = "?unknown".into();
        assessment.reviewer.name = "ТBD".into();
        assessment.reviewer.role = "Unknown".into();
        assessment.actions[0].owner = "someone".into();
        let missing = missing_parts(&assessment);
        for part in [
            "the approver (placeholder text)",
            "an owner and due date for 1 of 1 actions",
        ] {
            assert!(missing.contains(&part.to_owned()), "{part}: {missing:?}");
        }
        assert_eq!(missing.len(), 4, "{missing:?}");
    }

    /// Honest answers stay answers: the example report's texts, a name, a word repeated in
    /// a real sentence, a non-Latin name written in its own script.
    #[test]
    fn honest_texts_are_not_placeholders() {
        for text in [
            "Example text: the vendor would supply \"FaceWatch Live 4.2\" (a made-up product); \
             its own error rates have not been measured yet.",
            "Example text: faces without an alert are deleted at once; alerts and their logs \
             after 31 days unless needed for a case.",
            "Example text: the DPO advised on 2025-05-12; a public meeting was held on \
             2025-05-20; an equality impact assessment is attached.",
            "Example text: signs at each entrance and a web page explain the cameras; \
             complaints go to the professional standards department, then to the regulator.",
            "Example text: a trained officer compares every alert with the enrolment photo \
             before anyone is approached; nobody is stopped on a match alone.",
            "Example text: only after the vendor system is measured per group on local \
             footage, with a human check of every alert.",
            "People may ask for their records; faces not yet reviewed are deleted daily.",
            "Not applicable: nothing is recorded.",
        ] {
            assert!(!is_placeholder(text, FieldKind::Prose), "{text:?}");
        }
        for text in [
            "Example Reviewer",
            "Data protection officer",
            "Head of operations",
            "Example Approver, Chief Superintendent",
            "Иван Петров",
        ] {
            assert!(!is_placeholder(text, FieldKind::Line), "{text:?}");
        }
    }

    /// The second-round expert's dates (#16, finding 6), each judged against the report's date.
    #[test]
    fn a_next_review_date_before_the_report_is_refused() {
        let mut assessment = complete();
        // 16 months before the report, yet after the decision.
        assessment.reviewer.date = "2024-01-02".into();
        assessment.sign_off.date = "2024-02-01".into();
        assessment.sign_off.review_date = "2024-03-07".into();
        let missing = super::missing_parts(&assessment, "2025-07-07");
        assert!(
            missing.contains(
                &"a next review date after the report date (2024-03-07 is not after 2025-07-07)"
                    .to_owned()
            ),
            "{missing:?}"
        );
    }

    #[test]
    fn a_sign_off_after_the_report_date_is_refused() {
        // The example bundle: report made 2025-06-30, sign-off recorded 2025-07-07.
        let missing = super::missing_parts(&complete(), "2025-06-30");
        assert_eq!(
            missing,
            ["a date of the decision not after the report date (2025-07-07 is after 2025-06-30)"]
        );
    }

    #[test]
    fn a_sign_off_more_than_a_year_before_the_report_is_refused() {
        let missing = super::missing_parts(&complete(), "2026-07-08");
        assert!(
            missing.contains(
                &"a date of the decision at most a year before the report date (2025-07-07 is \
                  more than a year before 2026-07-08)"
                    .to_owned()
            ),
            "{missing:?}"
        );
        assert!(super::missing_parts(&complete(), "2026-07-07").len() == 1);
    }

    #[test]
    fn dates_in_2098_are_refused_as_implausible() {
        let mut assessment = complete();
        assessment.reviewer.date = "2098-01-01".into();
        assessment.sign_off.date = "2098-06-01".into();
        assessment.sign_off.review_date = "2099-01-01".into();
        assessment.actions[0].due = "2099-01-01".into();
        let missing = super::missing_parts(&assessment, "2098-06-01");
        assert!(missing.is_empty(), "{missing:?}");
        let missing = super::missing_parts(&assessment, "2025-07-07");
        for part in [
            "a plausible date of the review (2098-01-01 is more than 10 years after the report \
             date 2025-07-07)",
            "a plausible review date (2099-01-01 is more than 10 years after the report date \
             2025-07-07)",
            "plausible due dates for 1 of 1 actions (more than 10 years after the report date \
             2025-07-07)",
        ] {
            assert!(missing.contains(&part.to_owned()), "{part}: {missing:?}");
        }
    }

    #[test]
    fn an_action_due_before_the_review_is_refused() {
        let mut assessment = complete();
        assessment.actions[0].due = "2020-01-01".into();
        assert_eq!(
            missing_parts(&assessment),
            [
                "due dates on or after the date of the review for 1 of 1 actions (2020-01-01 is \
              before 2025-06-30)"
            ]
        );
    }
}
