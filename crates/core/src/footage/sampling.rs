//! Which frames of a video an analysis looks at: every frame, N a second, or keyframes only.
//! Choices are made on presentation timestamps, so variable-frame-rate video is sampled evenly in
//! time, not in frame count.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// How frames are picked from a video. Stills and images of a folder are always taken whole.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub enum Sampling {
    /// Every decoded frame.
    #[default]
    EveryFrame,
    /// At most this many frames per second of video: the first frame in each 1/N-second slot.
    PerSecond(f64),
    /// Keyframes only (the frames the encoder stored whole), the fastest and sparsest choice.
    Keyframes,
}

impl Sampling {
    /// How many frames this sampling takes from a video of the given length, as far as it can be
    /// told before decoding (keyframes cannot be: `None`).
    pub fn expected_frames(
        &self,
        frame_count: Option<u64>,
        duration_s: Option<f64>,
    ) -> Option<u64> {
        match *self {
            Sampling::EveryFrame => frame_count,
            Sampling::PerSecond(rate) => {
                let by_time = duration_s.map(|d| (d * rate).ceil().max(1.0) as u64);
                match (by_time, frame_count) {
                    (Some(t), Some(n)) => Some(t.min(n)),
                    (t, n) => t.or(n),
                }
            }
            Sampling::Keyframes => None,
        }
    }
}

/// Video up to this long in all (seconds) is analysed frame by frame when no sampling is asked
/// for; longer video at [`LONG_FOOTAGE_RATE`] frames a second.
///
/// Why: every frame of 1080p runs at about 0.6× real time on 2 cores (14–16 frames a second,
/// BENCHMARKS.md and issue 21), so an hour of CCTV would take 1.6–1.8 hours and make a review of
/// about 490 MB; at 5 frames a second it takes 20–24 minutes and about 99 MB. Five minutes of
/// video at every frame is at most about 9 minutes of waiting, short enough that the densest
/// sampling costs little, and it keeps short clips (the demo's 3 s, the test clips) at every
/// frame, as they always were.
pub const EVERY_FRAME_UP_TO_S: f64 = 300.0;

/// Frames a second taken from longer video by default. A person in view for a second is still
/// seen five times, and the tracker links their faces 0.2 s apart as it does at every frame:
/// by overlap, or by a move of at most `review::tracks::MAX_FACE_WIDTHS_PER_S` (10) face widths
/// a second, walking pace across the view. Measured on a face crossing a 1280×720 clip: one
/// track at 1.7, 4.1 and 8.2 face widths a second at fps:5 as at every frame; at 14.6 both
/// split it (by overlap alone fps:5 split it from 4.1 up).
pub const LONG_FOOTAGE_RATE: f64 = 5.0;

impl Sampling {
    /// The sampling used when none is asked for, from the length of all the video to analyse
    /// (stills and images of a folder are always taken whole, so they do not count): every frame
    /// up to [`EVERY_FRAME_UP_TO_S`], [`LONG_FOOTAGE_RATE`] a second beyond.
    pub fn default_for(video_seconds: f64) -> Sampling {
        if video_seconds > EVERY_FRAME_UP_TO_S {
            Sampling::PerSecond(LONG_FOOTAGE_RATE)
        } else {
            Sampling::EveryFrame
        }
    }
}

impl fmt::Display for Sampling {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Sampling::EveryFrame => write!(f, "every"),
            Sampling::PerSecond(rate) => write!(f, "fps:{rate}"),
            Sampling::Keyframes => write!(f, "keyframes"),
        }
    }
}

/// The highest sampling rate accepted: beyond it, `every` says what is meant.
const MAX_RATE: f64 = 1000.0;

impl FromStr for Sampling {
    type Err = String;

    /// Parses `every`, `fps:N` (N > 0, may be fractional: `fps:0.5` is one frame every 2 s) or
    /// `keyframes`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "every" => Ok(Sampling::EveryFrame),
            "keyframes" => Ok(Sampling::Keyframes),
            other => {
                let rate = other
                    .strip_prefix("fps:")
                    .ok_or_else(|| format!("{text:?} is not every, fps:N or keyframes"))?;
                let rate: f64 = rate.parse().map_err(|_| {
                    format!("{rate:?} in {text:?} is not a number of frames per second")
                })?;
                if rate.is_finite() && rate > 0.0 && rate <= MAX_RATE {
                    Ok(Sampling::PerSecond(rate))
                } else {
                    Err(format!(
                        "fps:{rate} is outside 0 (exclusive) to {MAX_RATE} frames per second"
                    ))
                }
            }
        }
    }
}

/// Picks frames for [`Sampling::PerSecond`]: the first frame whose timestamp falls in each new
/// 1/N-second slot. Frames arrive in presentation order.
#[derive(Debug, Clone)]
pub struct RateSampler {
    rate: f64,
    last_slot: Option<i64>,
}

impl RateSampler {
    pub fn new(rate: f64) -> Self {
        Self {
            rate,
            last_slot: None,
        }
    }

    pub(crate) fn wants(&mut self, timestamp_s: f64) -> bool {
        // The small tolerance keeps a frame stamped 0.19999999 in the slot that starts at 0.2.
        let slot = (timestamp_s * self.rate + 1e-6).floor() as i64;
        if self.last_slot.is_some_and(|last| slot <= last) {
            return false;
        }
        self.last_slot = Some(slot);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_three_forms() {
        for text in ["every", "keyframes", "fps:2", "fps:0.5"] {
            let sampling: Sampling = text.parse().unwrap();
            assert_eq!(sampling.to_string(), text);
        }
        assert_eq!("fps:5".parse(), Ok(Sampling::PerSecond(5.0)));
    }

    #[test]
    fn refuses_nonsense_with_a_reason() {
        assert!("fps:0".parse::<Sampling>().unwrap_err().contains("outside"));
        assert!(
            "fps:-3"
                .parse::<Sampling>()
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            "fps:NaN"
                .parse::<Sampling>()
                .unwrap_err()
                .contains("outside")
        );
        assert!(
            "fps:x"
                .parse::<Sampling>()
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            "all"
                .parse::<Sampling>()
                .unwrap_err()
                .contains("every, fps:N or keyframes")
        );
    }

    #[test]
    fn rate_sampling_takes_the_first_frame_of_each_slot() {
        // 25 fps for one second at 5 a second: frames 0, 5, 10, 15, 20.
        let mut sampler = RateSampler::new(5.0);
        let taken: Vec<u32> = (0..25)
            .filter(|&i| sampler.wants(f64::from(i) * 0.04))
            .collect();
        assert_eq!(taken, [0, 5, 10, 15, 20]);
    }

    #[test]
    fn rate_sampling_follows_time_in_variable_frame_rate_video() {
        // Dense frames then a gap: a slow stretch gives every frame, a fast one gives one a slot.
        let timestamps = [0.0, 0.04, 0.08, 0.5, 1.5, 1.52, 3.0];
        let mut sampler = RateSampler::new(2.0);
        let taken: Vec<f64> = timestamps
            .into_iter()
            .filter(|&t| sampler.wants(t))
            .collect();
        assert_eq!(taken, [0.0, 0.5, 1.5, 3.0]);
    }

    #[test]
    fn expected_frames_never_exceed_the_video() {
        assert_eq!(
            Sampling::EveryFrame.expected_frames(Some(75), Some(3.0)),
            Some(75)
        );
        assert_eq!(
            Sampling::PerSecond(5.0).expected_frames(Some(75), Some(3.0)),
            Some(15)
        );
        assert_eq!(
            Sampling::PerSecond(100.0).expected_frames(Some(75), Some(3.0)),
            Some(75)
        );
        assert_eq!(
            Sampling::PerSecond(1.0).expected_frames(None, Some(2.5)),
            Some(3)
        );
        assert_eq!(
            Sampling::Keyframes.expected_frames(Some(75), Some(3.0)),
            None
        );
    }

    #[test]
    fn the_default_takes_every_frame_of_short_video_and_five_a_second_of_long() {
        assert_eq!(Sampling::default_for(0.0), Sampling::EveryFrame);
        assert_eq!(Sampling::default_for(3.0), Sampling::EveryFrame);
        assert_eq!(Sampling::default_for(300.0), Sampling::EveryFrame);
        assert_eq!(Sampling::default_for(300.5), Sampling::PerSecond(5.0));
        assert_eq!(Sampling::default_for(3600.0), Sampling::PerSecond(5.0));
    }
}
