//! A skin-tone *suggestion* from face pixels: the Individual Typology Angle (ITA) of the cheeks,
//! mapped onto the 10-point Monk scale. No model is involved, and it is never more than a
//! suggestion: lighting, white balance and make-up move it, so a person confirms every value.
//!
//! ITA = arctan((L* − 50) / b*) × 180/π, from CIELAB under D65 (Chardon et al., 1991), so it lies
//! between −90° and 90°; it is defined for skin, whose b* is positive, and pixels with b* ≤ 0 are
//! left out. Its usual bands are very light > 55°, light 41–55°, intermediate 28–41°, tan
//! 10–28°, brown −30–10°, dark < −30°. There is no published mapping to Monk tones;
//! [`monk_from_ita`] splits those bands into ten steps and says so wherever it is shown.
//!
//! Lighting dominates ITA on small, dim or unevenly lit faces (a mostly light-skinned crowd came
//! out at Monk 7–10), so the suggestion is withheld ([`individual_typology_angle`] gives `None`)
//! where the face is narrower than [`MIN_FACE_WIDTH`] pixels in the source, its cheeks are darker
//! than L* [`MIN_CHEEK_LIGHTNESS`], its two cheeks differ by more than [`MAX_CHEEK_LIGHTNESS_GAP`]
//! in L*, fewer than half the cheek pixels are usable, or the cheek pixels' ITA spreads over more
//! than [`MAX_ITA_SPREAD`] (interquartile range).
//!
//! Where it is given, it comes with its spread ([`ItaEstimate`]): the interquartile range of the
//! cheek pixels' ITA, mapped to a range of Monk values (see `monk_from_ita`), so that a
//! reviewer sees how far the pixels disagree rather than one confident-looking number.

use super::align::{ALIGNED_SIZE, AlignedFace};

/// Cheek patches in the aligned 112×112 face (x0, y0, x1, y1): below the eyes, beside the nose,
/// where hair, eyes and lips rarely reach.
const CHEEKS: [(usize, usize, usize, usize); 2] = [(28, 60, 44, 76), (68, 60, 84, 76)];

/// Faces narrower than this in the source image (pixels) get no suggestion: their cheeks are a
/// few blurred pixels, upsampled.
pub(crate) const MIN_FACE_WIDTH: f32 = 48.0;
/// Cheeks darker than this median L* get no suggestion: under-exposure, not skin, sets the angle.
pub(crate) const MIN_CHEEK_LIGHTNESS: f32 = 30.0;
/// Cheeks whose median L* differ by more than this get no suggestion: light from one side.
pub(crate) const MAX_CHEEK_LIGHTNESS_GAP: f32 = 12.0;
/// Cheek pixels whose ITA spreads wider than this (interquartile range, degrees) get no
/// suggestion: more than one Monk band's worth of doubt.
pub(crate) const MAX_ITA_SPREAD: f32 = 20.0;

/// ITA in degrees of a CIELAB colour, by the published formula; `None` where b* ≤ 0.
pub(crate) fn ita_of(lightness: f32, b: f32) -> Option<f32> {
    (b > 0.0).then(|| ((lightness - 50.0) / b).atan().to_degrees())
}

/// The ITA of a face's cheek pixels, in degrees: their median and how far they spread.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ItaEstimate {
    pub median: f32,
    /// The ITA a quarter of the cheek pixels fall below (the darker end).
    pub lower_quartile: f32,
    /// The ITA a quarter of the cheek pixels lie above (the lighter end).
    pub upper_quartile: f32,
}

impl ItaEstimate {
    /// The Monk values of the interquartile range, lightest (lowest number) first: higher ITA is
    /// lighter skin, so the upper quartile gives the low end. The middle half of the cheek pixels
    /// suggest a Monk value within it.
    #[cfg(test)]
    fn monk_range(&self) -> (u8, u8) {
        (
            monk_from_ita(self.upper_quartile),
            monk_from_ita(self.lower_quartile),
        )
    }
}

/// The ITA of the cheek pixels of an aligned face (median and quartiles), for a face
/// `face_width` pixels wide in the source image; `None` where the module's rules withhold it.
pub(crate) fn individual_typology_angle(
    face: &AlignedFace,
    face_width: f32,
) -> Option<ItaEstimate> {
    if face_width < MIN_FACE_WIDTH {
        return None;
    }
    let mut angles = Vec::new();
    let mut cheek_lightness = Vec::new();
    let mut pixels = 0;
    for (x0, y0, x1, y1) in CHEEKS {
        let mut lightness = Vec::new();
        for y in y0..y1 {
            for x in x0..x1 {
                pixels += 1;
                let at = (y * ALIGNED_SIZE + x) * 3;
                let rgb = [face.pixels[at], face.pixels[at + 1], face.pixels[at + 2]];
                if rgb.iter().all(|&v| v < 1.0) {
                    continue; // outside the source image
                }
                let (l, _, b) = srgb_to_lab(rgb);
                if let Some(angle) = ita_of(l, b) {
                    angles.push(angle);
                    lightness.push(l);
                }
            }
        }
        cheek_lightness.push(median(&mut lightness)?);
    }
    let darkest = cheek_lightness
        .iter()
        .copied()
        .fold(f32::INFINITY, f32::min);
    let lightest = cheek_lightness
        .iter()
        .copied()
        .fold(f32::NEG_INFINITY, f32::max);
    if angles.len() * 2 < pixels
        || darkest < MIN_CHEEK_LIGHTNESS
        || lightest - darkest > MAX_CHEEK_LIGHTNESS_GAP
    {
        return None;
    }
    angles.sort_by(f32::total_cmp);
    let estimate = ItaEstimate {
        median: angles[angles.len() / 2],
        lower_quartile: angles[angles.len() / 4],
        upper_quartile: angles[angles.len() * 3 / 4],
    };
    (estimate.upper_quartile - estimate.lower_quartile <= MAX_ITA_SPREAD).then_some(estimate)
}

/// The median of `values` (sorted in place); `None` when empty.
fn median(values: &mut [f32]) -> Option<f32> {
    values.sort_by(f32::total_cmp);
    values.get(values.len() / 2).copied()
}

/// CIELAB (D65) of an sRGB colour given as 0–255 floats.
pub(crate) fn srgb_to_lab(rgb: [f32; 3]) -> (f32, f32, f32) {
    let linear = rgb.map(|v| {
        let c = (v / 255.0).clamp(0.0, 1.0);
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    });
    let [r, g, b] = linear;
    let x = (0.412_456_4 * r + 0.357_576_1 * g + 0.180_437_5 * b) / 0.950_47;
    let y = 0.212_672_9 * r + 0.715_152_2 * g + 0.072_175 * b;
    let z = (0.019_333_9 * r + 0.119_192 * g + 0.950_304_1 * b) / 1.088_83;
    let f = |t: f32| {
        let delta: f32 = 6.0 / 29.0;
        if t > delta.powi(3) {
            t.cbrt()
        } else {
            t / (3.0 * delta * delta) + 4.0 / 29.0
        }
    };
    (
        116.0 * f(y) - 16.0,
        500.0 * (f(x) - f(y)),
        200.0 * (f(y) - f(z)),
    )
}

/// Monk value (1 lightest … 10 darkest) suggested for an ITA: each ITA band split in about two.
pub(crate) fn monk_from_ita(ita: f32) -> u8 {
    const LOWER_BOUNDS: [f32; 9] = [55.0, 48.0, 41.0, 34.0, 28.0, 19.0, 10.0, 0.0, -20.0];
    LOWER_BOUNDS
        .iter()
        .position(|&bound| ita > bound)
        .map_or(10, |i| i as u8 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lab_of_white_black_and_a_skin_tone() {
        let (l, a, b) = srgb_to_lab([255.0; 3]);
        assert!((l - 100.0).abs() < 0.01 && a.abs() < 0.01 && b.abs() < 0.01);
        assert!(srgb_to_lab([0.0; 3]).0.abs() < 0.01);
        // sRGB (224, 172, 105) is L* 73.79, a* 11.28, b* 41.53 (CIE formulas in double precision).
        let (l, a, b) = srgb_to_lab([224.0, 172.0, 105.0]);
        assert!(
            (l - 73.79).abs() < 0.02 && (a - 11.28).abs() < 0.02 && (b - 41.53).abs() < 0.02,
            "{l} {a} {b}"
        );
    }

    #[test]
    fn monk_suggestion_follows_ita_bands() {
        assert_eq!(monk_from_ita(70.0), 1);
        assert_eq!(monk_from_ita(45.0), 3);
        assert_eq!(monk_from_ita(30.0), 5);
        assert_eq!(monk_from_ita(5.0), 8);
        assert_eq!(monk_from_ita(-10.0), 9);
        assert_eq!(monk_from_ita(-50.0), 10);
    }

    #[test]
    fn darker_cheeks_give_a_smaller_angle() {
        let face = |rgb: [f32; 3]| AlignedFace {
            pixels: rgb.repeat(ALIGNED_SIZE * ALIGNED_SIZE),
            side: ALIGNED_SIZE,
        };
        let light = individual_typology_angle(&face([235.0, 200.0, 180.0]), 100.0)
            .unwrap()
            .median;
        let dark = individual_typology_angle(&face([120.0, 80.0, 60.0]), 100.0)
            .unwrap()
            .median;
        assert!(light > 41.0 && dark < 10.0, "{light} {dark}");
        assert_eq!(individual_typology_angle(&face([0.0; 3]), 100.0), None);
    }

    /// The estimate carries the cheek pixels' spread: the quartiles of their ITA (the values at
    /// sorted positions n/4 and 3n/4, as the withhold rule takes them), mapped to a Monk range.
    #[test]
    fn a_uniform_patch_gives_one_monk_value_and_a_spread_patch_a_range() {
        let uniform = |rgb: [f32; 3]| AlignedFace {
            pixels: rgb.repeat(ALIGNED_SIZE * ALIGNED_SIZE),
            side: ALIGNED_SIZE,
        };
        // Every cheek pixel sRGB (200, 150, 120): L* 66.10, b* 23.13, ITA 34.84°, so all three
        // quartiles are 34.84° and the range is the one value Monk 4 (34–41°).
        let one = individual_typology_angle(&uniform([200.0, 150.0, 120.0]), 100.0).unwrap();
        assert_eq!(one.lower_quartile, one.median);
        assert_eq!(one.upper_quartile, one.median);
        assert!((one.median - 34.84).abs() < 0.01, "{one:?}");
        assert_eq!(one.monk_range(), (4, 4));

        // Four bands of four rows each across both cheeks (rows 60–75), 2 × 16 × 4 = 128 of the
        // 512 cheek pixels per band, darkest band first:
        //   rows 60–63 (180, 130, 100): L* 58.59, b* 23.84, ITA 19.82°
        //   rows 64–67 (195, 145, 115): L* 64.24, b* 23.30, ITA 31.43° (Monk 5, 28–34°)
        //   rows 68–71 (205, 155, 125): L* 67.95, b* 22.97, ITA 38.01° (Monk 4, 34–41°)
        //   rows 72–75 (220, 170, 140): L* 73.46, b* 22.52, ITA 46.16° (Monk 3, 41–48°)
        // Sorted, pixels 0–127 are the first band, 128–255 the second, and so on: the lower
        // quartile (pixel 128) is 31.43°, the median (256) 38.01°, the upper quartile (384)
        // 46.16°. IQR 14.73°, within MAX_ITA_SPREAD; both cheeks alike, so nothing is withheld.
        // Higher ITA is lighter, so the upper quartile gives the low Monk end: Monk 3 to 5.
        let bands = [
            [180.0, 130.0, 100.0],
            [195.0, 145.0, 115.0],
            [205.0, 155.0, 125.0],
            [220.0, 170.0, 140.0],
        ];
        let mut banded = uniform([200.0, 150.0, 120.0]);
        for y in 60..76 {
            for x in 0..ALIGNED_SIZE {
                let at = (y * ALIGNED_SIZE + x) * 3;
                banded.pixels[at..at + 3].copy_from_slice(&bands[(y - 60) / 4]);
            }
        }
        let spread = individual_typology_angle(&banded, 100.0).unwrap();
        let close = |got: f32, want: f32| (got - want).abs() < 0.01;
        assert!(
            close(spread.lower_quartile, 31.43)
                && close(spread.median, 38.01)
                && close(spread.upper_quartile, 46.16),
            "{spread:?}"
        );
        assert_eq!(monk_from_ita(spread.median), 4);
        assert_eq!(spread.monk_range(), (3, 5));
    }

    /// ITA = arctan((L* − 50) / b*) × 180/π (Chardon, Cretois and Hourseau, 1991; Del Bino and
    /// Bernerd, 2013): reference points worked from the formula, and its range.
    #[test]
    fn ita_follows_the_published_formula_and_stays_within_90_degrees() {
        let close = |got: Option<f32>, want: f32| got.is_some_and(|g| (g - want).abs() < 0.01);
        assert!(close(ita_of(50.0, 15.0), 0.0));
        // L* 75, b* 15: arctan(25/15) = 59.04° ("very light" above 55°).
        assert!(close(ita_of(75.0, 15.0), 59.04));
        // L* 60, b* 20: arctan(0.5) = 26.57° ("tan", 10–28°).
        assert!(close(ita_of(60.0, 20.0), 26.57));
        // L* 30, b* 15: arctan(−20/15) = −53.13° ("dark" below −30°).
        assert!(close(ita_of(30.0, 15.0), -53.13));
        // atan2 gave −153° for L* 30, b* −10; the formula is undefined for b* ≤ 0.
        assert_eq!(ita_of(30.0, -10.0), None);
        for l in [0.0, 20.0, 50.0, 80.0, 100.0] {
            for b in [0.1, 5.0, 30.0, 80.0] {
                let ita = ita_of(l, b).unwrap();
                assert!((-90.0..=90.0).contains(&ita), "{l} {b} {ita}");
            }
        }
    }

    #[test]
    fn the_suggestion_is_withheld_for_small_dark_or_unevenly_lit_faces() {
        let uniform = |rgb: [f32; 3]| AlignedFace {
            pixels: rgb.repeat(ALIGNED_SIZE * ALIGNED_SIZE),
            side: ALIGNED_SIZE,
        };
        let skin = [200.0, 150.0, 120.0];
        assert!(individual_typology_angle(&uniform(skin), 100.0).is_some());
        // Too small in the source.
        assert_eq!(individual_typology_angle(&uniform(skin), 30.0), None);
        // Too dark: an under-exposed face of the same hue.
        assert_eq!(
            individual_typology_angle(&uniform([50.0, 35.0, 25.0]), 100.0),
            None
        );
        // Lit from one side: the left cheek much brighter than the right.
        let mut sided = uniform(skin);
        for y in 0..ALIGNED_SIZE {
            for x in 0..ALIGNED_SIZE / 2 {
                let at = (y * ALIGNED_SIZE + x) * 3;
                sided.pixels[at..at + 3].copy_from_slice(&[250.0, 215.0, 190.0]);
            }
        }
        assert_eq!(individual_typology_angle(&sided, 100.0), None);
    }
}
