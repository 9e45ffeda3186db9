//! The abuse suite: the attacks of "Secure by default" replayed against the image service
//! binary (the release build under `make test`), with the dialects opened on purpose and
//! writes open to one address behind a trusted proxy. Each attack is checked for its
//! statuses, for stored data left as it was, and for the process's resident memory,
//! sampled while it runs (every peak under 1 GiB); the figures are printed per attack.

use std::time::{Duration, Instant};

use reqwest::multipart::{Form, Part};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

use super::*;

/// A writer: on `IMAGE_ALLOWED_IPS`, reaching the service through the trusted proxy.
const WRITER: &str = "10.9.9.9";

/// Largest resident memory any attack may push the process to.
const MAX_RSS: u64 = 1 << 30;

/// Runs one attack while sampling the service's memory; returns its peak in MiB.
async fn attack<F: std::future::Future<Output = ()>>(pid: u32, name: &str, f: F) -> (String, u64) {
    let sampler = picsum_testkit::rss::Sampler::start(pid, Duration::from_millis(20));
    let started = Instant::now();
    f.await;
    let peak = sampler.stop();
    assert!(
        picsum_testkit::rss::resident(pid) > 0,
        "{name}: the service died"
    );
    assert!(peak < MAX_RSS, "{name}: peak RSS {} MiB", peak >> 20);
    let line = format!(
        "{name}: peak RSS {} MiB in {:.1} s",
        peak >> 20,
        started.elapsed().as_secs_f64()
    );
    eprintln!("abuse: {line}");
    (line, peak)
}

fn upload(
    http: &reqwest::Client,
    base: &str,
    name: &str,
    bytes: Vec<u8>,
    from: &str,
) -> reqwest::RequestBuilder {
    let form = Form::new().part("data", Part::bytes(bytes).file_name(name.to_owned()));
    http.post(format!("{base}/upload"))
        .header("x-forwarded-for", from)
        .multipart(form)
}

/// Files under `dir`, at any depth.
fn files(dir: &Path) -> usize {
    std::fs::read_dir(dir).map_or(0, |entries| {
        entries
            .flatten()
            .map(|e| {
                if e.path().is_dir() {
                    files(&e.path())
                } else {
                    1
                }
            })
            .sum()
    })
}

/// Asks for `path` on a raw connection and reads only the status line; the connection is
/// kept, unread.
async fn unread(base: &str, path: &str) -> (tokio::net::TcpStream, String) {
    let mut conn = tokio::net::TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n");
    conn.write_all(request.as_bytes()).await.unwrap();
    let mut head = [0u8; 12];
    conn.read_exact(&mut head).await.unwrap();
    (conn, String::from_utf8_lossy(&head).into_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_are_refused_within_budget_and_leave_stored_data_alone() {
    let gallery = gallery("abuse");
    let images = gallery.image_service_with(
        2,
        16,
        vec![
            ("IMAGE_UPLOADS", "true".into()),
            ("IMAGE_DELETES", "true".into()),
            ("IMAGE_ALLOW_ANONYMOUS_WRITES", "false".into()),
            ("IMAGE_ALLOWED_IPS", WRITER.into()),
            ("IMAGE_TRUSTED_PROXIES", "127.0.0.1".into()),
            // Every attack here comes from one address, one after another: the CPU share
            // would end the later ones early. Fair shares are the abuse drill's to prove.
            ("IMAGE_CLIENT_CPU_SECONDS", "0".into()),
        ],
    );
    let (pid, base) = (images.child.id(), images.base.clone());
    let http = client();
    let photos = gallery.dir.join("photos");
    let photo = signed(&base, "/id/1/1100/800.jpg");
    let (status, _, photo_before) = get(&http, &photo).await;
    assert_eq!(status, 200);
    let mut report = Vec::new();

    // Finding 2: `/get` stores; a 10000x10000 BMP would have written 300 MB.
    report.push(
        attack(pid, "derivatives written by anyone", async {
            let huge = format!("{base}/get?path=1.jpg&op=resize&w=10000&h=10000&fmt=bmp");
            let small = format!("{base}/get?path=1.jpg&op=resize&w=100");
            for url in [&huge, &small] {
                assert_eq!(http.get(url).send().await.unwrap().status(), 401, "{url}");
            }
            assert!(!photos.join("derived").exists(), "nothing stored");
            let as_writer = |url: &str| http.get(url).header("x-forwarded-for", WRITER).send();
            assert_eq!(as_writer(&huge).await.unwrap().status(), 400);
            assert_eq!(as_writer(&small).await.unwrap().status(), 200);
        })
        .await,
    );

    // Finding 3: overlays stacked in one GET, and answers held by clients that never read.
    report.push(
        attack(pid, "stacked overlays", async {
            let flat = format!("op=op:flat{}", "+path:1.jpg".repeat(16));
            let url = format!("{base}/display?path=1.jpg&op=resize&w=3000&{flat}&{flat}&{flat}");
            let (status, _, body) = get(&http, &url).await;
            assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
            let url = format!("{base}/display?path=1.jpg&op=resize&w=5000&h=5000&{flat}");
            let status = get(&http, &url).await.0;
            assert!(matches!(status, 200 | 400 | 503), "{status}");
        })
        .await,
    );
    report.push(
        attack(pid, "large answers nobody reads", async {
            // 4000x3000 BMPs, 36 MB each: the held-bytes budget (128 MiB) takes three, and
            // one client's share of it (16 MiB, but a client holding nothing takes one) one.
            let mut held = Vec::new();
            let mut busy = 0;
            for i in 0..10 {
                let path = format!(
                    "/display?path=1.jpg&op=resize&w={}&h=3000&fmt=bmp",
                    4000 - i
                );
                let (conn, head) = unread(&base, &path).await;
                match head.as_str() {
                    "HTTP/1.1 200" => held.push(conn),
                    "HTTP/1.1 503" | "HTTP/1.1 429" => busy += 1,
                    other => panic!("{path}: {other}"),
                }
            }
            assert!(
                busy >= 6 && held.len() <= 3,
                "{} held, {busy} busy",
                held.len()
            );
            drop(held);
            tokio::time::sleep(Duration::from_millis(300)).await;
            let (status, ct, body) = get(
                &http,
                &format!("{base}/display?path=1.jpg&op=resize&w=4000&h=3000&fmt=bmp"),
            )
            .await;
            assert_eq!(
                (status, dimensions(&ct, &body)),
                (200, (4000, 3000)),
                "given back"
            );
        })
        .await,
    );

    // Finding 4: renders whose clients left stop and free their workers.
    report.push(attack(pid, "abandoned blur-heavy renders", async {
        let heavy = format!("{base}/display?path=1.jpg&op=resize&w=5000&h=3333&op=op:effect+filter:blur+w:1000&fmt=jpg");
        let impatient = reqwest::Client::builder().timeout(Duration::from_millis(800)).build().unwrap();
        let (a, b) = tokio::join!(impatient.get(&heavy).send(), impatient.get(&heavy).send());
        assert!(a.is_err() && b.is_err(), "the heavy renders should outlast the client");
        let started = Instant::now();
        let (status, _, _) = get(&http, &format!("{base}/display?path=quadrants.png&op=resize&w=16")).await;
        assert_eq!(status, 200);
        assert!(started.elapsed() < Duration::from_secs(5), "waited {:?}", started.elapsed());
    }).await);

    // Finding 5: an upload named after a catalog variant.
    report.push(
        attack(pid, "uploads named after catalog images", async {
            let mark = std::fs::read(fixture("../transform/quadrants.png")).unwrap();
            for name in ["1_1500.jpg", "1_500.jpg", "1.jpg"] {
                let res = upload(&http, &base, name, mark.clone(), WRITER)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 200, "{name}");
                assert!(photos.join("uploads").join(name).exists());
            }
            assert!(!photos.join("1_1500.jpg").exists());
            assert_eq!(
                get(&http, &photo).await.2,
                photo_before,
                "the catalog photo changed"
            );
        })
        .await,
    );

    // Finding 7: forwarded lists with entries that are not addresses.
    report.push(
        attack(pid, "forged forwarded lists", async {
            let mark = std::fs::read(fixture("../transform/quadrants.png")).unwrap();
            for forwarded in [
                format!("{WRITER}, unknown"),
                format!("{WRITER}:4711"),
                format!("unknown, {WRITER}"),
            ] {
                let res = upload(&http, &base, "forged.png", mark.clone(), &forwarded)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(res.status(), 401, "{forwarded}");
            }
            assert!(!photos.join("uploads/forged.png").exists());
        })
        .await,
    );

    // Findings 8 and 11: remote sources on inner addresses, bytes never decoded.
    report.push(
        attack(pid, "inner addresses and undecoded relays", async {
            for (url, status) in [
                ("http://localhost:9/x.jpg", 403),
                ("http://[::127.0.0.1]/x.jpg", 403),
                ("http://[fec0::1]/x.jpg", 403),
                ("http://169.254.169.254/latest/meta-data", 403),
            ] {
                let (got, _, body) = get(&http, &format!("{base}/display?url={url}&op=noop")).await;
                let body = String::from_utf8_lossy(&body).into_owned();
                assert_eq!(got, status, "{url}: {body}");
                assert!(
                    url.contains("127.0.0.1") || !body.contains("127.0.0.1"),
                    "{url}: {body}"
                );
            }
            let (status, _, _) = get(&http, &format!("{base}/display?path=5.jpg&op=noop")).await;
            assert_eq!(status, 422);
        })
        .await,
    );

    // Finding 10: HEAD wherever GET is.
    report.push(
        attack(pid, "HEAD on every image route", async {
            for url in [
                photo.clone(),
                format!("{base}/display?path=1.jpg&op=resize&w=50"),
                format!("{base}/image/w_50/1.jpg"),
            ] {
                let res = http.head(&url).send().await.unwrap();
                assert_eq!(res.status(), 200, "{url}");
                let length = res.headers()["content-length"].to_str().unwrap().to_owned();
                assert!(res.bytes().await.unwrap().is_empty());
                assert_eq!(
                    get_bytes(&http, &url).await.len().to_string(),
                    length,
                    "{url}"
                );
            }
        })
        .await,
    );

    // Finding 6: deletes stick, on every route, for renders cached before.
    report.push(
        attack(pid, "deletes that stick", async {
            let delete = |path: &str| {
                http.delete(format!("{base}/{path}"))
                    .header("x-forwarded-for", WRITER)
                    .send()
            };
            assert_eq!(
                http.delete(format!("{base}/1.jpg"))
                    .send()
                    .await
                    .unwrap()
                    .status(),
                401
            );
            assert_eq!(delete("1.jpg").await.unwrap().status(), 200);
            assert!(!photos.join("1.jpg").exists() && !photos.join("1_500.jpg").exists());
            assert_eq!(files(&photos.join("derived")), 0, "derivatives stayed");
            assert_eq!(get(&http, &photo).await.0, 404, "a cached render came back");
            assert_eq!(
                get(&http, &format!("{base}/display?path=1.jpg&op=resize&w=50"))
                    .await
                    .0,
                404
            );
            // Re-uploaded under the same name: a new render, never the old one revalidated.
            let first = format!("{base}/display?path=uploads/1.jpg&op=resize&w=40");
            let etag = http.get(&first).send().await.unwrap().headers()["etag"].clone();
            assert_eq!(delete("uploads/1.jpg").await.unwrap().status(), 200);
            let other = std::fs::read(fixture("../transform/alpha.png")).unwrap();
            assert_eq!(
                upload(&http, &base, "1.jpg", other, WRITER)
                    .send()
                    .await
                    .unwrap()
                    .status(),
                200
            );
            let res = http
                .get(&first)
                .header("if-none-match", etag.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200);
            assert_ne!(res.headers()["etag"], etag);
        })
        .await,
    );

    let peak = report.iter().map(|(_, p)| *p).max().unwrap_or(0);
    eprintln!("abuse: peak RSS over every attack {} MiB", peak >> 20);
    assert!(report.len() >= 9);
}
