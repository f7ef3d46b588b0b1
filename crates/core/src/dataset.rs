//! Training data resident in the module, and the epoch-wise shuffled sampler.

use crate::error::{zeroed_f32, Error, Result};
use crate::rng::{stream, Rng};

/// `count` rows of `dim` f32 (images scaled to [-1, 1]), optional labels.
#[derive(Clone, Debug)]
pub struct Dataset {
    pub count: usize,
    pub dim: usize,
    pub images: Vec<f32>,
    pub labels: Option<Vec<u32>>,
}

impl Dataset {
    /// A zero-filled dataset for the caller to fill.
    pub fn new(count: usize, dim: usize, labelled: bool) -> Result<Dataset> {
        if count == 0 || dim == 0 {
            return Err(Error::invalid(format!(
                "a dataset needs count ≥ 1 and dim ≥ 1, got count {} and dim {}",
                count, dim
            )));
        }
        let len = count
            .checked_mul(dim)
            .ok_or_else(|| Error::oom("dataset", usize::MAX))?;
        let images = zeroed_f32(len, "dataset images")?;
        let labels = if labelled {
            let mut l: Vec<u32> = Vec::new();
            l.try_reserve_exact(count)
                .map_err(|_| Error::oom("dataset labels", count * 4))?;
            l.resize(count, 0);
            Some(l)
        } else {
            None
        };
        Ok(Dataset {
            count,
            dim,
            images,
            labels,
        })
    }

    /// Checks that every row has a label below `classes`; `who` names the
    /// model in the message ("a conditional GAN", "the classifier").
    pub fn check_labels(&self, classes: usize, who: &str) -> Result<()> {
        let labels = self.labels.as_ref().ok_or_else(|| {
            Error::invalid(format!(
                "{} (classes = {}) trains on labelled data, but this dataset has no labels",
                who, classes
            ))
        })?;
        if let Some((row, &y)) = labels
            .iter()
            .enumerate()
            .find(|&(_, &y)| y as usize >= classes)
        {
            return Err(Error::invalid(format!(
                "label {} of row {} is out of range for {} with classes = {} (labels must be 0..{})",
                y,
                row,
                who,
                classes,
                classes - 1
            )));
        }
        Ok(())
    }
}

/// Where training is in the data: epoch e visits the rows in the order of a
/// permutation drawn from `Rng::derive(seed, SHUFFLE, e)`, so the order is a
/// function of (seed, epoch, count) and only `epoch` and `cursor` need saving.
/// Batches never straddle epochs: a batch that does not fit in what is left
/// starts the next epoch (the remainder is dropped, as with `drop_last`).
#[derive(Clone, Debug, Default)]
pub struct Sampler {
    pub epoch: u64,
    /// Rows of the current epoch already used.
    pub cursor: u64,
    perm: Vec<u32>,
    /// (epoch, count) that `perm` was drawn for.
    perm_key: Option<(u64, usize)>,
}

impl Sampler {
    pub fn at(epoch: u64, cursor: u64) -> Sampler {
        Sampler {
            epoch,
            cursor,
            ..Sampler::default()
        }
    }

    /// Copies the next `rows` rows of `data` into `out [rows × dim]`.
    pub fn next_batch(
        &mut self,
        seed: u64,
        data: &Dataset,
        rows: usize,
        out: &mut [f32],
    ) -> Result<()> {
        self.next_labelled_batch(seed, data, rows, out, None)
    }

    /// `next_batch`, also copying the rows' labels into `labels [rows]` when
    /// given (the dataset must then be labelled). The order of rows is the
    /// same with and without labels.
    pub fn next_labelled_batch(
        &mut self,
        seed: u64,
        data: &Dataset,
        rows: usize,
        out: &mut [f32],
        labels: Option<&mut [u32]>,
    ) -> Result<()> {
        self.next_batch_part(seed, data, rows, 0..rows, out, labels)
    }

    /// `next_labelled_batch` that copies only the rows in `part` (to the
    /// same places in `out`), leaving the others as they were; the sampler
    /// moves on exactly as for the whole batch. A data-parallel worker draws
    /// just the rows it trains on.
    pub fn next_batch_part(
        &mut self,
        seed: u64,
        data: &Dataset,
        rows: usize,
        part: core::ops::Range<usize>,
        out: &mut [f32],
        labels: Option<&mut [u32]>,
    ) -> Result<()> {
        assert!(part.start <= part.end && part.end <= rows);
        if labels.is_some() && data.labels.is_none() {
            return Err(Error::invalid("this dataset has no labels"));
        }
        if rows > data.count {
            return Err(Error::invalid(format!(
                "batch size {} is larger than the dataset ({} rows)",
                rows, data.count
            )));
        }
        if self.cursor as usize + rows > data.count {
            self.epoch += 1;
            self.cursor = 0;
        }
        if self.perm_key != Some((self.epoch, data.count)) {
            if self.perm.len() != data.count {
                self.perm.clear();
                self.perm
                    .try_reserve_exact(data.count)
                    .map_err(|_| Error::oom("shuffle order", data.count * 4))?;
                self.perm.resize(data.count, 0);
            }
            Rng::derive(seed, stream::SHUFFLE, self.epoch).permutation(&mut self.perm);
            self.perm_key = Some((self.epoch, data.count));
        }
        let dim = data.dim;
        let start = self.cursor as usize;
        let order = &self.perm[start + part.start..start + part.end];
        for (r, &idx) in order.iter().enumerate() {
            let (src, r) = (idx as usize * dim, part.start + r);
            out[r * dim..(r + 1) * dim].copy_from_slice(&data.images[src..src + dim]);
        }
        if let Some(labels) = labels {
            let all = data.labels.as_ref().expect("checked above");
            for (l, &idx) in labels[part].iter_mut().zip(order) {
                *l = all[idx as usize];
            }
        }
        self.cursor += rows as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_part_of_a_batch_is_those_rows_of_the_whole_batch_and_moves_on_alike() {
        let (count, dim) = (10, 3);
        let mut data = Dataset::new(count, dim, true).unwrap();
        for (i, x) in data.images.iter_mut().enumerate() {
            *x = i as f32;
        }
        for (i, l) in data.labels.as_mut().unwrap().iter_mut().enumerate() {
            *l = i as u32;
        }
        let (mut whole, mut part) = (Sampler::default(), Sampler::default());
        // Batches of 4 cross an epoch boundary at the third draw.
        for _ in 0..4 {
            let (mut a, mut la) = (vec![0.0; 4 * dim], vec![0u32; 4]);
            whole
                .next_labelled_batch(9, &data, 4, &mut a, Some(&mut la))
                .unwrap();
            let (mut b, mut lb) = (vec![-1.0; 4 * dim], vec![99u32; 4]);
            part.next_batch_part(9, &data, 4, 1..3, &mut b, Some(&mut lb))
                .unwrap();
            assert_eq!(&b[dim..3 * dim], &a[dim..3 * dim]);
            assert_eq!(&lb[1..3], &la[1..3]);
            assert!(b[..dim].iter().chain(&b[3 * dim..]).all(|&x| x == -1.0));
            assert_eq!((lb[0], lb[3]), (99, 99));
            assert_eq!((part.epoch, part.cursor), (whole.epoch, whole.cursor));
        }
    }
}
