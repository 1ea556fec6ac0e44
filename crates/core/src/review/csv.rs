//! Labels and attributes as CSV, one row per track, for spreadsheets and other tools.
//!
//! Columns, in order: `track` (id), `input` (file), `first_frame`, `first_time_s`, `last_time_s`,
//! `faces` (detections in the track), `top_identity` and `top_score` (the candidate the track's
//! alert decision rests on, under the review's alert rule; the score on the recognizer's own
//! scale, a distance as the distance), `top_score_metric` (what `top_score` is: `cosine
//! similarity` or `Euclidean distance`), `label`, `person`, one column per
//! attribute of the review's schema, `skin_suggestion` (the ITA-based Monk suggestion) and
//! `skin_suggestion_range` (how uncertain it is: the Monk values, lightest first, that the track's
//! cheek pixels' ITA interquartile ranges span, as `3-5`; empty without a suggestion, and for
//! reviews analysed before the range was recorded). `label` is one of `unlabelled`,
//! `not_on_watchlist`, `not_a_face` or `watchlist:<identity name>`; `person` names a person not on
//! the watchlist, so that several tracks of one person count as one person in the intervals
//! (empty: unnamed); an attribute cell holds one of the schema's values, `unknown`, or nothing
//! (also unknown).
//!
//! A simulated review's CSV (the workshop scenario) starts with a `# SIMULATED: …` line and has a
//! first column `simulated` whose every value is `SIMULATED`; import skips `#` lines and refuses
//! such a file for a review that is not a simulation.
//!
//! On import only `track`, `label`, `person` and the attribute columns are read (`label` and
//! `person` may be left out); the others are there for people and are ignored. Import checks every row before changing anything, so a file with one
//! bad row changes nothing and the error names its line.

use std::collections::HashMap;
use std::path::Path;

use super::labels::{Attributes, GroundTruth, UNKNOWN};
use super::scenario;
use super::{ReviewDocument, save_failure, write_atomically};
use crate::ids::TrackId;

#[derive(Debug, thiserror::Error)]
pub enum CsvError {
    #[error("{}: cannot be read: {reason}", path.display())]
    Unreadable {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("{}: cannot be written: {reason}", path.display())]
    Unwritable {
        path: std::path::PathBuf,
        reason: String,
    },
    #[error("{}: line {line}: {message}", path.display())]
    Invalid {
        path: std::path::PathBuf,
        line: u64,
        message: String,
    },
}

/// The column every row of a simulation's CSV holds, its value always `SIMULATED`.
const SIMULATED_COLUMN: &str = "simulated";

/// The first line of a simulation's CSV; import skips lines starting with `#` (no row does: its
/// first cell is a number or `SIMULATED`).
const SIMULATION_COMMENT: &str = "# SIMULATED: the labels of a workshop scenario drawn from score \
     distributions, not of footage; they describe no real system";

const INFORMATIONAL: [&str; 10] = [
    "input",
    "first_frame",
    "first_time_s",
    "last_time_s",
    "faces",
    "top_identity",
    "top_score",
    "top_score_metric",
    "skin_suggestion",
    "skin_suggestion_range",
];

/// The label as written in the CSV.
pub(crate) fn label_text(document: &ReviewDocument, label: GroundTruth) -> String {
    match label {
        GroundTruth::Unlabelled => "unlabelled".into(),
        GroundTruth::NotOnWatchlist => "not_on_watchlist".into(),
        GroundTruth::NotAFace => "not_a_face".into(),
        GroundTruth::OnWatchlist(identity) => {
            format!(
                "watchlist:{}",
                document.identity_name(identity).unwrap_or("?")
            )
        }
    }
}

fn parse_label(document: &ReviewDocument, text: &str) -> Result<GroundTruth, String> {
    match text.trim() {
        "" | "unlabelled" => Ok(GroundTruth::Unlabelled),
        "not_on_watchlist" => Ok(GroundTruth::NotOnWatchlist),
        "not_a_face" => Ok(GroundTruth::NotAFace),
        other => {
            let name = other.strip_prefix("watchlist:").ok_or_else(|| {
                format!("label {other:?} is not one of unlabelled, not_on_watchlist, not_a_face, watchlist:<name>")
            })?;
            document
                .identity_by_name(name)
                .map(GroundTruth::OnWatchlist)
                .ok_or_else(|| format!("no watchlist identity named {name:?}"))
        }
    }
}

/// The CSV text for every track of `document`.
pub fn export_text(document: &ReviewDocument) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let attributes: Vec<&str> = document
        .attribute_schema
        .attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let simulated = document.simulated_because().is_some();
    let metric = document.score_metric();
    let mut text = String::new();
    let mut header = Vec::new();
    if simulated {
        // On its own first line and in a column of every row, so that no column cut loses it
        // without the rest of the file. Import skips the comment and reads the column.
        text.push_str(&format!("{SIMULATION_COMMENT}\n"));
        header.push(SIMULATED_COLUMN);
    }
    header.push("track");
    header.extend(&INFORMATIONAL[..8]);
    header.push("label");
    header.push("person");
    header.extend(&attributes);
    header.extend(&INFORMATIONAL[8..]);
    // Writing to a Vec cannot fail.
    writer.write_record(&header).expect("in-memory CSV");
    for (index, track) in document.tracks.iter().enumerate() {
        let first = &document.detections[track.detections[0]].source;
        let last =
            &document.detections[*track.detections.last().unwrap_or(&track.detections[0])].source;
        let matched = document.track_match(TrackId(index));
        let mut row: Vec<String> = simulated
            .then(|| scenario::SIMULATED.to_owned())
            .into_iter()
            .collect();
        row.extend([
            track.id.to_string(),
            document
                .inputs
                .get(first.input)
                .map(|i| i.path.display().to_string())
                .unwrap_or_default(),
            first.frame_index.to_string(),
            first.timestamp_s.to_string(),
            last.timestamp_s.to_string(),
            track.detections.len().to_string(),
            matched
                .identity
                .and_then(|i| document.identity_name(i))
                .unwrap_or_default()
                .to_string(),
            // The model's own value, as a person reads it elsewhere: never a negated distance.
            if matched.score.is_finite() {
                metric.own_value(matched.score).to_string()
            } else {
                String::new()
            },
            metric.name().to_owned(),
            label_text(document, track.label),
            track.person.clone().unwrap_or_default(),
        ]);
        row.extend(attributes.iter().map(|a| {
            track
                .attributes
                .get(*a)
                .cloned()
                .unwrap_or_else(|| UNKNOWN.into())
        }));
        row.push(
            track
                .skin_tone_suggestion
                .map(|v| v.to_string())
                .unwrap_or_default(),
        );
        row.push(
            track
                .skin_tone_range
                .map(|(lightest, darkest)| format!("{lightest}-{darkest}"))
                .unwrap_or_default(),
        );
        writer.write_record(&row).expect("in-memory CSV");
    }
    text.push_str(
        &String::from_utf8(writer.into_inner().expect("in-memory CSV"))
            .expect("CSV of UTF-8 strings"),
    );
    text
}

pub fn export(document: &ReviewDocument, path: &Path) -> Result<(), CsvError> {
    write_atomically(path, export_text(document).as_bytes()).map_err(|e| CsvError::Unwritable {
        path: path.to_path_buf(),
        reason: save_failure(&e),
    })
}

/// Reads labels and attributes from the CSV at `path` into `document`; returns how many tracks
/// changed. Nothing changes unless every row is valid.
pub fn import(document: &mut ReviewDocument, path: &Path) -> Result<usize, CsvError> {
    let unreadable = |reason: String| CsvError::Unreadable {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| unreadable(e.to_string()))?;
    // Spreadsheets offer several encodings; only UTF-8 keeps every name intact.
    let text = String::from_utf8(bytes)
        .map_err(|_| unreadable("it is not UTF-8 text: save it as \"CSV UTF-8\"".into()))?;
    import_text(document, &text).map_err(|error| CsvError::Invalid {
        path: path.to_path_buf(),
        line: error.line,
        message: error.message,
    })
}

/// The 1-based line of `text` that byte `at` is on, counting line feeds: a spreadsheet's CRLF
/// line endings counted as the csv crate counts them came out one line too low.
pub(crate) fn line_at(text: &str, at: u64) -> u64 {
    let bytes = text.as_bytes();
    let mut at = usize::try_from(at).unwrap_or(usize::MAX).min(bytes.len());
    // With CRLF the csv crate puts a record's start on the line feed ending the line before.
    while at < bytes.len() && matches!(bytes[at], b'\r' | b'\n') {
        at += 1;
    }
    bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1
}

/// What is wrong with a CSV, and on which line (1-based).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {message}")]
pub struct CsvLineError {
    pub line: u64,
    pub message: String,
}

/// [`import`] from text; an error names the 1-based line it is on.
pub fn import_text(document: &mut ReviewDocument, text: &str) -> Result<usize, CsvLineError> {
    apply_rows(document, text).map_err(|(line, message)| CsvLineError { line, message })
}

fn apply_rows(document: &mut ReviewDocument, text: &str) -> Result<usize, (u64, String)> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| (1, e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    let column = |name: &str| header.iter().position(|h| h == name);
    let marked = column(SIMULATED_COLUMN).is_some() || text.trim_start().starts_with("# SIMULATED");
    if marked && document.simulated_because().is_none() {
        return Err((
            1,
            "these are the labels of a SIMULATED workshop scenario: they cannot be imported \
             into a review of real footage"
                .to_string(),
        ));
    }
    let track_column = column("track").ok_or((1, "no \"track\" column".to_string()))?;
    let label_column = column("label");
    let person_column = column("person");
    let mut attribute_columns = Vec::new();
    for (index, name) in header.iter().enumerate() {
        if document.attribute_schema.get(name).is_some() {
            attribute_columns.push((index, name.clone()));
        } else if !["track", "label", "person", SIMULATED_COLUMN].contains(&name.as_str())
            && !INFORMATIONAL.contains(&name.as_str())
        {
            return Err((
                1,
                format!("unknown column {name:?}: not an attribute of this review's schema"),
            ));
        }
    }
    let mut updates: Vec<Update> = Vec::new();
    // The line each track was first given on, so that two rows for one track that disagree
    // are refused rather than the last silently winning.
    let mut first_row: HashMap<usize, (u64, usize)> = HashMap::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| line_at(text, p.byte()));
            (line, e.to_string())
        })?;
        let line = record.position().map_or(0, |p| line_at(text, p.byte()));
        let id: u32 = record[track_column].trim().parse().map_err(|_| {
            (
                line,
                format!("track {:?} is not a number", &record[track_column]),
            )
        })?;
        let index = document
            .tracks
            .iter()
            .position(|t| t.id == id)
            .ok_or((line, format!("no track {id} in this review")))?;
        let label = match label_column {
            Some(c) => Some(parse_label(document, &record[c]).map_err(|m| (line, m))?),
            None => None,
        };
        let person = person_column.map(|c| {
            let name = record[c].trim();
            (!name.is_empty()).then(|| name.to_string())
        });
        let mut attributes = document.tracks[index].attributes.clone();
        for (c, name) in &attribute_columns {
            let value = record[*c].trim();
            if value.is_empty() || value == UNKNOWN {
                attributes.remove(name);
            } else {
                document
                    .attribute_schema
                    .check(name, value)
                    .map_err(|m| (line, m.to_string()))?;
                attributes.insert(name.clone(), value.to_string());
            }
        }
        if let Some(&(earlier, row)) = first_row.get(&index) {
            let earlier_update = &updates[row];
            if (
                earlier_update.label,
                &earlier_update.attributes,
                &earlier_update.person,
            ) != (label, &attributes, &person)
            {
                return Err((
                    line,
                    format!(
                        "track {id} is also on line {earlier}, with other values: give each \
                         track one row"
                    ),
                ));
            }
            continue;
        }
        first_row.insert(index, (line, updates.len()));
        updates.push(Update {
            index,
            label,
            person,
            attributes,
        });
    }
    let mut changed = 0;
    for update in updates {
        let track = &mut document.tracks[update.index];
        let before = (track.label, track.attributes.clone(), track.person.clone());
        track.label = update.label.unwrap_or(track.label);
        track.attributes = update.attributes;
        if let Some(person) = update.person {
            track.person = person;
        }
        changed +=
            usize::from(before != (track.label, track.attributes.clone(), track.person.clone()));
    }
    Ok(changed)
}

/// What one row of an import sets on one track (`None`: the column was not given).
struct Update {
    index: usize,
    label: Option<GroundTruth>,
    person: Option<Option<String>>,
    attributes: Attributes,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> ReviewDocument {
        let text = include_str!("../../../../tests/fixtures/review_v1.ron");
        super::super::parse(Path::new("review_v1.ron"), text).unwrap()
    }

    /// Finding 5 of the scenario's review: a simulation's CSV carried SIMULATED only in the
    /// input column and the names, which `cut` drops. Now a first comment line and a
    /// `simulated` column in every row say so; import skips the comment, reads the file back
    /// unchanged, and refuses it for a review that is no simulation.
    #[test]
    fn a_simulations_csv_is_marked_on_every_line_and_kept_out_of_real_reviews() {
        use crate::review::scenario::{self, ScenarioParameters};
        let mut document = scenario::generate(&ScenarioParameters {
            non_mated_per_group: 20,
            mated_per_group: 5,
            ..ScenarioParameters::workshop(3, 10.0)
        })
        .unwrap();
        let text = export_text(&document);
        let mut lines = text.lines();
        let comment = lines.next().unwrap();
        assert!(comment.starts_with("# SIMULATED"), "{comment}");
        assert!(lines.next().unwrap().starts_with("simulated,track,"));
        let rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), document.tracks.len());
        assert!(rows.iter().all(|row| row.starts_with("SIMULATED,")));
        let before = document.tracks.clone();
        assert_eq!(import_text(&mut document, &text), Ok(0));
        assert_eq!(document.tracks, before);
        // A spreadsheet's edit still imports, and names its line past the comment.
        let edited = text.replacen(",not_on_watchlist,", ",no such label,", 1);
        let error = import_text(&mut document, &edited).unwrap_err();
        let line = 1 + text
            .lines()
            .position(|l| l.contains(",not_on_watchlist,"))
            .unwrap();
        assert_eq!(error.line as usize, line, "{error}");

        let mut real = fixture();
        let unchanged = real.clone();
        let header_and_row = format!(
            "simulated,track,label\nSIMULATED,{},not_on_watchlist\n",
            real.tracks[0].id
        );
        for text in [text.as_str(), header_and_row.as_str()] {
            let error = import_text(&mut real, text).unwrap_err();
            assert!(error.message.contains("SIMULATED"), "{error}");
        }
        assert_eq!(real, unchanged);
        assert!(!export_text(&real).contains("SIMULATED"));
    }

    /// The suggestion's range goes out as `skin_suggestion_range`, lightest first ("3-5"),
    /// empty without one, and import passes over it like the other columns for people.
    #[test]
    fn the_skin_suggestion_range_is_an_informational_column() {
        let mut document = fixture();
        document.tracks[0].skin_tone_suggestion = Some(4);
        document.tracks[0].skin_tone_range = Some((3, 5));
        document.tracks[1].skin_tone_suggestion = Some(2);
        document.tracks[1].skin_tone_range = Some((2, 2));
        let text = export_text(&document);
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader.headers().unwrap().clone();
        assert_eq!(header.iter().next_back(), Some("skin_suggestion_range"));
        let at = |name: &str| header.iter().position(|h| h == name).unwrap();
        let (suggestion, range) = (at("skin_suggestion"), at("skin_suggestion_range"));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        let cells = |row: usize| {
            (
                rows[row][suggestion].to_string(),
                rows[row][range].to_string(),
            )
        };
        assert_eq!(cells(0), ("4".into(), "3-5".into()));
        assert_eq!(cells(1), ("2".into(), "2-2".into()));
        assert_eq!(cells(2), (String::new(), String::new()));

        let before = document.clone();
        assert_eq!(import_text(&mut document, &text), Ok(0));
        assert_eq!(document, before);
    }
}
