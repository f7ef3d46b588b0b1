//! The conditional GAN: the gradients its training step applies, checked by
//! finite differences of losses recomputed from scratch for each way of
//! conditioning (concat, AC-GAN head, projection), plus resuming, sampling
//! by label and label validation.
//!
//! The step's gradients are read off a real `train` call: with plain SGD at
//! lr = 1 a step moves each parameter by exactly minus its gradient, so
//! `before − after` is what the step computed, conditioning inputs, heads and
//! all. The reference losses use only forward passes and textbook formulas.

// Index loops read like the formulas they check.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use wasmgan_core::conditional::Conditioning;
use wasmgan_core::config::GanLoss;
use wasmgan_core::dataset::Sampler;
use wasmgan_core::optim::{OptimConfig, OptimKind};
use wasmgan_core::rng::{stream, Rng};
use wasmgan_core::{checkpoint, Code, Dataset, Gan, GanConfig};

const K: usize = 3;

fn config(cond: Conditioning, seed: u64) -> GanConfig {
    let sgd = OptimConfig {
        kind: OptimKind::Sgd,
        lr: 1.0,
        ..OptimConfig::default()
    };
    GanConfig {
        latent: 3,
        data_dim: 6,
        g_hidden: vec![5],
        d_hidden: vec![4],
        classes: K,
        conditioning: cond,
        aux_weight: 0.7,
        label_smoothing: 0.1,
        seed,
        g_opt: sgd,
        d_opt: sgd,
        ..GanConfig::default()
    }
}

fn labelled(count: usize, dim: usize, seed: u64) -> Dataset {
    let mut d = Dataset::new(count, dim, true).unwrap();
    for (x, v) in d.images.iter_mut().zip(random(count * dim, seed)) {
        *x = v.tanh();
    }
    for (i, l) in d.labels.as_mut().unwrap().iter_mut().enumerate() {
        *l = (i * 7 % K) as u32;
    }
    d
}

/// The adversarial loss of one logit. `real` says which side of D's loss it
/// is on (G's always asks for "real"); `target` is BCE's and least squares'
/// target on that side (1 − smoothing for D, 1 for G).
fn adversarial(kind: GanLoss, l: f32, real: bool, target: f32, for_g: bool) -> f64 {
    let l64 = l as f64;
    match (kind, for_g) {
        (GanLoss::Bce, _) => bce(l, if real { target } else { 0.0 }),
        (GanLoss::Hinge, false) if real => (1.0 - l64).max(0.0),
        (GanLoss::Hinge, false) => (1.0 + l64).max(0.0),
        (GanLoss::Hinge, true) => -l64,
        (GanLoss::LeastSquares, _) => {
            let t = if real { target as f64 } else { 0.0 };
            0.5 * (l64 - t) * (l64 - t)
        }
    }
}

/// D's real/fake logits and the loss on one half of the batch, by design:
/// the adversarial loss, plus for AC-GAN the class loss (on real rows for D,
/// on the fakes for G).
fn half_loss(
    kind: GanLoss,
    cond: Conditioning,
    out: &[f32],
    labels: &[u32],
    real: bool,
    target: f32,
    aux: f32,
    for_g: bool,
) -> f64 {
    let w = if cond == Conditioning::Concat {
        1
    } else {
        1 + K
    };
    let mut loss = 0.0;
    for (i, &y) in labels.iter().enumerate() {
        let row = &out[i * w..(i + 1) * w];
        let logit = match cond {
            Conditioning::Projection => row[0] + row[1 + y as usize],
            _ => row[0],
        };
        loss += adversarial(kind, logit, real, target, for_g);
        if cond == Conditioning::AcGan && (real || for_g) {
            loss += aux as f64 * ce(&row[1..], y);
        }
    }
    loss / labels.len() as f64
}

fn d_input(cond: Conditioning, x: &[f32], dim: usize, labels: &[u32]) -> Vec<f32> {
    if cond == Conditioning::Concat {
        with_one_hot(x, dim, labels, K)
    } else {
        x.to_vec()
    }
}

#[test]
fn every_conditioning_passes_finite_differences() {
    // Every design under BCE, and the other adversarial losses on two of them.
    let cases = [
        (Conditioning::Concat, GanLoss::Bce),
        (Conditioning::AcGan, GanLoss::Bce),
        (Conditioning::Projection, GanLoss::Bce),
        (Conditioning::Projection, GanLoss::Hinge),
        (Conditioning::AcGan, GanLoss::LeastSquares),
    ];
    for (cond, kind) in cases {
        let b = 5;
        let cfg = GanConfig {
            loss: kind,
            ..config(cond, 11)
        };
        let (latent, dim, aux, smooth) = (
            cfg.latent,
            cfg.data_dim,
            cfg.aux_weight,
            cfg.label_smoothing,
        );
        let data = labelled(b, dim, 3);
        let mut gan = Gan::new(cfg.clone()).unwrap();
        // Non-zero biases, so their gradients are exercised away from 0.
        for (i, p) in gan.d.params.iter_mut().enumerate() {
            *p += 0.01 * (i % 5) as f32;
        }
        let (g0, d0) = (gan.g.clone(), gan.d.clone());
        // The batch the step will draw: the first shuffled batch and z from the training stream.
        let mut real = vec![0.0; b * dim];
        let mut labels = vec![0u32; b];
        Sampler::default()
            .next_labelled_batch(cfg.seed, &data, b, &mut real, Some(&mut labels))
            .unwrap();
        let mut z = vec![0.0; b * latent];
        Rng::derive(cfg.seed, stream::TRAIN, 0).fill_normal(&mut z);
        let gin = with_one_hot(&z, latent, &labels, K);

        gan.train(&data, b, 1).unwrap();
        let d_grad = sgd_gradient(&d0.params, &gan.d.params);
        let g_grad = sgd_gradient(&g0.params, &gan.g.params);

        // L_D(θ_D) with the fakes of G before the step.
        let fake0 = forward(&g0, &gin, b);
        let mut loss_d = |p: &[f32]| {
            let mut d = d0.clone();
            d.params.copy_from_slice(p);
            let r = forward(&d, &d_input(cond, &real, dim, &labels), b);
            let f = forward(&d, &d_input(cond, &fake0, dim, &labels), b);
            half_loss(kind, cond, &r, &labels, true, 1.0 - smooth, aux, false)
                + half_loss(kind, cond, &f, &labels, false, 0.0, aux, false)
        };
        let what = format!("{:?} {:?}", cond, kind);
        check_gradient(&format!("{} D", what), &d0.params, &d_grad, &mut loss_d);

        // L_G(θ_G) through the updated D, with the class loss on fakes for AC-GAN.
        let d1 = gan.d.clone();
        let mut loss_g = |p: &[f32]| {
            let mut g = g0.clone();
            g.params.copy_from_slice(p);
            let fake = forward(&g, &gin, b);
            let out = forward(&d1, &d_input(cond, &fake, dim, &labels), b);
            half_loss(kind, cond, &out, &labels, true, 1.0, aux, true)
        };
        check_gradient(&format!("{} G", what), &g0.params, &g_grad, &mut loss_g);
    }
}

#[test]
fn resumes_bit_for_bit_and_samples_by_label() {
    let data = labelled(40, 6, 5);
    for cond in [
        Conditioning::Concat,
        Conditioning::AcGan,
        Conditioning::Projection,
    ] {
        let mut cfg = config(cond, 4);
        cfg.g_opt = OptimConfig::default();
        cfg.d_opt = OptimConfig::default();
        let mut whole = Gan::new(cfg.clone()).unwrap();
        whole.train(&data, 8, 12).unwrap();
        let mut first = Gan::new(cfg).unwrap();
        first
            .set_class_names(vec!["a".into(), "b b".into(), "ç".into()])
            .unwrap();
        whole
            .set_class_names(vec!["a".into(), "b b".into(), "ç".into()])
            .unwrap();
        first.train(&data, 8, 5).unwrap();
        let mut resumed = checkpoint::load(&checkpoint::save(&first)).unwrap();
        assert_eq!(resumed.class_names, whole.class_names);
        resumed.train(&data, 8, 7).unwrap();
        same_bytes(
            &checkpoint::save(&resumed),
            &checkpoint::save(&whole),
            &format!("{:?}", cond),
        );

        // The label changes the sample; the same label and seed reproduce it.
        let mut a = vec![0.0; 2 * 6];
        let mut b = vec![0.0; 2 * 6];
        whole
            .sample(2, None, Some(&[0, 2]), Some(1), &mut a)
            .unwrap();
        whole
            .sample(2, None, Some(&[0, 2]), Some(1), &mut b)
            .unwrap();
        assert_eq!(a, b);
        let z = vec![0.3f32; 2 * 3];
        whole
            .sample(2, Some(&z), Some(&[0, 1]), None, &mut a)
            .unwrap();
        assert_ne!(
            a[..6],
            a[6..],
            "{:?}: the label must reach the generator",
            cond
        );
    }
}

#[test]
fn refuses_bad_labels_and_unlabelled_data() {
    let mut gan = Gan::new(config(Conditioning::AcGan, 1)).unwrap();
    let mut out = vec![0.0; 3 * 6];
    let msg = |r: wasmgan_core::Result<()>| r.unwrap_err().message;
    assert!(msg(gan.sample(3, None, None, None, &mut out)).contains("needs one label per sample"));
    assert!(msg(gan.sample(3, None, Some(&[0, 1]), None, &mut out)).contains("n = 3, got 2 labels"));
    assert!(msg(gan.sample(3, None, Some(&[0, 3, 1]), None, &mut out))
        .contains("labels[1] = 3 is out of range"));
    let mut plain = Gan::new(GanConfig {
        latent: 3,
        data_dim: 6,
        ..GanConfig::default()
    })
    .unwrap();
    assert!(msg(plain.sample(1, None, Some(&[0]), None, &mut out)).contains("unconditional"));

    let mut unlabelled = Dataset::new(10, 6, false).unwrap();
    unlabelled.images.iter_mut().for_each(|v| *v = 0.5);
    let e = gan.train(&unlabelled, 2, 1).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(e.message.contains("no labels"), "{}", e.message);
    let mut bad = labelled(10, 6, 1);
    bad.labels.as_mut().unwrap()[7] = 3;
    let e = gan.train(&bad, 2, 1).unwrap_err();
    assert!(
        e.message.contains("label 3 of row 7 is out of range"),
        "{}",
        e.message
    );
    assert_eq!(gan.step, 0);
    let e = gan.set_class_names(vec!["only one".into()]).unwrap_err();
    assert!(
        e.message.contains("3 classes, got 1 names"),
        "{}",
        e.message
    );
}

#[test]
fn a_checkpoint_of_another_kind_is_refused_by_name() {
    let gan = Gan::new(config(Conditioning::Projection, 1)).unwrap();
    let bytes = checkpoint::save(&gan);
    assert_eq!(checkpoint::kind_of(&bytes).unwrap(), checkpoint::Kind::Gan);
    let e = checkpoint::load_translator(&bytes).unwrap_err();
    assert_eq!(e.code, Code::InvalidArgument);
    assert!(
        e.message
            .contains("holds a GAN (load it with Gan.load), not a translator"),
        "{}",
        e.message
    );
}
