//! lineup's headless core: everything from footage to numbers, with no GUI and no report.
//!
//! Data flows one way: [`footage`] (images, video) → [`vision`] (detect, align, embed) →
//! [`watchlist`] + [`matching`] (1:N search) → [`review`] (the document, the one source of
//! truth) → [`metrics`]. [`analysis`] runs that flow as one job with progress and cancellation.
//! The impact assessment is built on this crate by `lineup-report`; the `lineup` command and
//! the desktop app are thin layers over both (ARCHITECTURE.md).

pub mod analysis;
pub mod digest;
pub mod footage;
pub mod ids;
pub mod matching;
pub mod metrics;
pub mod review;
pub mod vision;
pub mod watchlist;
