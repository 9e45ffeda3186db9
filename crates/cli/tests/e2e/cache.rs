//! Two image-service replicas sharing a real Redis: renders made by one are served by the
//! other, killing Redis under load fails no request, and a service whose Redis is down stays
//! ready (degraded).

use std::sync::Arc;
use std::time::Duration;

use super::*;
use picsum_cache::{RedisSettings, RedisTier};
use picsum_testkit::{RedisServer, TestCa};

fn redis_env(server: &RedisServer) -> Vec<(&'static str, String)> {
    vec![
        ("IMAGE_CACHE_URL", server.url()),
        ("IMAGE_CACHE_PREFIX", "e2e:".into()),
    ]
}

/// A client of the same Redis (or cluster), to look at what the services stored.
fn probe(url: String, prefix: &str) -> RedisTier {
    RedisTier::open(RedisSettings {
        url,
        prefix: prefix.into(),
        ttl: Duration::from_secs(60),
        max_entry_bytes: 1 << 20,
        timeout: Duration::from_millis(500),
        ca: None,
    })
    .unwrap()
}

/// The value under `key` once the service's background write landed (or `None` after 2 s).
/// The Redis key of Picsum's render of photo 1 at `w`x`h`: it names the original's version.
async fn render_key(gallery: &Gallery, w: u32, h: u32) -> String {
    let store = picsum_storage::Storage::local(gallery.dir.join("photos"), u64::MAX).unwrap();
    let version = store.stat("1.jpg").await.unwrap().version;
    let tag = picsum_imaging::Flavour::built().output_tag();
    format!("img:{tag}/1@{version}/{w}x{h}/b0/g0.jpg")
}

async fn stored(probe: &RedisTier, key: &str) -> Option<bytes::Bytes> {
    for _ in 0..100 {
        if let Some(v) = probe.get(key).await.unwrap() {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    None
}

#[tokio::test]
async fn replicas_share_renders_through_redis() {
    let server = RedisServer::start();
    let gallery = Gallery::new("redis-share");
    let a = gallery.image_service_with(1, 16, redis_env(&server));
    let b = gallery.image_service_with(1, 16, redis_env(&server));
    let http = client();
    let want = photo_1_200x120_jpg();

    let res = http
        .get(signed(&a.base, "/id/1/200/120.jpg"))
        .send()
        .await
        .unwrap();
    assert!(res.bytes().await.unwrap()[..] == want[..]);
    let probe = probe(server.url(), "e2e:");
    let stored = stored(&probe, &render_key(&gallery, 200, 120).await).await;
    assert!(
        stored.as_deref() == Some(&want[..]),
        "rendered image not in redis"
    );
    assert!(
        probe.get("src:1_500.jpg").await.unwrap().is_some(),
        "source not in redis"
    );

    let res = http
        .get(signed(&b.base, "/id/1/200/120.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.bytes().await.unwrap()[..] == want[..]);
    let metrics = get_text(&http, &format!("{}/metrics", b.ops)).await;
    assert!(
        metrics.contains("picsum_cache_requests_total{cache=\"render\",result=\"redis\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("picsum_render_duration_seconds_count"),
        "replica b rendered: {metrics}"
    );
}

/// Managed Redis is TLS-only: two replicas on a `rediss://` server verified against its CA
/// (`IMAGE_REDIS_CA_FILE`) share a render; a replica given another CA never reaches it
/// (ready but degraded, its answers still right).
#[tokio::test]
async fn replicas_share_renders_through_a_tls_redis() {
    let ca = TestCa::new("redis-e2e");
    let server = RedisServer::start_tls(&ca);
    let stranger = TestCa::new("redis-stranger");
    let gallery = Gallery::new("redis-tls");
    let env = |ca: &TestCa| {
        let mut env = redis_env(&server);
        env.push(("IMAGE_REDIS_CA_FILE", ca.ca().display().to_string()));
        env
    };
    let a = gallery.image_service_with(1, 16, env(&ca));
    let b = gallery.image_service_with(1, 16, env(&ca));
    let wrong = gallery.image_service_with(1, 16, env(&stranger));
    let http = client();
    let want = photo_1_200x120_jpg();
    let photo = |base: &str| signed(base, "/id/1/200/120.jpg");
    assert!(get_bytes(&http, &photo(&a.base)).await[..] == want[..]);
    let mut probe = RedisSettings {
        url: server.url(),
        prefix: "e2e:".into(),
        ttl: Duration::from_secs(60),
        max_entry_bytes: 1 << 20,
        timeout: Duration::from_millis(500),
        ca: Some(std::fs::read(ca.ca()).unwrap()),
    };
    let verified = RedisTier::open(probe.clone()).unwrap();
    let key = render_key(&gallery, 200, 120).await;
    assert!(
        stored(&verified, &key).await.as_deref() == Some(&want[..]),
        "not in redis"
    );
    assert!(get_bytes(&http, &photo(&b.base)).await[..] == want[..]);
    let metrics = get_text(&http, &format!("{}/metrics", b.ops)).await;
    assert!(
        metrics.contains("picsum_cache_requests_total{cache=\"render\",result=\"redis\"} 1"),
        "{metrics}"
    );
    // The replica with the wrong CA renders by itself and says the cache is unreachable.
    assert!(get_bytes(&http, &photo(&wrong.base)).await[..] == want[..]);
    let metrics = get_text(&http, &format!("{}/metrics", wrong.ops)).await;
    assert!(
        metrics.contains("picsum_component_up{component=\"cache\"} 0"),
        "{metrics}"
    );
    probe.ca = Some(std::fs::read(stranger.ca()).unwrap());
    assert!(RedisTier::open(probe).unwrap().get(&key).await.is_err());
}

#[tokio::test]
async fn killing_redis_under_load_fails_no_request() {
    let mut server = RedisServer::start();
    let gallery = Gallery::new("redis-kill");
    let images = gallery.image_service_with(2, 64, redis_env(&server));
    let http = client();
    let base = Arc::new(images.base.clone());
    let workers: Vec<_> = (0..4u32)
        .map(|w| {
            let (http, base) = (http.clone(), Arc::clone(&base));
            tokio::spawn(async move {
                let mut statuses = Vec::new();
                for i in 0..25u32 {
                    let url = signed(
                        &base,
                        &format!("/id/1/{}/{}.jpg", 100 + w * 25 + i, 80 + i % 3),
                    );
                    statuses.push(http.get(&url).send().await.unwrap().status().as_u16());
                }
                statuses
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(300)).await;
    server.stop();
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    let failed = all.iter().filter(|s| **s != 200).count();
    assert_eq!((all.len(), failed), (100, 0), "{all:?}");
    // Back up: requests keep succeeding and the cache is written again.
    server.resume();
    for i in 0..20u32 {
        let url = signed(&images.base, &format!("/id/1/{}/77.jpg", 300 + i));
        assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    }
}

/// Redis is only a cache: with it down the image service answers, so it stays ready (its
/// `/ready` names the cache as degraded) while Picsum's `/health` reports the cache.
#[tokio::test]
async fn ready_but_degraded_while_redis_is_down() {
    let mut server = RedisServer::start();
    let url = server.url();
    server.stop();
    let gallery = Gallery::new("redis-down");
    let images = gallery.image_service_with(
        1,
        16,
        vec![
            ("IMAGE_CACHE_URL", url),
            ("IMAGE_CACHE_PREFIX", "e2e:".into()),
        ],
    );
    let http = client();
    let ready = format!("{}/ready", images.ops);
    let mut answer = (0, String::new());
    for _ in 0..50 {
        let res = http.get(&ready).send().await.unwrap();
        answer = (res.status().as_u16(), res.text().await.unwrap());
        if answer.1.contains("cache") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        answer,
        (
            200,
            "{\"degraded\":[\"cache\"],\"failing\":[],\"ready\":true}\n".to_owned()
        )
    );
    let res = http
        .get(format!("{}/health", images.ops))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 500);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("\"cache\":\"unhealthy\"")
    );
    let live = http
        .get(format!("{}/live", images.ops))
        .send()
        .await
        .unwrap();
    assert_eq!(live.status(), 200);
    let metrics = get_text(&http, &format!("{}/metrics", images.ops)).await;
    assert!(
        metrics.contains("picsum_component_up{component=\"cache\"} 0"),
        "{metrics}"
    );
    assert!(
        metrics.contains("picsum_component_up{component=\"storage\"} 1"),
        "{metrics}"
    );
    let photo = signed(&images.base, "/id/1/40/30.jpg");
    assert_eq!(http.get(&photo).send().await.unwrap().status(), 200);
    server.resume();
}

#[tokio::test]
async fn image_service_on_a_redis_cluster() {
    let cluster = picsum_testkit::RedisCluster::start();
    let gallery = Gallery::new("redis-cluster");
    let env = vec![
        ("IMAGE_CACHE_URL", cluster.url()),
        ("IMAGE_CACHE_PREFIX", "cl:".into()),
    ];
    let a = gallery.image_service_with(1, 16, env.clone());
    let b = gallery.image_service_with(1, 16, env);
    let http = client();
    for (w, h) in [(200, 120), (120, 200), (64, 64), (300, 100)] {
        let path = format!("/id/1/{w}/{h}.jpg");
        let first = get_bytes(&http, &signed(&a.base, &path)).await;
        let probe = probe(cluster.url(), "cl:");
        let key = render_key(&gallery, w, h).await;
        let stored = stored(&probe, &key).await;
        assert!(
            stored.as_deref() == Some(&first[..]),
            "{key} not in the cluster"
        );
        let second = get_bytes(&http, &signed(&b.base, &path)).await;
        assert!(second == first);
    }
    let metrics = get_text(&http, &format!("{}/metrics", b.ops)).await;
    assert!(
        metrics.contains("picsum_cache_requests_total{cache=\"render\",result=\"redis\"} 4"),
        "{metrics}"
    );
}

/// Two replicas on `env`'s Redis: a source both hold in memory, deleted through one, is
/// gone from the other too (its memory tier hears the removal on Redis pub/sub).
async fn deletes_reach_every_replica(
    gallery: &Gallery,
    env: Vec<(&'static str, String)>,
    node: String,
    prefix: &str,
) {
    std::fs::copy(
        fixture("../transform/quadrants.png"),
        gallery.dir.join("photos/quadrants.png"),
    )
    .unwrap();
    let mut env = env;
    env.push(("IMAGE_DELETES", "true".into()));
    let a = gallery.image_service_with(1, 16, env.clone());
    let b = gallery.image_service_with(1, 16, env);
    let http = client();
    // Both replicas subscribed (on the node subscriptions go to).
    let node = probe(node, prefix);
    let mut subscribers = 0;
    for _ in 0..100 {
        let mut cmd = picsum_cache::redis::cmd("PUBSUB");
        cmd.arg("NUMSUB").arg(format!("{prefix}removals"));
        let (_, n): (String, i64) = node.query(&cmd).await.unwrap();
        subscribers = n;
        if n >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(subscribers, 2);
    let display = |base: &str, w: u32| format!("{base}/display?path=quadrants.png&op=resize&w={w}");
    for base in [&a.base, &b.base] {
        let res = http.get(display(base, 40)).send().await.unwrap();
        assert_eq!(res.status(), 200);
    }
    let res = http
        .delete(format!("{}/quadrants.png", a.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    // A new size needs the source: B no longer has it in memory.
    let mut status = 0;
    for _ in 0..100 {
        status = http
            .get(display(&b.base, 41))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16();
        if status == 404 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(status, 404, "replica B still serves the deleted source");
}

#[tokio::test]
async fn deletes_reach_every_replica_through_redis() {
    let server = RedisServer::start();
    let gallery = Gallery::new("redis-delete");
    deletes_reach_every_replica(&gallery, redis_env(&server), server.url(), "e2e:").await;
}

#[tokio::test]
async fn deletes_reach_every_replica_of_a_cluster() {
    let cluster = picsum_testkit::RedisCluster::start();
    let gallery = Gallery::new("cluster-delete");
    let env = vec![
        ("IMAGE_CACHE_URL", cluster.url()),
        ("IMAGE_CACHE_PREFIX", "cl:".into()),
    ];
    let first = cluster.url().replace("redis+cluster://", "redis://");
    let first = first.split(',').next().unwrap().to_owned();
    deletes_reach_every_replica(&gallery, env, first, "cl:").await;
}
