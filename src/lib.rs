//! lineup: measure what police-style face recognition would do, before anyone deploys it.
//!
//! Data flows one way: [`footage`] (images, later video) → [`vision`] (detect, align, embed) →
//! [`watchlist`] + [`matching`] (1:N search) → [`review`] (the document, the one source of truth)
//! → [`metrics`] and the signed impact assessment ([`assessment`]). [`analysis`] runs that flow
//! as one job with progress and cancellation; [`cli`] is a thin command-line layer over it.

pub mod analysis;
pub mod assessment;
#[cfg(feature = "gui")]
pub mod cli;
pub mod demo;
pub mod digest;
pub mod footage;
pub mod matching;
pub mod metrics;
pub mod review;
#[cfg(feature = "gui")]
pub mod ui;
pub mod vision;
pub mod watchlist;
pub mod workspace;
