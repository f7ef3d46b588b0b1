//! The checkpoint format (version 1). Everything needed to resume training
//! bit for bit: config, both networks, both optimizers' state, step counts,
//! data position and RNG states. Specified in `docs/checkpoint-format.md`.
//!
//! ```text
//! magic    8 bytes  "WASMGAN\0"
//! version  u32      format version (1)
//! count    u32      number of sections
//! section  × count: tag (4 ASCII bytes), length u32 (bytes), payload, zero
//!                   padding to a multiple of 4
//! crc      u32      CRC-32 (IEEE 802.3, as zlib/PNG) of every byte before it
//! ```
//! All integers and floats are little-endian.

use crate::config::GanConfig;
use crate::dataset::Sampler;
use crate::error::{Code, Error, Result};
use crate::gan::{Gan, Metrics};
use crate::rng::Rng;

pub const MAGIC: &[u8; 8] = b"WASMGAN\0";
pub const VERSION: u32 = 1;

/// CRC-32 (reflected polynomial 0xEDB88320), as used by zlib and PNG.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut table = [0u32; 256];
    for (i, slot) in table.iter_mut().enumerate() {
        let mut c = i as u32;
        for _ in 0..8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
        }
        *slot = c;
    }
    let mut crc = !0u32;
    for &b in bytes {
        crc = table[((crc ^ b as u32) & 0xff) as usize] ^ (crc >> 8);
    }
    !crc
}

struct Writer {
    out: Vec<u8>,
    count: u32,
}

impl Writer {
    fn section(&mut self, tag: &[u8; 4], payload: &[u8]) {
        self.out.extend_from_slice(tag);
        self.out
            .extend_from_slice(&(payload.len() as u32).to_le_bytes());
        self.out.extend_from_slice(payload);
        while self.out.len() % 4 != 0 {
            self.out.push(0);
        }
        self.count += 1;
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u64_bytes(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises a GAN and its training state.
pub fn save(gan: &Gan) -> Vec<u8> {
    let mut w = Writer {
        out: Vec::new(),
        count: 0,
    };
    w.out.extend_from_slice(MAGIC);
    w.out.extend_from_slice(&VERSION.to_le_bytes());
    w.out.extend_from_slice(&0u32.to_le_bytes()); // section count, patched below
    let record: Vec<u8> = gan
        .config
        .to_record()
        .iter()
        .flat_map(|x| x.to_le_bytes())
        .collect();
    w.section(b"CONF", &record);
    w.section(
        b"STAT",
        &u64_bytes(&[
            gan.step,
            gan.sampler.epoch,
            gan.sampler.cursor,
            gan.images_seen,
            gan.g_opt.t,
            gan.d_opt.t,
        ]),
    );
    w.section(b"RNGT", &u64_bytes(&gan.train_rng.to_words()));
    w.section(b"RNGS", &u64_bytes(&gan.sample_rng.to_words()));
    w.section(b"GPAR", &f32_bytes(&gan.g.params));
    w.section(b"GOPM", &f32_bytes(&gan.g_opt.m));
    w.section(b"GOPV", &f32_bytes(&gan.g_opt.v));
    w.section(b"DPAR", &f32_bytes(&gan.d.params));
    w.section(b"DOPM", &f32_bytes(&gan.d_opt.m));
    w.section(b"DOPV", &f32_bytes(&gan.d_opt.v));
    if !gan.g_ema.is_empty() {
        w.section(b"GEMA", &f32_bytes(&gan.g_ema));
    }
    w.section(b"META", &gan.meta);
    let count = w.count;
    w.out[12..16].copy_from_slice(&count.to_le_bytes());
    let crc = crc32(&w.out);
    w.out.extend_from_slice(&crc.to_le_bytes());
    w.out
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// Reads the sections of a checkpoint after checking magic, checksum and version.
fn sections(bytes: &[u8]) -> Result<Vec<([u8; 4], &[u8])>> {
    if bytes.len() < 20 || &bytes[..8] != MAGIC {
        return Err(Error::corrupt(
            if bytes.len() >= 8 && &bytes[..8] != MAGIC {
                "not a wasmgan checkpoint (the first 8 bytes are not \"WASMGAN\\0\")".to_string()
            } else {
                format!(
                    "checkpoint too short: {} bytes, a valid one has at least 20",
                    bytes.len()
                )
            },
        ));
    }
    let body = &bytes[..bytes.len() - 4];
    let stored = u32_at(bytes, bytes.len() - 4);
    let actual = crc32(body);
    if stored != actual {
        return Err(Error::corrupt(format!(
            "checkpoint checksum mismatch (stored {:08x}, computed {:08x}): the file is truncated or corrupted",
            stored, actual
        )));
    }
    let version = u32_at(bytes, 8);
    if version != VERSION {
        return Err(Error::new(
            Code::UnsupportedVersion,
            format!(
                "checkpoint format version {} is not supported by this build (it reads version {})",
                version, VERSION
            ),
        ));
    }
    let count = u32_at(bytes, 12) as usize;
    let mut at = 16;
    let mut out = Vec::new();
    for _ in 0..count {
        if at + 8 > body.len() {
            return Err(Error::corrupt(
                "checkpoint section header runs past the end",
            ));
        }
        let tag = [body[at], body[at + 1], body[at + 2], body[at + 3]];
        let len = u32_at(body, at + 4) as usize;
        at += 8;
        if len > body.len() - at {
            return Err(Error::corrupt(format!(
                "checkpoint section {} runs past the end",
                String::from_utf8_lossy(&tag)
            )));
        }
        out.push((tag, &body[at..at + len]));
        at += (len + 3) & !3;
    }
    if at != body.len() {
        return Err(Error::corrupt(
            "checkpoint has bytes after its last section",
        ));
    }
    Ok(out)
}

fn find<'a>(secs: &[([u8; 4], &'a [u8])], tag: &[u8; 4]) -> Result<&'a [u8]> {
    let mut found = secs.iter().filter(|(t, _)| t == tag);
    let first = found.next().ok_or_else(|| {
        Error::corrupt(format!(
            "checkpoint lacks its {} section",
            String::from_utf8_lossy(tag)
        ))
    })?;
    if found.next().is_some() {
        return Err(Error::corrupt(format!(
            "checkpoint has two {} sections",
            String::from_utf8_lossy(tag)
        )));
    }
    Ok(first.1)
}

fn read_f32(secs: &[([u8; 4], &[u8])], tag: &[u8; 4], into: &mut [f32]) -> Result<()> {
    let b = find(secs, tag)?;
    if b.len() != into.len() * 4 {
        return Err(Error::corrupt(format!(
            "checkpoint section {} holds {} bytes, the config implies {}",
            String::from_utf8_lossy(tag),
            b.len(),
            into.len() * 4
        )));
    }
    for (x, c) in into.iter_mut().zip(b.chunks_exact(4)) {
        *x = f32::from_le_bytes([c[0], c[1], c[2], c[3]]);
    }
    Ok(())
}

fn read_u64s<const N: usize>(secs: &[([u8; 4], &[u8])], tag: &[u8; 4]) -> Result<[u64; N]> {
    let b = find(secs, tag)?;
    if b.len() != N * 8 {
        return Err(Error::corrupt(format!(
            "checkpoint section {} holds {} bytes, expected {}",
            String::from_utf8_lossy(tag),
            b.len(),
            N * 8
        )));
    }
    let mut out = [0u64; N];
    for (x, c) in out.iter_mut().zip(b.chunks_exact(8)) {
        let mut a = [0u8; 8];
        a.copy_from_slice(c);
        *x = u64::from_le_bytes(a);
    }
    Ok(out)
}

/// Restores a GAN from `save` output.
pub fn load(bytes: &[u8]) -> Result<Gan> {
    let secs = sections(bytes)?;
    let known: [&[u8; 4]; 12] = [
        b"CONF", b"STAT", b"RNGT", b"RNGS", b"GPAR", b"GOPM", b"GOPV", b"DPAR", b"DOPM", b"DOPV",
        b"GEMA", b"META",
    ];
    if let Some((tag, _)) = secs.iter().find(|(t, _)| !known.contains(&t)) {
        return Err(Error::corrupt(format!(
            "checkpoint has an unknown section {:?}",
            String::from_utf8_lossy(tag)
        )));
    }
    let conf = find(&secs, b"CONF")?;
    if conf.len() % 16 != 0 {
        return Err(Error::corrupt(
            "checkpoint config record has a partial pair",
        ));
    }
    let record: Vec<f64> = conf
        .chunks_exact(8)
        .map(|c| {
            let mut a = [0u8; 8];
            a.copy_from_slice(c);
            f64::from_le_bytes(a)
        })
        .collect();
    let config = GanConfig::from_record(&record)
        .map_err(|e| Error::corrupt(format!("checkpoint config is invalid: {}", e.message)))?;
    let mut gan = Gan::new(config)?;
    let [step, epoch, cursor, seen, g_t, d_t] = read_u64s::<6>(&secs, b"STAT")?;
    let rng = |tag: &[u8; 4]| -> Result<Rng> {
        Rng::from_words(read_u64s::<6>(&secs, tag)?)
            .ok_or_else(|| Error::corrupt("checkpoint holds an invalid RNG state"))
    };
    gan.train_rng = rng(b"RNGT")?;
    gan.sample_rng = rng(b"RNGS")?;
    read_f32(&secs, b"GPAR", &mut gan.g.params)?;
    read_f32(&secs, b"GOPM", &mut gan.g_opt.m)?;
    read_f32(&secs, b"GOPV", &mut gan.g_opt.v)?;
    read_f32(&secs, b"DPAR", &mut gan.d.params)?;
    read_f32(&secs, b"DOPM", &mut gan.d_opt.m)?;
    read_f32(&secs, b"DOPV", &mut gan.d_opt.v)?;
    // Present exactly when the config turns the weight average on.
    if gan.g_ema.is_empty() {
        if secs.iter().any(|(t, _)| t == b"GEMA") {
            return Err(Error::corrupt(
                "checkpoint has a GEMA section but its config has no weight average",
            ));
        }
    } else {
        read_f32(&secs, b"GEMA", &mut gan.g_ema)?;
    }
    gan.step = step;
    gan.sampler = Sampler::at(epoch, cursor);
    gan.images_seen = seen;
    gan.g_opt.t = g_t;
    gan.d_opt.t = d_t;
    gan.metrics = Metrics::default();
    gan.meta = find(&secs, b"META")?.to_vec();
    Ok(gan)
}
