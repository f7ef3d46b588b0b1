//! Errors of the core: a status code that crosses the wasm boundary unchanged
//! plus a message that states what was expected and what was given.

use std::fmt;

/// The kind of a failure; the discriminants are the ABI status codes
/// (`Status` in `ts/abi.ts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum Code {
    InvalidArgument = 1,
    InvalidHandle = 2,
    CorruptCheckpoint = 3,
    UnsupportedVersion = 4,
    OutOfMemory = 5,
    Internal = 6,
}

/// A failure with a human-readable message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: Code,
    pub message: String,
}

impl Error {
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::new(Code::InvalidArgument, message)
    }
    pub fn corrupt(message: impl Into<String>) -> Self {
        Error::new(Code::CorruptCheckpoint, message)
    }
    pub fn oom(what: &str, bytes: usize) -> Self {
        Error::new(
            Code::OutOfMemory,
            format!("out of memory allocating {} ({} bytes)", what, bytes),
        )
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.code, self.message)
    }
}

pub type Result<T> = core::result::Result<T, Error>;

/// A zeroed `Vec<f32>` whose allocation failure is an error, not an abort:
/// datasets and models are sized by users, so running out of memory must be
/// reportable.
pub fn zeroed_f32(len: usize, what: &str) -> Result<Vec<f32>> {
    let mut v: Vec<f32> = Vec::new();
    v.try_reserve_exact(len)
        .map_err(|_| Error::oom(what, len.saturating_mul(4)))?;
    v.resize(len, 0.0);
    Ok(v)
}

/// Resizes a scratch buffer, reporting allocation failure as an error.
pub fn resize_f32(v: &mut Vec<f32>, len: usize, what: &str) -> Result<()> {
    if len > v.len() {
        v.try_reserve_exact(len - v.len())
            .map_err(|_| Error::oom(what, len.saturating_mul(4)))?;
    }
    v.resize(len, 0.0);
    Ok(())
}
