//! The C ABI of wasmgan: the only place with `#[no_mangle] extern "C"`.
//!
//! Every export validates its pointers and handles, calls into
//! `wasmgan-core`, and turns a `core::Error` into a status code plus a message
//! readable through `wg_error_ptr/len`. Nothing here may panic on user input:
//! in a raw wasm module a panic is a bare `unreachable` trap. The signatures
//! are mirrored one to one by `ts/abi.ts`.

use std::alloc::{alloc, dealloc, Layout};
use std::cell::RefCell;

use wasmgan_core::kernels::{self, Act, AdamStep};
use wasmgan_core::{
    checkpoint, loss, rng::Rng, Code, Dataset, DpState, Error, Gan, GanConfig, MicroBatches, Result,
};

mod classifier;
mod translator;

/// Bump when an export's signature or meaning changes (`ABI_VERSION` in ts/abi.ts).
/// 2: `gan_sample` takes labels; translator, classifier and task exports.
const ABI_VERSION: u32 = 2;
const METRICS_LEN: usize = 8;

struct GanSlot {
    gan: Gan,
    metrics: [f64; METRICS_LEN],
    /// Scratch of data-parallel training (`gan_train_micro`, `gan_dp_*`).
    dp: DpState,
    /// Where TypeScript writes every instance's partial sums for `gan_dp_apply`.
    dp_input: Vec<u8>,
}

#[derive(Default)]
struct State {
    gans: Vec<Option<Box<GanSlot>>>,
    datasets: Vec<Option<Box<Dataset>>>,
    translators: Vec<Option<Box<translator::Slot>>>,
    classifiers: Vec<Option<Box<classifier::Slot>>>,
    error: String,
    result: Vec<u8>,
}

thread_local! {
    static STATE: RefCell<State> = RefCell::new(State::default());
}

fn with<T>(f: impl FnOnce(&mut State) -> T) -> T {
    STATE.with(|s| f(&mut s.borrow_mut()))
}

/// Records an error and returns its (positive) status code.
fn fail(e: Error) -> i32 {
    let code = e.code as i32;
    with(|s| s.error = e.message);
    code
}

fn status(r: Result<()>) -> i32 {
    match r {
        Ok(()) => 0,
        Err(e) => fail(e),
    }
}

fn handle_or_error(r: Result<i32>) -> i32 {
    match r {
        Ok(h) => h,
        Err(e) => -fail(e),
    }
}

/// Stores `obj` in the first free slot; the handle is the slot index + 1.
fn insert<T>(slots: &mut Vec<Option<Box<T>>>, obj: T) -> i32 {
    let obj = Some(Box::new(obj));
    match slots.iter().position(|s| s.is_none()) {
        Some(i) => {
            slots[i] = obj;
            i as i32 + 1
        }
        None => {
            slots.push(obj);
            slots.len() as i32
        }
    }
}

fn slot<T>(slots: &mut [Option<Box<T>>], h: i32, what: &str) -> Result<usize> {
    if h >= 1 && (h as usize) <= slots.len() && slots[h as usize - 1].is_some() {
        Ok(h as usize - 1)
    } else {
        Err(Error::new(
            Code::InvalidHandle,
            format!(
                "{} handle {} is not live (freed, or never created)",
                what, h
            ),
        ))
    }
}

/// The config record of `len` f64 values at `cfg` (memory TypeScript owns).
fn config_record<'a>(cfg: u32, len: u32) -> Result<&'a [f64]> {
    check_region(cfg as usize, len as usize, 8, "config record")?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: region checked, including f64 alignment.
    Ok(unsafe { core::slice::from_raw_parts(cfg as *const f64, len as usize) })
}

/// Frees the object behind handle `h`.
fn free<T>(slots: &mut [Option<Box<T>>], h: i32, what: &str) -> Result<()> {
    let i = slot(slots, h, what)?;
    slots[i] = None;
    Ok(())
}

/// Bytes of linear memory; pointers from TypeScript are checked against it.
fn memory_bytes() -> usize {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size(0) * 65536
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        usize::MAX
    }
}

fn check_region(ptr: usize, len: usize, elem: usize, what: &str) -> Result<()> {
    if len == 0 {
        return Ok(());
    }
    let bytes = len
        .checked_mul(elem)
        .ok_or_else(|| Error::invalid(format!("{}: length {} overflows", what, len)))?;
    if ptr == 0
        || ptr % elem != 0
        || ptr
            .checked_add(bytes)
            .map_or(true, |end| end > memory_bytes())
    {
        return Err(Error::invalid(format!(
            "{}: {} bytes at {} are not an aligned region of the module's memory",
            what, bytes, ptr
        )));
    }
    Ok(())
}

/// # Safety
/// `check_region` must have accepted (ptr, len).
unsafe fn f32s<'a>(ptr: usize, len: usize) -> &'a [f32] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr as *const f32, len)
    }
}

/// # Safety
/// `check_region` must have accepted (ptr, len) with elem 4.
unsafe fn u32s<'a>(ptr: usize, len: usize) -> &'a [u32] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr as *const u32, len)
    }
}

/// # Safety
/// `check_region` must have accepted (ptr, len) with elem 1.
unsafe fn bytes_at<'a>(ptr: usize, len: usize) -> &'a [u8] {
    if len == 0 {
        &[]
    } else {
        core::slice::from_raw_parts(ptr as *const u8, len)
    }
}

/// Class names from TypeScript: UTF-8, each name followed by a NUL byte.
fn class_names_at(ptr: u32, len: u32) -> Result<Vec<String>> {
    check_region(ptr as usize, len as usize, 1, "class names")?;
    // SAFETY: region checked.
    checkpoint::decode_class_names(unsafe { bytes_at(ptr as usize, len as usize) })
}

fn optional_seed(seed: f64, use_seed: u32) -> Result<Option<u64>> {
    if use_seed != 0 {
        Ok(Some(seed_from(seed)?))
    } else {
        Ok(None)
    }
}

/// # Safety
/// `check_region` must have accepted (ptr, len), and the region must not alias another live slice.
unsafe fn f32s_mut<'a>(ptr: usize, len: usize) -> &'a mut [f32] {
    if len == 0 {
        &mut []
    } else {
        core::slice::from_raw_parts_mut(ptr as *mut f32, len)
    }
}

fn seed_from(seed: f64) -> Result<u64> {
    if seed.is_finite() && seed.fract() == 0.0 && (0.0..9_007_199_254_740_992.0).contains(&seed) {
        Ok(seed as u64)
    } else {
        Err(Error::invalid(format!(
            "seed must be an integer in 0..2^53, got {}",
            seed
        )))
    }
}

// ---- module-wide ------------------------------------------------------------

#[no_mangle]
pub extern "C" fn wg_abi_version() -> u32 {
    ABI_VERSION
}

#[no_mangle]
pub extern "C" fn wg_simd() -> u32 {
    kernels::SIMD as u32
}

#[no_mangle]
pub extern "C" fn wg_alloc(bytes: u32) -> u32 {
    match Layout::from_size_align(bytes.max(1) as usize, 16) {
        // SAFETY: the layout has a non-zero size.
        Ok(layout) => unsafe { alloc(layout) as u32 },
        Err(_) => 0,
    }
}

/// # Safety
/// `ptr` must come from `wg_alloc(bytes)` and not have been freed.
#[no_mangle]
pub unsafe extern "C" fn wg_free(ptr: u32, bytes: u32) {
    if ptr != 0 {
        if let Ok(layout) = Layout::from_size_align(bytes.max(1) as usize, 16) {
            dealloc(ptr as *mut u8, layout);
        }
    }
}

#[no_mangle]
pub extern "C" fn wg_error_ptr() -> u32 {
    with(|s| s.error.as_ptr() as u32)
}

#[no_mangle]
pub extern "C" fn wg_error_len() -> u32 {
    with(|s| s.error.len() as u32)
}

#[no_mangle]
pub extern "C" fn wg_result_ptr() -> u32 {
    with(|s| s.result.as_ptr() as u32)
}

#[no_mangle]
pub extern "C" fn wg_result_len() -> u32 {
    with(|s| s.result.len() as u32)
}

// ---- datasets ------------------------------------------------------------------

#[no_mangle]
pub extern "C" fn data_new(count: u32, dim: u32, labelled: u32) -> i32 {
    handle_or_error(
        Dataset::new(count as usize, dim as usize, labelled != 0)
            .map(|d| with(|s| insert(&mut s.datasets, d))),
    )
}

#[no_mangle]
pub extern "C" fn data_images_ptr(h: i32) -> u32 {
    with(|s| match slot(&mut s.datasets, h, "dataset") {
        Ok(i) => s.datasets[i]
            .as_ref()
            .map_or(0, |d| d.images.as_ptr() as u32),
        Err(_) => 0,
    })
}

#[no_mangle]
pub extern "C" fn data_labels_ptr(h: i32) -> u32 {
    with(|s| match slot(&mut s.datasets, h, "dataset") {
        Ok(i) => s.datasets[i]
            .as_ref()
            .and_then(|d| d.labels.as_ref())
            .map_or(0, |l| l.as_ptr() as u32),
        Err(_) => 0,
    })
}

#[no_mangle]
pub extern "C" fn data_free(h: i32) -> i32 {
    status(with(|s| free(&mut s.datasets, h, "dataset")))
}

// ---- the GAN ---------------------------------------------------------------------

fn metrics_of(gan: &Gan) -> [f64; METRICS_LEN] {
    let m = gan.metrics;
    [
        gan.step as f64,
        gan.sampler.epoch as f64,
        gan.sampler.cursor as f64,
        m.d_loss,
        m.g_loss,
        m.d_real,
        m.d_fake,
        gan.images_seen as f64,
    ]
}

fn new_gan_slot(gan: Gan) -> i32 {
    let metrics = metrics_of(&gan);
    with(|s| {
        insert(
            &mut s.gans,
            GanSlot {
                gan,
                metrics,
                dp: DpState::default(),
                dp_input: Vec::new(),
            },
        )
    })
}

#[no_mangle]
pub extern "C" fn gan_new(cfg: u32, len: u32) -> i32 {
    handle_or_error((|| {
        let record = config_record(cfg, len)?;
        let config = GanConfig::from_record(record)?;
        Ok(new_gan_slot(Gan::new(config)?))
    })())
}

#[no_mangle]
pub extern "C" fn gan_free(h: i32) -> i32 {
    status(with(|s| free(&mut s.gans, h, "GAN")))
}

#[no_mangle]
pub extern "C" fn gan_train(h: i32, data: i32, batch: u32, steps: u32) -> i32 {
    status(with(|s| {
        let gi = slot(&mut s.gans, h, "GAN")?;
        let di = slot(&mut s.datasets, data, "dataset")?;
        let (gans, datasets) = (&mut s.gans, &s.datasets);
        let slot = gans[gi].as_mut().expect("checked");
        let data = datasets[di].as_ref().expect("checked");
        let r = slot.gan.train(data, batch as usize, steps);
        slot.metrics = metrics_of(&slot.gan);
        r
    }))
}

#[no_mangle]
pub extern "C" fn gan_train_micro(h: i32, data: i32, batch: u32, micro: u32, steps: u32) -> i32 {
    status(with(|s| {
        let gi = slot(&mut s.gans, h, "GAN")?;
        let di = slot(&mut s.datasets, data, "dataset")?;
        let (gans, datasets) = (&mut s.gans, &s.datasets);
        let slot = gans[gi].as_mut().expect("checked");
        let data = datasets[di].as_ref().expect("checked");
        let r = slot
            .gan
            .train_micro(&mut slot.dp, data, batch as usize, micro as usize, steps);
        slot.metrics = metrics_of(&slot.gan);
        r
    }))
}

fn phase_of(phase: u32) -> Result<bool> {
    match phase {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Error::invalid(format!(
            "phase must be 0 (discriminator) or 1 (generator), got {}",
            phase
        ))),
    }
}

/// Data-parallel phase 1 or 3: this instance's partial sums for
/// micro-batches `lo..hi`, left in the result buffer (wire form of
/// `reduce::Partials`). Phase 2 instead draws the next step's batch ahead
/// for micro-batches `lo..hi` (`Gan::prefetch_batch`; no result).
#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn gan_dp_partial(
    h: i32,
    data: i32,
    batch: u32,
    micro: u32,
    phase: u32,
    lo: u32,
    hi: u32,
) -> i32 {
    status(with(|s| {
        if phase > 2 {
            return Err(Error::invalid(format!(
                "phase must be 0 (discriminator), 1 (generator) or 2 (prefetch), got {}",
                phase
            )));
        }
        let gi = slot(&mut s.gans, h, "GAN")?;
        let mb = MicroBatches::new(batch as usize, micro as usize)?;
        let (lo, hi) = (lo as usize, hi as usize);
        if phase == 1 {
            let slot = s.gans[gi].as_mut().expect("checked");
            slot.gan.partial_generator(&mut slot.dp, mb, lo, hi)?;
        } else {
            let di = slot(&mut s.datasets, data, "dataset")?;
            let (gans, datasets) = (&mut s.gans, &s.datasets);
            let slot = gans[gi].as_mut().expect("checked");
            let data = datasets[di].as_ref().expect("checked");
            if phase == 2 {
                return slot.gan.prefetch_batch(&mut slot.dp, data, mb, lo, hi);
            }
            slot.gan
                .partial_discriminator(&mut slot.dp, data, mb, lo, hi)?;
        }
        s.result.clear();
        s.gans[gi]
            .as_ref()
            .expect("checked")
            .dp
            .out
            .write(&mut s.result);
        Ok(())
    }))
}

/// A buffer of at least `bytes` bytes for `gan_dp_apply`'s input; 0 on failure.
#[no_mangle]
pub extern "C" fn gan_dp_input(h: i32, bytes: u32) -> u32 {
    with(|s| match slot(&mut s.gans, h, "GAN") {
        Ok(i) => {
            let slot = s.gans[i].as_mut().expect("checked");
            let want = bytes as usize;
            if slot.dp_input.len() < want {
                if slot
                    .dp_input
                    .try_reserve_exact(want - slot.dp_input.len())
                    .is_err()
                {
                    fail(Error::oom("partial sums", want));
                    return 0;
                }
                slot.dp_input.resize(want, 0);
            }
            slot.dp_input.as_ptr() as u32
        }
        Err(e) => {
            fail(e);
            0
        }
    })
}

/// Data-parallel phase 2 or 4: the optimizer step from every instance's
/// partial sums: those concatenated in the first `bytes` bytes of
/// `gan_dp_input`, and with `own` = 1 this instance's own blocks from its
/// last `gan_dp_partial`, used where they are instead of being copied out
/// and back in.
#[no_mangle]
pub extern "C" fn gan_dp_apply(
    h: i32,
    batch: u32,
    micro: u32,
    phase: u32,
    bytes: u32,
    own: u32,
) -> i32 {
    status(with(|s| {
        let generator = phase_of(phase)?;
        let gi = slot(&mut s.gans, h, "GAN")?;
        let mb = MicroBatches::new(batch as usize, micro as usize)?;
        let slot = s.gans[gi].as_mut().expect("checked");
        if bytes as usize > slot.dp_input.len() {
            return Err(Error::invalid(format!(
                "{} bytes of partial sums, but the input buffer holds {}",
                bytes,
                slot.dp_input.len()
            )));
        }
        let params = if generator {
            slot.gan.g.params.len()
        } else {
            slot.gan.d.params.len()
        };
        match own {
            0 => slot.dp.all.reset(params, wasmgan_core::gan::SUMS),
            1 => slot.dp.take_own_blocks(params)?,
            _ => return Err(Error::invalid(format!("own must be 0 or 1, got {}", own))),
        }
        slot.dp.all.read(&slot.dp_input[..bytes as usize])?;
        let r = if generator {
            slot.gan.apply_generator(&mut slot.dp, mb)
        } else {
            slot.gan.apply_discriminator(&mut slot.dp, mb)
        };
        slot.metrics = metrics_of(&slot.gan);
        r
    }))
}

#[no_mangle]
pub extern "C" fn gan_metrics_ptr(h: i32) -> u32 {
    with(|s| match slot(&mut s.gans, h, "GAN") {
        Ok(i) => s.gans[i].as_ref().map_or(0, |g| g.metrics.as_ptr() as u32),
        Err(_) => 0,
    })
}

/// Fills the result buffer with `n` f32 values, reusing its allocation.
pub(crate) fn result_f32(s: &mut State, n: usize) -> Result<&mut [f32]> {
    let bytes = n
        .checked_mul(4)
        .ok_or_else(|| Error::invalid("result too large"))?;
    s.result.clear();
    s.result
        .try_reserve_exact(bytes + 4)
        .map_err(|_| Error::oom("result buffer", bytes))?;
    // Align the f32 view: the Vec's allocation is at least 4-aligned in practice,
    // but do not rely on it.
    s.result.resize(bytes, 0);
    let ptr = s.result.as_mut_ptr();
    if ptr as usize % 4 != 0 {
        return Err(Error::new(Code::Internal, "result buffer is misaligned"));
    }
    // SAFETY: `bytes` bytes are initialised and 4-aligned.
    Ok(unsafe { core::slice::from_raw_parts_mut(ptr as *mut f32, n) })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn gan_sample(
    h: i32,
    n: u32,
    z: u32,
    z_len: u32,
    labels: u32,
    labels_len: u32,
    seed: f64,
    use_seed: u32,
) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.gans, h, "GAN")?;
        let n = n as usize;
        let zs = if z_len > 0 {
            check_region(z as usize, z_len as usize, 4, "z")?;
            // SAFETY: checked region in TypeScript-owned memory, disjoint from the result buffer.
            Some(unsafe { f32s(z as usize, z_len as usize) })
        } else {
            None
        };
        let ls = if labels_len > 0 {
            check_region(labels as usize, labels_len as usize, 4, "labels")?;
            // SAFETY: as for z.
            Some(unsafe { u32s(labels as usize, labels_len as usize) })
        } else {
            None
        };
        let seed = optional_seed(seed, use_seed)?;
        let mut slot = s.gans[i].take().expect("checked");
        let dim = slot.gan.config.data_dim;
        let r = n
            .checked_mul(dim)
            .ok_or_else(|| Error::invalid("n × dataDim overflows"))
            .and_then(|len| result_f32(s, len))
            .and_then(|out| slot.gan.sample(n, zs, ls, seed, out));
        s.gans[i] = Some(slot);
        r
    }))
}

#[no_mangle]
pub extern "C" fn gan_set_class_names(h: i32, names: u32, len: u32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.gans, h, "GAN")?;
        let names = class_names_at(names, len)?;
        s.gans[i]
            .as_mut()
            .expect("checked")
            .gan
            .set_class_names(names)
    }))
}

#[no_mangle]
pub extern "C" fn gan_class_names(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.gans, h, "GAN")?;
        let names = &s.gans[i].as_ref().expect("checked").gan.class_names;
        s.result = checkpoint::encode_class_names(names);
        Ok(())
    }))
}

/// The kind of model a checkpoint holds: 1 GAN, 2 translator, 3 classifier,
/// or a negative status when the bytes are not a readable checkpoint.
#[no_mangle]
pub extern "C" fn ckpt_kind(bytes: u32, len: u32) -> i32 {
    handle_or_error((|| {
        check_region(bytes as usize, len as usize, 1, "checkpoint")?;
        // SAFETY: region checked.
        let b = unsafe { bytes_at(bytes as usize, len as usize) };
        Ok(match checkpoint::kind_of(b)? {
            checkpoint::Kind::Gan => 1,
            checkpoint::Kind::Translator => 2,
            checkpoint::Kind::Classifier => 3,
        })
    })())
}

#[no_mangle]
pub extern "C" fn gan_save(h: i32, meta: u32, meta_len: u32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.gans, h, "GAN")?;
        check_region(meta as usize, meta_len as usize, 1, "meta")?;
        let slot = s.gans[i].as_mut().expect("checked");
        if meta_len > 0 {
            // SAFETY: region checked.
            let m = unsafe { core::slice::from_raw_parts(meta as *const u8, meta_len as usize) };
            slot.gan.meta = m.to_vec();
        }
        s.result = checkpoint::save(&slot.gan);
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn gan_load(bytes: u32, len: u32) -> i32 {
    handle_or_error((|| {
        check_region(bytes as usize, len as usize, 1, "checkpoint")?;
        let b: &[u8] = if len == 0 {
            &[]
        } else {
            // SAFETY: region checked.
            unsafe { core::slice::from_raw_parts(bytes as *const u8, len as usize) }
        };
        Ok(new_gan_slot(checkpoint::load(b)?))
    })())
}

#[no_mangle]
pub extern "C" fn gan_config(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.gans, h, "GAN")?;
        let record = s.gans[i].as_ref().expect("checked").gan.config.to_record();
        s.result = record.iter().flat_map(|x| x.to_le_bytes()).collect();
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn gan_meta(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.gans, h, "GAN")?;
        s.result = s.gans[i].as_ref().expect("checked").gan.meta.clone();
        Ok(())
    }))
}

// ---- kernels -------------------------------------------------------------------------

fn act_from(id: u32, alpha: f32) -> Result<Act> {
    Act::from_id(id, alpha).ok_or_else(|| {
        Error::invalid(format!(
            "activation must be 0..=4 (leaky needs alpha in [0, 1)), got id {} alpha {}",
            id, alpha
        ))
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kernel_matmul(
    op: u32,
    m: u32,
    k: u32,
    n: u32,
    a: u32,
    b: u32,
    c: u32,
    accumulate: u32,
) -> i32 {
    status((|| {
        let (m, k, n) = (m as usize, k as usize, n as usize);
        let size = |x: usize, y: usize| {
            x.checked_mul(y)
                .ok_or_else(|| Error::invalid("matmul size overflows"))
        };
        let (a_len, b_len, c_len) = (size(m, k)?, size(k, n)?, size(m, n)?);
        check_region(a as usize, a_len, 4, "A")?;
        check_region(b as usize, b_len, 4, "B")?;
        check_region(c as usize, c_len, 4, "C")?;
        // SAFETY: regions checked; C is written only, A and B only read (TypeScript
        // passes disjoint buffers).
        let (av, bv, cv) = unsafe {
            (
                f32s(a as usize, a_len),
                f32s(b as usize, b_len),
                f32s_mut(c as usize, c_len),
            )
        };
        let acc = accumulate != 0;
        match op {
            0 => kernels::matmul_nn(m, k, n, av, bv, cv, acc),
            1 => {
                let mut bt = wasmgan_core::error::zeroed_f32(b_len, "transposed B")?;
                kernels::matmul_nt(m, k, n, av, bv, cv, acc, &mut bt)
            }
            2 => kernels::matmul_tn(m, k, n, av, bv, cv, acc),
            _ => {
                return Err(Error::invalid(format!(
                    "matmul op must be 0 (NN), 1 (NT) or 2 (TN), got {}",
                    op
                )))
            }
        }
        Ok(())
    })())
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kernel_dense_forward(
    m: u32,
    k: u32,
    n: u32,
    x: u32,
    w: u32,
    bias: u32,
    act: u32,
    alpha: f32,
    y: u32,
) -> i32 {
    status((|| {
        let (m, k, n) = (m as usize, k as usize, n as usize);
        let act = act_from(act, alpha)?;
        let size = |x: usize, y: usize| {
            x.checked_mul(y)
                .ok_or_else(|| Error::invalid("dense size overflows"))
        };
        let (x_len, w_len, y_len) = (size(m, k)?, size(k, n)?, size(m, n)?);
        check_region(x as usize, x_len, 4, "X")?;
        check_region(w as usize, w_len, 4, "W")?;
        check_region(bias as usize, n, 4, "bias")?;
        check_region(y as usize, y_len, 4, "Y")?;
        // SAFETY: regions checked and disjoint by contract.
        unsafe {
            kernels::dense_forward(
                m,
                k,
                n,
                f32s(x as usize, x_len),
                f32s(w as usize, w_len),
                f32s(bias as usize, n),
                act,
                f32s_mut(y as usize, y_len),
            );
        }
        Ok(())
    })())
}

#[no_mangle]
pub extern "C" fn kernel_activation_backward(
    act: u32,
    alpha: f32,
    len: u32,
    y: u32,
    dy: u32,
    dz: u32,
) -> i32 {
    status((|| {
        let act = act_from(act, alpha)?;
        let len = len as usize;
        check_region(y as usize, len, 4, "Y")?;
        check_region(dy as usize, len, 4, "dY")?;
        check_region(dz as usize, len, 4, "dZ")?;
        // SAFETY: regions checked and disjoint by contract.
        unsafe {
            kernels::activation_backward(
                act,
                f32s(y as usize, len),
                f32s(dy as usize, len),
                f32s_mut(dz as usize, len),
            )
        };
        Ok(())
    })())
}

#[no_mangle]
pub extern "C" fn kernel_bce_logits(len: u32, logits: u32, targets: u32, grad: u32) -> f64 {
    let len = len as usize;
    let ok = check_region(logits as usize, len, 4, "logits")
        .and(check_region(targets as usize, len, 4, "targets"))
        .and(check_region(grad as usize, len, 4, "grad"));
    if let Err(e) = ok {
        fail(e);
        return f64::NAN;
    }
    if len == 0 {
        return 0.0;
    }
    // SAFETY: regions checked and disjoint by contract.
    unsafe {
        loss::bce_with_logits(
            f32s(logits as usize, len),
            f32s(targets as usize, len),
            f32s_mut(grad as usize, len),
            1.0 / len as f32,
        ) / len as f64
    }
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn kernel_adam(
    len: u32,
    p: u32,
    g: u32,
    m: u32,
    v: u32,
    lr: f32,
    beta1: f32,
    beta2: f32,
    eps: f32,
    t: u32,
) -> i32 {
    status((|| {
        let len = len as usize;
        if t == 0 {
            return Err(Error::invalid("Adam step t must be ≥ 1, got 0"));
        }
        let unit = |x: f32| x.is_finite() && (0.0..1.0).contains(&x);
        if !(lr.is_finite() && unit(beta1) && unit(beta2) && eps.is_finite() && eps > 0.0) {
            return Err(Error::invalid(format!(
                "Adam needs a finite lr, beta1 and beta2 in [0, 1) and eps > 0; got lr {} beta1 {} beta2 {} eps {}",
                lr, beta1, beta2, eps
            )));
        }
        for (ptr, what) in [(p, "p"), (g, "g"), (m, "m"), (v, "v")] {
            check_region(ptr as usize, len, 4, what)?;
        }
        // SAFETY: regions checked and disjoint by contract.
        unsafe {
            kernels::adam(
                f32s_mut(p as usize, len),
                f32s(g as usize, len),
                f32s_mut(m as usize, len),
                f32s_mut(v as usize, len),
                AdamStep {
                    lr,
                    beta1,
                    beta2,
                    eps,
                    t: t as u64,
                },
            )
        };
        Ok(())
    })())
}

#[no_mangle]
pub extern "C" fn kernel_sgd(len: u32, p: u32, g: u32, lr: f32) -> i32 {
    status((|| {
        let len = len as usize;
        check_region(p as usize, len, 4, "p")?;
        check_region(g as usize, len, 4, "g")?;
        // SAFETY: regions checked and disjoint by contract.
        unsafe { kernels::sgd(f32s_mut(p as usize, len), f32s(g as usize, len), lr) };
        Ok(())
    })())
}

#[no_mangle]
pub extern "C" fn kernel_rng_fill(seed: f64, kind: u32, n: u32, out: u32) -> i32 {
    status((|| {
        let seed = seed_from(seed)?;
        check_region(out as usize, n as usize, 4, "out")?;
        // SAFETY: region checked.
        let out = unsafe { f32s_mut(out as usize, n as usize) };
        let mut rng = Rng::new(seed);
        match kind {
            0 => rng.fill_normal(out),
            1 => rng.fill_uniform(out, 0.0, 1.0),
            _ => {
                return Err(Error::invalid(format!(
                    "rng kind must be 0 (normal) or 1 (uniform), got {}",
                    kind
                )))
            }
        }
        Ok(())
    })())
}

/// `out[i] = √(−2 ln s[i] / s[i])`, the normal generator's scale factor,
/// for n f64 values, each a normal number in (0, 1).
#[no_mangle]
pub extern "C" fn kernel_polar_scales(n: u32, s: u32, out: u32) -> i32 {
    status((|| {
        let n = n as usize;
        check_region(s as usize, n, 8, "s")?;
        check_region(out as usize, n, 8, "out")?;
        if n == 0 {
            return Ok(());
        }
        let (a, b) = (s as usize, out as usize);
        if a < b + 8 * n && b < a + 8 * n {
            return Err(Error::invalid("s and out overlap"));
        }
        // SAFETY: regions checked (8-byte aligned, inside memory, disjoint).
        let (s, out) = unsafe {
            (
                core::slice::from_raw_parts(s as usize as *const f64, n),
                core::slice::from_raw_parts_mut(out as usize as *mut f64, n),
            )
        };
        if let Some(i) = s.iter().position(|x| !(f64::MIN_POSITIVE..1.0).contains(x)) {
            return Err(Error::invalid(format!(
                "s[{}] = {} is not a normal number in (0, 1)",
                i, s[i]
            )));
        }
        kernels::polar_scales(s, out);
        Ok(())
    })())
}

#[no_mangle]
pub extern "C" fn kernel_peak(iters: u32) -> f32 {
    kernels::peak(iters)
}
