//! A skin-tone *suggestion* from face pixels: the Individual Typology Angle (ITA) of the cheeks,
//! mapped onto the 10-point Monk scale. No model is involved, and it is never more than a
//! suggestion: lighting, white balance and make-up move it, so a person confirms every value.
//!
//! ITA = atan((L* − 50) / b*) in degrees, from CIELAB under D65 (Chardon et al., 1991). Its usual
//! bands are very light > 55°, light 41–55°, intermediate 28–41°, tan 10–28°, brown −30–10°,
//! dark < −30°. There is no published mapping to Monk tones; [`monk_from_ita`] splits those bands
//! into ten steps and says so wherever it is shown.

use super::align::{ALIGNED_SIZE, AlignedFace};

/// Cheek patches in the aligned 112×112 face (x0, y0, x1, y1): below the eyes, beside the nose,
/// where hair, eyes and lips rarely reach.
const CHEEKS: [(usize, usize, usize, usize); 2] = [(28, 60, 44, 76), (68, 60, 84, 76)];

/// The median ITA of the cheek pixels of an aligned face, in degrees; None if there are no usable
/// (non-black) pixels, e.g. a face at the image edge.
pub fn individual_typology_angle(face: &AlignedFace) -> Option<f32> {
    let mut angles = Vec::new();
    for (x0, y0, x1, y1) in CHEEKS {
        for y in y0..y1 {
            for x in x0..x1 {
                let at = (y * ALIGNED_SIZE + x) * 3;
                let rgb = [face.pixels[at], face.pixels[at + 1], face.pixels[at + 2]];
                if rgb.iter().all(|&v| v < 1.0) {
                    continue; // outside the source image
                }
                let (l, _, b) = srgb_to_lab(rgb);
                angles.push((l - 50.0).atan2(b).to_degrees());
            }
        }
    }
    if angles.is_empty() {
        return None;
    }
    angles.sort_by(f32::total_cmp);
    Some(angles[angles.len() / 2])
}

/// CIELAB (D65) of an sRGB colour given as 0–255 floats.
pub fn srgb_to_lab(rgb: [f32; 3]) -> (f32, f32, f32) {
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
pub fn monk_from_ita(ita: f32) -> u8 {
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
        };
        let light = individual_typology_angle(&face([235.0, 200.0, 180.0])).unwrap();
        let dark = individual_typology_angle(&face([90.0, 60.0, 45.0])).unwrap();
        assert!(light > 41.0 && dark < 10.0, "{light} {dark}");
        assert_eq!(individual_typology_angle(&face([0.0; 3])), None);
    }
}
