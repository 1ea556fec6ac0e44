//! lineup: measure what police-style face recognition would do, before anyone deploys it.
//!
//! This crate is the top layer: the `lineup` command ([`cli`]), the desktop app ([`ui`], feature
//! `gui`), the [`workspace`] the app edits a review through, and the workshop [`demo`]. The work
//! itself lives below, data flowing one way (ARCHITECTURE.md): `lineup-core` (footage → vision
//! → watchlist and matching → review → metrics, and the analysis job) and `lineup-report` (the
//! signed impact assessment). Their modules are re-exported here under the names they have
//! always had, so `lineup::review` and `lineup::assessment` keep working.

pub use lineup_core::{
    analysis, digest, footage, ids, matching, metrics, review, vision, watchlist,
};
pub use lineup_report as assessment;

pub mod cli;
pub mod demo;
#[cfg(feature = "gui")]
pub mod ui;
pub mod workspace;
