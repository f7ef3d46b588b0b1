//! The C ABI of wasmgan (placeholder while the core lands).
#[no_mangle]
pub extern "C" fn wg_abi_version() -> u32 {
    1
}
