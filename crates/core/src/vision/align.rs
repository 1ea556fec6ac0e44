//! Alignment: a similarity transform (scale, rotation, translation) takes the detector's five
//! landmarks onto the standard ArcFace 112×112 template, and a bilinear warp cuts the face out.
//! The recognizer was trained on faces aligned this way, so its scores are only meaningful on them.

use image::{Rgb, RgbImage};

use super::geometry::Point;

/// Side of the square crop the recognizer takes.
pub(crate) const ALIGNED_SIZE: usize = 112;

/// Where the five landmarks sit in a 112×112 aligned face (the ArcFace / InsightFace template).
pub(crate) const TEMPLATE: [Point; 5] = [
    Point {
        x: 38.2946,
        y: 51.6963,
    },
    Point {
        x: 73.5318,
        y: 51.5014,
    },
    Point {
        x: 56.0252,
        y: 71.7366,
    },
    Point {
        x: 41.5493,
        y: 92.3655,
    },
    Point {
        x: 70.7299,
        y: 92.2041,
    },
];

/// `u = a·x − b·y + tx`, `v = b·x + a·y + ty`: a similarity transform of the plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    pub a: f64,
    pub b: f64,
    pub tx: f64,
    pub ty: f64,
}

impl Similarity {
    pub fn apply(&self, p: Point) -> Point {
        let (x, y) = (f64::from(p.x), f64::from(p.y));
        Point::new(
            (self.a * x - self.b * y + self.tx) as f32,
            (self.b * x + self.a * y + self.ty) as f32,
        )
    }

    /// The transform that undoes this one.
    pub(crate) fn inverse(&self) -> Similarity {
        let det = self.a * self.a + self.b * self.b;
        let (a, b) = (self.a / det, -self.b / det);
        Similarity {
            a,
            b,
            tx: -(a * self.tx - b * self.ty),
            ty: -(b * self.tx + a * self.ty),
        }
    }
}

/// The least-squares similarity taking `from` onto `to`.
///
/// Treating points as complex numbers, the best `c = a + ib` for `to ≈ c·from + t` after centring
/// both sets is `Σ conj(P)·Q / Σ |P|²` (Umeyama's solution, which in 2-D never reflects).
pub fn similarity(from: &[Point; 5], to: &[Point; 5]) -> Similarity {
    let mean = |pts: &[Point; 5]| {
        let n = pts.len() as f64;
        let sx: f64 = pts.iter().map(|p| f64::from(p.x)).sum();
        let sy: f64 = pts.iter().map(|p| f64::from(p.y)).sum();
        (sx / n, sy / n)
    };
    let (fx, fy) = mean(from);
    let (tx, ty) = mean(to);
    let (mut dot, mut cross, mut norm) = (0.0, 0.0, 0.0);
    for (p, q) in from.iter().zip(to) {
        let (px, py) = (f64::from(p.x) - fx, f64::from(p.y) - fy);
        let (qx, qy) = (f64::from(q.x) - tx, f64::from(q.y) - ty);
        dot += px * qx + py * qy;
        cross += px * qy - py * qx;
        norm += px * px + py * py;
    }
    // Landmarks all on one spot carry no scale or angle: fall back to a pure translation.
    let (a, b) = if norm > 1e-9 {
        (dot / norm, cross / norm)
    } else {
        (1.0, 0.0)
    };
    Similarity {
        a,
        b,
        tx: tx - (a * fx - b * fy),
        ty: ty - (b * fx + a * fy),
    }
}

/// An aligned face, `side`×`side` (112 on the ArcFace template, or a recognizer's own size), RGB,
/// row-major, channel-interleaved, values 0–255 (not rounded).
#[derive(Debug, Clone, PartialEq)]
pub struct AlignedFace {
    pub pixels: Vec<f32>,
    pub side: usize,
}

/// Where a recognizer wants the five landmarks, and the side of the square it takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Template {
    pub points: [Point; 5],
    pub side: usize,
}

impl Template {
    /// The ArcFace 112×112 template: MobileFaceNet's, and what skin tone is measured on.
    pub const ARCFACE: Template = Template {
        points: TEMPLATE,
        side: ALIGNED_SIZE,
    };
}

impl AlignedFace {
    /// The crop as an 8-bit image, for thumbnails and for eyes.
    pub fn to_image(&self) -> RgbImage {
        let side = self.side;
        let size = side as u32;
        RgbImage::from_fn(size, size, |x, y| {
            let at = (y as usize * side + x as usize) * 3;
            let px = |c: usize| self.pixels[at + c].round().clamp(0.0, 255.0) as u8;
            Rgb([px(0), px(1), px(2)])
        })
    }
}

/// Cuts out the face whose landmarks are `landmarks`, aligned to [`TEMPLATE`].
pub fn align_face(image: &RgbImage, landmarks: &[Point; 5]) -> AlignedFace {
    align_to(image, landmarks, &Template::ARCFACE)
}

/// Cuts out the face whose landmarks are `landmarks`, aligned to `template`.
pub fn align_to(image: &RgbImage, landmarks: &[Point; 5], template: &Template) -> AlignedFace {
    let side = template.side;
    let to_source = similarity(landmarks, &template.points).inverse();
    let mut pixels = Vec::with_capacity(side * side * 3);
    for v in 0..side {
        for u in 0..side {
            let source = to_source.apply(Point::new(u as f32, v as f32));
            pixels.extend_from_slice(&sample_bilinear(
                image,
                f64::from(source.x),
                f64::from(source.y),
            ));
        }
    }
    AlignedFace { pixels, side }
}

/// Bilinear interpolation between the four pixels around (x, y); pixels outside the image are black.
fn sample_bilinear(image: &RgbImage, x: f64, y: f64) -> [f32; 3] {
    let (x0, y0) = (x.floor(), y.floor());
    let (fx, fy) = (x - x0, y - y0);
    let (x0, y0) = (x0 as i64, y0 as i64);
    let pixel = |xx: i64, yy: i64| -> [f64; 3] {
        if xx < 0 || yy < 0 || xx >= i64::from(image.width()) || yy >= i64::from(image.height()) {
            return [0.0; 3];
        }
        let p = image.get_pixel(xx as u32, yy as u32).0;
        [f64::from(p[0]), f64::from(p[1]), f64::from(p[2])]
    };
    let (tl, tr, bl, br) = (
        pixel(x0, y0),
        pixel(x0 + 1, y0),
        pixel(x0, y0 + 1),
        pixel(x0 + 1, y0 + 1),
    );
    std::array::from_fn(|c| {
        let top = tl[c] * (1.0 - fx) + tr[c] * fx;
        let bottom = bl[c] * (1.0 - fx) + br[c] * fx;
        (top * (1.0 - fy) + bottom * fy) as f32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_similarity_exactly() {
        let known = Similarity {
            a: 0.8,
            b: 0.6,
            tx: 5.0,
            ty: -3.0,
        };
        let from = [
            Point::new(10.0, 20.0),
            Point::new(40.0, 22.0),
            Point::new(25.0, 35.0),
            Point::new(12.0, 50.0),
            Point::new(38.0, 49.0),
        ];
        let to = from.map(|p| known.apply(p));
        let found = similarity(&from, &to);
        for (got, want) in [
            (found.a, 0.8),
            (found.b, 0.6),
            (found.tx, 5.0),
            (found.ty, -3.0),
        ] {
            assert!((got - want).abs() < 1e-5, "{found:?}");
        }
    }

    #[test]
    fn inverse_undoes_the_transform() {
        let t = Similarity {
            a: 1.3,
            b: -0.4,
            tx: 7.0,
            ty: 2.5,
        };
        let p = Point::new(12.5, -3.25);
        let back = t.inverse().apply(t.apply(p));
        assert!(back.distance(p) < 1e-4);
    }

    #[test]
    fn landmarks_already_on_the_template_give_the_image_itself() {
        let image = RgbImage::from_fn(112, 112, |x, y| Rgb([x as u8, y as u8, 7]));
        let face = align_face(&image, &TEMPLATE);
        assert_eq!(face.to_image(), image);
    }

    #[test]
    fn bilinear_sampling_interpolates_and_blacks_out_the_outside() {
        let image = RgbImage::from_fn(2, 1, |x, _| Rgb([x as u8 * 100, 0, 0]));
        assert_eq!(sample_bilinear(&image, 0.25, 0.0)[0], 25.0);
        assert_eq!(sample_bilinear(&image, -5.0, 0.0), [0.0; 3]);
        assert_eq!(
            sample_bilinear(&image, 1.0, 0.5)[0],
            50.0,
            "half way to the black row below"
        );
    }

    #[test]
    fn coincident_landmarks_do_not_produce_nan() {
        let face = align_face(&RgbImage::new(10, 10), &[Point::new(5.0, 5.0); 5]);
        assert!(face.pixels.iter().all(|v| v.is_finite()));
    }
}
