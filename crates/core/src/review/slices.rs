//! Slices: groups of labelled tracks by one or more demographic attributes, crossed
//! (intersectional: "Monk 7–10 × female"), turned into the searches the metrics engine counts.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::ReviewDocument;
use super::labels::{AttributeError, AttributeSchema, GroundTruth, UNKNOWN};
use super::tracks::track_match;
use crate::ids::{IdentityId, TrackId};
use crate::metrics::{PeopleKnown, Search, SliceIndex};

/// Which attributes to cross. Empty: everyone in one slice.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Slicing {
    pub attributes: Vec<String>,
}

impl Slicing {
    pub fn by(attributes: &[&str]) -> Self {
        Self {
            attributes: attributes.iter().map(|a| a.to_string()).collect(),
        }
    }
}

/// The named value groups of one attribute, the last always "unknown".
#[derive(Debug, Clone)]
struct Dimension {
    attribute: String,
    /// (group name, values)
    groups: Vec<(String, Vec<String>)>,
}

impl Dimension {
    fn of(schema: &AttributeSchema, attribute: &str) -> Result<Self, AttributeError> {
        let definition = schema.definition(attribute)?;
        let mut groups: Vec<(String, Vec<String>)> = if definition.groups.is_empty() {
            definition
                .values
                .iter()
                .map(|v| (v.clone(), vec![v.clone()]))
                .collect()
        } else {
            definition
                .groups
                .iter()
                .map(|g| (g.name.clone(), g.values.clone()))
                .collect()
        };
        groups.push((UNKNOWN.to_string(), Vec::new()));
        Ok(Self {
            attribute: attribute.to_string(),
            groups,
        })
    }

    /// The group a value falls in; values in no group count as unknown.
    fn group_of(&self, value: &str) -> usize {
        self.groups
            .iter()
            .position(|(_, values)| values.iter().any(|v| v == value))
            .unwrap_or(self.groups.len() - 1)
    }
}

/// Labelled tracks as searches, each tagged with its slice.
#[derive(Debug, Clone, PartialEq)]
pub struct SlicedSearches {
    /// One name per slice ("Monk 7–10 × female"), in slice order.
    pub names: Vec<String>,
    /// In ascending order of top score when made by [`LabelledTracks::slice`], so building the
    /// index finds every slice already sorted. Any order gives the same metrics.
    pub searches: Vec<Search>,
    /// For each search, the index of the track it came from.
    pub tracks: Vec<TrackId>,
    /// Per slice, whether it is (partly) an "unknown" group: never a reference for ratios.
    pub unknown: Vec<bool>,
    /// Whether the people behind non-mated searches are all named.
    pub people_known: PeopleKnown,
}

impl SlicedSearches {
    pub fn index(&self) -> SliceIndex {
        SliceIndex::build(&self.searches, self.names.len())
    }
}

/// The labelled tracks of a review, ready to be sliced any way (see
/// [`ReviewDocument::labelled_tracks`]).
///
/// Gathered after every label change, so that a new slicing costs only table lookups: the
/// tracks are kept in ascending order of top score, which hands each slice its scores already
/// sorted, and attribute values are numbered, so no string is compared per track.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LabelledTracks {
    /// Track indices in the document, in ascending order of top score.
    pub tracks: Vec<TrackId>,
    pub truth: Vec<Option<IdentityId>>,
    pub matched: Vec<super::TrackMatch>,
    /// Who each track is of, numbered in document order of first appearance (see
    /// [`crate::metrics::Search::person`]).
    pub people: Vec<u32>,
    /// Whether every track labelled not on the watchlist names its person.
    pub people_known: PeopleKnown,
    /// Per attribute, each labelled track's value ("unknown" where none).
    pub values: BTreeMap<String, NumberedValues>,
}

/// One attribute's value for each of a list of tracks, each distinct value stored once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NumberedValues {
    /// The distinct values, in order of first appearance.
    pub distinct: Vec<String>,
    /// For each track, its value's position in `distinct`.
    pub numbers: Vec<u32>,
    /// Each distinct value's number. A map, not a search of `distinct`: a review file may hold
    /// any number of values that are not in its schema.
    lookup: HashMap<String, u32>,
}

impl NumberedValues {
    fn push(&mut self, value: &str) {
        let number = match self.lookup.get(value) {
            Some(&number) => number,
            None => {
                let number = self.distinct.len() as u32;
                self.distinct.push(value.to_string());
                self.lookup.insert(value.to_string(), number);
                number
            }
        };
        self.numbers.push(number);
    }

    /// Puts the tracks in a new order: track `i` becomes the one that was `order[i]`.
    fn reorder(&mut self, order: &[usize]) {
        self.numbers = reordered(&self.numbers, order);
    }
}

/// `items` in a new order: item `i` is the one that was `order[i]`.
fn reordered<T: Copy>(items: &[T], order: &[usize]) -> Vec<T> {
    order.iter().map(|&i| items[i]).collect()
}

impl LabelledTracks {
    pub fn slice(
        &self,
        schema: &AttributeSchema,
        slicing: &Slicing,
    ) -> Result<SlicedSearches, AttributeError> {
        let dimensions: Vec<Dimension> = slicing
            .attributes
            .iter()
            .map(|a| Dimension::of(schema, a))
            .collect::<Result<_, _>>()?;
        let mut slice_of = vec![0usize; self.tracks.len()];
        for dimension in &dimensions {
            let Some(values) = self.values.get(&dimension.attribute) else {
                continue;
            };
            // Each distinct value's group, looked up once rather than once per track.
            let group_of_value: Vec<usize> = values
                .distinct
                .iter()
                .map(|value| dimension.group_of(value))
                .collect();
            // Mixed-radix slice numbers, the first attribute most significant (as slice_names).
            for (slice, &number) in slice_of.iter_mut().zip(&values.numbers) {
                *slice = *slice * dimension.groups.len() + group_of_value[number as usize];
            }
        }
        let searches = (0..self.tracks.len())
            .map(|i| Search {
                true_identity: self.truth[i],
                top_identity: self.matched[i].identity,
                top_score: self.matched[i].score,
                slice: slice_of[i],
                person: self.people[i],
            })
            .collect();
        Ok(SlicedSearches {
            names: slice_names(&dimensions),
            searches,
            tracks: self.tracks.clone(),
            unknown: unknown_slices(&dimensions),
            people_known: self.people_known,
        })
    }

    /// Sorts the tracks by ascending top score (NaN last), keeping every column aligned.
    fn sort_by_score(&mut self) {
        let mut order: Vec<usize> = (0..self.tracks.len()).collect();
        order.sort_by(|&a, &b| self.matched[a].score.total_cmp(&self.matched[b].score));
        self.tracks = reordered(&self.tracks, &order);
        self.truth = reordered(&self.truth, &order);
        self.matched = reordered(&self.matched, &order);
        self.people = reordered(&self.people, &order);
        for values in self.values.values_mut() {
            values.reorder(&order);
        }
    }
}

impl ReviewDocument {
    /// A track's value of `attribute`: its own label, or for a person on the watchlist the
    /// identity's recorded value when the track has none; otherwise "unknown".
    pub fn track_attribute(&self, track: TrackId, attribute: &str) -> &str {
        let Some(track) = self.tracks.get(track.index()) else {
            return UNKNOWN;
        };
        let own = track
            .attributes
            .get(attribute)
            .map(String::as_str)
            .filter(|v| *v != UNKNOWN);
        let inherited = || match track.label {
            GroundTruth::OnWatchlist(identity) => self
                .identity_name(identity)
                .and_then(|name| self.identity_attributes.get(name))
                .and_then(|attributes| attributes.get(attribute))
                .map(String::as_str),
            _ => None,
        };
        own.or_else(inherited).unwrap_or(UNKNOWN)
    }

    /// The slice of `slicing` each track falls in by its attributes (labelled or not), numbered
    /// as [`ReviewDocument::sliced_searches`] numbers slices.
    pub fn slices_of_tracks(&self, slicing: &Slicing) -> Result<Vec<usize>, AttributeError> {
        let dimensions: Vec<Dimension> = slicing
            .attributes
            .iter()
            .map(|attribute| Dimension::of(&self.attribute_schema, attribute))
            .collect::<Result<_, _>>()?;
        Ok((0..self.tracks.len())
            .map(|track| {
                dimensions.iter().fold(0, |slice, dimension| {
                    let value = self.track_attribute(TrackId(track), &dimension.attribute);
                    slice * dimension.groups.len() + dimension.group_of(value)
                })
            })
            .collect())
    }

    /// Every track labelled on or off the watchlist as a search, in its slice. Unlabelled tracks
    /// and tracks labelled "not a face" are left out of the rates.
    pub fn sliced_searches(&self, slicing: &Slicing) -> Result<SlicedSearches, AttributeError> {
        self.labelled_tracks()
            .slice(&self.attribute_schema, slicing)
    }

    /// The labelled tracks with what slicing needs, gathered once: after a label changes, not
    /// after every slicing change (which then costs a pass over small arrays).
    pub fn labelled_tracks(&self) -> LabelledTracks {
        let mut labelled = LabelledTracks {
            people_known: PeopleKnown { non_mated: true },
            ..LabelledTracks::default()
        };
        let mut person_numbers: HashMap<PersonKey, u32> = HashMap::new();
        for definition in &self.attribute_schema.attributes {
            labelled
                .values
                .insert(definition.name.clone(), NumberedValues::default());
        }
        for (index, track) in self.tracks.iter().enumerate() {
            let truth = match track.label {
                GroundTruth::OnWatchlist(identity) => Some(identity),
                GroundTruth::NotOnWatchlist => None,
                GroundTruth::Unlabelled | GroundTruth::NotAFace => continue,
            };
            let key = match (truth, &track.person) {
                (Some(identity), _) => PersonKey::Enrolled(identity),
                (None, Some(name)) => PersonKey::Named(name.trim().to_string()),
                (None, None) => {
                    labelled.people_known.non_mated = false;
                    PersonKey::Track(index)
                }
            };
            let next = person_numbers.len() as u32;
            labelled
                .people
                .push(*person_numbers.entry(key).or_insert(next));
            labelled.tracks.push(TrackId(index));
            labelled.truth.push(truth);
            labelled.matched.push(track_match(
                &track.detections,
                &self.detections,
                self.alert_rule,
            ));
            for (attribute, values) in &mut labelled.values {
                values.push(self.track_attribute(TrackId(index), attribute));
            }
        }
        labelled.sort_by_score();
        labelled
    }
}

/// Who a labelled track is of: an enrolled identity, a person the reviewer named, or (neither
/// known) the track itself.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PersonKey {
    Enrolled(IdentityId),
    Named(String),
    Track(usize),
}

/// The slice of `slicing` that a person with `attributes` falls in (an attribute they lack is
/// unknown), numbered as [`ReviewDocument::sliced_searches`] numbers slices.
pub(crate) fn slice_of_attributes(
    schema: &AttributeSchema,
    slicing: &Slicing,
    attributes: &super::Attributes,
) -> Result<usize, AttributeError> {
    slicing.attributes.iter().try_fold(0, |slice, attribute| {
        let dimension = Dimension::of(schema, attribute)?;
        let value = attributes.get(attribute).map_or(UNKNOWN, String::as_str);
        Ok(slice * dimension.groups.len() + dimension.group_of(value))
    })
}

/// Per slice, whether any of its groups is "unknown" (numbered as `slice_names` numbers them).
fn unknown_slices(dimensions: &[Dimension]) -> Vec<bool> {
    let mut unknown = vec![false];
    for dimension in dimensions {
        let last = dimension.groups.len() - 1;
        unknown = unknown
            .iter()
            .flat_map(|&before| (0..=last).map(move |group| before || group == last))
            .collect();
    }
    unknown
}

/// One threshold per slice: its own where set, `global` elsewhere.
pub fn thresholds_for(names: &[String], own: &BTreeMap<String, f32>, global: f32) -> Vec<f32> {
    names
        .iter()
        .map(|name| own.get(name).copied().unwrap_or(global))
        .collect()
}

fn slice_names(dimensions: &[Dimension]) -> Vec<String> {
    let mut names = vec![String::new()];
    for dimension in dimensions {
        names = names
            .iter()
            .flat_map(|prefix| {
                dimension.groups.iter().map(move |(group, _)| {
                    let group = if group == UNKNOWN {
                        format!("{} unknown", dimension.attribute)
                    } else {
                        group.clone()
                    };
                    if prefix.is_empty() {
                        group
                    } else {
                        format!("{prefix} × {group}")
                    }
                })
            })
            .collect();
    }
    if dimensions.is_empty() {
        vec!["everyone".to_string()]
    } else {
        names
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_cross_groups_with_unknown_last() {
        let schema = AttributeSchema::default();
        let dims = vec![
            Dimension::of(&schema, "skin").unwrap(),
            Dimension::of(&schema, "gender").unwrap(),
        ];
        let names = slice_names(&dims);
        assert_eq!(names.len(), 4 * 4);
        assert_eq!(names[0], "Monk 1–3 × female");
        assert_eq!(names[3], "Monk 1–3 × gender unknown");
        assert_eq!(names[15], "skin unknown × gender unknown");
        // Monk 9 × male: group 2 of skin, group 1 of gender.
        // Slices number the groups mixed-radix, the first attribute most significant.
        let number = dims[0].group_of("9") * dims[1].groups.len() + dims[1].group_of("male");
        assert_eq!(names[number], "Monk 7–10 × male");
        assert_eq!(dims[0].group_of("not a value"), 3);
        assert_eq!(slice_names(&[]), ["everyone"]);
    }

    #[test]
    fn slicing_by_an_unknown_attribute_is_an_error() {
        let err = Dimension::of(&AttributeSchema::default(), "height").unwrap_err();
        assert!(err.to_string().contains("no attribute named \"height\""));
    }

    #[test]
    fn own_thresholds_override_the_global_one() {
        let names = vec!["a".to_string(), "b".to_string()];
        let own = BTreeMap::from([("b".to_string(), 0.7)]);
        assert_eq!(thresholds_for(&names, &own, 0.5), vec![0.5, 0.7]);
    }
}
