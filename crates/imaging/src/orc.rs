//! One lock around orc's compile and free.
//!
//! libvips compiles orc vector programs when an operation is built and frees them when it is
//! disposed, on whichever render worker does so. Debian's orc 0.4.33 frees compiled code
//! without the lock it takes to allocate it; two workers doing both at once corrupted the
//! heap (core dump: SIGSEGV in `orc_code_free` <- `orc_program_free` <- `vips_vector_free`).
//! The binary defines both entry points itself (exported with `--export-dynamic-symbol`, so
//! libvips' calls resolve here first), takes one process-wide lock and calls orc's own.
//! Running vector code stays parallel: only building and freeing it is serialised. Binaries
//! that do not export the two symbols (test binaries) keep orc's own, unlocked.
#![expect(unsafe_code, reason = "symbol interposition of two orc entry points")]

use std::ffi::{c_int, c_void};
use std::sync::{Mutex, OnceLock};

static ORC: Mutex<()> = Mutex::new(());

type Compile = unsafe extern "C" fn(*mut c_void) -> c_int;
type Free = unsafe extern "C" fn(*mut c_void);

fn next<T: Copy>(cell: &OnceLock<usize>, name: &std::ffi::CStr) -> T {
    let address = *cell.get_or_init(|| {
        // SAFETY: dlsym with RTLD_NEXT and a NUL-terminated name only looks a symbol up.
        unsafe { libc::dlsym(libc::RTLD_NEXT, name.as_ptr()) as usize }
    });
    assert!(address != 0, "orc entry point not found");
    // SAFETY: `address` is orc's function of type `T` (checked non-null above).
    unsafe { std::mem::transmute_copy(&address) }
}

/// orc's `orc_program_compile`, under the lock.
///
/// # Safety
/// As orc's: `program` is a live `OrcProgram`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn orc_program_compile(program: *mut c_void) -> c_int {
    static REAL: OnceLock<usize> = OnceLock::new();
    let real: Compile = next(&REAL, c"orc_program_compile");
    let _turn = ORC
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // SAFETY: orc's own function with the caller's argument.
    unsafe { real(program) }
}

/// orc's `orc_program_free`, under the lock.
///
/// # Safety
/// As orc's: `program` is a live `OrcProgram`, not used afterwards.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn orc_program_free(program: *mut c_void) {
    static REAL: OnceLock<usize> = OnceLock::new();
    let real: Free = next(&REAL, c"orc_program_free");
    let _turn = ORC
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    // SAFETY: orc's own function with the caller's argument.
    unsafe { real(program) }
}

/// Keeps both entry points in every binary that initialises libvips.
pub(crate) fn keep() {
    std::hint::black_box((
        orc_program_compile as *const () as usize,
        orc_program_free as *const () as usize,
    ));
}
