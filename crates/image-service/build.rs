//! Exports the two orc entry points `picsum_imaging::orc` defines, so libvips' calls to them
//! resolve to this binary's locked versions before liborc's; and names the git commit it is
//! built from (`PICSUM_GIT_SHA`).
fn main() {
    picsum_build_info::emit();
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=orc_program_compile");
    println!("cargo:rustc-link-arg-bins=-Wl,--export-dynamic-symbol=orc_program_free");
}
