//! The classifier: the gradient its step applies (softmax cross-entropy
//! through the MLP) by finite differences, its outputs, and resuming.

// Index loops read like the formulas they check.
#![allow(clippy::needless_range_loop)]

mod common;

use common::*;
use wasmgan_core::checkpoint;
use wasmgan_core::classifier::{Classifier, ClassifierConfig, Output};
use wasmgan_core::dataset::Sampler;
use wasmgan_core::optim::{OptimConfig, OptimKind};
use wasmgan_core::Dataset;

fn config(seed: u64) -> ClassifierConfig {
    ClassifierConfig {
        data_dim: 5,
        classes: 4,
        hidden: vec![6, 3],
        seed,
        opt: OptimConfig {
            kind: OptimKind::Sgd,
            lr: 1.0,
            ..OptimConfig::default()
        },
        ..ClassifierConfig::default()
    }
}

fn labelled(count: usize, seed: u64) -> Dataset {
    let mut d = Dataset::new(count, 5, true).unwrap();
    d.images.copy_from_slice(&random(count * 5, seed));
    for (i, l) in d.labels.as_mut().unwrap().iter_mut().enumerate() {
        *l = (i % 4) as u32;
    }
    d
}

#[test]
fn the_step_passes_finite_differences() {
    let b = 6;
    let cfg = config(2);
    let data = labelled(b, 3);
    let mut c = Classifier::new(cfg.clone()).unwrap();
    for (i, p) in c.net.params.iter_mut().enumerate() {
        *p += 0.02 * (i % 3) as f32; // biases away from 0
    }
    let net0 = c.net.clone();
    let mut x = vec![0.0; b * 5];
    let mut labels = vec![0u32; b];
    Sampler::default()
        .next_labelled_batch(cfg.seed, &data, b, &mut x, Some(&mut labels))
        .unwrap();
    c.train(&data, b, 1).unwrap();
    let grad = sgd_gradient(&net0.params, &c.net.params);
    let mut loss = |p: &[f32]| {
        let mut n = net0.clone();
        n.params.copy_from_slice(p);
        let out = forward(&n, &x, b);
        labels
            .iter()
            .enumerate()
            .map(|(i, &y)| ce(&out[i * 4..(i + 1) * 4], y))
            .sum::<f64>()
            / b as f64
    };
    check_gradient("classifier", &net0.params, &grad, &mut loss);
}

#[test]
fn outputs_agree_and_training_resumes_bit_for_bit() {
    let data = labelled(50, 4);
    let mut cfg = config(5);
    cfg.opt = ClassifierConfig::default().opt;
    let mut whole = Classifier::new(cfg.clone()).unwrap();
    whole.train(&data, 8, 20).unwrap();
    let mut first = Classifier::new(cfg).unwrap();
    first.train(&data, 8, 8).unwrap();
    let mut resumed = checkpoint::load_classifier(&checkpoint::save_classifier(&first)).unwrap();
    resumed.train(&data, 8, 12).unwrap();
    same_bytes(
        &checkpoint::save_classifier(&resumed),
        &checkpoint::save_classifier(&whole),
        "classifier",
    );

    let n = 300; // more than one inference chunk
    let x = random(n * 5, 9);
    let (mut lab, mut prob, mut feat) = (vec![0.0; n], vec![0.0; n * 4], vec![0.0; n * 3]);
    whole.infer(n, &x, Output::Label, &mut lab).unwrap();
    whole
        .infer(n, &x, Output::Probabilities, &mut prob)
        .unwrap();
    whole.infer(n, &x, Output::Features, &mut feat).unwrap();
    let logits = forward(&whole.net, &x, n);
    for i in 0..n {
        let p = &prob[i * 4..(i + 1) * 4];
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-5);
        let best = (0..4).fold(0, |b, j| {
            if logits[i * 4 + j] > logits[i * 4 + b] {
                j
            } else {
                b
            }
        });
        assert_eq!(lab[i].to_bits(), best as u32);
        assert!(
            feat[i * 3..(i + 1) * 3].iter().all(|&f| f >= 0.0),
            "ReLU features"
        );
    }
    // Features are what the last layer reads: logits = features · W + b.
    let last = whole.net.layers.last().unwrap().clone();
    for j in 0..4 {
        let mut v = whole.net.params[last.b + j];
        for h in 0..3 {
            v += feat[h] * whole.net.params[last.w + h * 4 + j];
        }
        assert!((v - logits[j]).abs() < 1e-5);
    }
}
