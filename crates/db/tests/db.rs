//! The catalog database against a real PostgreSQL and a real SQLite file: same behaviour.
#![expect(clippy::unwrap_used, reason = "test code")]

use picsum_catalog::Image;
use picsum_catalog::filter::Tag;
use picsum_db::{Database, DbError};
use picsum_testkit::{PgBouncer, Postgres, TempDir, TestCa};

fn image(id: &str, author: &str) -> Image {
    Image {
        id: id.into(),
        author: author.into(),
        width: 300,
        height: 400,
        url: "https://picsum.photos".into(),
        tags: Vec::new(),
        placeholder: None,
    }
}

async fn exercise(db: &Database) {
    db.migrate().await.unwrap();
    db.migrate().await.unwrap(); // idempotent
    assert!(db.images().await.unwrap().is_empty());
    let v0 = db.version().await.unwrap();
    // File order is insertion order, not id order.
    for id in ["10", "2", "1", "x"] {
        db.upsert(&image(id, "A & B")).await.unwrap();
    }
    let ids: Vec<String> = db
        .images()
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert_eq!(ids, ["10", "2", "1", "x"]);
    let v1 = db.version().await.unwrap();
    assert!(v1 > v0);
    // Re-upserting the same rows changes nothing, not even the version.
    for id in ["10", "2"] {
        db.upsert(&image(id, "A & B")).await.unwrap();
    }
    assert_eq!(db.version().await.unwrap(), v1);
    // An update keeps the position; the version moves.
    db.upsert(&image("2", "Someone else")).await.unwrap();
    let images = db.images().await.unwrap();
    assert_eq!(images.get(1), Some(&image("2", "Someone else")));
    let v2 = db.version().await.unwrap();
    assert!(v2 > v1);
    // Tags are stored sorted and deduplicated; changing them is a change.
    let mut tagged = image("2", "Someone else");
    tagged.tags = ["snow", "city", "snow"]
        .iter()
        .map(|t| Tag::parse(t).unwrap())
        .collect();
    db.upsert(&tagged).await.unwrap();
    let v3 = db.version().await.unwrap();
    assert!(v3 > v2);
    let stored = db.images().await.unwrap().get(1).unwrap().tags.clone();
    assert_eq!(
        stored,
        [Tag::parse("city").unwrap(), Tag::parse("snow").unwrap()]
    );
    tagged.tags = stored;
    db.upsert(&tagged).await.unwrap();
    assert_eq!(db.version().await.unwrap(), v3);
    assert!(db.delete("x").await.unwrap());
    assert!(!db.delete("x").await.unwrap());
    assert_eq!(db.images().await.unwrap().len(), 3);
}

#[tokio::test]
async fn postgres() {
    let pg = Postgres::start();
    exercise(&Database::connect(&pg.url()).unwrap()).await;
}

/// Managed PostgreSQL is TLS-only: the catalog connects with `sslmode=verify-full` against
/// the server's CA (checked chain and name), and refuses a server its CA did not sign.
#[tokio::test]
async fn postgres_over_tls_verified_and_a_wrong_ca_refused() {
    let ca = TestCa::new("pg");
    let pg = Postgres::start_tls(&ca);
    exercise(&Database::connect(&pg.url_verified_by(&ca.ca())).unwrap()).await;
    let plain = Database::connect(&format!("{}?sslmode=disable", pg.url())).unwrap();
    let refused = plain.images().await.unwrap_err().to_string();
    assert!(
        refused.contains("no encryption") || refused.contains("rejects"),
        "{refused}"
    );
    let stranger = TestCa::new("stranger");
    let wrong = Database::connect(&pg.url_verified_by(&stranger.ca())).unwrap();
    let refused = wrong.images().await.unwrap_err().to_string();
    assert!(refused.to_lowercase().contains("certificate"), "{refused}");
}

/// Rounds of concurrent writes and reads; the first error, if any.
async fn busy(db: &Database, rounds: usize) -> Result<(), String> {
    for round in 0..rounds {
        let mut tasks = tokio::task::JoinSet::new();
        for i in 0..8 {
            let db = db.clone();
            tasks.spawn(async move {
                db.upsert(&image(&format!("{round}-{i}"), "A")).await?;
                db.images().await?;
                db.version().await
            });
        }
        while let Some(done) = tasks.join_next().await {
            done.unwrap().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// Managed PostgreSQL pools are PgBouncer in transaction mode: a server connection is shared
/// per transaction, so named prepared statements break. With `statement-cache-capacity=0`
/// sqlx sends unnamed ones and every query works; migrations (a session-level advisory lock)
/// take the direct connection.
#[tokio::test]
async fn postgres_through_pgbouncer_in_transaction_mode() {
    let pg = Postgres::start();
    Database::connect(&pg.url())
        .unwrap()
        .migrate()
        .await
        .unwrap();
    let bouncer = PgBouncer::start(&pg);
    let pooled =
        Database::connect(&format!("{}?statement-cache-capacity=0", bouncer.url())).unwrap();
    busy(&pooled, 10).await.unwrap();
    assert_eq!(pooled.images().await.unwrap().len(), 80);
    // The same traffic with sqlx's default statement cache fails through the pool.
    let cached = Database::connect(&bouncer.url()).unwrap();
    let failed = busy(&cached, 50).await.unwrap_err();
    assert!(failed.contains("prepared statement"), "{failed}");
}

#[tokio::test]
async fn sqlite() {
    let dir = TempDir::new("sqlite");
    let url = format!("sqlite://{}/catalog.db", dir.path().display());
    exercise(&Database::connect(&url).unwrap()).await;
}

#[tokio::test]
async fn unsupported_and_unreachable() {
    assert!(matches!(
        Database::connect("mysql://x"),
        Err(DbError::UnsupportedUrl)
    ));
    let port = picsum_testkit::free_port();
    let db = Database::connect(&format!("postgres://picsum@127.0.0.1:{port}/picsum")).unwrap();
    assert!(matches!(db.version().await, Err(DbError::Sqlx(_))));
}
