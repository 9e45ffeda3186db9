//! Two-tier caches of byte blobs (source photos and rendered images).
//!
//! * Memory tier, bounded in *bytes* (Picsum's own map is unbounded), with single-flight
//!   loading: concurrent requests for one key share one lookup and one load.
//! * Optional Redis (or Redis Cluster) tier shared by every replica ([`redis_tier`]). Redis
//!   is only a cache: a slow or dead Redis costs a short timeout and a log line, never a
//!   failed request; the value is then loaded from the source of truth.

pub mod redis_tier;

use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use quick_cache::Weighter;

pub use redis;
pub use redis_tier::{CacheError, RedisSettings, RedisTier, read_ca};

#[derive(Clone)]
struct ByteWeighter;

impl Weighter<String, Bytes> for ByteWeighter {
    fn weight(&self, key: &String, val: &Bytes) -> u64 {
        (key.len() + val.len()) as u64
    }
}

type MemoryCache = quick_cache::sync::Cache<String, Bytes, ByteWeighter>;

/// Where a value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hit {
    /// The memory tier (including waiting on another request's load).
    Memory,
    /// The Redis tier.
    Redis,
    /// Loaded by this call.
    Loaded,
}

/// A named two-tier cache. Cheap to share behind an `Arc`.
pub struct Cache {
    name: &'static str,
    memory: MemoryCache,
    redis: Option<Arc<RedisTier>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache")
            .field("name", &self.name)
            .field("bytes", &self.memory.weight())
            .field("capacity", &self.memory.capacity())
            .field("redis", &self.redis.is_some())
            .finish()
    }
}

/// Channel (after the prefix) on which removals are announced.
const REMOVALS: &str = "removals";

impl Cache {
    /// A memory-only cache holding at most `capacity_bytes` (keys included). Objects larger
    /// than a shard's share of the capacity are served but not kept.
    pub fn memory(name: &'static str, capacity_bytes: u64) -> Self {
        // The weight capacity bounds memory; the item estimate only sizes the tables.
        let estimated_items = usize::try_from(capacity_bytes / (64 << 10))
            .unwrap_or(usize::MAX)
            .clamp(16, 1 << 16);
        Self {
            name,
            memory: MemoryCache::with_weighter(
                estimated_items,
                capacity_bytes.max(1),
                ByteWeighter,
            ),
            redis: None,
        }
    }

    /// Adds the shared Redis tier behind the memory tier.
    #[must_use]
    pub fn with_redis(mut self, redis: Arc<RedisTier>) -> Self {
        self.redis = Some(redis);
        self
    }

    /// The value of `key` from memory, then Redis, else from `load`. Per key, at most one
    /// lookup-and-load runs at a time in this process; concurrent callers wait for it.
    /// Loaded values are written to Redis in the background.
    ///
    /// # Errors
    /// `load`'s error; nothing is cached then and a waiting caller retries.
    pub async fn get_or_load<E>(
        &self,
        key: &str,
        load: impl Future<Output = Result<Bytes, E>>,
    ) -> Result<(Bytes, Hit), E> {
        self.get_or_else(key, || load).await
    }

    /// [`Cache::get_or_load`] with the load made only on a miss: a hit's future holds a
    /// closure, not the load's whole state (a render's is kilobytes, and every request's
    /// future is moved onto the heap), and a miss runs in a boxed future of its own.
    ///
    /// # Errors
    /// The load's error; nothing is cached then and a waiting caller retries.
    pub async fn get_or_else<E, F>(
        &self,
        key: &str,
        load: impl FnOnce() -> F,
    ) -> Result<(Bytes, Hit), E>
    where
        F: Future<Output = Result<Bytes, E>>,
    {
        // Hits, the common case, take the plain lookup: no single-flight guard, no Redis.
        if let Some(value) = self.memory.get(key) {
            self.count(Hit::Memory);
            return Ok((value, Hit::Memory));
        }
        let (value, hit) = Box::pin(self.miss(key, load())).await?;
        self.count(hit);
        Ok((value, hit))
    }

    /// A miss in memory: Redis, else `load`, once per key at a time.
    async fn miss<E>(
        &self,
        key: &str,
        load: impl Future<Output = Result<Bytes, E>>,
    ) -> Result<(Bytes, Hit), E> {
        let mut hit = Hit::Memory;
        let value = self
            .memory
            .get_or_insert_async(key, async {
                if let Some(redis) = &self.redis {
                    match redis.get(key).await {
                        Ok(Some(value)) => {
                            hit = Hit::Redis;
                            return Ok(value);
                        }
                        Ok(None) => {}
                        Err(e) => self.redis_error("get", &e),
                    }
                }
                hit = Hit::Loaded;
                let value = load.await?;
                if let Some(redis) = &self.redis {
                    let (redis, key, value, name) = (Arc::clone(redis), key.to_owned(), value.clone(), self.name);
                    tokio::spawn(async move {
                        if let Err(e) = redis.set(&key, &value).await {
                            tracing::warn!(cache = name, error = %e, "cache write failed");
                            metrics::counter!("picsum_cache_errors_total", "cache" => name, "op" => "set").increment(1);
                        }
                    });
                }
                Ok(value)
            })
            .await?;
        Ok((value, hit))
    }

    fn count(&self, hit: Hit) {
        let result = match hit {
            Hit::Memory => "memory",
            Hit::Redis => "redis",
            Hit::Loaded => "miss",
        };
        metrics::counter!("picsum_cache_requests_total", "cache" => self.name, "result" => result)
            .increment(1);
    }

    /// Forgets `key` in memory and in Redis, and tells the other replicas to forget their
    /// memory copy (see [`Cache::listen_for_removals`]; best effort: a replica that is not
    /// subscribed at that moment keeps its copy until it is evicted).
    ///
    /// # Errors
    /// The Redis error, after the memory entry is gone.
    pub async fn remove(&self, key: &str) -> Result<(), CacheError> {
        self.memory.remove(key);
        match &self.redis {
            Some(redis) => {
                redis.del(key).await?;
                redis
                    .publish(REMOVALS, &format!("{}\n{key}", self.name))
                    .await
            }
            None => Ok(()),
        }
    }

    /// Drops the memory copies of keys other replicas [`remove`](Cache::remove), for ever
    /// (re-subscribing after Redis outages); returns at once without a Redis tier. Spawn it.
    pub async fn listen_for_removals(&self) {
        let Some(redis) = self.redis.clone() else {
            return;
        };
        redis
            .listen(REMOVALS, |message| {
                if let Some((name, key)) = message.split_once('\n')
                    && name == self.name
                {
                    self.memory.remove(key);
                }
            })
            .await;
    }

    fn redis_error(&self, op: &'static str, e: &CacheError) {
        tracing::warn!(cache = self.name, error = %e, "cache read failed; loading from the source");
        metrics::counter!("picsum_cache_errors_total", "cache" => self.name, "op" => op)
            .increment(1);
    }

    /// Bytes held in memory.
    pub fn weight(&self) -> u64 {
        self.memory.weight()
    }

    /// Health of the Redis tier: `None` without one.
    pub async fn redis_healthy(&self) -> Option<bool> {
        match &self.redis {
            Some(r) => Some(r.ping().await.is_ok()),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_loads_share_one() {
        let cache = Arc::new(Cache::memory("t", 1 << 20));
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
        let cache = Cache::memory("t", 64 * 1024);
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
        assert_eq!(hit, Hit::Memory);
    }
}
