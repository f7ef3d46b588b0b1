//! The translator: the gradients its step applies (adversarial + λ·L1, with
//! and without the residual output, with noise inputs, from user pairs and
//! from a built-in task), checked by finite differences of losses recomputed
//! from scratch; resuming bit for bit; and its refusals. Gradients are read
//! off a real step with plain SGD at lr = 1 (see tests/conditional.rs).

// Index loops read like the formulas they check.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use wasmgan_core::dataset::Sampler;
use wasmgan_core::optim::{OptimConfig, OptimKind};
use wasmgan_core::rng::{stream, Rng};
use wasmgan_core::tasks::Task;
use wasmgan_core::translate::{Translator, TranslatorConfig};
use wasmgan_core::{checkpoint, Code, Dataset};

fn config(task: Task, residual: bool, adv: f32, seed: u64) -> TranslatorConfig {
    let sgd = OptimConfig {
        kind: OptimKind::Sgd,
        lr: 1.0,
        ..OptimConfig::default()
    };
    TranslatorConfig {
        width: 3,
        height: 2,
        task,
        mask: 1,
        noise: 2,
        g_hidden: vec![5],
        d_hidden: vec![4],
        l1_weight: 3.0,
        adv_weight: adv,
        residual,
        seed,
        g_opt: sgd,
        d_opt: sgd,
        ..TranslatorConfig::default()
    }
}

fn rows(count: usize, dim: usize, seed: u64) -> Dataset {
    let mut d = Dataset::new(count, dim, false).unwrap();
    for (x, v) in d.images.iter_mut().zip(random(count * dim, seed)) {
        *x = (0.8 * v).tanh();
    }
    d
}

/// atanh(clamp(s, ±0.99)) in f64, as the residual generator's prior.
fn prior(s: f32) -> f64 {
    (s.clamp(-0.99, 0.99) as f64).atanh()
}

/// The generator's images for inputs `gin` ([s, noise] rows).
fn images(
    g: &wasmgan_core::mlp::Mlp,
    gin: &[f32],
    b: usize,
    dim: usize,
    residual: bool,
) -> Vec<f32> {
    let out = forward(g, gin, b);
    if !residual {
        return out;
    }
    let stride = gin.len() / b;
    (0..b * dim)
        .map(|k| {
            let (i, j) = (k / dim, k % dim);
            (out[k] as f64 + prior(gin[i * stride + j])).tanh() as f32
        })
        .collect()
}

fn pairs_of(s: &[f32], y: &[f32], b: usize, dim: usize) -> Vec<f32> {
    let mut x = Vec::new();
    for i in 0..b {
        x.extend_from_slice(&s[i * dim..(i + 1) * dim]);
        x.extend_from_slice(&y[i * dim..(i + 1) * dim]);
    }
    x
}

fn check_step(task: Task, residual: bool, adv: f32) {
    let b = 4;
    let cfg = config(task, residual, adv, 21);
    let (dim, nz) = (cfg.dim(), cfg.noise);
    let data = rows(b, cfg.row_dim(), 8);
    let mut tr = Translator::new(cfg.clone()).unwrap();
    // Random weights everywhere (the residual generator's last layer starts at zero).
    let w: Vec<f32> = random(tr.g.params.len(), 5)
        .iter()
        .map(|v| 0.4 * v)
        .collect();
    tr.g.params.copy_from_slice(&w);
    let (g0, d0) = (tr.g.clone(), tr.d.clone());

    // The batch, sources and noise the step will draw, in the step's order.
    let mut batch = vec![0.0; b * cfg.row_dim()];
    Sampler::default()
        .next_batch(cfg.seed, &data, b, &mut batch)
        .unwrap();
    let mut rng = Rng::derive(cfg.seed, stream::TRAIN, 0);
    let (mut s, mut t) = (vec![0.0; b * dim], vec![0.0; b * dim]);
    for i in 0..b {
        let r = &batch[i * cfg.row_dim()..(i + 1) * cfg.row_dim()];
        if task == Task::Pairs {
            s[i * dim..(i + 1) * dim].copy_from_slice(&r[..dim]);
            t[i * dim..(i + 1) * dim].copy_from_slice(&r[dim..]);
        } else {
            t[i * dim..(i + 1) * dim].copy_from_slice(r);
            task.source_of(
                cfg.width,
                cfg.height,
                cfg.mask,
                r,
                &mut rng,
                &mut s[i * dim..(i + 1) * dim],
            );
        }
    }
    let mut gin = Vec::new();
    for i in 0..b {
        gin.extend_from_slice(&s[i * dim..(i + 1) * dim]);
        let mut n = vec![0.0; nz];
        rng.fill_normal(&mut n);
        gin.extend_from_slice(&n);
    }

    tr.train(&data, b, 1).unwrap();
    let what = format!("{:?} residual={} adv={}", task, residual, adv);
    let g_grad = sgd_gradient(&g0.params, &tr.g.params);
    if adv > 0.0 {
        let d_grad = sgd_gradient(&d0.params, &tr.d.params);
        let fake0 = images(&g0, &gin, b, dim, residual);
        let mut loss_d = |p: &[f32]| {
            let mut d = d0.clone();
            d.params.copy_from_slice(p);
            let real = forward(&d, &pairs_of(&s, &t, b, dim), b);
            let fake = forward(&d, &pairs_of(&s, &fake0, b, dim), b);
            (real.iter().map(|&l| bce(l, 1.0)).sum::<f64>()
                + fake.iter().map(|&l| bce(l, 0.0)).sum::<f64>())
                / b as f64
        };
        check_gradient(&format!("{} D", what), &d0.params, &d_grad, &mut loss_d);
    } else {
        assert_eq!(tr.d.params, d0.params, "L1 alone must not touch D");
    }
    let d1 = tr.d.clone();
    let mut loss_g = |p: &[f32]| {
        let mut g = g0.clone();
        g.params.copy_from_slice(p);
        let y = images(&g, &gin, b, dim, residual);
        let l1: f64 = y
            .iter()
            .zip(&t)
            .map(|(&a, &b)| (a as f64 - b as f64).abs())
            .sum::<f64>()
            / (b * dim) as f64;
        let mut loss = cfg.l1_weight as f64 * l1;
        if adv > 0.0 {
            let logits = forward(&d1, &pairs_of(&s, &y, b, dim), b);
            loss += adv as f64 * logits.iter().map(|&l| bce(l, 1.0)).sum::<f64>() / b as f64;
        }
        loss
    };
    check_gradient(&format!("{} G", what), &g0.params, &g_grad, &mut loss_g);
}

#[test]
fn the_step_passes_finite_differences() {
    for residual in [false, true] {
        check_step(Task::Pairs, residual, 1.0);
        check_step(Task::Inpaint, residual, 0.5);
        check_step(Task::Upscale, residual, 0.0);
    }
    check_step(Task::Edges, false, 1.0);
}

#[test]
fn resumes_bit_for_bit() {
    for task in [Task::Inpaint, Task::Pairs] {
        let mut cfg = config(task, task == Task::Inpaint, 1.0, 3);
        cfg.g_opt = OptimConfig::default();
        cfg.d_opt = OptimConfig::default();
        let data = rows(30, cfg.row_dim(), 2);
        let mut whole = Translator::new(cfg.clone()).unwrap();
        whole.train(&data, 4, 20).unwrap();
        let mut first = Translator::new(cfg).unwrap();
        first.train(&data, 4, 9).unwrap();
        // Translating with a seed between steps disturbs nothing saved.
        let mut out = vec![0.0; 2 * 6];
        first
            .translate(2, &data.images[..12], Some(5), &mut out)
            .unwrap();
        let mut resumed =
            checkpoint::load_translator(&checkpoint::save_translator(&first)).unwrap();
        resumed.train(&data, 4, 11).unwrap();
        same_bytes(
            &checkpoint::save_translator(&resumed),
            &checkpoint::save_translator(&whole),
            &format!("{:?}", task),
        );
    }
}

#[test]
fn an_untrained_residual_translator_copies_its_source() {
    let mut cfg = config(Task::Upscale, true, 1.0, 1);
    cfg.noise = 0;
    let mut tr = Translator::new(cfg).unwrap();
    let src: Vec<f32> = (0..12).map(|i| i as f32 / 6.0 - 1.0).collect();
    let mut out = vec![0.0; 12];
    tr.translate(2, &src, None, &mut out).unwrap();
    for (o, s) in out.iter().zip(&src) {
        assert!((o - s.clamp(-0.99, 0.99)).abs() < 1e-5, "{} vs {}", o, s);
    }
}

#[test]
fn refuses_mismatched_data_and_configs() {
    let mut tr = Translator::new(config(Task::Pairs, false, 1.0, 1)).unwrap();
    let e = tr.train(&rows(10, 6, 1), 2, 1).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(
        e.message
            .contains("source and target (6 + 6 values), got 6"),
        "{}",
        e.message
    );
    let mut tr = Translator::new(config(Task::Edges, false, 1.0, 1)).unwrap();
    let e = tr.train(&rows(10, 12, 1), 2, 1).unwrap_err();
    assert!(e.message.contains("3 × 2 = 6"), "{}", e.message);
    let mut out = vec![0.0; 12];
    let e = tr.translate(2, &[0.0; 11], None, &mut out).unwrap_err();
    assert!(
        e.message.contains("2 × 3 × 2 = 12 values, got 11"),
        "{}",
        e.message
    );
    let mut bad = config(Task::Inpaint, false, 1.0, 1);
    bad.mask = 3;
    assert!(Translator::new(bad)
        .unwrap_err()
        .message
        .contains("mask must be an integer in 1..=2"));
    let mut bad = config(Task::Inpaint, false, 0.0, 1);
    bad.l1_weight = 0.0;
    assert!(Translator::new(bad)
        .unwrap_err()
        .message
        .contains("cannot both be 0"));
    // The record round-trips, and a missing residual key takes the task's default.
    let c = config(Task::Inpaint, false, 0.5, 9);
    assert_eq!(TranslatorConfig::from_record(&c.to_record()).unwrap(), c);
    let r: Vec<f64> = c
        .to_record()
        .chunks(2)
        .filter(|p| p[0] != 22.0)
        .flatten()
        .copied()
        .collect();
    assert!(TranslatorConfig::from_record(&r).unwrap().residual);
}
