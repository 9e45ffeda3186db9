//! The libvips boundary: process set-up and the few calls rs-vips does not wrap.
#![expect(
    unsafe_code,
    reason = "libvips set-up, metadata listing and the eval signal have no safe wrapper"
)]

use std::ffi::CStr;
use std::sync::OnceLock;

use rs_vips::{Vips, VipsImage, bindings};

use crate::ImagingError;

/// Loaders we decode; everything else (SVG, PDF, Magick, matrix, raw vips …) is refused.
const ALLOWED_LOADERS: [&CStr; 4] = [
    c"VipsForeignLoadJpeg",
    c"VipsForeignLoadPng",
    c"VipsForeignLoadWebp",
    c"VipsForeignLoadNsgif",
];

/// Outcome of the one libvips initialisation.
static INIT: OnceLock<Result<(), String>> = OnceLock::new();

/// Initialises libvips once for the process. Later calls return the first result.
///
/// libvips forbids concurrent initialisation and cannot restart after shutdown, so this is
/// guarded by a `OnceLock` and never shut down. The operation cache is disabled (every
/// render is unique), each operation uses one thread (parallelism comes from our workers),
/// and only the [`ALLOWED_LOADERS`] are usable.
///
/// # Errors
/// [`ImagingError::Init`] when libvips cannot start.
pub fn init() -> Result<(), ImagingError> {
    INIT.get_or_init(|| {
        crate::orc::keep();
        limit_malloc_arenas();
        Vips::init("picsum").map_err(|e| e.to_string())?;
        Vips::cache_set_max(0);
        Vips::cache_set_max_mem(0);
        Vips::cache_set_max_files(0);
        Vips::concurrency_set(1);
        // SAFETY: plain setters on libvips' global operation table, called after vips_init
        // and before any image work; the names are NUL-terminated literals.
        unsafe {
            bindings::vips_block_untrusted_set(1);
            bindings::vips_operation_block_set(c"VipsForeignLoad".as_ptr(), 1);
            for loader in ALLOWED_LOADERS {
                bindings::vips_operation_block_set(loader.as_ptr(), 0);
            }
        }
        Ok(())
    })
    .clone()
    .map_err(ImagingError::Init)
}

/// glibc gives every thread that allocates concurrently its own heap arena (up to 8 per
/// core) and returns little of them to the system; libvips' large, short-lived buffers on
/// several worker threads then fragment into hundreds of MiB of resident memory. Two
/// arenas cut the peak resident set at 16 connections from 216 to 168 MiB with the same
/// throughput (bench/, workload 6). An explicit `MALLOC_ARENA_MAX` wins.
fn limit_malloc_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_ARENA_MAX").is_none() {
        // SAFETY: mallopt only sets a glibc allocator parameter; it is called once, before
        // libvips starts its threads.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
        }
    }
}

/// Frees libvips' per-thread buffers; call on worker threads before they exit. Does nothing
/// when libvips was never initialised (calling into it then would crash).
pub fn release_thread_state() {
    if matches!(INIT.get(), Some(Ok(()))) {
        Vips::thread_shutdown();
    }
}

/// What libvips holds now: its objects alive (images and operations) and the bytes of
/// pixel buffers it allocated. Both return to their idle values between renders; a count
/// that only grows is a leak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Held {
    /// Live `VipsObject`s.
    pub objects: usize,
    /// Bytes in libvips' tracked allocations (pixel buffers, caches of lines and tiles).
    pub bytes: u64,
}

/// [`Held`] now; zeros when libvips was never initialised.
pub fn held() -> Held {
    unsafe extern "C" fn count(
        _object: *mut std::os::raw::c_void,
        total: *mut std::os::raw::c_void,
        _b: *mut std::os::raw::c_void,
    ) -> *mut std::os::raw::c_void {
        // SAFETY: `total` is the `usize` passed below, alive for the whole map.
        unsafe { *total.cast::<usize>() += 1 };
        std::ptr::null_mut()
    }
    if !matches!(INIT.get(), Some(Ok(()))) {
        return Held::default();
    }
    let mut objects = 0usize;
    // SAFETY: `vips_object_map` walks libvips' table of live objects under its own lock and
    // calls `count` with our counter; `vips_tracked_get_mem` reads a counter.
    let bytes = unsafe {
        bindings::vips_object_map(Some(count), (&raw mut objects).cast(), std::ptr::null_mut());
        bindings::vips_tracked_get_mem()
    };
    Held {
        objects,
        bytes: bytes as u64,
    }
}

/// The linked libvips version, e.g. `8.14.1`.
pub fn version() -> String {
    Vips::version_string().unwrap_or_default()
}

/// Names of every metadata field on `image`.
pub(crate) fn field_names(image: &VipsImage) -> Vec<String> {
    let mut names = Vec::new();
    // SAFETY: `as_mut_ptr` is a live image owned by `image` for this whole call.
    // `vips_image_get_fields` returns a NULL-terminated array of NUL-terminated strings that
    // we own and free with `g_strfreev` after copying them.
    unsafe {
        let fields = bindings::vips_image_get_fields(image.as_mut_ptr());
        if fields.is_null() {
            return names;
        }
        let mut i = 0;
        loop {
            let p = *fields.add(i);
            if p.is_null() {
                break;
            }
            names.push(CStr::from_ptr(p).to_string_lossy().into_owned());
            i += 1;
        }
        bindings::g_strfreev(fields);
    }
    names
}

/// libvips' error messages, taken and cleared in one step under libvips' lock (its buffer is
/// one for the whole process: reading it and clearing it apart let a render on another
/// thread add to it, or clear it, in between, and the static buffer was read unlocked).
pub(crate) fn take_error() -> String {
    // SAFETY: `vips_error_buffer_copy` returns a NUL-terminated copy that we own (or NULL),
    // freed with `g_free` after copying it.
    unsafe {
        let copy = bindings::vips_error_buffer_copy();
        if copy.is_null() {
            return String::new();
        }
        let msg = CStr::from_ptr(copy).to_string_lossy().trim().to_owned();
        bindings::g_free(copy.cast());
        msg
    }
}

/// Errors while pixels are read: libvips reports truncation and bad data here.
pub(crate) fn decode_error() -> ImagingError {
    let detail = take_error();
    if detail.contains("blocked")
        || detail.contains("not a known")
        || detail.contains("not in a known format")
    {
        ImagingError::UnsupportedInput
    } else if detail.is_empty() {
        ImagingError::Vips {
            op: "render",
            detail: "unknown libvips error".into(),
        }
    } else if detail.contains("load")
        || detail.contains("truncat")
        || detail.contains("Premature")
        || detail.contains("read")
    {
        ImagingError::Corrupt(detail)
    } else {
        ImagingError::Vips {
            op: "render",
            detail,
        }
    }
}

pub(crate) fn vips_error(op: &'static str) -> ImagingError {
    ImagingError::Vips {
        op,
        detail: take_error(),
    }
}

/// Stops the evaluation of `image` and of every image computed from it (libvips' kill
/// flag) as soon as `flag` is raised: libvips reports progress on the most upstream image
/// that asked for it, from every sink below it, and the callback kills the image being
/// computed there. The flag is released when `image` is.
pub(crate) fn kill_when(image: &VipsImage, flag: std::sync::Arc<std::sync::atomic::AtomicBool>) {
    use std::os::raw::c_void;

    unsafe extern "C" fn on_eval(
        _image: *mut bindings::VipsImage,
        progress: *mut bindings::VipsProgress,
        data: *mut c_void,
    ) {
        // SAFETY: `data` is the `AtomicBool` of the `Arc` leaked below, alive until the
        // destroy notify runs; `progress` is libvips' own for the image being computed.
        unsafe {
            let flag = &*(data as *const std::sync::atomic::AtomicBool);
            if flag.load(std::sync::atomic::Ordering::Relaxed)
                && !progress.is_null()
                && !(*progress).im.is_null()
            {
                bindings::vips_image_set_kill((*progress).im, 1);
            }
        }
    }

    unsafe extern "C" fn release(data: *mut c_void, _closure: *mut bindings::GClosure) {
        // SAFETY: `data` came from `Arc::into_raw` below and is released exactly once.
        unsafe {
            drop(std::sync::Arc::from_raw(
                data as *const std::sync::atomic::AtomicBool,
            ))
        }
    }

    image.set_progress(true);
    let data = std::sync::Arc::into_raw(flag) as *mut c_void;
    // SAFETY: the instance is a live image; the handler matches the "eval" signal's
    // signature (image, progress, user data) and is only ever called by GLib with it.
    unsafe {
        let handler = std::mem::transmute::<
            unsafe extern "C" fn(
                *mut bindings::VipsImage,
                *mut bindings::VipsProgress,
                *mut c_void,
            ),
            unsafe extern "C" fn(),
        >(on_eval);
        bindings::g_signal_connect_data(
            image.as_mut_ptr().cast::<c_void>(),
            c"eval".as_ptr(),
            Some(handler),
            data,
            Some(release),
            0,
        );
    }
}

/// The pixels of `image` in memory, or the decode error when computing it fails (rs-vips'
/// own `write_to_memory` does not check libvips' answer and reads a null pointer then).
pub(crate) fn write_to_memory(image: &VipsImage) -> Result<Vec<u8>, ImagingError> {
    let mut size: usize = 0;
    // SAFETY: the image is live for the call; libvips returns either NULL or a buffer of
    // `size` bytes that we own and free with `g_free` after copying it.
    unsafe {
        let buffer = bindings::vips_image_write_to_memory(image.as_mut_ptr(), &raw mut size);
        if buffer.is_null() {
            return Err(decode_error());
        }
        let bytes = std::slice::from_raw_parts(buffer.cast::<u8>(), size).to_vec();
        bindings::g_free(buffer);
        Ok(bytes)
    }
}
