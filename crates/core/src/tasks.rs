//! Built-in paired tasks for image-to-image translation: each derives a
//! source image from a target image, so any image dataset becomes a set of
//! (source → target) training pairs.
//!
//! - `Edges`: a binary edge map of the image (Sobel magnitude above a
//!   threshold) → the image.
//! - `Inpaint`: the image with a `mask × mask` square set to 0 (mid-grey, a
//!   value the background never takes) at a random position → the image.
//! - `Upscale`: the image averaged over 4×4 blocks and shown at full size
//!   (each block filled with its mean: a 4× downsampled image, upsampled by
//!   nearest neighbour) → the image.
//!
//! Images are `height × width`, row-major, in [-1, 1]. Everything here is
//! plain arithmetic without transcendental functions, so sources are
//! bit-identical in every build and runtime.

use crate::error::{Error, Result};
use crate::rng::{stream, Rng};

/// Where a translator's training pairs come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Task {
    /// User-provided pairs: each dataset row is `[source, target]`.
    Pairs,
    Edges,
    Inpaint,
    Upscale,
}

/// Block size of `Upscale`.
pub const UPSCALE_FACTOR: usize = 4;

/// Sobel magnitude² threshold of `Edges`, for pixels in [-1, 1]: a magnitude
/// of 1.0 here is 0.5 on a [0, 1] scale, i.e. a step of a quarter of the full
/// range across the 3×3 window.
pub const EDGE_THRESHOLD_SQ: f32 = 1.0;

impl Task {
    /// The config-record id (`TranslationTask` in `ts/abi.ts`).
    pub fn id(self) -> u32 {
        match self {
            Task::Pairs => 0,
            Task::Edges => 1,
            Task::Inpaint => 2,
            Task::Upscale => 3,
        }
    }

    /// Whether a translator for this task predicts a correction to its
    /// source unless told otherwise: yes where sources are close to their
    /// targets (inpaint, upscale). See `translate.rs` for the measurement.
    pub fn residual_by_default(self) -> bool {
        matches!(self, Task::Inpaint | Task::Upscale)
    }

    pub fn from_id(id: u64) -> Option<Task> {
        match id {
            0 => Some(Task::Pairs),
            1 => Some(Task::Edges),
            2 => Some(Task::Inpaint),
            3 => Some(Task::Upscale),
            _ => None,
        }
    }

    /// Writes the source of one `target` image into `out` (both `w × h`).
    /// `rng` places the inpainting square; the other tasks do not use it.
    pub fn source_of(
        self,
        w: usize,
        h: usize,
        mask: usize,
        target: &[f32],
        rng: &mut Rng,
        out: &mut [f32],
    ) {
        match self {
            Task::Pairs => out[..w * h].copy_from_slice(&target[..w * h]),
            Task::Edges => edges(w, h, target, out),
            Task::Inpaint => {
                let m = mask.min(w).min(h);
                let x0 = rng.below((w - m + 1) as u32) as usize;
                let y0 = rng.below((h - m + 1) as u32) as usize;
                inpaint(w, h, target, x0, y0, m, out)
            }
            Task::Upscale => downsample(w, h, UPSCALE_FACTOR, target, out),
        }
    }
}

/// Binary edge map: 1 where the Sobel gradient magnitude exceeds the
/// threshold, −1 elsewhere. Pixels outside the image repeat the border.
pub fn edges(w: usize, h: usize, img: &[f32], out: &mut [f32]) {
    let at = |x: isize, y: isize| -> f32 {
        let x = x.clamp(0, w as isize - 1) as usize;
        let y = y.clamp(0, h as isize - 1) as usize;
        img[y * w + x]
    };
    for y in 0..h as isize {
        for x in 0..w as isize {
            let gx = (at(x + 1, y - 1) + 2.0 * at(x + 1, y) + at(x + 1, y + 1))
                - (at(x - 1, y - 1) + 2.0 * at(x - 1, y) + at(x - 1, y + 1));
            let gy = (at(x - 1, y + 1) + 2.0 * at(x, y + 1) + at(x + 1, y + 1))
                - (at(x - 1, y - 1) + 2.0 * at(x, y - 1) + at(x + 1, y - 1));
            out[y as usize * w + x as usize] = if gx * gx + gy * gy > EDGE_THRESHOLD_SQ {
                1.0
            } else {
                -1.0
            };
        }
    }
}

/// The image with the `m × m` square at (x0, y0) set to 0.
pub fn inpaint(w: usize, h: usize, img: &[f32], x0: usize, y0: usize, m: usize, out: &mut [f32]) {
    out[..w * h].copy_from_slice(&img[..w * h]);
    for y in y0..(y0 + m).min(h) {
        out[y * w + x0..y * w + (x0 + m).min(w)]
            .iter_mut()
            .for_each(|v| *v = 0.0);
    }
}

/// Each `f × f` block (smaller at the right and bottom edges when the size
/// is not a multiple of f) replaced by its mean, summed in row-major order.
pub fn downsample(w: usize, h: usize, f: usize, img: &[f32], out: &mut [f32]) {
    for by in (0..h).step_by(f) {
        for bx in (0..w).step_by(f) {
            let (y1, x1) = ((by + f).min(h), (bx + f).min(w));
            let mut sum = 0.0f32;
            for y in by..y1 {
                for x in bx..x1 {
                    sum += img[y * w + x];
                }
            }
            let mean = sum / ((y1 - by) * (x1 - bx)) as f32;
            for y in by..y1 {
                out[y * w + bx..y * w + x1]
                    .iter_mut()
                    .for_each(|v| *v = mean);
            }
        }
    }
}

/// Sources for `n` target images `[n × w·h]` into `out`, with the random
/// parts drawn from `Rng::derive(seed, TASK, 0)`: the same seed gives the
/// same sources everywhere (for held-out evaluation and the `translate`
/// command).
pub fn make_sources(
    task: Task,
    w: usize,
    h: usize,
    mask: usize,
    images: &[f32],
    seed: u64,
    out: &mut [f32],
) -> Result<()> {
    let dim = w
        .checked_mul(h)
        .filter(|&d| d > 0)
        .ok_or_else(|| Error::invalid(format!("image size {} × {} is not valid", w, h)))?;
    if images.len() % dim != 0 || out.len() < images.len() {
        return Err(Error::invalid(format!(
            "images must hold whole {} × {} images, got {} values",
            w,
            h,
            images.len()
        )));
    }
    if task == Task::Inpaint && (mask == 0 || mask > w.min(h)) {
        return Err(Error::invalid(format!(
            "the inpainting mask must be 1..={} pixels wide for {} × {} images, got {}",
            w.min(h),
            w,
            h,
            mask
        )));
    }
    let mut rng = Rng::derive(seed, stream::TASK, 0);
    for (img, o) in images.chunks_exact(dim).zip(out.chunks_exact_mut(dim)) {
        task.source_of(w, h, mask, img, &mut rng, o);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edges_mark_a_step_and_nothing_on_flat_areas() {
        // 6×4: left half −1, right half +1.
        let (w, h) = (6, 4);
        let img: Vec<f32> = (0..w * h)
            .map(|i| if i % w < 3 { -1.0 } else { 1.0 })
            .collect();
        let mut out = vec![0.0; w * h];
        edges(w, h, &img, &mut out);
        for y in 0..h {
            let row: Vec<f32> = out[y * w..(y + 1) * w].to_vec();
            assert_eq!(row, vec![-1.0, -1.0, 1.0, 1.0, -1.0, -1.0], "row {}", y);
        }
        let flat = vec![0.3f32; w * h];
        edges(w, h, &flat, &mut out);
        assert!(out.iter().all(|&v| v == -1.0));
    }

    #[test]
    fn inpaint_blanks_exactly_the_square() {
        let (w, h) = (5, 4);
        let img: Vec<f32> = (0..20).map(|i| i as f32 / 20.0).collect();
        let mut out = vec![9.0; 20];
        inpaint(w, h, &img, 1, 2, 2, &mut out);
        for y in 0..h {
            for x in 0..w {
                let inside = (1..3).contains(&x) && (2..4).contains(&y);
                let want = if inside { 0.0 } else { img[y * w + x] };
                assert_eq!(out[y * w + x], want, "({}, {})", x, y);
            }
        }
    }

    #[test]
    fn downsample_fills_blocks_with_their_mean_including_partial_ones() {
        // 5×5 with f = 4: blocks 4×4, 1×4, 4×1, 1×1.
        let (w, h) = (5, 5);
        let img: Vec<f32> = (0..25).map(|i| i as f32).collect();
        let mut out = vec![0.0; 25];
        downsample(w, h, 4, &img, &mut out);
        let mean = |xs: &[usize]| xs.iter().map(|&i| i as f32).sum::<f32>() / xs.len() as f32;
        let tl: Vec<usize> = (0..4)
            .flat_map(|y| (0..4).map(move |x| y * 5 + x))
            .collect();
        assert_eq!(out[0], mean(&tl));
        assert_eq!(out[3 * 5 + 3], mean(&tl));
        assert_eq!(out[4], mean(&[4, 9, 14, 19]));
        assert_eq!(out[20], mean(&[20, 21, 22, 23]));
        assert_eq!(out[24], 24.0);
    }

    #[test]
    fn make_sources_is_reproducible_and_validates() {
        let (w, h) = (8, 8);
        let img: Vec<f32> = (0..3 * 64)
            .map(|i| ((i * 37) % 17) as f32 / 8.5 - 1.0)
            .collect();
        let mut a = vec![0.0; 3 * 64];
        let mut b = vec![0.0; 3 * 64];
        make_sources(Task::Inpaint, w, h, 3, &img, 5, &mut a).unwrap();
        make_sources(Task::Inpaint, w, h, 3, &img, 5, &mut b).unwrap();
        assert_eq!(a, b);
        // Each image has exactly 9 zeros more than it had (the images have none).
        for i in 0..3 {
            assert_eq!(
                a[i * 64..(i + 1) * 64]
                    .iter()
                    .filter(|&&v| v == 0.0)
                    .count(),
                9
            );
        }
        make_sources(Task::Inpaint, w, h, 3, &img, 6, &mut b).unwrap();
        assert_ne!(a, b);
        assert!(make_sources(Task::Inpaint, w, h, 9, &img, 5, &mut a).is_err());
        assert!(make_sources(Task::Edges, w, h, 0, &img[..100], 5, &mut a).is_err());
    }
}
