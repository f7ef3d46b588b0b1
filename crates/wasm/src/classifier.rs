//! C ABI of the classifier (`clf_*`). Same conventions as the GAN exports in
//! `lib.rs`.

use wasmgan_core::classifier::{Classifier, ClassifierConfig, Output};
use wasmgan_core::{checkpoint, Error};

use crate::{
    bytes_at, check_region, class_names_at, config_record, f32s, free, handle_or_error, insert,
    result_f32, slot, status, with,
};

/// Length of the metrics block at `clf_metrics_ptr` (`CLASSIFIER_METRICS_LEN` in ts/abi.ts).
pub const METRICS_LEN: usize = 6;

pub struct Slot {
    clf: Classifier,
    metrics: [f64; METRICS_LEN],
}

fn metrics_of(c: &Classifier) -> [f64; METRICS_LEN] {
    [
        c.step as f64,
        c.sampler.epoch as f64,
        c.sampler.cursor as f64,
        c.metrics.loss,
        c.metrics.accuracy,
        c.images_seen as f64,
    ]
}

fn new_slot(clf: Classifier) -> i32 {
    let metrics = metrics_of(&clf);
    with(|s| insert(&mut s.classifiers, Slot { clf, metrics }))
}

#[no_mangle]
pub extern "C" fn clf_new(cfg: u32, len: u32) -> i32 {
    handle_or_error((|| {
        let record = config_record(cfg, len)?;
        Ok(new_slot(Classifier::new(ClassifierConfig::from_record(
            record,
        )?)?))
    })())
}

#[no_mangle]
pub extern "C" fn clf_free(h: i32) -> i32 {
    status(with(|s| free(&mut s.classifiers, h, "classifier")))
}

#[no_mangle]
pub extern "C" fn clf_train(h: i32, data: i32, batch: u32, steps: u32) -> i32 {
    status(with(|s| {
        let ci = slot(&mut s.classifiers, h, "classifier")?;
        let di = slot(&mut s.datasets, data, "dataset")?;
        let slot = s.classifiers[ci].as_mut().expect("checked");
        let data = s.datasets[di].as_ref().expect("checked");
        let r = slot.clf.train(data, batch as usize, steps);
        slot.metrics = metrics_of(&slot.clf);
        r
    }))
}

#[no_mangle]
pub extern "C" fn clf_metrics_ptr(h: i32) -> u32 {
    with(|s| match slot(&mut s.classifiers, h, "classifier") {
        Ok(i) => s.classifiers[i]
            .as_ref()
            .map_or(0, |c| c.metrics.as_ptr() as u32),
        Err(_) => 0,
    })
}

/// Runs `n` images through the classifier; `what` 0 = labels (u32 each),
/// 1 = probabilities (f32 × classes), 2 = features (f32 × last hidden width).
#[no_mangle]
pub extern "C" fn clf_infer(h: i32, what: u32, n: u32, x: u32, x_len: u32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.classifiers, h, "classifier")?;
        let what = Output::from_id(what).ok_or_else(|| {
            Error::invalid(format!(
                "output must be 0 (labels), 1 (probabilities) or 2 (features), got {}",
                what
            ))
        })?;
        check_region(x as usize, x_len as usize, 4, "images")?;
        // SAFETY: checked region in TypeScript-owned memory, disjoint from the result buffer.
        let xs = unsafe { f32s(x as usize, x_len as usize) };
        let mut slot = s.classifiers[i].take().expect("checked");
        let n = n as usize;
        let r = n
            .checked_mul(slot.clf.output_width(what))
            .ok_or_else(|| Error::invalid("n × output size overflows"))
            .and_then(|len| result_f32(s, len))
            .and_then(|out| slot.clf.infer(n, xs, what, out));
        s.classifiers[i] = Some(slot);
        r
    }))
}

#[no_mangle]
pub extern "C" fn clf_save(h: i32, meta: u32, meta_len: u32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.classifiers, h, "classifier")?;
        check_region(meta as usize, meta_len as usize, 1, "meta")?;
        let slot = s.classifiers[i].as_mut().expect("checked");
        if meta_len > 0 {
            // SAFETY: region checked.
            slot.clf.meta = unsafe { bytes_at(meta as usize, meta_len as usize) }.to_vec();
        }
        s.result = checkpoint::save_classifier(&slot.clf);
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn clf_load(bytes: u32, len: u32) -> i32 {
    handle_or_error((|| {
        check_region(bytes as usize, len as usize, 1, "checkpoint")?;
        // SAFETY: region checked.
        let b = unsafe { bytes_at(bytes as usize, len as usize) };
        Ok(new_slot(checkpoint::load_classifier(b)?))
    })())
}

#[no_mangle]
pub extern "C" fn clf_config(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.classifiers, h, "classifier")?;
        let record = s.classifiers[i]
            .as_ref()
            .expect("checked")
            .clf
            .config
            .to_record();
        s.result = record.iter().flat_map(|x| x.to_le_bytes()).collect();
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn clf_meta(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.classifiers, h, "classifier")?;
        s.result = s.classifiers[i].as_ref().expect("checked").clf.meta.clone();
        Ok(())
    }))
}

#[no_mangle]
pub extern "C" fn clf_set_class_names(h: i32, names: u32, len: u32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.classifiers, h, "classifier")?;
        let names = class_names_at(names, len)?;
        s.classifiers[i]
            .as_mut()
            .expect("checked")
            .clf
            .set_class_names(names)
    }))
}

#[no_mangle]
pub extern "C" fn clf_class_names(h: i32) -> i32 {
    status(with(|s| {
        let i = slot(&mut s.classifiers, h, "classifier")?;
        let names = &s.classifiers[i].as_ref().expect("checked").clf.class_names;
        s.result = checkpoint::encode_class_names(names);
        Ok(())
    }))
}
