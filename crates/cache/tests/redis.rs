//! The Redis tier against a real `redis-server`: shared between caches (replicas), TTL and
//! size bounds, and no failed lookup while Redis is down or comes back.
#![expect(clippy::unwrap_used, reason = "test code")]

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use picsum_cache::{Cache, CacheError, Hit, RedisSettings, RedisTier};
use picsum_testkit::{RedisServer, TestCa};

fn tier(url: &str, prefix: &str) -> Arc<RedisTier> {
    Arc::new(
        RedisTier::open(RedisSettings {
            url: url.into(),
            prefix: prefix.into(),
            ttl: Duration::from_secs(60),
            max_entry_bytes: 1024,
            timeout: Duration::from_millis(200),
            ca: None,
        })
        .unwrap(),
    )
}

/// Managed Redis is TLS-only (`rediss://`): the tier verifies the server against the
/// provider's CA, and a server that CA did not sign, or a plain connection, gets nothing.
#[tokio::test]
async fn tls_to_a_verified_server_only() {
    let ca = TestCa::new("redis");
    let server = RedisServer::start_tls(&ca);
    let trusting = |ca: &TestCa| {
        RedisTier::open(RedisSettings {
            url: server.url(),
            prefix: "tls:".into(),
            ttl: Duration::from_secs(60),
            max_entry_bytes: 1024,
            timeout: Duration::from_millis(500),
            ca: Some(std::fs::read(ca.ca()).unwrap()),
        })
        .unwrap()
    };
    assert!(server.url().starts_with("rediss://"));
    let verified = trusting(&ca);
    verified.set("k", b"v").await.unwrap();
    assert_eq!(
        verified.get("k").await.unwrap(),
        Some(Bytes::from_static(b"v"))
    );
    let stranger = TestCa::new("stranger");
    assert!(
        trusting(&stranger).get("k").await.is_err(),
        "a CA that did not sign it"
    );
    let plain = tier(&server.url().replace("rediss://", "redis://"), "tls:");
    assert!(plain.get("k").await.is_err(), "plain text to a TLS port");
}

async fn wait_for_key(t: &RedisTier, key: &str) -> Bytes {
    for _ in 0..100 {
        if let Ok(Some(v)) = t.get(key).await {
            return v;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{key} never reached redis");
}

#[tokio::test]
async fn replicas_share_entries_through_redis() {
    let server = RedisServer::start();
    let shared = tier(&server.url(), "test:");
    let replica_a = Cache::memory("a", 1 << 20).with_redis(Arc::clone(&shared));
    let replica_b = Cache::memory("b", 1 << 20).with_redis(tier(&server.url(), "test:"));
    let (v, hit) = replica_a
        .get_or_load("k", async { Ok::<_, ()>(Bytes::from_static(b"v1")) })
        .await
        .unwrap();
    assert_eq!((&v[..], hit), (&b"v1"[..], Hit::Loaded));
    assert_eq!(wait_for_key(&shared, "k").await, Bytes::from_static(b"v1"));
    let (v, hit) = replica_b
        .get_or_load("k", async { Err::<Bytes, _>("must not load") })
        .await
        .unwrap();
    assert_eq!((&v[..], hit), (&b"v1"[..], Hit::Redis));
    let (_, hit) = replica_b
        .get_or_load("k", async { Err::<Bytes, _>("must not load") })
        .await
        .unwrap();
    assert_eq!(hit, Hit::Memory);

    // Oversized entries are served but not written; keys carry the prefix and a TTL.
    let big = Bytes::from(vec![7u8; 2048]);
    replica_a
        .get_or_load("big", async { Ok::<_, ()>(big) })
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(shared.get("big").await.unwrap(), None);
    assert_eq!(shared.key("k"), "test:k");
}

#[tokio::test]
async fn redis_outage_never_fails_a_lookup() {
    let mut server = RedisServer::start();
    let cache = Cache::memory("c", 1 << 20).with_redis(tier(&server.url(), "o:"));
    cache
        .get_or_load("warm", async { Ok::<_, ()>(Bytes::from_static(b"x")) })
        .await
        .unwrap();
    server.stop();
    for i in 0..20 {
        let started = std::time::Instant::now();
        let (v, hit) = cache
            .get_or_load(&format!("down{i}"), async {
                Ok::<_, ()>(Bytes::from_static(b"y"))
            })
            .await
            .unwrap();
        assert_eq!((&v[..], hit), (&b"y"[..], Hit::Loaded));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
    }
    server.resume();
    let probe = tier(&server.url(), "o:");
    // The cache reconnects by itself and writes again.
    for i in 0..50 {
        cache
            .get_or_load(&format!("back{i}"), async {
                Ok::<_, ()>(Bytes::from_static(b"z"))
            })
            .await
            .unwrap();
        if probe
            .get(&format!("back{i}"))
            .await
            .ok()
            .flatten()
            .is_some()
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cache never wrote to redis again after it came back");
}

#[tokio::test]
async fn starts_while_redis_is_down_and_refuses_bad_urls() {
    let t = tier(
        &format!("redis://127.0.0.1:{}", picsum_testkit::free_port()),
        "x:",
    );
    assert!(t.get("k").await.is_err());
    assert!(matches!(
        RedisTier::open(RedisSettings {
            url: "http://x".into(),
            prefix: String::new(),
            ttl: Duration::from_secs(1),
            max_entry_bytes: 1,
            timeout: Duration::from_millis(10),
            ca: None,
        }),
        Err(CacheError::InvalidUrl(_))
    ));
}

#[tokio::test]
async fn works_on_a_redis_cluster() {
    let cluster = picsum_testkit::RedisCluster::start();
    let shared = tier(&cluster.url(), "c:");
    let a = Cache::memory("a", 1 << 20).with_redis(Arc::clone(&shared));
    let b = Cache::memory("b", 1 << 20).with_redis(tier(&cluster.url(), "c:"));
    // Keys spread over the three masters' slots.
    for i in 0..30 {
        let key = format!("k{i}");
        let value = Bytes::from(format!("v{i}"));
        a.get_or_load(&key, async { Ok::<_, ()>(value) })
            .await
            .unwrap();
    }
    for i in 0..30 {
        let key = format!("k{i}");
        assert_eq!(
            wait_for_key(&shared, &key).await,
            Bytes::from(format!("v{i}"))
        );
        let (v, hit) = b
            .get_or_load(&key, async { Err::<Bytes, _>("must not load") })
            .await
            .unwrap();
        assert_eq!((v, hit), (Bytes::from(format!("v{i}")), Hit::Redis));
    }
    assert!(shared.ping().await.is_ok());
}

/// A TLS-only Redis Cluster (`rediss+cluster://`, TLS on the cluster bus too): keys on
/// every master through verified connections; another CA gets nothing.
#[tokio::test]
async fn works_on_a_tls_redis_cluster() {
    let ca = TestCa::new("cluster");
    let cluster = picsum_testkit::RedisCluster::start_tls(&ca);
    assert!(cluster.url().starts_with("rediss+cluster://"));
    let settings = |ca: &TestCa| RedisSettings {
        url: cluster.url(),
        prefix: "c:".into(),
        ttl: Duration::from_secs(60),
        max_entry_bytes: 1024,
        timeout: Duration::from_millis(500),
        ca: Some(std::fs::read(ca.ca()).unwrap()),
    };
    let verified = RedisTier::open(settings(&ca)).unwrap();
    for i in 0..30 {
        verified
            .set(&format!("k{i}"), format!("v{i}").as_bytes())
            .await
            .unwrap();
    }
    for i in 0..30 {
        let got = verified.get(&format!("k{i}")).await.unwrap();
        assert_eq!(got, Some(Bytes::from(format!("v{i}"))));
    }
    let stranger = TestCa::new("cluster-stranger");
    assert!(
        RedisTier::open(settings(&stranger))
            .unwrap()
            .get("k1")
            .await
            .is_err()
    );
}
