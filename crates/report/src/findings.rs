//! The measured findings of an assessment: per-slice error rates with their sample sizes and
//! intervals, differentials between slices, DET curves, and what the rates mean for a crowd.
//!
//! The input is a plain list of labelled [`Search`]es. Deriving them from a labelled review
//! document is the labelling work's job; this module only measures.

use serde::{Deserialize, Serialize};

use lineup_core::metrics::{
    self, ComparedRate, DetPoint, Differentials, ExpectedAlerts, PeopleKnown, PooledMetrics,
    Search, SliceIndex, SliceMetrics,
};

/// A crowd passing the cameras: how many people, and what share of them is on the watchlist.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CrowdScenario {
    pub crowd_size: u64,
    /// Share of the crowd who are enrolled, 0 to 1.
    pub prevalence: f64,
}

/// A city-centre day (1 in 1,000 passers-by wanted) and a stadium crowd (1 in 10,000): the
/// scale at which the base-rate problem shows.
pub const DEFAULT_CROWD_SCENARIOS: [CrowdScenario; 2] = [
    CrowdScenario {
        crowd_size: 10_000,
        prevalence: 0.001,
    },
    CrowdScenario {
        crowd_size: 100_000,
        prevalence: 0.0001,
    },
];

/// Labelled searches to measure, and how to present them.
#[derive(Debug, Clone, PartialEq)]
pub struct Findings {
    /// Alert when the rank-1 score is at least this.
    pub threshold: f32,
    /// One name per slice (demographic group); `Search::slice` indexes this list.
    pub slice_names: Vec<String>,
    pub searches: Vec<Search>,
    pub crowd_scenarios: Vec<CrowdScenario>,
    /// Where the ground truth comes from, printed with the findings so that a reader knows
    /// what the numbers rest on.
    pub label_source: String,
    /// Per slice, the threshold it alerts at: the review's per-slice threshold where set,
    /// `threshold` elsewhere.
    pub slice_thresholds: Vec<f32>,
    /// Per slice, whether it is an "unknown" group (never a default reference for ratios).
    pub unknown: Vec<bool>,
    /// Whether the people behind non-mated searches are all named.
    pub people_known: PeopleKnown,
    /// The slice the reviewer chose as the reference for ratios.
    pub reference: Option<usize>,
    /// Identities on the watchlist the searches were made against.
    pub watchlist_size: u64,
}

impl Findings {
    pub fn new(
        threshold: f32,
        slice_names: Vec<String>,
        searches: Vec<Search>,
        crowd_scenarios: Vec<CrowdScenario>,
        label_source: impl Into<String>,
    ) -> Findings {
        let slices = slice_names.len();
        Findings {
            threshold,
            slice_names,
            searches,
            crowd_scenarios,
            label_source: label_source.into(),
            slice_thresholds: vec![threshold; slices],
            unknown: vec![false; slices],
            people_known: PeopleKnown::default(),
            reference: None,
            watchlist_size: 0,
        }
    }

    /// Runs the metrics engine over the searches: the same measurement the app and the CLI show
    /// ([`metrics::measure`]).
    pub fn measure(&self) -> MeasuredFindings {
        let index = SliceIndex::build(&self.searches, self.slice_names.len());
        let measured = metrics::measure(
            &self.searches,
            &index,
            &self.slice_thresholds,
            &self.unknown,
            self.people_known,
            self.reference,
        );
        let pooled = measured.pooled;
        let slices = measured
            .metrics
            .iter()
            .map(|m| SliceFinding {
                name: self.slice_names[m.slice].clone(),
                metrics: *m,
            })
            .collect();
        let det_curves = (0..index.slice_count())
            .map(|slice| SliceDetCurve {
                name: self.slice_names[slice].clone(),
                points: index.det_curve(slice),
            })
            .collect();
        MeasuredFindings {
            threshold: self.threshold,
            label_source: self.label_source.clone(),
            searches: self.searches.len() as u64,
            ignored_searches: index.ignored_searches(),
            slices,
            pooled,
            warnings: crate::wording::shared_people_caution(measured.people_in_several_slices)
                .into_iter()
                .chain(
                    measured
                        .warnings
                        .iter()
                        .map(|warning| crate::wording::caution(warning, &self.slice_names)),
                )
                .collect(),
            differentials: measured.differentials.to_vec(),
            watchlist_size: self.watchlist_size,
            people_in_several_slices: measured.people_in_several_slices,
            det_curves,
            scenarios: self
                .crowd_scenarios
                .iter()
                .map(|scenario| ScenarioFinding::new(*scenario, &pooled, self.watchlist_size))
                .collect(),
        }
    }
}

/// Every number the findings section shows, as written to `assessment.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MeasuredFindings {
    pub threshold: f32,
    pub label_source: String,
    /// Labelled searches given, including any left out.
    pub searches: u64,
    /// Searches whose slice index named no slice, and so were left out.
    pub ignored_searches: u64,
    pub slices: Vec<SliceFinding>,
    /// All slices together (counts added, not rates averaged).
    pub pooled: PooledMetrics,
    /// FPIR, then FNIR: each slice's rate over the reference slice's, with intervals.
    pub differentials: Vec<Differentials>,
    /// Identities on the watchlist the searches were made against: FPIR grows with it.
    #[serde(default)]
    pub watchlist_size: u64,
    /// People whose searches fall in more than one group (see `metrics::Measurement`).
    #[serde(default)]
    pub people_in_several_slices: u64,
    pub det_curves: Vec<SliceDetCurve>,
    pub scenarios: Vec<ScenarioFinding>,
    /// Where slices cannot be told apart (too few searches, overlapping intervals).
    pub warnings: Vec<String>,
}

impl MeasuredFindings {
    /// The differentials of one rate.
    pub(crate) fn differentials_of(&self, rate: ComparedRate) -> Option<&Differentials> {
        self.differentials.iter().find(|d| d.rate == rate)
    }
}

/// The 1:1 table of a review of an evaluation set (NISTIR 8280's FMR at one fixed threshold
/// across groups): per group, FNMR over every genuine pair (two photos of one person) and FMR
/// over every impostor pair of two people of that group, at the report's threshold, from the
/// cosine similarity of the recognition model's embeddings ([`metrics::verification_rates`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneToOne {
    pub threshold: f32,
    /// The attributes the groups cross; none for everyone together.
    pub attributes: Vec<String>,
    /// Photos compared, and the people they are of.
    pub photos: u64,
    pub people: u64,
    pub groups: Vec<OneToOneGroup>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OneToOneGroup {
    pub name: String,
    /// (Partly) an "unknown" group: people no attribute was recorded for are no group, so it
    /// has no FMR (see `lineup_core::review::Verification::unknown`).
    #[serde(default)]
    pub unknown: bool,
    /// Genuine pairs that do not match / genuine pairs.
    pub fnmr: metrics::Rate,
    /// Same-group impostor pairs that match / same-group impostor pairs.
    pub fmr: metrics::Rate,
}

impl OneToOne {
    /// The table of `verification`, every group in slice order.
    pub fn of(verification: &lineup_core::review::Verification) -> OneToOne {
        OneToOne {
            threshold: verification.threshold,
            attributes: verification.slicing.attributes.clone(),
            photos: verification.photos as u64,
            people: verification.people as u64,
            groups: verification
                .names
                .iter()
                .zip(&verification.unknown)
                .zip(&verification.groups)
                .map(|((name, unknown), rates)| OneToOneGroup {
                    name: name.clone(),
                    unknown: *unknown,
                    fnmr: rates.fnmr,
                    fmr: rates.fmr,
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceFinding {
    pub name: String,
    pub metrics: SliceMetrics,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SliceDetCurve {
    pub name: String,
    pub points: Vec<DetPoint>,
}

/// Expected alerts in one crowd, from the pooled rates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioFinding {
    pub scenario: CrowdScenario,
    /// `None` when FPIR or FNIR could not be measured, or the prevalence is not a proportion.
    pub expected: Option<ExpectedAlerts>,
    /// One sentence for a lay reader.
    pub sentence: String,
}

impl ScenarioFinding {
    fn new(
        scenario: CrowdScenario,
        pooled: &PooledMetrics,
        watchlist_size: u64,
    ) -> ScenarioFinding {
        let expected = match (
            pooled.fpir.rate,
            pooled.fnir.rate,
            pooled.wrong_identity_alerts.rate,
        ) {
            (Some(fpir), Some(fnir), Some(wrong)) => metrics::expected_alerts(
                fpir,
                fnir,
                wrong,
                scenario.crowd_size,
                scenario.prevalence,
            ),
            _ => None,
        };
        let worded = crate::wording::crowd_sentence(
            &pooled.fpir,
            &pooled.fnir,
            &pooled.wrong_identity_alerts,
            scenario.crowd_size,
            scenario.prevalence,
            crate::wording::WatchlistSizes::measured(watchlist_size),
        );
        let sentence = match worded {
            Some(sentence) => sentence,
            None => format!(
                "No estimate for a crowd of {}: it needs both mated and non-mated searches \
                 labelled, and a prevalence between 0 and 1.",
                scenario.crowd_size
            ),
        };
        ScenarioFinding {
            scenario,
            expected,
            sentence,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search(truth: Option<u32>, top: u32, score: f32, slice: usize) -> Search {
        Search {
            true_identity: truth.map(lineup_core::ids::IdentityId),
            top_identity: Some(lineup_core::ids::IdentityId(top)),
            top_score: score,
            slice,
            person: truth.unwrap_or(1000 + (score * 1000.0) as u32),
        }
    }

    #[test]
    fn measures_each_slice_and_pools_them() {
        let searches = vec![
            search(None, 1, 0.7, 0),
            search(None, 1, 0.3, 0),
            search(Some(1), 1, 0.9, 0),
            search(None, 2, 0.65, 1),
            search(Some(2), 2, 0.5, 1),
            search(None, 2, 0.9, 7),
        ];
        let findings = Findings::new(
            0.6,
            vec!["A".into(), "B".into()],
            searches,
            DEFAULT_CROWD_SCENARIOS.to_vec(),
            "test fixture",
        );
        let measured = findings.measure();
        assert_eq!(measured.searches, 6);
        assert_eq!(measured.ignored_searches, 1);
        assert_eq!(measured.slices[0].name, "A");
        assert_eq!(
            (
                measured.slices[0].metrics.fpir.k,
                measured.slices[0].metrics.fpir.n
            ),
            (1, 2)
        );
        assert_eq!(
            (
                measured.slices[1].metrics.fnir.k,
                measured.slices[1].metrics.fnir.n
            ),
            (1, 1)
        );
        assert_eq!((measured.pooled.fpir.k, measured.pooled.fpir.n), (2, 3));
        assert_eq!(measured.differentials.len(), 2);
        assert!(measured.differentials_of(ComparedRate::Fnir).is_some());
        assert_eq!(measured.det_curves.len(), 2);
        assert_eq!(measured.scenarios.len(), 2);
        assert!(measured.scenarios[0].expected.is_some());
        assert!(
            measured.scenarios[0]
                .sentence
                .starts_with("At this threshold")
        );
        // Slices of two or three searches are far too small to compare: every one is warned.
        assert!(measured.warnings.len() >= 4, "{:?}", measured.warnings);
    }

    #[test]
    fn scenarios_without_mated_searches_say_why_there_is_no_estimate() {
        let findings = Findings::new(
            0.6,
            vec!["A".into()],
            vec![search(None, 1, 0.7, 0)],
            vec![DEFAULT_CROWD_SCENARIOS[0]],
            "test fixture",
        );
        let scenario = &findings.measure().scenarios[0];
        assert_eq!(scenario.expected, None);
        assert!(scenario.sentence.contains("No estimate"));
    }
}
