//! Sums over micro-batches in one fixed order, whoever computes them.
//!
//! Data-parallel training splits a batch into `count` micro-batches of equal
//! size (the leaves 0..count) and sums their gradients. Floating-point
//! addition is not associative, so the weights after a step would depend on
//! how the leaves were grouped, and with it on the number of workers. Here
//! the grouping is fixed: the canonical tree is the perfect binary tree over
//! `next_pow2(count)` leaf slots, and a node is the sum `left + right` of its
//! two halves, or just `left` when the right half lies wholly past `count`.
//!
//! A worker that owns a contiguous range of leaves sums the largest aligned
//! subtrees inside its range ([`reduce_range`]), which are nodes of that
//! same tree; [`combine`] then finishes the tree from the blocks of all
//! workers. Every node is computed by the same additions in the same order
//! however the leaves were split, so the result is bit-identical for 1, 2 or
//! any number of workers.

use crate::error::{Error, Result};

/// A node of the canonical tree: leaves `lo..lo + size`, with `size` a power
/// of two and `lo` a multiple of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub lo: u32,
    pub size: u32,
}

/// Per-block partial sums: for each block, its node, `sums_len` f64 values
/// (loss and metric sums) and `params` f32 values (a gradient vector).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Partials {
    pub params: usize,
    pub sums_len: usize,
    pub nodes: Vec<Node>,
    pub sums: Vec<f64>,
    pub grads: Vec<f32>,
}

impl Partials {
    /// Empties the blocks (keeping the allocations) for vectors of the given sizes.
    pub fn reset(&mut self, params: usize, sums_len: usize) {
        self.params = params;
        self.sums_len = sums_len;
        self.nodes.clear();
        self.sums.clear();
        self.grads.clear();
    }

    /// Number of blocks.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Appends one block.
    pub fn push(&mut self, node: Node, sums: &[f64], grads: &[f32]) {
        debug_assert!(sums.len() == self.sums_len && grads.len() == self.params);
        self.nodes.push(node);
        self.sums.extend_from_slice(sums);
        self.grads.extend_from_slice(grads);
    }

    /// Block `i`'s gradient vector.
    pub fn grads_of(&self, i: usize) -> &[f32] {
        &self.grads[i * self.params..(i + 1) * self.params]
    }

    /// Block `i`'s sums.
    pub fn sums_of(&self, i: usize) -> &[f64] {
        &self.sums[i * self.sums_len..(i + 1) * self.sums_len]
    }

    /// Appends the wire form (see [`Partials::read`]) to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.reserve(16 + 8 * self.len() + 8 * self.sums.len() + 4 * self.grads.len());
        for v in [self.len(), self.params, self.sums_len, 0] {
            out.extend_from_slice(&(v as u32).to_le_bytes());
        }
        for n in &self.nodes {
            out.extend_from_slice(&n.lo.to_le_bytes());
            out.extend_from_slice(&n.size.to_le_bytes());
        }
        for s in &self.sums {
            out.extend_from_slice(&s.to_le_bytes());
        }
        extend_le_f32(out, &self.grads);
    }

    /// Appends the blocks of one or more concatenated wire forms. Each is:
    /// u32 blocks, u32 params, u32 sums_len, u32 0; then per block u32 lo,
    /// u32 size; then blocks × sums_len f64; then blocks × params f32 (all
    /// little-endian). `params` and `sums_len` must match `self`'s.
    pub fn read(&mut self, mut bytes: &[u8]) -> Result<()> {
        let bad = |what: String| Error::invalid(format!("partial sums: {}", what));
        while !bytes.is_empty() {
            let u32_at = |b: &[u8], i: usize| {
                u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]) as usize
            };
            if bytes.len() < 16 {
                return Err(bad(format!(
                    "{} trailing bytes, expected a 16-byte header",
                    bytes.len()
                )));
            }
            let (blocks, params, sums_len) = (u32_at(bytes, 0), u32_at(bytes, 4), u32_at(bytes, 8));
            if params != self.params || sums_len != self.sums_len {
                return Err(bad(format!(
                    "vectors of {} gradients and {} sums, this model needs {} and {}",
                    params, sums_len, self.params, self.sums_len
                )));
            }
            let size = blocks
                .checked_mul(8 + 8 * sums_len + 4 * params)
                .and_then(|s| s.checked_add(16))
                .ok_or_else(|| bad("size overflows".into()))?;
            if bytes.len() < size {
                return Err(bad(format!(
                    "{} bytes for {} blocks, expected {}",
                    bytes.len(),
                    blocks,
                    size
                )));
            }
            let mut at = 16;
            for _ in 0..blocks {
                let node = Node {
                    lo: u32_at(bytes, at) as u32,
                    size: u32_at(bytes, at + 4) as u32,
                };
                self.nodes.push(node);
                at += 8;
            }
            for _ in 0..blocks * sums_len {
                let mut b = [0u8; 8];
                b.copy_from_slice(&bytes[at..at + 8]);
                self.sums.push(f64::from_le_bytes(b));
                at += 8;
            }
            read_le_f32(&bytes[at..at + 4 * blocks * params], &mut self.grads);
            bytes = &bytes[size..];
        }
        Ok(())
    }
}

/// Appends `v` as little-endian bytes (one copy on little-endian targets:
/// gradient vectors are a megabyte per step and worker).
fn extend_le_f32(out: &mut Vec<u8>, v: &[f32]) {
    #[cfg(target_endian = "little")]
    // SAFETY: f32 has no padding and any alignment works for u8; on a
    // little-endian target its memory is its little-endian encoding.
    out.extend_from_slice(unsafe {
        core::slice::from_raw_parts(v.as_ptr() as *const u8, v.len() * 4)
    });
    #[cfg(not(target_endian = "little"))]
    for x in v {
        out.extend_from_slice(&x.to_le_bytes());
    }
}

/// Appends the little-endian f32 values in `bytes` (a multiple of 4 long) to `out`.
fn read_le_f32(bytes: &[u8], out: &mut Vec<f32>) {
    let n = bytes.len() / 4;
    #[cfg(target_endian = "little")]
    {
        // Copied straight into the spare capacity: zero-filling it first
        // (`resize`) was a second pass over every worker's gradients.
        out.reserve(n);
        let start = out.len();
        // SAFETY: the capacity holds n more f32 = 4n bytes, which the copy
        // initialises entirely (any bit pattern is a valid f32) before the
        // length covers them; the regions do not overlap.
        unsafe {
            core::ptr::copy_nonoverlapping(
                bytes.as_ptr(),
                out.as_mut_ptr().add(start) as *mut u8,
                4 * n,
            );
            out.set_len(start + n);
        }
    }
    #[cfg(not(target_endian = "little"))]
    out.extend(
        bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])),
    );
}

/// The largest power of two that divides `x` (x > 0) and is at most `limit`.
fn aligned_size(x: usize, limit: usize) -> usize {
    let mut s = 1;
    while x % (2 * s) == 0 && 2 * s <= limit {
        s *= 2;
    }
    s
}

/// Sums the leaves `lo..hi` into the largest aligned subtrees inside that
/// range and appends them (in order) to `out`.
///
/// Leaf `lo + i` is `grads[i·P..(i+1)·P]` (P = `out.params`) with sums
/// `sums[i·S..(i+1)·S]`; both are overwritten (each subtree is summed into
/// the slot of its first leaf).
pub fn reduce_range(lo: usize, hi: usize, grads: &mut [f32], sums: &mut [f64], out: &mut Partials) {
    let (p, s) = (out.params, out.sums_len);
    assert!(lo < hi && grads.len() >= (hi - lo) * p && sums.len() >= (hi - lo) * s);
    // Level by level: node (l, 2w) = (l, w) + (l + w, w) wherever it fits in lo..hi.
    let mut w = 1;
    while 2 * w <= hi - lo {
        let mut l = (lo + 2 * w - 1) / (2 * w) * (2 * w);
        while l + 2 * w <= hi {
            let (a, b) = (l - lo, l + w - lo);
            let (left, right) = grads.split_at_mut(b * p);
            add_into(&mut left[a * p..(a + 1) * p], &right[..p]);
            let (left, right) = sums.split_at_mut(b * s);
            add_into_f64(&mut left[a * s..(a + 1) * s], &right[..s]);
            l += 2 * w;
        }
        w *= 2;
    }
    // The blocks: from lo, each time the largest aligned node that fits.
    let mut x = lo;
    while x < hi {
        let size = if x == 0 {
            aligned_size_from_zero(hi)
        } else {
            aligned_size(x, hi - x)
        };
        let i = x - lo;
        out.push(
            Node {
                lo: x as u32,
                size: size as u32,
            },
            &sums[i * s..(i + 1) * s],
            &grads[i * p..(i + 1) * p],
        );
        x += size;
    }
}

/// The largest power of two that is at most `limit` (limit ≥ 1).
fn aligned_size_from_zero(limit: usize) -> usize {
    let mut s = 1;
    while 2 * s <= limit {
        s *= 2;
    }
    s
}

/// Finishes the canonical tree over leaves `0..count` from `parts` (blocks
/// that tile `0..count` exactly, in any order) and writes the root's vector
/// to `grads` and its sums to `sums`. The blocks are summed in place.
pub fn combine(
    count: usize,
    parts: &mut Partials,
    grads: &mut [f32],
    sums: &mut [f64],
) -> Result<()> {
    let (p, s) = (parts.params, parts.sums_len);
    assert!(grads.len() >= p && sums.len() >= s);
    let root = combine_in_place(count, parts)?;
    grads[..p].copy_from_slice(parts.grads_of(root));
    sums[..s].copy_from_slice(parts.sums_of(root));
    Ok(())
}

/// `combine` without the copy: returns the block of `parts` that holds the
/// root (the optimizer reads the batch gradient from there).
pub fn combine_in_place(count: usize, parts: &mut Partials) -> Result<usize> {
    // The blocks must be aligned nodes tiling 0..count exactly once.
    let mut covered = 0usize;
    for n in &parts.nodes {
        let (lo, size) = (n.lo as usize, n.size as usize);
        if size == 0 || !size.is_power_of_two() || lo % size != 0 || lo + size > count {
            return Err(Error::invalid(format!(
                "partial sums: block {}..{} is not a node of the tree over {} micro-batches",
                lo,
                lo + size,
                count
            )));
        }
        covered += size;
    }
    if covered != count || !tiles(count, &parts.nodes) {
        return Err(Error::invalid(format!(
            "partial sums: the blocks do not cover micro-batches 0..{} exactly once",
            count
        )));
    }
    Ok(eval(
        Node {
            lo: 0,
            size: aligned_size_from_zero(2 * count - 1) as u32,
        },
        count,
        parts,
    ))
}

/// Whether `nodes` cover 0..count without overlap (given their sizes sum to count).
fn tiles(count: usize, nodes: &[Node]) -> bool {
    let mut seen = 0usize;
    while seen < count {
        match nodes.iter().find(|n| n.lo as usize == seen) {
            Some(n) => seen += n.size as usize,
            None => return false,
        }
    }
    true
}

/// The value of `node`: the index of the block now holding it.
fn eval(node: Node, count: usize, parts: &mut Partials) -> usize {
    if let Some(i) = parts.nodes.iter().position(|&n| n == node) {
        return i;
    }
    // Not a block: it is inside the range of finer blocks (checked by `combine`).
    let half = node.size / 2;
    let left = eval(
        Node {
            lo: node.lo,
            size: half,
        },
        count,
        parts,
    );
    if (node.lo + half) as usize >= count {
        return left;
    }
    let right = eval(
        Node {
            lo: node.lo + half,
            size: half,
        },
        count,
        parts,
    );
    let (p, s) = (parts.params, parts.sums_len);
    add_block(&mut parts.grads, p, left, right);
    add_block_f64(&mut parts.sums, s, left, right);
    left
}

/// `v[a] = v[a] + v[b]` for the `len`-long vectors number a and b of `v`.
fn add_block(v: &mut [f32], len: usize, a: usize, b: usize) {
    if a < b {
        let (x, y) = v.split_at_mut(b * len);
        add_into(&mut x[a * len..(a + 1) * len], &y[..len]);
    } else {
        let (x, y) = v.split_at_mut(a * len);
        add_into(&mut y[..len], &x[b * len..(b + 1) * len]);
    }
}

fn add_block_f64(v: &mut [f64], len: usize, a: usize, b: usize) {
    if a < b {
        let (x, y) = v.split_at_mut(b * len);
        add_into_f64(&mut x[a * len..(a + 1) * len], &y[..len]);
    } else {
        let (x, y) = v.split_at_mut(a * len);
        add_into_f64(&mut y[..len], &x[b * len..(b + 1) * len]);
    }
}

/// `left[i] = left[i] + right[i]`.
fn add_into(left: &mut [f32], right: &[f32]) {
    for (l, &r) in left.iter_mut().zip(right) {
        *l += r;
    }
}

fn add_into_f64(left: &mut [f64], right: &[f64]) {
    for (l, &r) in left.iter_mut().zip(right) {
        *l += r;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The canonical tree sum of leaves lo..lo+size, computed naively.
    fn tree(leaves: &[f32], lo: usize, size: usize) -> f32 {
        if size == 1 {
            return leaves[lo];
        }
        let half = size / 2;
        let left = tree(leaves, lo, half);
        if lo + half >= leaves.len() {
            left
        } else {
            left + tree(leaves, lo + half, half)
        }
    }

    fn leaves(count: usize) -> Vec<f32> {
        // Large values that cancel and small ones that get absorbed, so the
        // grouping changes the result.
        (0..count)
            .map(|i| [1e8, 1.0, -1e8, 3.0][i % 4] * (1.0 + i as f32 / 64.0))
            .collect()
    }

    /// Splits 0..count into `workers` contiguous ranges and reduces each.
    fn split_sum(vals: &[f32], workers: usize) -> (f32, f64) {
        let count = vals.len();
        let mut all = Partials::default();
        all.reset(1, 1);
        let mut start = 0;
        for w in 0..workers {
            let end = count * (w + 1) / workers;
            if end == start {
                continue;
            }
            let mut g = vals[start..end].to_vec();
            let mut s: Vec<f64> = vals[start..end].iter().map(|&v| v as f64 * 0.5).collect();
            let mut part = Partials::default();
            part.reset(1, 1);
            reduce_range(start, end, &mut g, &mut s, &mut part);
            // Over the wire and back, as between workers.
            let mut bytes = Vec::new();
            part.write(&mut bytes);
            all.read(&bytes).unwrap();
            start = end;
        }
        let (mut g, mut s) = ([0.0f32], [0.0f64]);
        combine(count, &mut all, &mut g, &mut s).unwrap();
        (g[0], s[0])
    }

    #[test]
    fn any_split_gives_the_canonical_tree_bit_for_bit() {
        for count in 1..=19 {
            let vals = leaves(count);
            let want = tree(&vals, 0, aligned_size_from_zero(2 * count - 1));
            for workers in 1..=count {
                let (got, _) = split_sum(&vals, workers);
                assert_eq!(
                    got.to_bits(),
                    want.to_bits(),
                    "count {} workers {}",
                    count,
                    workers
                );
            }
            let sums: Vec<f64> = (1..=count).map(|w| split_sum(&vals, w).1).collect();
            assert!(
                sums.iter().all(|s| s.to_bits() == sums[0].to_bits()),
                "f64 sums, count {}",
                count
            );
        }
    }

    #[test]
    fn grouping_matters_so_the_test_above_can_fail() {
        let vals = leaves(8);
        let sequential = vals.iter().fold(0.0f32, |a, &b| a + b);
        assert_ne!(sequential.to_bits(), tree(&vals, 0, 8).to_bits());
    }

    #[test]
    fn refuses_gaps_overlaps_and_misaligned_blocks() {
        let mk = |nodes: &[(u32, u32)]| {
            let mut p = Partials::default();
            p.reset(1, 0);
            for &(lo, size) in nodes {
                p.push(Node { lo, size }, &[], &[1.0]);
            }
            p
        };
        let (mut g, mut s) = ([0.0f32], [0.0f64; 0]);
        for bad in [
            &[(0u32, 2u32)][..],
            &[(0, 2), (1, 1), (3, 1)],
            &[(1, 2), (0, 1), (3, 1)],
            &[(0, 4), (4, 1)],
        ] {
            assert!(
                combine(4, &mut mk(bad), &mut g, &mut s).is_err(),
                "{:?}",
                bad
            );
        }
        assert!(combine(4, &mut mk(&[(0, 2), (2, 1), (3, 1)]), &mut g, &mut s).is_ok());
        assert_eq!(g[0], 3.0);
    }

    #[test]
    fn wire_form_round_trips_and_checks_sizes() {
        let mut p = Partials::default();
        p.reset(3, 2);
        p.push(Node { lo: 4, size: 2 }, &[1.5, -2.0], &[1.0, 2.0, 3.0]);
        p.push(
            Node { lo: 6, size: 1 },
            &[0.25, 8.0],
            &[-1.0, f32::MIN_POSITIVE, 7.0],
        );
        let mut bytes = Vec::new();
        p.write(&mut bytes);
        let mut q = Partials::default();
        q.reset(3, 2);
        q.read(&bytes).unwrap();
        assert_eq!(p, q);
        let mut wrong = Partials::default();
        wrong.reset(4, 2);
        assert!(wrong.read(&bytes).is_err());
        assert!(q.read(&bytes[..bytes.len() - 1]).is_err());
    }
}
