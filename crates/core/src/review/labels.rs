//! Ground truth and demographic attributes: what a reviewer says about each face track and each
//! watchlist identity. Attributes are perceived, not known, and every value may be "unknown".

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ids::{IdentityId, TrackId};

/// The value every attribute may take when a reviewer cannot or will not say.
pub const UNKNOWN: &str = "unknown";

/// Who a face track really is, as a reviewer labelled it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum GroundTruth {
    #[default]
    Unlabelled,
    /// This person is the watchlist identity with this index (a mated search).
    OnWatchlist(IdentityId),
    /// This person is not on the watchlist (a non-mated search).
    NotOnWatchlist,
    /// Not a face, or too poor to tell: left out of every rate.
    NotAFace,
}

/// One change of a track's label, as the review's history keeps it: nothing is ever removed from
/// it, undoing a label is a change of its own, so a court can see how every label came about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelChange {
    pub track: TrackId,
    /// When, in UTC (`YYYY-MM-DDThh:mm:ssZ`).
    pub at: String,
    /// Who: the reviewer named in the assessment, or how the change came (a CSV import).
    pub by: String,
    pub from: GroundTruth,
    pub to: GroundTruth,
    /// Set where the change settled a disagreement of the two reviewers: whose value was kept
    /// (`by` is who settled it). Absent for any other change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settled: Option<super::Reviewer>,
}

/// Attribute name → value; an attribute absent from the map is unknown.
pub type Attributes = BTreeMap<String, String>;

/// One attribute a reviewer records, with its allowed values in display order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeDefinition {
    /// Short name used in slices, CSV columns and the command line (`skin`, `gender`, `age`).
    pub name: String,
    /// What the reviewer is asked, in plain words.
    pub question: String,
    pub values: Vec<String>,
    /// Named groups of values offered when slicing (e.g. "Monk 7–10"); empty means each value
    /// is its own group.
    #[serde(default)]
    pub groups: Vec<ValueGroup>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ValueGroup {
    pub name: String,
    pub values: Vec<String>,
}

/// The attributes a review records. Configurable per review; [`AttributeSchema::default`] gives
/// perceived skin tone on the 10-point Monk scale, perceived gender and age band.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeSchema {
    pub attributes: Vec<AttributeDefinition>,
}

impl Default for AttributeSchema {
    fn default() -> Self {
        let monk: Vec<String> = (1..=10).map(|v| v.to_string()).collect();
        let group = |name: &str, range: std::ops::RangeInclusive<u8>| ValueGroup {
            name: name.to_string(),
            values: range.map(|v| v.to_string()).collect(),
        };
        let strings = |values: &[&str]| values.iter().map(|v| v.to_string()).collect();
        Self {
            attributes: vec![
                AttributeDefinition {
                    name: "skin".into(),
                    question:
                        "Perceived skin tone, Monk Skin Tone scale 1 (lightest) to 10 (darkest)"
                            .into(),
                    values: monk,
                    groups: vec![
                        group("Monk 1–3", 1..=3),
                        group("Monk 4–6", 4..=6),
                        group("Monk 7–10", 7..=10),
                    ],
                },
                AttributeDefinition {
                    name: "gender".into(),
                    question: "Perceived gender".into(),
                    values: strings(&["female", "male", "other"]),
                    groups: Vec::new(),
                },
                AttributeDefinition {
                    name: "age".into(),
                    question: "Perceived age band".into(),
                    values: strings(&["under 18", "18–29", "30–44", "45–59", "60+"]),
                    groups: Vec::new(),
                },
            ],
        }
    }
}

impl AttributeSchema {
    pub fn get(&self, name: &str) -> Option<&AttributeDefinition> {
        self.attributes.iter().find(|a| a.name == name)
    }

    /// Checks `value` is allowed for `attribute` ("unknown" always is).
    pub fn check(&self, attribute: &str, value: &str) -> Result<(), AttributeError> {
        let definition = self.definition(attribute)?;
        if value == UNKNOWN || definition.values.iter().any(|v| v == value) {
            Ok(())
        } else {
            Err(AttributeError::UnknownValue {
                attribute: attribute.to_owned(),
                value: value.to_owned(),
                allowed: definition.values.clone(),
            })
        }
    }

    /// The definition of `attribute`, or an error naming the attributes there are.
    pub fn definition(&self, attribute: &str) -> Result<&AttributeDefinition, AttributeError> {
        self.get(attribute)
            .ok_or_else(|| AttributeError::UnknownAttribute {
                attribute: attribute.to_owned(),
                known: self.attributes.iter().map(|a| a.name.clone()).collect(),
            })
    }
}

/// An attribute or value outside the review's attribute schema.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AttributeError {
    #[error("no attribute named {attribute:?} (known: {})", known.join(", "))]
    UnknownAttribute {
        attribute: String,
        known: Vec<String>,
    },
    #[error("{value:?} is not a value of {attribute} (allowed: {}, {UNKNOWN})", allowed.join(", "))]
    UnknownValue {
        attribute: String,
        value: String,
        allowed: Vec<String>,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schema_is_monk_gender_and_age() {
        let schema = AttributeSchema::default();
        let names: Vec<&str> = schema.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["skin", "gender", "age"]);
        assert_eq!(schema.get("skin").unwrap().values.len(), 10);
        let grouped: usize = schema
            .get("skin")
            .unwrap()
            .groups
            .iter()
            .map(|g| g.values.len())
            .sum();
        assert_eq!(grouped, 10, "the Monk groups cover every value once");
    }

    #[test]
    fn values_are_checked_against_the_schema() {
        let schema = AttributeSchema::default();
        assert!(schema.check("skin", "7").is_ok());
        assert!(schema.check("skin", UNKNOWN).is_ok());
        assert!(
            schema
                .check("skin", "11")
                .unwrap_err()
                .to_string()
                .contains("not a value of skin")
        );
        assert!(
            schema
                .check("height", "tall")
                .unwrap_err()
                .to_string()
                .contains("no attribute named")
        );
    }
}
