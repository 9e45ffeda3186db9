//! The storage against a real GCS emulator (fake-gcs-server), configured the way an operator
//! points `object_store` at a custom endpoint: read, missing object, outage, recovery.
#![expect(clippy::unwrap_used, reason = "test helper panics on failure")]

use std::time::{Duration, Instant};

use picsum_storage::{Storage, StorageError};
use picsum_testkit::GcsServer;

fn open(server: &GcsServer, url: &str, max: u64) -> Storage {
    let options = server.options();
    let pairs: Vec<(&str, &str)> = options.iter().map(|(k, v)| (*k, v.as_str())).collect();
    Storage::from_url_with(url, &pairs, max).unwrap()
}

#[tokio::test]
async fn reads_survive_an_outage_and_errors_are_classified() {
    let mut server = GcsServer::start("photos", &[("originals/1.jpg", b"jpeg bytes")]);
    let s = open(&server, "gs://photos/originals", 1 << 20);
    assert_eq!(&s.get("1.jpg").await.unwrap()[..], b"jpeg bytes");
    assert!(matches!(
        s.get("2.jpg").await,
        Err(StorageError::NotFound(_))
    ));
    assert!(s.exists("1.jpg").await.unwrap());
    assert!(!s.exists("2.jpg").await.unwrap());
    let stored = s.modified("1.jpg").await.unwrap().unwrap();
    let age = std::time::SystemTime::now().duration_since(stored).unwrap();
    assert!(age < Duration::from_secs(120), "{age:?}");
    // The prefix is honoured: the object is `originals/1.jpg` in the bucket.
    let root = open(&server, "gs://photos", 1 << 20);
    assert_eq!(
        &root.get("originals/1.jpg").await.unwrap()[..],
        b"jpeg bytes"
    );
    assert!(matches!(
        root.get("1.jpg").await,
        Err(StorageError::NotFound(_))
    ));
    assert!(matches!(
        open(&server, "gs://photos/originals", 4).get("1.jpg").await,
        Err(StorageError::TooLarge { size: 10, .. })
    ));

    // An outage is `Unavailable`, quickly; after a restart the same handle reads again.
    server.stop();
    let started = Instant::now();
    assert!(matches!(
        s.get("1.jpg").await,
        Err(StorageError::Unavailable(_))
    ));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
    server.resume();
    assert_eq!(&s.get("1.jpg").await.unwrap()[..], b"jpeg bytes");
}
