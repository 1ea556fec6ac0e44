//! Typed ids, so that an identity's number cannot be passed where a track's is meant (both were
//! bare integers), and no number stands in for "none" (that is an `Option`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A watchlist identity: its position in the review's watchlist. Saved as a bare number, so
/// reviews written before it existed read the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IdentityId(pub u32);

impl IdentityId {
    /// The identity at `index` in the watchlist; `None` past what an id can number (4 billion
    /// identities), rather than a made-up number.
    pub fn at(index: usize) -> Option<Self> {
        u32::try_from(index).ok().map(Self)
    }

    /// Its position in the watchlist.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}

impl fmt::Display for IdentityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "identity {}", self.0)
    }
}

/// A face track of a review: its position in the review's list of tracks. (`Track::id` is the
/// number a track is known by in CSV files; this is how the app and the workspace address it.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TrackId(pub usize);

impl TrackId {
    /// Its position in the review's tracks.
    pub fn index(self) -> usize {
        self.0
    }
}

impl fmt::Display for TrackId {
    /// "#12", as the app labels a track.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// A detected face of a review: its position in the review's list of detections. Saved as a
/// bare number in a track's list of faces, so reviews written before it existed read the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DetectionId(pub usize);

impl DetectionId {
    /// Its position in the review's detections.
    pub fn index(self) -> usize {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_identity_id_is_saved_as_a_bare_number() {
        assert_eq!(ron::to_string(&IdentityId(7)).unwrap(), "7");
        assert_eq!(ron::from_str::<IdentityId>("7").unwrap(), IdentityId(7));
        assert_eq!(IdentityId::at(3).map(IdentityId::index), Some(3));
        assert_eq!(IdentityId::at(usize::MAX), None);
    }
}
