//! The GAN as a whole: determinism, resuming from checkpoints bit for bit,
//! refusing damaged checkpoints, and sampling.

use wasmgan_core::checkpoint;
use wasmgan_core::config::{GanLoss, LatentDist};
use wasmgan_core::rng::Rng;
use wasmgan_core::{Code, Dataset, Gan, GanConfig};

fn small_config(seed: u64) -> GanConfig {
    GanConfig {
        latent: 8,
        data_dim: 20,
        g_hidden: vec![16],
        d_hidden: vec![12],
        seed,
        ..GanConfig::default()
    }
}

/// Asserts two checkpoints are identical, naming the first differing offset
/// (printing megabytes of bytes helps nobody).
fn same_bytes(a: &[u8], b: &[u8]) {
    if a != b {
        let at = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        panic!(
            "checkpoints differ: lengths {} and {}, first difference at byte {}",
            a.len(),
            b.len(),
            at
        );
    }
}

fn toy_data(count: usize, dim: usize) -> Dataset {
    let mut d = Dataset::new(count, dim, false).unwrap();
    let mut r = Rng::new(77);
    for x in d.images.iter_mut() {
        *x = r.uniform_f32() * 2.0 - 1.0;
    }
    d
}

#[test]
fn same_seed_same_checkpoint_bytes() {
    let data = toy_data(50, 20);
    let mut a = Gan::new(small_config(3)).unwrap();
    let mut b = Gan::new(small_config(3)).unwrap();
    a.train(&data, 8, 20).unwrap();
    b.train(&data, 8, 20).unwrap();
    same_bytes(&checkpoint::save(&a), &checkpoint::save(&b));
    let mut c = Gan::new(small_config(4)).unwrap();
    c.train(&data, 8, 20).unwrap();
    assert_ne!(checkpoint::save(&a), checkpoint::save(&c));
}

#[test]
fn save_load_continue_equals_uninterrupted() {
    let data = toy_data(50, 20); // 50 rows / 8 per batch: epochs roll over mid-run
    for dist in [LatentDist::Normal, LatentDist::Uniform] {
        let mut cfg = small_config(5);
        cfg.latent_dist = dist;
        cfg.d_steps = 2;
        cfg.label_smoothing = 0.1;
        let mut whole = Gan::new(cfg.clone()).unwrap();
        whole.train(&data, 8, 30).unwrap();
        let mut first = Gan::new(cfg).unwrap();
        first.train(&data, 8, 13).unwrap();
        // Sampling by seed in between must not disturb anything saved.
        let mut out = vec![0.0; 3 * 20];
        first.sample(3, None, None, Some(9), &mut out).unwrap();
        let bytes = checkpoint::save(&first);
        let mut resumed = checkpoint::load(&bytes).unwrap();
        // Sampling from the model's own stream advances only that stream:
        // the weights trained afterwards are unchanged.
        let mut other = checkpoint::load(&bytes).unwrap();
        other.sample(3, None, None, None, &mut out).unwrap();
        resumed.train(&data, 8, 17).unwrap();
        other.train(&data, 8, 17).unwrap();
        same_bytes(&checkpoint::save(&whole), &checkpoint::save(&resumed));
        assert_eq!(other.g.params, whole.g.params);
        assert_eq!(other.d.params, whole.d.params);
    }
}

#[test]
fn damaged_checkpoints_are_refused() {
    let gan = Gan::new(small_config(1)).unwrap();
    let bytes = checkpoint::save(&gan);
    assert!(checkpoint::load(&bytes).is_ok());
    // Truncated anywhere.
    for cut in [0, 7, 19, bytes.len() / 2, bytes.len() - 1] {
        let e = checkpoint::load(&bytes[..cut]).unwrap_err();
        assert_eq!(
            e.code,
            Code::CorruptCheckpoint,
            "cut {}: {}",
            cut,
            e.message
        );
    }
    // One flipped bit anywhere.
    for at in [0, 9, 20, bytes.len() / 3, bytes.len() - 2] {
        let mut b = bytes.clone();
        b[at] ^= 0x10;
        let e = checkpoint::load(&b).unwrap_err();
        assert!(
            matches!(e.code, Code::CorruptCheckpoint | Code::UnsupportedVersion),
            "at {}",
            at
        );
    }
    // A future version with a valid checksum.
    let mut b = bytes[..bytes.len() - 4].to_vec();
    b[8] = 3;
    let crc = checkpoint::crc32(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    let e = checkpoint::load(&b).unwrap_err();
    assert_eq!(e.code, Code::UnsupportedVersion);
    assert!(e.message.contains("version 3"), "{}", e.message);
}

#[test]
fn sampling_by_seed_and_by_z_is_reproducible() {
    let mut gan = Gan::new(small_config(2)).unwrap();
    let mut a = vec![0.0; 300 * 20];
    let mut b = vec![0.0; 300 * 20];
    gan.sample(300, None, None, Some(11), &mut a).unwrap();
    gan.sample(300, None, None, Some(11), &mut b).unwrap();
    assert_eq!(a, b);
    assert!(a.iter().all(|x| (-1.0..=1.0).contains(x)));
    let z = vec![0.25f32; 2 * 8];
    let mut c = vec![0.0; 2 * 20];
    gan.sample(2, Some(&z), None, None, &mut c).unwrap();
    assert_eq!(c[..20], c[20..]);
    let e = gan
        .sample(2, Some(&z[..15]), None, None, &mut c)
        .unwrap_err();
    assert!(e.message.contains("16"), "{}", e.message);
}

#[test]
fn training_refuses_mismatched_data_and_batches() {
    let mut gan = Gan::new(small_config(2)).unwrap();
    let e = gan.train(&toy_data(10, 21), 4, 1).unwrap_err();
    assert!(
        e.message.contains("21") && e.message.contains("20"),
        "{}",
        e.message
    );
    let e = gan.train(&toy_data(10, 20), 11, 1).unwrap_err();
    assert!(e.message.contains("11"), "{}", e.message);
    assert!(gan.train(&toy_data(10, 20), 0, 1).is_err());
}

#[test]
fn every_loss_and_the_weight_average_resume_bit_for_bit() {
    let data = toy_data(50, 20);
    for (loss, ema) in [
        (GanLoss::Hinge, 0.0),
        (GanLoss::LeastSquares, 0.0),
        (GanLoss::Bce, 0.99),
        (GanLoss::Hinge, 0.9),
    ] {
        let cfg = GanConfig {
            loss,
            ema_decay: ema,
            ..small_config(8)
        };
        let mut whole = Gan::new(cfg.clone()).unwrap();
        whole.train(&data, 8, 21).unwrap();
        let mut first = Gan::new(cfg).unwrap();
        first.train(&data, 8, 9).unwrap();
        let mut resumed = checkpoint::load(&checkpoint::save(&first)).unwrap();
        resumed.train(&data, 8, 12).unwrap();
        same_bytes(&checkpoint::save(&whole), &checkpoint::save(&resumed));
        assert!(whole.metrics.d_loss.is_finite() && whole.metrics.g_loss.is_finite());
    }
}

#[test]
fn sampling_uses_the_weight_average_when_it_is_on() {
    let data = toy_data(50, 20);
    let cfg = GanConfig {
        ema_decay: 0.9,
        ..small_config(8)
    };
    let mut gan = Gan::new(cfg).unwrap();
    gan.train(&data, 8, 30).unwrap();
    assert_ne!(gan.g_ema, gan.g.params);
    let z = vec![0.3f32; 8];
    let mut with_ema = vec![0.0; 20];
    gan.sample(1, Some(&z), None, None, &mut with_ema).unwrap();
    // The same z through the raw weights differs; through the average it matches.
    let mut raw = gan.clone();
    raw.g_ema.clear();
    let mut without = vec![0.0; 20];
    raw.sample(1, Some(&z), None, None, &mut without).unwrap();
    assert_ne!(with_ema, without);
    let mut avg = gan.clone();
    avg.g_ema.clear();
    avg.g.params = gan.g_ema.clone();
    let mut via_params = vec![0.0; 20];
    avg.sample(1, Some(&z), None, None, &mut via_params)
        .unwrap();
    assert_eq!(with_ema, via_params);
}

#[test]
fn reads_version_1_checkpoints_bit_for_bit() {
    // Written by the version-1 code (commit "A version-1 checkpoint fixture")
    // from exactly this run on the host.
    let v1 = include_bytes!("fixtures/gan-v1.ckpt");
    assert_eq!(u32::from_le_bytes([v1[8], v1[9], v1[10], v1[11]]), 1);
    let old = checkpoint::load(v1).unwrap();
    let mut fresh = Gan::new(small_config(3)).unwrap();
    fresh.train(&toy_data(50, 20), 8, 20).unwrap();
    fresh.meta = b"{\"dataset\":\"toy\"}".to_vec();
    // The v1 reader restores everything: the same run today matches it. Not
    // bit for bit since tanh became a Cephes-style kernel (≤ 2 ulp from libm's,
    // after the fixture was written), so to float rounding.
    assert_eq!(old.step, 20);
    assert_eq!(old.g_opt.t, fresh.g_opt.t);
    assert_eq!(old.sampler.epoch, fresh.sampler.epoch);
    assert_eq!(old.sampler.cursor, fresh.sampler.cursor);
    for (a, b) in old
        .g
        .params
        .iter()
        .zip(&fresh.g.params)
        .chain(old.d.params.iter().zip(&fresh.d.params))
    {
        assert!((a - b).abs() <= 1e-5 * (1.0 + b.abs()), "{} vs {}", a, b);
    }
    // And re-saving what was read (as v2) reads back to the same bytes.
    let resaved = checkpoint::save(&old);
    same_bytes(
        &checkpoint::save(&checkpoint::load(&resaved).unwrap()),
        &resaved,
    );
    assert_eq!(checkpoint::kind_of(v1).unwrap(), checkpoint::Kind::Gan);
    // A v1 file may not carry sections that only exist from v2 on.
    let mut b = v1[..v1.len() - 4].to_vec();
    let count = u32::from_le_bytes([b[12], b[13], b[14], b[15]]) + 1;
    b[12..16].copy_from_slice(&count.to_le_bytes());
    b.extend_from_slice(b"KIND");
    b.extend_from_slice(&4u32.to_le_bytes());
    b.extend_from_slice(b"GAN\0");
    let crc = checkpoint::crc32(&b);
    b.extend_from_slice(&crc.to_le_bytes());
    let e = checkpoint::load(&b).unwrap_err();
    assert_eq!(e.code, Code::CorruptCheckpoint, "{}", e.message);
}
