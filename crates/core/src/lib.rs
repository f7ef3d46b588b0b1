//! wasmgan-core: everything that trains and runs a GAN, in plain Rust with no
//! dependencies and no FFI. The `wasmgan-wasm` crate exposes it as a C ABI.
//!
//! - `kernels`: the dense-layer products (simd128 and scalar twins),
//!   activations, optimizer updates.
//! - `mlp`: networks of dense layers with a flat parameter vector.
//! - `loss`, `optim`, `rng`: BCE-with-logits, Adam/SGD, the seeded RNG.
//! - `config`, `gan`, `dataset`: the GAN, its configuration and its data.
//! - `conditional`: what changes when the GAN is class-conditional.
//! - `translate`, `tasks`: pix2pix-style image-to-image translation and the
//!   built-in paired tasks (edges, inpaint, upscale).
//! - `classifier`: an MLP classifier trained with the same kernels, used to
//!   score conditional samples.
//! - `checkpoint`: the versioned binary checkpoint format.
//! - `reduce`: fixed-order sums over micro-batches (data-parallel training,
//!   whose step is in `gan/parallel.rs`).

pub mod checkpoint;
pub mod classifier;
pub mod conditional;
pub mod config;
pub mod dataset;
pub mod error;
pub mod gan;
pub mod kernels;
pub mod loss;
pub mod mlp;
pub mod optim;
pub mod record;
pub mod reduce;
pub mod rng;
pub mod tasks;
pub mod translate;

pub use config::GanConfig;
pub use dataset::Dataset;
pub use error::{Code, Error, Result};
pub use gan::{DpState, Gan, MicroBatches};
