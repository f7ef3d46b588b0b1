//! Finite-difference checks: each layer kind's parameter and input gradients,
//! and the discriminator and generator losses of the GAN with respect to
//! every parameter group.

// Index loops read like the formulas they check.
#![allow(clippy::needless_range_loop)]

use wasmgan_core::kernels::Act;
use wasmgan_core::loss::bce_with_logits;
use wasmgan_core::mlp::{Mlp, Workspace};
use wasmgan_core::rng::Rng;

fn random(n: usize, seed: u64) -> Vec<f32> {
    let mut r = Rng::new(seed);
    (0..n).map(|_| r.normal_f32()).collect()
}

/// Loss = Σ out ⊙ weights (a fixed random projection), so dL/dout = weights.
fn loss(net: &Mlp, x: &[f32], rows: usize, proj: &[f32]) -> f64 {
    let mut ws = Workspace::default();
    net.reserve(&mut ws, rows).unwrap();
    net.forward(&mut ws, x, rows);
    ws.outs.last().unwrap()[..proj.len()]
        .iter()
        .zip(proj)
        .map(|(&o, &w)| o as f64 * w as f64)
        .sum()
}

fn check_network(sizes: &[usize], hidden: Act, output: Act) {
    let rows = 5;
    let mut net = Mlp::new(sizes, hidden, output, &mut Rng::new(42)).unwrap();
    // Non-zero biases so bias gradients are exercised away from 0.
    for l in net.layers.clone() {
        for j in 0..l.output {
            net.params[l.b + j] = 0.1 * (j as f32 - 1.0);
        }
    }
    let x = random(rows * sizes[0], 1);
    let proj = random(rows * sizes[sizes.len() - 1], 2);
    let mut ws = Workspace::default();
    net.reserve(&mut ws, rows).unwrap();
    net.forward(&mut ws, &x, rows);
    let mut dx = vec![0.0; rows * sizes[0]];
    net.backward(&mut ws, &x, rows, &proj, true, Some(&mut dx));
    // Central differences at h, h/4, h/16: a ReLU kink inside ±h spoils the
    // larger steps (the difference then shrinks with h), while a wrong gradient
    // stays wrong at every step.
    let agrees = |f: &mut dyn FnMut(f32) -> f64, an: f64| -> (bool, f64) {
        let mut last = 0.0;
        for h in [4e-3f32, 1e-3, 2.5e-4] {
            let fd = (f(h) - f(-h)) / (2.0 * h as f64);
            last = fd;
            if (fd - an).abs() <= 2e-3 + 1e-2 * fd.abs().max(an.abs()) {
                return (true, fd);
            }
        }
        (false, last)
    };
    for i in 0..net.params.len() {
        let orig = net.params[i];
        let an = net.grads[i] as f64;
        let mut f = |d: f32| {
            let mut n2 = net.clone();
            n2.params[i] = orig + d;
            loss(&n2, &x, rows, &proj)
        };
        let (ok, fd) = agrees(&mut f, an);
        assert!(ok, "{:?} param {}: fd {} vs analytic {}", sizes, i, fd, an);
    }
    for i in 0..x.len() {
        let an = dx[i] as f64;
        let mut f = |d: f32| {
            let mut xp = x.clone();
            xp[i] += d;
            loss(&net, &xp, rows, &proj)
        };
        let (ok, fd) = agrees(&mut f, an);
        assert!(ok, "{:?} input {}: fd {} vs analytic {}", sizes, i, fd, an);
    }
}

#[test]
fn every_layer_kind_passes_finite_differences() {
    // Sizes hit the 4×8 tile, the 4-wide tail and single columns.
    check_network(&[3, 9, 5], Act::Leaky(0.2), Act::Tanh);
    check_network(&[4, 17, 1], Act::Relu, Act::Linear);
    check_network(&[5, 8, 3], Act::Tanh, Act::Sigmoid);
    check_network(&[6, 12, 7], Act::Sigmoid, Act::Leaky(0.1));
    check_network(&[2, 4, 4, 2], Act::Linear, Act::Relu);
}

/// The two GAN losses, recomputed from scratch by plain forward passes.
fn d_loss(d: &Mlp, real: &[f32], fake: &[f32], b: usize, smooth: f32) -> f64 {
    let mut x = real.to_vec();
    x.extend_from_slice(fake);
    let mut ws = Workspace::default();
    d.reserve(&mut ws, 2 * b).unwrap();
    d.forward(&mut ws, &x, 2 * b);
    let logits = ws.outs.last().unwrap()[..2 * b].to_vec();
    let mut t = vec![1.0 - smooth; b];
    t.extend(vec![0.0; b]);
    let mut g = vec![0.0; 2 * b];
    bce_with_logits(&logits, &t, &mut g, 1.0) / b as f64
}

fn g_loss(g: &Mlp, d: &Mlp, z: &[f32], b: usize) -> f64 {
    let mut gws = Workspace::default();
    g.reserve(&mut gws, b).unwrap();
    g.forward(&mut gws, z, b);
    let fake = gws.outs.last().unwrap()[..b * g.output()].to_vec();
    let mut dws = Workspace::default();
    d.reserve(&mut dws, b).unwrap();
    d.forward(&mut dws, &fake, b);
    let logits = dws.outs.last().unwrap()[..b].to_vec();
    let mut grad = vec![0.0; b];
    bce_with_logits(&logits, &vec![1.0; b], &mut grad, 1.0) / b as f64
}

#[test]
fn gan_losses_pass_finite_differences() {
    // A miniature GAN: latent 3, data 6, hidden 5; gradients computed the way
    // the training step computes them (concatenated D batch, D's dx into G).
    let (b, latent, dim) = (4usize, 3usize, 6usize);
    let mut rng = Rng::new(9);
    let mut g = Mlp::new(&[latent, 5, dim], Act::Leaky(0.2), Act::Tanh, &mut rng).unwrap();
    let mut d = Mlp::new(&[dim, 5, 1], Act::Leaky(0.2), Act::Linear, &mut rng).unwrap();
    let z = random(b * latent, 3);
    let real: Vec<f32> = random(b * dim, 4).iter().map(|v| v.tanh()).collect();
    let smooth = 0.1;

    // Analytic D gradient.
    let mut gws = Workspace::default();
    g.reserve(&mut gws, b).unwrap();
    g.forward(&mut gws, &z, b);
    let fake = gws.outs.last().unwrap()[..b * dim].to_vec();
    let mut x = real.clone();
    x.extend_from_slice(&fake);
    let mut dws = Workspace::default();
    d.reserve(&mut dws, 2 * b).unwrap();
    d.forward(&mut dws, &x, 2 * b);
    let logits = dws.outs.last().unwrap()[..2 * b].to_vec();
    let mut t = vec![1.0 - smooth; b];
    t.extend(vec![0.0; b]);
    let mut dl = vec![0.0; 2 * b];
    bce_with_logits(&logits, &t, &mut dl, 1.0 / b as f32);
    d.backward(&mut dws, &x, 2 * b, &dl, true, None);
    let d_grads = d.grads.clone();
    let h = 1e-2f32;
    for i in 0..d.params.len() {
        let o = d.params[i];
        d.params[i] = o + h;
        let up = d_loss(&d, &real, &fake, b, smooth);
        d.params[i] = o - h;
        let down = d_loss(&d, &real, &fake, b, smooth);
        d.params[i] = o;
        let fd = (up - down) / (2.0 * h as f64);
        assert!(
            (fd - d_grads[i] as f64).abs() < 1e-2 * (1.0 + fd.abs()),
            "D param {}: fd {} vs {}",
            i,
            fd,
            d_grads[i]
        );
    }

    // Analytic G gradient through D (non-saturating loss).
    let mut dws1 = Workspace::default();
    d.reserve(&mut dws1, b).unwrap();
    d.forward(&mut dws1, &fake, b);
    let logits = dws1.outs.last().unwrap()[..b].to_vec();
    let mut dl = vec![0.0; b];
    bce_with_logits(&logits, &vec![1.0; b], &mut dl, 1.0 / b as f32);
    let mut dfake = vec![0.0; b * dim];
    d.backward(&mut dws1, &fake, b, &dl, false, Some(&mut dfake));
    g.backward(&mut gws, &z, b, &dfake, true, None);
    let g_grads = g.grads.clone();
    for i in 0..g.params.len() {
        let o = g.params[i];
        g.params[i] = o + h;
        let up = g_loss(&g, &d, &z, b);
        g.params[i] = o - h;
        let down = g_loss(&g, &d, &z, b);
        g.params[i] = o;
        let fd = (up - down) / (2.0 * h as f64);
        assert!(
            (fd - g_grads[i] as f64).abs() < 1e-2 * (1.0 + fd.abs()),
            "G param {}: fd {} vs {}",
            i,
            fd,
            g_grads[i]
        );
    }
}
