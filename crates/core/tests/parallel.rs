//! Data-parallel training: micro-batch gradients summed in the fixed tree
//! order give weights that do not depend on how many instances share the
//! micro-batches, and one micro-batch per batch is exactly `Gan::train`.

use wasmgan_core::checkpoint;
use wasmgan_core::conditional::Conditioning;
use wasmgan_core::config::GanLoss;
use wasmgan_core::rng::Rng;
use wasmgan_core::{Dataset, DpState, Gan, GanConfig, MicroBatches};

fn config(seed: u64, d_steps: u32) -> GanConfig {
    GanConfig {
        latent: 8,
        data_dim: 20,
        g_hidden: vec![16, 9],
        d_hidden: vec![12],
        seed,
        d_steps,
        label_smoothing: 0.1,
        ..GanConfig::default()
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

/// `toy_data` with labels 0..3 (row i has label i·7 mod 3).
fn labelled_data(count: usize, dim: usize) -> Dataset {
    let mut d = Dataset::new(count, dim, true).unwrap();
    d.images.copy_from_slice(&toy_data(count, dim).images);
    for (i, y) in d.labels.as_mut().unwrap().iter_mut().enumerate() {
        *y = (i * 7 % 3) as u32;
    }
    d
}

/// Each conditioning (3 classes), with a different loss each and both
/// `d_steps`: the labels enter G's input, D's input (concat), a class head
/// on real and fake rows (AC-GAN) or a projection of D's output.
fn conditional_variants() -> Vec<GanConfig> {
    let mut out = Vec::new();
    for (conditioning, loss, ema) in [
        (Conditioning::Concat, GanLoss::Bce, 0.0),
        (Conditioning::AcGan, GanLoss::Hinge, 0.99),
        (Conditioning::Projection, GanLoss::LeastSquares, 0.0),
    ] {
        for d_steps in [1, 2] {
            out.push(GanConfig {
                classes: 3,
                conditioning,
                aux_weight: 0.7,
                loss,
                ema_decay: ema,
                ..config(6, d_steps)
            });
        }
    }
    out
}

fn assert_same(a: &Gan, b: &Gan, what: &str) {
    let (x, y) = (checkpoint::save(a), checkpoint::save(b));
    if x != y {
        let at = x.iter().zip(&y).position(|(p, q)| p != q).unwrap_or(0);
        panic!("{}: checkpoints differ first at byte {}", what, at);
    }
    assert_eq!(a.metrics, b.metrics, "{}: metrics", what);
}

/// `steps` steps with `workers` instances, each owning a contiguous share of
/// the micro-batches; their blocks cross "the wire" (Partials::write/read) as
/// between threads. Returns the instances.
fn run_workers(
    cfg: &GanConfig,
    data: &Dataset,
    batch: usize,
    micro: usize,
    workers: usize,
    steps: u32,
) -> Vec<Gan> {
    let mb = MicroBatches::new(batch, micro).unwrap();
    let mut gans: Vec<Gan> = (0..workers)
        .map(|_| Gan::new(cfg.clone()).unwrap())
        .collect();
    let mut states: Vec<DpState> = (0..workers).map(|_| DpState::default()).collect();
    let range = |w: usize| (mb.count * w / workers, mb.count * (w + 1) / workers);
    let exchange = |gans: &mut Vec<Gan>, states: &mut Vec<DpState>, generator: bool| {
        let mut wires = Vec::new();
        for (w, (gan, st)) in gans.iter_mut().zip(states.iter_mut()).enumerate() {
            let (lo, hi) = range(w);
            if generator {
                gan.partial_generator(st, mb, lo, hi).unwrap();
            } else {
                gan.partial_discriminator(st, data, mb, lo, hi).unwrap();
            }
            let mut wire = Vec::new();
            st.out.write(&mut wire);
            wires.push(wire);
        }
        // Every instance reads all blocks, in reverse worker order for good
        // measure; odd instances keep their own blocks where they are
        // (`take_own_blocks`) and read only the others', as workers do.
        for (w, (gan, st)) in gans.iter_mut().zip(states.iter_mut()).enumerate() {
            let (p, s) = (st.out.params, st.out.sums_len);
            if w % 2 == 1 {
                st.take_own_blocks(p).unwrap();
                for (v, wire) in wires.iter().enumerate() {
                    if v != w {
                        st.all.read(wire).unwrap();
                    }
                }
            } else {
                st.all.reset(p, s);
                st.all.read(&wires.concat()).unwrap();
            }
            st.all.nodes.reverse();
            let blocks = st.all.len();
            let grads: Vec<Vec<f32>> = (0..blocks)
                .rev()
                .map(|i| st.all.grads_of(i).to_vec())
                .collect();
            let sums: Vec<Vec<f64>> = (0..blocks)
                .rev()
                .map(|i| st.all.sums_of(i).to_vec())
                .collect();
            st.all.grads = grads.concat();
            st.all.sums = sums.concat();
            if generator {
                gan.apply_generator(st, mb).unwrap();
            } else {
                gan.apply_discriminator(st, mb).unwrap();
            }
        }
    };
    for step in 0..steps {
        for _ in 0..cfg.d_steps {
            exchange(&mut gans, &mut states, false);
        }
        exchange(&mut gans, &mut states, true);
        // Workers draw the next step's batch while sums are exchanged.
        if step + 1 < steps {
            for (w, (gan, st)) in gans.iter_mut().zip(states.iter_mut()).enumerate() {
                let (lo, hi) = range(w);
                gan.prefetch_batch(st, data, mb, lo, hi).unwrap();
            }
        }
    }
    gans
}

/// Every loss, and the weight average, through the data-parallel phases.
fn variants() -> Vec<GanConfig> {
    let mut out = Vec::new();
    for (loss, ema) in [
        (GanLoss::Bce, 0.0),
        (GanLoss::Hinge, 0.99),
        (GanLoss::LeastSquares, 0.0),
    ] {
        for d_steps in [1, 2] {
            out.push(GanConfig {
                loss,
                ema_decay: ema,
                ..config(5, d_steps)
            });
        }
    }
    out
}

#[test]
fn one_micro_batch_per_batch_is_exactly_train() {
    for cfg in variants() {
        let data = toy_data(70, 20);
        let mut a = Gan::new(cfg.clone()).unwrap();
        let mut b = Gan::new(cfg.clone()).unwrap();
        a.train(&data, 12, 9).unwrap();
        b.train_micro(&mut DpState::default(), &data, 12, 12, 9)
            .unwrap();
        assert_same(&a, &b, &format!("{:?} d_steps {}", cfg.loss, cfg.d_steps));
    }
}

#[test]
fn conditional_one_micro_batch_per_batch_is_exactly_train() {
    let data = labelled_data(70, 20);
    for cfg in conditional_variants() {
        let mut a = Gan::new(cfg.clone()).unwrap();
        let mut b = Gan::new(cfg.clone()).unwrap();
        a.train(&data, 12, 9).unwrap();
        b.train_micro(&mut DpState::default(), &data, 12, 12, 9)
            .unwrap();
        let what = format!("{:?} d_steps {}", cfg.conditioning, cfg.d_steps);
        assert_same(&a, &b, &what);
    }
}

#[test]
fn conditional_weights_do_not_depend_on_the_number_of_workers() {
    let data = labelled_data(90, 20);
    for (i, cfg) in conditional_variants().into_iter().enumerate() {
        let (batch, micro) = [(12, 3), (10, 2)][i % 2];
        let mut single = Gan::new(cfg.clone()).unwrap();
        single
            .train_micro(&mut DpState::default(), &data, batch, micro, 5)
            .unwrap();
        for workers in [1, 2, 3] {
            let gans = run_workers(&cfg, &data, batch, micro, workers, 5);
            for (w, g) in gans.iter().enumerate() {
                let what = format!(
                    "{:?} d_steps {}: worker {} of {}",
                    cfg.conditioning, cfg.d_steps, w, workers
                );
                assert_same(g, &single, &what);
            }
        }
        // The labels are used: the same run on other labels ends elsewhere.
        let mut other = labelled_data(90, 20);
        for y in other.labels.as_mut().unwrap().iter_mut() {
            *y = (*y + 1) % 3;
        }
        let mut moved = Gan::new(cfg.clone()).unwrap();
        moved
            .train_micro(&mut DpState::default(), &other, batch, micro, 5)
            .unwrap();
        assert_ne!(checkpoint::save(&moved), checkpoint::save(&single));
    }
}

#[test]
fn weights_do_not_depend_on_the_number_of_workers() {
    let data = toy_data(90, 20);
    let cfgs = variants();
    for (i, (batch, micro)) in [(12, 3), (16, 2), (10, 2)].into_iter().enumerate() {
        let cfg = cfgs[(2 * i + 1) % cfgs.len()].clone();
        let mut single = Gan::new(cfg.clone()).unwrap();
        single
            .train_micro(&mut DpState::default(), &data, batch, micro, 6)
            .unwrap();
        for workers in 1..=batch / micro {
            let gans = run_workers(&cfg, &data, batch, micro, workers, 6);
            for (w, g) in gans.iter().enumerate() {
                assert_same(
                    g,
                    &single,
                    &format!(
                        "batch {} micro {}: worker {} of {}",
                        batch, micro, w, workers
                    ),
                );
            }
        }
    }
}

#[test]
fn the_micro_batch_size_changes_the_sums_so_the_test_above_can_fail() {
    let data = toy_data(90, 20);
    let mut a = Gan::new(config(7, 1)).unwrap();
    let mut b = Gan::new(config(7, 1)).unwrap();
    a.train_micro(&mut DpState::default(), &data, 16, 16, 3)
        .unwrap();
    b.train_micro(&mut DpState::default(), &data, 16, 2, 3)
        .unwrap();
    assert_ne!(checkpoint::save(&a), checkpoint::save(&b));
    // ... while training the same: the two runs' weights stay close.
    let (pa, pb) = (&a.g.params, &b.g.params);
    let diff = pa
        .iter()
        .zip(pb)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    assert!(diff < 1e-4, "max difference {}", diff);
}

#[test]
fn misuse_is_refused() {
    let data = toy_data(40, 20);
    let mut g = Gan::new(config(1, 1)).unwrap();
    let mut st = DpState::default();
    assert!(MicroBatches::new(12, 5).is_err());
    assert!(MicroBatches::new(12, 0).is_err());
    let mb = MicroBatches::new(12, 3).unwrap();
    assert!(g.partial_discriminator(&mut st, &data, mb, 2, 2).is_err());
    assert!(g.partial_discriminator(&mut st, &data, mb, 3, 5).is_err());
    // The generator phase needs the discriminator phase of the same range first.
    assert!(g.partial_generator(&mut st, mb, 0, 4).is_err());
    g.partial_discriminator(&mut st, &data, mb, 0, 2).unwrap();
    assert!(g.partial_generator(&mut st, mb, 0, 4).is_err());
    // An apply needs blocks covering every micro-batch.
    core::mem::swap(&mut st.out, &mut st.all);
    assert!(g.apply_discriminator(&mut st, mb).is_err());
    // A batch is prefetched once, after a generator phase, and used by the next step of the same size.
    let mut h = Gan::new(config(1, 1)).unwrap();
    let mut hs = DpState::default();
    assert!(h.prefetch_batch(&mut hs, &data, mb, 0, 4).is_err());
    h.train_micro(&mut hs, &data, 12, 3, 1).unwrap();
    assert!(h.prefetch_batch(&mut hs, &data, mb, 2, 5).is_err());
    h.prefetch_batch(&mut hs, &data, mb, 0, 2).unwrap();
    assert!(h.prefetch_batch(&mut hs, &data, mb, 0, 2).is_err());
    assert!(h
        .partial_discriminator(&mut hs, &data, MicroBatches::new(6, 3).unwrap(), 0, 2)
        .is_err());
    // Own blocks are taken once: a second apply from them fails its coverage check.
    let mut o = Gan::new(config(1, 1)).unwrap();
    let mut os = DpState::default();
    o.partial_discriminator(&mut os, &data, mb, 0, 4).unwrap();
    let p = o.d.params.len();
    os.take_own_blocks(p).unwrap();
    o.apply_discriminator(&mut os, mb).unwrap();
    os.take_own_blocks(p).unwrap();
    assert!(o.apply_discriminator(&mut os, mb).is_err());
    assert!(os.take_own_blocks(p + 1).is_err());
    // Only the prefetched rows were drawn: another range cannot use them.
    let mut k = Gan::new(config(1, 1)).unwrap();
    let mut ks = DpState::default();
    k.train_micro(&mut ks, &data, 12, 3, 1).unwrap();
    k.prefetch_batch(&mut ks, &data, mb, 0, 2).unwrap();
    let e = k
        .partial_discriminator(&mut ks, &data, mb, 2, 4)
        .unwrap_err();
    assert!(e.message.contains("prefetched"), "{}", e.message);
    // A conditional GAN needs labels, in range.
    let mut c = Gan::new(GanConfig {
        classes: 3,
        ..config(1, 1)
    })
    .unwrap();
    let e = c
        .train_micro(&mut DpState::default(), &data, 12, 3, 1)
        .unwrap_err();
    assert!(e.message.contains("no labels"), "{}", e.message);
    let mut wrong = labelled_data(40, 20);
    wrong.labels.as_mut().unwrap()[5] = 3;
    let e = c
        .train_micro(&mut DpState::default(), &wrong, 12, 3, 1)
        .unwrap_err();
    assert!(e.message.contains("out of range"), "{}", e.message);
    let wide = toy_data(40, 21);
    assert!(g.train_micro(&mut st, &wide, 12, 3, 1).is_err());
}
