//! Memory that opening a video again and again must not keep: the app opens a video anew for
//! every thumbnail it cuts, so whatever one open keeps is paid once per face track (issue #21:
//! 700 video tracks took 4.76 GB). Alone in its own test binary, so that no other test's
//! memory moves the count.

#![cfg(target_os = "linux")]

mod common;

use lineup::footage::VideoReader;

/// This process's resident memory in bytes, as the kernel counts it.
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap();
    let pages: u64 = statm.split_whitespace().nth(1).unwrap().parse().unwrap();
    pages * 4096
}

/// Counting a video's frames reads every packet of it: each packet must be let go after it is
/// counted. Here an MJPEG clip (every frame a whole JPEG, 2.6 MB in all) is counted 40 times;
/// kept packets would be 40 × 2.6 MB.
#[test]
fn counting_frames_again_and_again_keeps_no_packets() {
    let clip = common::clip("faces_mjpeg.avi");
    let size = std::fs::metadata(&clip).unwrap().len();
    let count = || VideoReader::open(&clip).unwrap().count_frames().unwrap();
    let frames = count();
    let before = resident_bytes();
    for _ in 0..40 {
        assert_eq!(count(), frames);
    }
    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < 10 * size,
        "40 counts of a {size}-byte video grew memory by {grown} bytes"
    );
}
