//! The storage against a real S3-protocol server (s3s-fs, SigV4, path-style).
#![expect(clippy::unwrap_used, reason = "test helper panics on failure")]

use bytes::Bytes;
use picsum_storage::{Storage, StorageError};
use picsum_testkit::S3Server;

fn open(server: &S3Server, url: &str, max: u64) -> Storage {
    let options = server.options();
    let pairs: Vec<(&str, &str)> = options.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Storage::from_url_with(url, &pairs, max).unwrap()
}

#[tokio::test]
async fn reads_writes_and_classifies_errors() {
    let mut server = S3Server::start("photos");
    std::fs::create_dir_all(server.bucket_dir("photos").join("originals")).unwrap();
    std::fs::write(
        server.bucket_dir("photos").join("originals/1.jpg"),
        b"jpeg bytes",
    )
    .unwrap();
    let s = open(&server, "s3://photos/originals", 1 << 20);
    assert_eq!(&s.get("1.jpg").await.unwrap()[..], b"jpeg bytes");
    assert!(matches!(
        s.get("2.jpg").await,
        Err(StorageError::NotFound(_))
    ));
    assert!(s.exists("1.jpg").await.unwrap());
    assert!(!s.exists("2.jpg").await.unwrap());
    // Last-Modified from a HEAD, close to the file's time.
    let stored = s.modified("1.jpg").await.unwrap().unwrap();
    let age = std::time::SystemTime::now().duration_since(stored).unwrap();
    assert!(age < std::time::Duration::from_secs(120), "{age:?}");
    s.put("2.jpg", Bytes::from_static(b"new")).await.unwrap();
    assert_eq!(
        std::fs::read(server.bucket_dir("photos").join("originals/2.jpg")).unwrap(),
        b"new"
    );
    let small = open(&server, "s3://photos/originals", 4);
    assert!(matches!(
        small.get("1.jpg").await,
        Err(StorageError::TooLarge { size: 10, .. })
    ));

    // Wrong credentials are refused by the server (it checks SigV4).
    let endpoint = server.endpoint();
    let wrong = Storage::from_url_with(
        "s3://photos/originals",
        &[
            ("aws_access_key_id", "nobody"),
            ("aws_secret_access_key", "x"),
            ("aws_region", "us-east-1"),
            ("aws_endpoint", &endpoint),
            ("aws_allow_http", "true"),
        ],
        1 << 20,
    )
    .unwrap();
    assert!(matches!(
        wrong.get("1.jpg").await,
        Err(StorageError::Unavailable(_))
    ));

    // An outage is `Unavailable`, quickly; after restart the same handle works again.
    server.stop();
    let started = std::time::Instant::now();
    assert!(matches!(
        s.get("1.jpg").await,
        Err(StorageError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < std::time::Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    server.resume();
    assert_eq!(&s.get("1.jpg").await.unwrap()[..], b"jpeg bytes");
}
