//! Caches of byte blobs (source photos today, rendered images later).
//!
//! [`Cache`] is one concrete type with backend variants. The first is in memory, bounded in
//! *bytes* (Picsum's own map is unbounded), with single-flight loading: concurrent requests
//! for the same key share one load. Redis joins as a second tier later.

use std::future::Future;

use bytes::Bytes;
use quick_cache::Weighter;

#[derive(Clone)]
struct ByteWeighter;

impl Weighter<String, Bytes> for ByteWeighter {
    fn weight(&self, key: &String, val: &Bytes) -> u64 {
        (key.len() + val.len()) as u64
    }
}

type MemoryCache = quick_cache::sync::Cache<String, Bytes, ByteWeighter>;

/// A blob cache. Backends are variants of a private enum so callers never depend on one.
pub struct Cache {
    backend: Backend,
}

enum Backend {
    /// In process memory, at most `capacity` bytes.
    Memory(MemoryCache),
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.backend {
            Backend::Memory(c) => f
                .debug_struct("Memory")
                .field("bytes", &c.weight())
                .field("capacity", &c.capacity())
                .finish(),
        }
    }
}

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// Served from the cache (including waiting on another request's load).
    Cached,
    /// Loaded by this call.
    Loaded,
}

impl Cache {
    /// An in-memory cache holding at most `capacity_bytes` (keys included). Objects larger
    /// than a shard's share of the capacity are served but not kept.
    pub fn memory(capacity_bytes: u64) -> Self {
        // Sized for ~1 MiB originals; the weight capacity is what bounds memory.
        let estimated_items = usize::try_from(capacity_bytes / (1 << 20))
            .unwrap_or(usize::MAX)
            .clamp(16, 1 << 16);
        Self {
            backend: Backend::Memory(MemoryCache::with_weighter(
                estimated_items,
                capacity_bytes.max(1),
                ByteWeighter,
            )),
        }
    }

    /// The cached value of `key`, or the result of `load`, which runs at most once at a time
    /// per key: concurrent callers wait for it instead of loading again.
    ///
    /// # Errors
    /// `load`'s error; nothing is cached then and a waiting caller retries the load.
    pub async fn get_or_load<E>(
        &self,
        key: &str,
        load: impl Future<Output = Result<Bytes, E>>,
    ) -> Result<(Bytes, Hit), E> {
        match &self.backend {
            Backend::Memory(cache) => {
                let mut loaded = false;
                let value = cache
                    .get_or_insert_async(key, async {
                        loaded = true;
                        load.await
                    })
                    .await?;
                Ok((value, if loaded { Hit::Loaded } else { Hit::Cached }))
            }
        }
    }

    /// Bytes currently held.
    pub fn weight(&self) -> u64 {
        match &self.backend {
            Backend::Memory(c) => c.weight(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_loads_share_one() {
        let cache = Arc::new(Cache::memory(1 << 20));
        let loads = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..16)
            .map(|_| {
                let (cache, loads) = (Arc::clone(&cache), Arc::clone(&loads));
                tokio::spawn(async move {
                    cache
                        .get_or_load("k", async {
                            loads.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                            Ok::<_, ()>(Bytes::from_static(b"value"))
                        })
                        .await
                        .unwrap()
                        .0
                })
            })
            .collect();
        for t in tasks {
            assert_eq!(&t.await.unwrap()[..], b"value");
        }
        assert_eq!(loads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn bounded_in_bytes_and_errors_not_cached() {
        let cache = Cache::memory(64 * 1024);
        for i in 0..100 {
            let v = Bytes::from(vec![0u8; 4096]);
            cache
                .get_or_load(&format!("k{i}"), async { Ok::<_, ()>(v) })
                .await
                .unwrap();
        }
        assert!(cache.weight() <= 64 * 1024, "{}", cache.weight());
        assert!(
            cache
                .get_or_load("e", async { Err::<Bytes, _>("boom") })
                .await
                .is_err()
        );
        let (_, hit) = cache
            .get_or_load("e", async { Ok::<_, &str>(Bytes::from_static(b"x")) })
            .await
            .unwrap();
        assert_eq!(hit, Hit::Loaded);
        let (_, hit) = cache
            .get_or_load("e", async { Ok::<_, &str>(Bytes::from_static(b"y")) })
            .await
            .unwrap();
        assert_eq!(hit, Hit::Cached);
    }
}
