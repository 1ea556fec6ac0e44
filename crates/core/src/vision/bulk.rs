//! Whether the bulky, fixed part of what vision found (boxes, landmarks, embeddings) is written
//! into a review's text or into its binary sidecar (see `review::sidecar`).
//!
//! The review document and the watchlist keep these fields in memory whatever the file holds;
//! only their text form leaves them out while a sidecar carries them. Serde's field attributes
//! cannot take an argument, so the choice is a flag of the thread that writes (set for one
//! serialisation by [`WritingToSidecar`]), and a field missing from the text is counted on the
//! thread that reads ([`ReadingCount`]) so that the reader can tell "in the sidecar" from
//! "missing" and never loads a review without its bulk.

use std::cell::Cell;

use super::{BoundingBox, Embedding, Point};

thread_local! {
    static TO_SIDECAR: Cell<bool> = const { Cell::new(false) };
    static ABSENT: Cell<usize> = const { Cell::new(0) };
}

/// While alive, this thread's serialisations leave out the fields a sidecar carries.
pub struct WritingToSidecar {
    before: bool,
}

impl WritingToSidecar {
    #[allow(clippy::new_without_default)] // a guard: made only where its scope is meant
    pub fn new() -> Self {
        WritingToSidecar {
            before: TO_SIDECAR.with(|flag| flag.replace(true)),
        }
    }
}

impl Drop for WritingToSidecar {
    fn drop(&mut self) {
        TO_SIDECAR.with(|flag| flag.set(self.before));
    }
}

/// `skip_serializing_if` for the fields a sidecar carries.
pub fn in_sidecar<T>(_: &T) -> bool {
    TO_SIDECAR.with(Cell::get)
}

/// Counts, on this thread, the sidecar-carried fields a text left out while it is read.
pub struct ReadingCount(());

impl ReadingCount {
    /// Starts counting from zero.
    pub fn start() -> Self {
        ABSENT.with(|count| count.set(0));
        ReadingCount(())
    }

    /// How many such fields the text read since [`ReadingCount::start`] left out.
    pub fn absent(&self) -> usize {
        ABSENT.with(Cell::get)
    }
}

fn counted<T>(value: T) -> T {
    ABSENT.with(|count| count.set(count.get() + 1));
    value
}

/// The stand-in for a box the text leaves out; the sidecar's replaces it.
pub fn absent_box() -> BoundingBox {
    counted(BoundingBox::default())
}

/// The stand-in for landmarks the text leaves out; the sidecar's replace them.
pub fn absent_landmarks() -> [Point; 5] {
    counted([Point::default(); 5])
}

/// The stand-in for an embedding the text leaves out; the sidecar's replaces it.
pub fn absent_embedding() -> Embedding {
    counted(Embedding(Vec::new()))
}

/// The stand-in for a list of embeddings the text leaves out (another recognizer's enrolment
/// embeddings, counted once for the list); the sidecar's replace it.
pub fn absent_embeddings() -> Vec<Embedding> {
    counted(Vec::new())
}
