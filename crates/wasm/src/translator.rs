//! C ABI of the translator (`tr_*`) and of the built-in tasks (`task_*`).
//! Same conventions as the GAN exports in `lib.rs`.

use wasmgan_core::tasks::{self, Task};
use wasmgan_core::translate::{Translator, TranslatorConfig};
use wasmgan_core::{checkpoint, Error, Result};

use crate::{
    bytes_at, check_region, config_record, f32s, free, handle_or_error, insert, optional_seed,
    result_f32, slot, status, with,
};

/// Length of the metrics block at `tr_metrics_ptr` (`TRANSLATOR_METRICS_LEN` in ts/abi.ts).
pub const METRICS_LEN: usize = 9;

pub struct Slot {
    tr: Translator,
    metrics: [f64; METRICS_LEN],
}

fn metrics_of(t: &Translator) -> [f64; METRICS_LEN] {
    let m = t.metrics;
    [
        t.step as f64,
        t.sampler.epoch as f64,
        t.sampler.cursor as f64,
        m.d_loss,
        m.g_adv,
        m.l1,
        m.d_real,
        m.d_fake,
        t.images_seen as f64,
    ]
}

fn new_slot(tr: Translator) -> i32 {
    let metrics = metrics_of(&tr);
    with(|s| insert(&mut s.translators, Slot { tr, metrics }))
}

#[no_mangle]
pub extern "C" fn tr_new(cfg: u32, len: u32) -> i32 {
    handle_or_error((|| {
        let record = config_record(cfg, len)?;
        Ok(new_slot(Translator::new(TranslatorConfig::from_record(
            record,
        )?)?))
    })())
}

#[no_mangle]
pub extern "C" fn tr_free(h: i32) -> i32 {
    status(with(|s| free(&mut s.translators, h, "translator")))
}

#[no_mangle]
pub extern "C" fn tr_train(h: i32, data: i32, batch: u32, steps: u32) -> i32 {
    status(with(|s| {
        let ti = slot(&mut s.translators, h, "translator")?;
        let di = slot(&mut s.datasets, data, "dataset")?;
        let slot = s.translators[ti].as_mut().expect("checked");
        let data = s.datasets[di].as_ref().expect("checked");
        let r = slot.tr.train(data, batch as usize, steps);
        slot.metrics = metrics_of(&slot.tr);
        r
    }))
}

#[no_mangle]
pub extern "C" fn tr_metrics_ptr(h: i32) -> u32 {
    with(|s| match slot(&mut s.translators, h, "translator") {
        Ok(i) => s.translators[i]
            .as_ref()
            .map_or(0, |t| t.metrics.as_ptr() as u32),
        Err(_) => 0,
    })
}

#[no_mangle]
pub extern "C" fn tr_translate(
    h: i32,
    n: u32,
    src: u32,
    src_len: u32,
    seed: f64,
    use_seed: u32,
) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.translators, h, "translator")?;
        check_region(src as usize, src_len as usize, 4, "sources")?;
        // SAFETY: checked region in TypeScript-owned memory, disjoint from the result buffer.
        let sources = unsafe { f32s(src as usize, src_len as usize) };
        let seed = optional_seed(seed, use_seed)?;
        let mut slot = s.translators[i].take().expect("checked");
        let n = n as usize;
        let r = n
            .checked_mul(slot.tr.config.dim())
            .ok_or_else(|| Error::invalid("n × image size overflows"))
            .and_then(|len| result_f32(s, len))
            .and_then(|out| slot.tr.translate(n, sources, seed, out));
        s.translators[i] = Some(slot);
        r
    }))
}

#[no_mangle]
pub extern "C" fn tr_save(h: i32, meta: u32, meta_len: u32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.translators, h, "translator")?;
        check_region(meta as usize, meta_len as usize, 1, "meta")?;
        let slot = s.translators[i].as_mut().expect("checked");
        if meta_len > 0 {
            // SAFETY: region checked.
            slot.tr.meta = unsafe { bytes_at(meta as usize, meta_len as usize) }.to_vec();
        }
        s.result = checkpoint::save_translator(&slot.tr);
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn tr_load(bytes: u32, len: u32) -> i32 {
    handle_or_error((|| {
        check_region(bytes as usize, len as usize, 1, "checkpoint")?;
        // SAFETY: region checked.
        let b = unsafe { bytes_at(bytes as usize, len as usize) };
        Ok(new_slot(checkpoint::load_translator(b)?))
    })())
}

#[no_mangle]
pub extern "C" fn tr_config(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.translators, h, "translator")?;
        let record = s.translators[i]
            .as_ref()
            .expect("checked")
            .tr
            .config
            .to_record();
        s.result = record.iter().flat_map(|x| x.to_le_bytes()).collect();
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn tr_meta(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.translators, h, "translator")?;
        s.result = s.translators[i].as_ref().expect("checked").tr.meta.clone();
        Ok(())
    }))
}

/// Sources of a built-in task for `len / (width·height)` images at `images`,
/// into the result buffer (f32, same size).
#[no_mangle]
pub extern "C" fn task_sources(
    task: u32,
    width: u32,
    height: u32,
    mask: u32,
    images: u32,
    len: u32,
    seed: f64,
) -> i32 {
    status((|| {
        let task = match Task::from_id(task as u64) {
            Some(Task::Pairs) | None => {
                return Err(Error::invalid(format!(
                    "task must be 1 (edges), 2 (inpaint) or 3 (upscale), got {}",
                    task
                )))
            }
            Some(t) => t,
        };
        let seed = crate::seed_from(seed)?;
        check_region(images as usize, len as usize, 4, "images")?;
        // SAFETY: checked region in TypeScript-owned memory, disjoint from the result buffer.
        let imgs = unsafe { f32s(images as usize, len as usize) };
        with(|s| -> Result<()> {
            let out = result_f32(s, len as usize)?;
            tasks::make_sources(
                task,
                width as usize,
                height as usize,
                mask as usize,
                imgs,
                seed,
                out,
            )
        })
    })())
}
