//! The checkpoint format (version 2; version 1 is still read). Everything
//! needed to resume training bit for bit: config, networks, optimizer state,
//! step counts, data position and RNG states, for each model kind (GAN,
//! translator, classifier). Specified in `docs/checkpoint-format.md`.
//!
//! ```text
//! magic    8 bytes  "WASMGAN\0"
//! version  u32      format version (2; 1 = GAN only, without KIND)
//! count    u32      number of sections
//! section  × count: tag (4 ASCII bytes), length u32 (bytes), payload, zero
//!                   padding to a multiple of 4
//! crc      u32      CRC-32 (IEEE 802.3, as zlib/PNG) of every byte before it
//! ```
//! All integers and floats are little-endian.

use crate::classifier::{Classifier, ClassifierConfig, ClassifierMetrics};
use crate::config::GanConfig;
use crate::dataset::Sampler;
use crate::error::{Code, Error, Result};
use crate::gan::{Gan, Metrics};
use crate::mlp::Mlp;
use crate::optim::Optimizer;
use crate::rng::Rng;
use crate::translate::{Translator, TranslatorConfig, TranslatorMetrics};

pub const MAGIC: &[u8; 8] = b"WASMGAN\0";
/// The version this build writes.
pub const VERSION: u32 = 2;
/// The oldest version this build reads.
pub const OLDEST_VERSION: u32 = 1;

/// What a checkpoint holds: the payload of its `KIND` section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Gan,
    Translator,
    Classifier,
}

impl Kind {
    fn tag(self) -> &'static [u8; 4] {
        match self {
            Kind::Gan => b"GAN\0",
            Kind::Translator => b"TRAN",
            Kind::Classifier => b"CLSF",
        }
    }

    fn from_tag(t: &[u8]) -> Option<Kind> {
        [Kind::Gan, Kind::Translator, Kind::Classifier]
            .into_iter()
            .find(|k| &k.tag()[..] == t)
    }

    /// How the kind is named in messages, with the class that loads it.
    fn describe(self) -> &'static str {
        match self {
            Kind::Gan => "a GAN (load it with Gan.load)",
            Kind::Translator => "a translator (load it with Translator.load)",
            Kind::Classifier => "a classifier (load it with Classifier.load)",
        }
    }
}

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
    fn new(kind: Kind) -> Writer {
        let mut w = Writer {
            out: Vec::new(),
            count: 0,
        };
        w.out.extend_from_slice(MAGIC);
        w.out.extend_from_slice(&VERSION.to_le_bytes());
        w.out.extend_from_slice(&0u32.to_le_bytes()); // section count, patched in finish
        w.section(b"KIND", kind.tag());
        w
    }

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

    fn record(&mut self, record: &[f64]) {
        let bytes: Vec<u8> = record.iter().flat_map(|x| x.to_le_bytes()).collect();
        self.section(b"CONF", &bytes);
    }

    /// A network's parameters and its optimizer's moments under three tags.
    fn network(&mut self, tags: [&[u8; 4]; 3], net: &Mlp, opt: &Optimizer) {
        self.section(tags[0], &f32_bytes(&net.params));
        self.section(tags[1], &f32_bytes(&opt.m));
        self.section(tags[2], &f32_bytes(&opt.v));
    }

    fn class_names(&mut self, names: &[String]) {
        if !names.is_empty() {
            self.section(b"CLSN", &encode_class_names(names));
        }
    }

    fn finish(mut self) -> Vec<u8> {
        let count = self.count;
        self.out[12..16].copy_from_slice(&count.to_le_bytes());
        let crc = crc32(&self.out);
        self.out.extend_from_slice(&crc.to_le_bytes());
        self.out
    }
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

fn u64_bytes(v: &[u64]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Class names as a `CLSN` payload: each name's UTF-8 bytes and a NUL.
pub fn encode_class_names(names: &[String]) -> Vec<u8> {
    let mut b = Vec::new();
    for n in names {
        b.extend_from_slice(n.as_bytes());
        b.push(0);
    }
    b
}

/// The inverse of `encode_class_names`; refuses invalid UTF-8 and a
/// payload that does not end in NUL.
pub fn decode_class_names(b: &[u8]) -> Result<Vec<String>> {
    if b.is_empty() {
        return Ok(Vec::new());
    }
    if b[b.len() - 1] != 0 {
        return Err(Error::invalid("class names must each end with a NUL byte"));
    }
    b[..b.len() - 1]
        .split(|&c| c == 0)
        .map(|n| {
            String::from_utf8(n.to_vec())
                .map_err(|_| Error::invalid("class names must be valid UTF-8"))
        })
        .collect()
}

/// Serialises a GAN (conditional or not) and its training state.
pub fn save(gan: &Gan) -> Vec<u8> {
    let mut w = Writer::new(Kind::Gan);
    w.record(&gan.config.to_record());
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
    w.network([b"GPAR", b"GOPM", b"GOPV"], &gan.g, &gan.g_opt);
    w.network([b"DPAR", b"DOPM", b"DOPV"], &gan.d, &gan.d_opt);
    if !gan.g_ema.is_empty() {
        w.section(b"GEMA", &f32_bytes(&gan.g_ema));
    }
    w.section(b"META", &gan.meta);
    w.class_names(&gan.class_names);
    w.finish()
}

/// Serialises a translator and its training state.
pub fn save_translator(t: &Translator) -> Vec<u8> {
    let mut w = Writer::new(Kind::Translator);
    w.record(&t.config.to_record());
    w.section(
        b"STAT",
        &u64_bytes(&[
            t.step,
            t.sampler.epoch,
            t.sampler.cursor,
            t.images_seen,
            t.g_opt.t,
            t.d_opt.t,
        ]),
    );
    w.section(b"RNGT", &u64_bytes(&t.train_rng.to_words()));
    w.section(b"RNGS", &u64_bytes(&t.sample_rng.to_words()));
    w.network([b"GPAR", b"GOPM", b"GOPV"], &t.g, &t.g_opt);
    w.network([b"DPAR", b"DOPM", b"DOPV"], &t.d, &t.d_opt);
    w.section(b"META", &t.meta);
    w.finish()
}

/// Serialises a classifier and its training state.
pub fn save_classifier(c: &Classifier) -> Vec<u8> {
    let mut w = Writer::new(Kind::Classifier);
    w.record(&c.config.to_record());
    w.section(
        b"STAT",
        &u64_bytes(&[
            c.step,
            c.sampler.epoch,
            c.sampler.cursor,
            c.images_seen,
            c.opt.t,
        ]),
    );
    w.network([b"NPAR", b"NOPM", b"NOPV"], &c.net, &c.opt);
    w.section(b"META", &c.meta);
    w.class_names(&c.class_names);
    w.finish()
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    u32::from_le_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]])
}

/// The sections of a checkpoint, after checking magic, checksum and version.
struct Sections<'a> {
    kind: Kind,
    list: Vec<([u8; 4], &'a [u8])>,
}

/// Reads the sections after checking magic, checksum, version and kind.
/// Version 1 files have no `KIND` section and always hold a GAN.
fn sections(bytes: &[u8]) -> Result<Sections<'_>> {
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
    if !(OLDEST_VERSION..=VERSION).contains(&version) {
        return Err(Error::new(
            Code::UnsupportedVersion,
            format!(
                "checkpoint format version {} is not supported by this build (it reads versions {} to {})",
                version, OLDEST_VERSION, VERSION
            ),
        ));
    }
    let count = u32_at(bytes, 12) as usize;
    let mut at = 16;
    let mut list = Vec::new();
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
        list.push((tag, &body[at..at + len]));
        at += (len + 3) & !3;
    }
    if at != body.len() {
        return Err(Error::corrupt(
            "checkpoint has bytes after its last section",
        ));
    }
    let mut secs = Sections {
        kind: Kind::Gan,
        list,
    };
    if version >= 2 {
        let k = secs.find(b"KIND")?;
        secs.kind = Kind::from_tag(k).ok_or_else(|| {
            Error::corrupt(format!(
                "checkpoint holds an unknown kind of model {:?}",
                String::from_utf8_lossy(k)
            ))
        })?;
    } else if secs.list.iter().any(|(t, _)| t == b"KIND" || t == b"CLSN") {
        return Err(Error::corrupt(
            "a version-1 checkpoint cannot have KIND or CLSN sections",
        ));
    }
    Ok(secs)
}

/// What kind of model a checkpoint holds (after the same checks as loading).
pub fn kind_of(bytes: &[u8]) -> Result<Kind> {
    Ok(sections(bytes)?.kind)
}

impl<'a> Sections<'a> {
    /// Refuses a checkpoint of another kind, then any section not in `known`.
    fn expect(&self, kind: Kind, known: &[&[u8; 4]]) -> Result<()> {
        if self.kind != kind {
            return Err(Error::invalid(format!(
                "this checkpoint holds {}, not {}",
                self.kind.describe(),
                match kind {
                    Kind::Gan => "a GAN",
                    Kind::Translator => "a translator",
                    Kind::Classifier => "a classifier",
                }
            )));
        }
        if let Some((tag, _)) = self
            .list
            .iter()
            .find(|(t, _)| t != b"KIND" && !known.contains(&t))
        {
            return Err(Error::corrupt(format!(
                "checkpoint has an unknown section {:?}",
                String::from_utf8_lossy(tag)
            )));
        }
        Ok(())
    }

    fn get(&self, tag: &[u8; 4]) -> Result<Option<&'a [u8]>> {
        let mut found = self.list.iter().filter(|(t, _)| t == tag);
        let first = found.next();
        if found.next().is_some() {
            return Err(Error::corrupt(format!(
                "checkpoint has two {} sections",
                String::from_utf8_lossy(tag)
            )));
        }
        Ok(first.map(|f| f.1))
    }

    fn find(&self, tag: &[u8; 4]) -> Result<&'a [u8]> {
        self.get(tag)?.ok_or_else(|| {
            Error::corrupt(format!(
                "checkpoint lacks its {} section",
                String::from_utf8_lossy(tag)
            ))
        })
    }

    fn f32s(&self, tag: &[u8; 4], into: &mut [f32]) -> Result<()> {
        let b = self.find(tag)?;
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

    fn u64s<const N: usize>(&self, tag: &[u8; 4]) -> Result<[u64; N]> {
        let b = self.find(tag)?;
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

    fn record(&self) -> Result<Vec<f64>> {
        let conf = self.find(b"CONF")?;
        if conf.len() % 16 != 0 {
            return Err(Error::corrupt(
                "checkpoint config record has a partial pair",
            ));
        }
        Ok(conf
            .chunks_exact(8)
            .map(|c| {
                let mut a = [0u8; 8];
                a.copy_from_slice(c);
                f64::from_le_bytes(a)
            })
            .collect())
    }

    fn rng(&self, tag: &[u8; 4]) -> Result<Rng> {
        Rng::from_words(self.u64s::<6>(tag)?)
            .ok_or_else(|| Error::corrupt("checkpoint holds an invalid RNG state"))
    }

    fn network(&self, tags: [&[u8; 4]; 3], net: &mut Mlp, opt: &mut Optimizer) -> Result<()> {
        self.f32s(tags[0], &mut net.params)?;
        self.f32s(tags[1], &mut opt.m)?;
        self.f32s(tags[2], &mut opt.v)
    }

    /// The class names, checked against the model's class count.
    fn class_names(&self, classes: usize) -> Result<Vec<String>> {
        let names = match self.get(b"CLSN")? {
            None => return Ok(Vec::new()),
            Some(b) => decode_class_names(b)
                .map_err(|e| Error::corrupt(format!("checkpoint {}", e.message)))?,
        };
        if names.len() != classes {
            return Err(Error::corrupt(format!(
                "checkpoint names {} classes but the model has {}",
                names.len(),
                classes
            )));
        }
        Ok(names)
    }
}

fn config_error(e: Error) -> Error {
    Error::corrupt(format!("checkpoint config is invalid: {}", e.message))
}

const TWO_NETWORKS: [&[u8; 4]; 11] = [
    b"CONF", b"STAT", b"RNGT", b"RNGS", b"GPAR", b"GOPM", b"GOPV", b"DPAR", b"DOPM", b"DOPV",
    b"META",
];

/// Restores a GAN from `save` output (version 2, or a version-1 file).
pub fn load(bytes: &[u8]) -> Result<Gan> {
    let secs = sections(bytes)?;
    let mut known = TWO_NETWORKS.to_vec();
    known.extend_from_slice(&[b"GEMA", b"CLSN"]);
    secs.expect(Kind::Gan, &known)?;
    let config = GanConfig::from_record(&secs.record()?).map_err(config_error)?;
    let mut gan = Gan::new(config)?;
    let [step, epoch, cursor, seen, g_t, d_t] = secs.u64s::<6>(b"STAT")?;
    gan.train_rng = secs.rng(b"RNGT")?;
    gan.sample_rng = secs.rng(b"RNGS")?;
    secs.network([b"GPAR", b"GOPM", b"GOPV"], &mut gan.g, &mut gan.g_opt)?;
    secs.network([b"DPAR", b"DOPM", b"DOPV"], &mut gan.d, &mut gan.d_opt)?;
    // Present exactly when the config turns the weight average on.
    if gan.g_ema.is_empty() {
        if secs.get(b"GEMA")?.is_some() {
            return Err(Error::corrupt(
                "checkpoint has a GEMA section but its config has no weight average",
            ));
        }
    } else {
        secs.f32s(b"GEMA", &mut gan.g_ema)?;
    }
    gan.step = step;
    gan.sampler = Sampler::at(epoch, cursor);
    gan.images_seen = seen;
    gan.g_opt.t = g_t;
    gan.d_opt.t = d_t;
    gan.metrics = Metrics::default();
    gan.meta = secs.find(b"META")?.to_vec();
    gan.class_names = secs.class_names(gan.config.classes)?;
    Ok(gan)
}

/// Restores a translator from `save_translator` output.
pub fn load_translator(bytes: &[u8]) -> Result<Translator> {
    let secs = sections(bytes)?;
    secs.expect(Kind::Translator, &TWO_NETWORKS)?;
    let config = TranslatorConfig::from_record(&secs.record()?).map_err(config_error)?;
    let mut t = Translator::new(config)?;
    let [step, epoch, cursor, seen, g_t, d_t] = secs.u64s::<6>(b"STAT")?;
    t.train_rng = secs.rng(b"RNGT")?;
    t.sample_rng = secs.rng(b"RNGS")?;
    secs.network([b"GPAR", b"GOPM", b"GOPV"], &mut t.g, &mut t.g_opt)?;
    secs.network([b"DPAR", b"DOPM", b"DOPV"], &mut t.d, &mut t.d_opt)?;
    t.step = step;
    t.sampler = Sampler::at(epoch, cursor);
    t.images_seen = seen;
    t.g_opt.t = g_t;
    t.d_opt.t = d_t;
    t.metrics = TranslatorMetrics::default();
    t.meta = secs.find(b"META")?.to_vec();
    Ok(t)
}

/// Restores a classifier from `save_classifier` output.
pub fn load_classifier(bytes: &[u8]) -> Result<Classifier> {
    let secs = sections(bytes)?;
    secs.expect(
        Kind::Classifier,
        &[
            b"CONF", b"STAT", b"NPAR", b"NOPM", b"NOPV", b"META", b"CLSN",
        ],
    )?;
    let config = ClassifierConfig::from_record(&secs.record()?).map_err(config_error)?;
    let mut c = Classifier::new(config)?;
    let [step, epoch, cursor, seen, t] = secs.u64s::<5>(b"STAT")?;
    secs.network([b"NPAR", b"NOPM", b"NOPV"], &mut c.net, &mut c.opt)?;
    c.step = step;
    c.sampler = Sampler::at(epoch, cursor);
    c.images_seen = seen;
    c.opt.t = t;
    c.metrics = ClassifierMetrics::default();
    c.meta = secs.find(b"META")?.to_vec();
    c.class_names = secs.class_names(c.config.classes)?;
    Ok(c)
}
