//! The production shape on real parts: catalog in a TLS-only PostgreSQL (verified like a
//! managed one: `sslmode=verify-full` against its CA), photos in an S3-protocol bucket,
//! imported by the CLI; the API serves from its snapshot through a database outage, and
//! refuses to start on a database its CA did not sign.

use std::time::{Duration, Instant};

use super::*;
use picsum_catalog::Image;
use picsum_db::Database;
use picsum_testkit::{Postgres, S3Server, TestCa};

fn gallery_manifest() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../gallery/manifest.json")
}

fn cli(args: &[&str], env: &[(&'static str, String)]) -> Command {
    let mut c = Command::new(binary("picsum"));
    c.args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The API over the catalog database at `url`, redirecting to `images`, checking the
/// database for changes every 100 ms.
fn api_on(images: &Service, url: &str) -> Service {
    spawn(
        "picsum-api",
        &[
            ("PICSUM_LISTEN", "127.0.0.1:0".into()),
            ("PICSUM_METRICS_LISTEN", "127.0.0.1:0".into()),
            ("PICSUM_IMAGE_SERVICE_URL", images.base.clone()),
            ("PICSUM_HMAC_KEY", KEY.into()),
            ("PICSUM_DATABASE_URL", url.to_owned()),
            ("PICSUM_DATABASE_REFRESH_MS", "100".into()),
        ],
    )
}

async fn wait_status(http: &reqwest::Client, url: &str, want: u16) {
    let started = Instant::now();
    loop {
        let status = http.get(url).send().await.unwrap().status().as_u16();
        if status == want {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{url}: still {status}, want {want}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn import_then_serve_from_postgres_and_s3_through_a_database_outage() {
    let ca = TestCa::new("production");
    let mut pg = Postgres::start_tls(&ca);
    let url = pg.url_verified_by(&ca.ca());
    let s3 = S3Server::start("photos");
    let mut env = s3.env();
    env.push(("PICSUM_DATABASE_URL", url.clone()));
    env.push(("IMAGE_STORAGE_URL", "s3://photos/originals".into()));
    let manifest = gallery_manifest();
    let manifest = manifest.to_str().unwrap();

    assert!(cli(&["migrate"], &env).status().unwrap().success());
    // A killed import leaves no row without its photo; a rerun completes it.
    let mut first = cli(&["import", manifest], &env).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(400));
    let _ = first.kill();
    let _ = first.wait();
    let db = Database::connect(&url).unwrap();
    let bucket = s3.bucket_dir("photos").join("originals");
    for image in db.images().await.unwrap() {
        assert!(
            bucket.join(format!("{}.jpg", image.id)).exists(),
            "row {} without its photo",
            image.id
        );
    }
    assert!(cli(&["import", manifest], &env).status().unwrap().success());
    let rows = db.images().await.unwrap();
    let expected: Vec<Image> =
        serde_json::from_str(&std::fs::read_to_string(manifest).unwrap()).unwrap();
    // Every row got its ThumbHash and colour at import; the rest equals the manifest.
    let mut computed = Vec::new();
    let rows: Vec<Image> = rows
        .into_iter()
        .map(|mut r| {
            computed.push(
                r.placeholder
                    .take()
                    .expect("placeholder computed at import"),
            );
            r
        })
        .collect();
    assert_eq!(
        rows, expected,
        "catalog rows equal the manifest, in file order"
    );
    let fig = expected.iter().position(|i| i.id == "9").unwrap();
    assert_eq!(
        computed[fig].family(),
        Some("red"),
        "the fig in its red bowl"
    );
    for name in ["0.jpg", "0_500.jpg", "0_1000.jpg", "11.jpg"] {
        assert!(bucket.join(name).exists(), "{name} not in the bucket");
    }
    let version = db.version().await.unwrap();
    assert!(cli(&["import", manifest], &env).status().unwrap().success());
    assert_eq!(
        db.version().await.unwrap(),
        version,
        "a rerun changes nothing"
    );

    let gallery = Gallery::new("production");
    let mut image_env = s3.env();
    image_env.push(("IMAGE_STORAGE_URL", "s3://photos/originals".into()));
    let images = gallery.image_service_with(2, 16, image_env);
    let api = api_on(&images, &url);
    let http = client();
    let list = get_text(&http, &format!("{}/v2/list", api.base)).await;
    assert_eq!(
        serde_json::from_str::<Vec<serde_json::Value>>(&list)
            .unwrap()
            .len(),
        expected.len()
    );
    // The manifest's tags came through the database: they filter.
    let space = get_text(&http, &format!("{}/v2/list?tag=space", api.base)).await;
    let space: Vec<serde_json::Value> = serde_json::from_str(&space).unwrap();
    let want: Vec<&str> = expected
        .iter()
        .filter(|i| i.tags.iter().any(|t| t.as_str() == "space"))
        .map(|i| i.id.as_str())
        .collect();
    let got: Vec<&str> = space.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(!want.is_empty());
    assert_eq!(got, want);
    let redirect = http
        .get(format!("{}/id/3/300/200", api.base))
        .send()
        .await
        .unwrap();
    let location = redirect.headers()["location"].to_str().unwrap().to_owned();
    let body = get_bytes(&http, &location).await;
    let (w, h, c, _, _) = decode_jpeg(&body);
    assert_eq!((w, h, c), (300, 200, 3));

    // A row added in the database shows up without a restart.
    db.upsert(&Image {
        id: "100".into(),
        author: "New".into(),
        width: 10,
        height: 10,
        url: String::new(),
        tags: vec![picsum_catalog::filter::Tag::parse("new").unwrap()],
        placeholder: None,
    })
    .await
    .unwrap();
    wait_status(&http, &format!("{}/id/100/info", api.base), 200).await;
    // Its tag filters the list and the seeded and random picks; an unknown tag is a 404.
    let tagged = get_text(&http, &format!("{}/v2/list?tag=new", api.base)).await;
    let tagged: Vec<serde_json::Value> = serde_json::from_str(&tagged).unwrap();
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0]["id"], "100");
    for path in ["/seed/any/10?tag=new", "/10?tag=NEW&orientation=square"] {
        let res = http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        let location = res.headers()["location"].to_str().unwrap();
        assert!(location.contains("/id/100/"), "{path} -> {location}");
    }
    let none = http
        .get(format!("{}/seed/any/10?tag=nothing-here", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(none.status(), 404);
    assert_eq!(
        none.text().await.unwrap(),
        "No image matches tag \"nothing-here\"\n"
    );

    // Database down: the API keeps answering from its snapshot.
    pg.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    for path in [
        "/id/3/info",
        "/id/100/info",
        "/v2/list",
        "/seed/picsum/info",
    ] {
        let res = http
            .get(format!("{}{path}", api.base))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200, "{path} during the outage");
    }
    let res = http
        // A photo that exists in storage (a random pick could be row 100, which has none).
        .get(format!("{}/id/3/200/300", api.base))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 302);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(http.get(&location).send().await.unwrap().status(), 200);

    // Back up: changes flow again.
    pg.resume();
    let db = Database::connect(&url).unwrap();
    assert!(db.delete("100").await.unwrap());
    wait_status(&http, &format!("{}/id/100/info", api.base), 404).await;
}

/// A database whose certificate the configured CA did not sign is refused: the API does not
/// start, and says why; neither does the CLI.
#[test]
fn a_database_the_ca_did_not_sign_is_refused() {
    let (ca, stranger) = (TestCa::new("served"), TestCa::new("stranger"));
    let pg = Postgres::start_tls(&ca);
    let url = pg.url_verified_by(&stranger.ca());
    let out = Command::new(binary("picsum-api"))
        .env("PICSUM_LISTEN", "127.0.0.1:0")
        .env("PICSUM_METRICS_LISTEN", "127.0.0.1:0")
        .env("PICSUM_HMAC_KEY", KEY)
        .env("PICSUM_DATABASE_URL", &url)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).to_lowercase();
    assert!(!out.status.success(), "the API started: {stderr}");
    assert!(stderr.contains("certificate"), "{stderr}");
    let out = cli(&["migrate"], &[("PICSUM_DATABASE_URL", url)])
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .to_lowercase()
            .contains("certificate")
    );
}

/// Managed pools are PgBouncer in transaction mode: the CLI migrates through the direct URL,
/// imports and the API reads through the pool (`statement-cache-capacity=0`), and a change
/// made through the pool shows up in the API.
#[tokio::test]
async fn catalog_through_pgbouncer_in_transaction_mode() {
    let pg = Postgres::start();
    let bouncer = picsum_testkit::PgBouncer::start(&pg);
    let pooled = format!("{}?statement-cache-capacity=0", bouncer.url());
    let s3 = S3Server::start("photos");
    let mut env = s3.env();
    env.push(("PICSUM_DATABASE_URL", pooled.clone()));
    env.push(("PICSUM_DATABASE_DIRECT_URL", pg.url()));
    env.push(("IMAGE_STORAGE_URL", "s3://photos/originals".into()));
    assert!(cli(&["migrate"], &env).status().unwrap().success());
    let manifest = gallery_manifest();
    assert!(
        cli(
            &[
                "import",
                manifest.to_str().unwrap(),
                "--tags",
                "sample,Pooled"
            ],
            &env
        )
        .status()
        .unwrap()
        .success()
    );
    let gallery = Gallery::new("pgbouncer");
    let images = gallery.image_service(1, 4);
    let api = api_on(&images, &pooled);
    let http = client();
    let list = get_text(&http, &format!("{}/v2/list", api.base)).await;
    let rows: Vec<serde_json::Value> = serde_json::from_str(&list).unwrap();
    let gallery_len = std::fs::read_to_string(&manifest)
        .map(|m| serde_json::from_str::<Vec<Image>>(&m).unwrap().len())
        .unwrap();
    assert_eq!(rows.len(), gallery_len);
    // `--tags` tagged every imported photo (lowercased), beside the manifest's own tags.
    let tagged = get_text(
        &http,
        &format!("{}/v2/list?tag=sample,pooled&limit=100", api.base),
    )
    .await;
    let tagged: Vec<serde_json::Value> = serde_json::from_str(&tagged).unwrap();
    assert_eq!(tagged.len(), gallery_len);
    let both = get_text(&http, &format!("{}/v2/list?tag=sample,space", api.base)).await;
    assert!(
        serde_json::from_str::<Vec<serde_json::Value>>(&both)
            .unwrap()
            .len()
            >= 3
    );
    Database::connect(&pooled)
        .unwrap()
        .upsert(&Image {
            id: "100".into(),
            author: "Pooled".into(),
            width: 10,
            height: 10,
            url: String::new(),
            tags: Vec::new(),
            placeholder: None,
        })
        .await
        .unwrap();
    wait_status(&http, &format!("{}/id/100/info", api.base), 200).await;
}
