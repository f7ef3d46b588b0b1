//! wasmgan-core: placeholder while the core lands.
