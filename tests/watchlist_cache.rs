//! The enrolment cache (issue #21): a cached enrolment is bit for bit a fresh one; a changed
//! photo, model or detector setting misses; a damaged entry is recomputed with a warning; and
//! enrolling side by side gives the single-threaded result in the same order.

mod common;

use std::path::Path;

use lineup::vision::{DetectorConfig, FacePipeline, ModelRole, VisionConfig};
use lineup::watchlist::{self, Enrolment, EnrolmentCache, Lookup};

/// Every enrolled number as its bits, so that "equal" means bit-identical (not merely `==`,
/// which would let -0.0 pass for 0.0).
fn bits(enrolment: &Enrolment) -> Vec<(String, String, String, Vec<u32>)> {
    enrolment
        .watchlist
        .identities
        .iter()
        .flat_map(|identity| {
            identity.photos.iter().map(|photo| {
                let b = photo.bbox;
                let mut numbers: Vec<u32> = [b.x1, b.y1, b.x2, b.y2, photo.detector_score]
                    .iter()
                    .map(|v| v.to_bits())
                    .collect();
                numbers.extend(photo.embedding.0.iter().map(|v| v.to_bits()));
                (
                    identity.name.clone(),
                    photo.path.display().to_string(),
                    photo.digest.sha256.clone(),
                    numbers,
                )
            })
        })
        .collect()
}

fn cache_for(dir: &Path, pipeline: &FacePipeline) -> EnrolmentCache {
    EnrolmentCache::new(dir, &pipeline.models(), &pipeline.config().detector)
}

fn enrol(root: &Path, pipeline: &mut FacePipeline, cache: Option<&EnrolmentCache>) -> Enrolment {
    watchlist::enrol_with_cache(root, pipeline, cache, |_, _| {}).expect("the watchlist enrols")
}

/// Two identities from three photos, and one photo with several faces that is skipped.
fn small_watchlist() -> tempfile::TempDir {
    common::watchlist(&[
        ("Barack_Obama_1.jpg", "obama.jpg"),
        ("Barack_Obama_2.jpg", "obama3.jpg"),
        ("Joe_Biden_1.jpg", "biden.jpg"),
        ("Crowd_1.jpg", "t1.jpg"),
    ])
}

#[test]
fn a_cache_hit_is_bit_identical_to_a_fresh_enrolment_and_is_counted() {
    let list = small_watchlist();
    let cache_dir = tempfile::tempdir().unwrap();
    let mut pipeline = common::pipeline();
    let cache = cache_for(cache_dir.path(), &pipeline);

    let fresh = enrol(list.path(), &mut pipeline, None);
    let cold = enrol(list.path(), &mut pipeline, Some(&cache));
    let warm = enrol(list.path(), &mut pipeline, Some(&cache));

    assert_eq!(fresh.counts.photos, 4);
    assert_eq!(fresh.counts.enrolled, 3);
    assert_eq!(fresh.counts.skipped_several_faces, 1);
    assert_eq!(fresh.counts.from_cache, 0);
    assert_eq!(cold.counts.from_cache, 0, "an empty cache gives nothing");
    assert_eq!(warm.counts.from_cache, 4, "skipped photos are cached too");
    assert_eq!(bits(&cold), bits(&fresh));
    assert_eq!(bits(&warm), bits(&fresh));
    assert_eq!(warm.watchlist, fresh.watchlist);
    assert_eq!(warm.warnings, fresh.warnings);
    assert_eq!(warm.counts.skipped_several_faces, 1);
}

#[test]
fn a_photo_changed_in_place_misses_the_cache_and_is_enrolled_afresh() {
    let list = common::watchlist(&[("Someone_1.jpg", "obama.jpg"), ("Other_1.jpg", "biden.jpg")]);
    let cache_dir = tempfile::tempdir().unwrap();
    let mut pipeline = common::pipeline();
    let cache = cache_for(cache_dir.path(), &pipeline);
    let before = enrol(list.path(), &mut pipeline, Some(&cache));

    // Same path, new bytes: another person's photo.
    std::fs::copy(
        common::photo("obama3.jpg"),
        list.path().join("Someone_1.jpg"),
    )
    .unwrap();
    let after = enrol(list.path(), &mut pipeline, Some(&cache));
    let fresh = enrol(list.path(), &mut pipeline, None);

    assert_eq!(
        after.counts.from_cache, 1,
        "only the unchanged photo is a hit"
    );
    assert_eq!(bits(&after), bits(&fresh));
    assert_ne!(bits(&after), bits(&before));
}

#[test]
fn a_changed_model_hash_or_detector_setting_is_another_key() {
    let list = common::watchlist(&[("Someone_1.jpg", "obama.jpg")]);
    let cache_dir = tempfile::tempdir().unwrap();
    let mut pipeline = common::pipeline();
    let cache = cache_for(cache_dir.path(), &pipeline);
    let enrolled = enrol(list.path(), &mut pipeline, Some(&cache));
    let digest = &enrolled.watchlist.identities[0].photos[0].digest;
    assert!(matches!(cache.get(digest), Lookup::Hit(_)));

    for role in [ModelRole::Detector, ModelRole::Recognizer] {
        let mut models = pipeline.models();
        let model = models.iter_mut().find(|m| m.role == role).unwrap();
        model.sha256 = "0".repeat(64);
        let other = EnrolmentCache::new(cache_dir.path(), &models, &pipeline.config().detector);
        assert_eq!(other.get(digest), Lookup::Miss, "{role:?} changed");
        let again = enrol(list.path(), &mut pipeline, Some(&other));
        assert_eq!(again.counts.from_cache, 0, "{role:?} changed");
    }
    let detector = DetectorConfig {
        max_side: 640,
        ..pipeline.config().detector.clone()
    };
    let other = EnrolmentCache::new(cache_dir.path(), &pipeline.models(), &detector);
    assert_eq!(other.get(digest), Lookup::Miss, "still size changed");
    // The original key still hits.
    assert!(matches!(cache.get(digest), Lookup::Hit(_)));
}

#[test]
fn a_damaged_entry_is_recomputed_with_a_warning_and_rewritten() {
    let list = common::watchlist(&[("Someone_1.jpg", "obama.jpg"), ("Other_1.jpg", "biden.jpg")]);
    let cache_dir = tempfile::tempdir().unwrap();
    let mut pipeline = common::pipeline();
    let cache = cache_for(cache_dir.path(), &pipeline);
    let fresh = enrol(list.path(), &mut pipeline, Some(&cache));
    let entries: Vec<_> = fresh
        .watchlist
        .identities
        .iter()
        .map(|identity| cache.entry_path(&identity.photos[0].digest.sha256))
        .collect();

    // One entry cut short, the other with a digit of its embedding changed.
    let whole = std::fs::read(&entries[0]).unwrap();
    std::fs::write(&entries[0], &whole[..whole.len() / 2]).unwrap();
    let mut text = std::fs::read_to_string(&entries[1]).unwrap();
    let at = text.rfind("detector_score:").unwrap() + "detector_score:".len() + 3;
    let changed = if text.as_bytes()[at] == b'1' {
        "2"
    } else {
        "1"
    };
    text.replace_range(at..at + 1, changed);
    std::fs::write(&entries[1], text).unwrap();

    let recovered = enrol(list.path(), &mut pipeline, Some(&cache));
    assert_eq!(recovered.counts.from_cache, 0);
    assert_eq!(bits(&recovered), bits(&fresh));
    let damaged: Vec<_> = recovered
        .warnings
        .iter()
        .filter(|w| w.contains("damaged enrolment cache entry"))
        .collect();
    assert_eq!(damaged.len(), 2, "{:?}", recovered.warnings);

    let rewritten = enrol(list.path(), &mut pipeline, Some(&cache));
    assert_eq!(rewritten.counts.from_cache, 2);
    assert_eq!(bits(&rewritten), bits(&fresh));
}

#[test]
fn enrolling_side_by_side_gives_the_single_threaded_result_in_order() {
    let photos = [
        "obama.jpg",
        "obama2.jpg",
        "obama3.jpg",
        "biden.jpg",
        "t1.jpg",
    ];
    let entries: Vec<(String, &str)> = (0..12)
        .map(|n| {
            (
                format!("Person_{}_{n}.jpg", n % 5),
                photos[n % photos.len()],
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = entries.iter().map(|(a, b)| (a.as_str(), *b)).collect();
    let list = common::watchlist(&borrowed);

    let one_thread = VisionConfig {
        threads: 1,
        ..VisionConfig::default()
    };
    let mut single = FacePipeline::load(one_thread).unwrap();
    let sequential = enrol(list.path(), &mut single, None);
    let two_threads = VisionConfig {
        threads: 2,
        ..VisionConfig::default()
    };
    let mut shared = FacePipeline::load(two_threads).unwrap();
    let parallel = enrol(list.path(), &mut shared, None);

    assert_eq!(bits(&parallel), bits(&sequential));
    assert_eq!(parallel.warnings, sequential.warnings);
    assert_eq!(parallel.counts, sequential.counts);
}

#[test]
fn a_cache_that_cannot_be_written_costs_one_warning_and_changes_nothing() {
    let list = small_watchlist();
    let place = tempfile::tempdir().unwrap();
    // A file where the cache folder should be: nothing can be created under it.
    let blocked = place.path().join("cache");
    std::fs::write(&blocked, b"not a folder").unwrap();
    let mut pipeline = common::pipeline();
    let cache = cache_for(&blocked, &pipeline);
    let fresh = enrol(list.path(), &mut pipeline, None);
    let enrolled = enrol(list.path(), &mut pipeline, Some(&cache));
    assert_eq!(bits(&enrolled), bits(&fresh));
    let about_cache: Vec<_> = enrolled
        .warnings
        .iter()
        .filter(|w| w.contains("could not be written for 4 photo(s)"))
        .collect();
    assert_eq!(about_cache.len(), 1, "{:?}", enrolled.warnings);
    assert_eq!(enrolled.warnings.len(), fresh.warnings.len() + 1);
}
