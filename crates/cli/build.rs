//! Exports the two orc entry points `picsum_imaging::orc` defines, so libvips' calls to them
//! resolve to this binary's locked versions before liborc's.
fn main() {
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=orc_program_compile");
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=orc_program_free");
}
