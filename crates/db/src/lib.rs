//! The catalog's database: PostgreSQL in production, SQLite embedded, one interface.
//!
//! Migrations live in the repository's `migrations/{postgres,sqlite}/` and are embedded in
//! the binary; `picsum migrate` (or the API with `PICSUM_DATABASE_MIGRATE=true`) applies them.
//! Behind a pooler in transaction mode (PgBouncer, managed pools) add
//! `statement-cache-capacity=0` to the URL: statements are then unnamed, never kept on a
//! server connection the pooler shares; migrate through the direct URL (migrations hold a
//! session-level advisory lock).
//! Reads return whole catalogs in *file order* (`position`), the order seeded selection
//! indexes into; a `catalog_version` counter, bumped by triggers on every change, lets the API
//! notice changes with one tiny query. Queries are checked at run time by the tests against
//! both real databases (no compile-time database needed to build).

pub mod live;

use std::str::FromStr;
use std::time::Duration;

use picsum_catalog::filter::Tag;
use picsum_catalog::{Image, Placeholder};
use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};

static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");

/// Database errors.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The URL names no database we support.
    #[error("unsupported database URL (expected postgres://, postgresql:// or sqlite:)")]
    UnsupportedUrl,
    /// A query or connection failed.
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// Migrations failed.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The manifest catalog could not be loaded, or rows make no catalog (duplicate ids).
    #[error(transparent)]
    Catalog(#[from] picsum_catalog::CatalogError),
    /// A stored value is out of range.
    #[error("invalid row for image {0:?}")]
    InvalidRow(String),
}

/// A connection pool to the catalog database. Every PostgreSQL statement runs in its own
/// transaction: behind a transaction-mode pooler that keeps its unnamed statement and its
/// execution on one server connection.
#[derive(Debug, Clone)]
pub enum Database {
    /// PostgreSQL; `named`: statements are prepared once per connection and reused (off
    /// behind a transaction-mode pooler, where a connection's statements are not its own).
    Postgres {
        /// The pool.
        pool: PgPool,
        /// Whether statements are named and kept.
        named: bool,
    },
    /// SQLite (a file, created when missing).
    Sqlite(SqlitePool),
}

type Row = (String, String, i64, i64, String, String, String, String);

impl Database {
    /// Connects lazily: the pool opens connections on first use, so a service can start
    /// (and keep serving its snapshot) while the database is unreachable.
    ///
    /// # Errors
    /// [`DbError::UnsupportedUrl`] or an invalid URL.
    pub fn connect(url: &str) -> Result<Self, DbError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            // No `extra_float_digits` startup parameter: the catalog reads no floats, and
            // connection poolers (PgBouncer) refuse startup parameters they do not know.
            let options = PgConnectOptions::from_str(url)?.extra_float_digits(None);
            let unnamed = url
                .split_once('?')
                .is_some_and(|(_, q)| q.split('&').any(|kv| kv == "statement-cache-capacity=0"));
            let pool = PgPoolOptions::new()
                .max_connections(4)
                .acquire_timeout(Duration::from_secs(3))
                .connect_lazy_with(options);
            Ok(Self::Postgres {
                pool,
                named: !unnamed,
            })
        } else if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?.create_if_missing(true);
            Ok(Self::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_lazy_with(options),
            ))
        } else {
            Err(DbError::UnsupportedUrl)
        }
    }

    /// Applies pending migrations.
    ///
    /// # Errors
    /// Connection or migration failures.
    pub async fn migrate(&self) -> Result<(), DbError> {
        match self {
            Self::Postgres { pool, .. } => POSTGRES_MIGRATIONS.run(pool).await?,
            Self::Sqlite(pool) => SQLITE_MIGRATIONS.run(pool).await?,
        }
        Ok(())
    }

    /// Every image in file order.
    ///
    /// # Errors
    /// Query failures or out-of-range stored sizes.
    pub async fn images(&self) -> Result<Vec<Image>, DbError> {
        const SQL: &str = "SELECT id, author, CAST(width AS BIGINT), CAST(height AS BIGINT), url, tags, thumbhash, color FROM image ORDER BY position, id";
        let rows: Vec<Row> = match self {
            Self::Postgres { pool, named } => {
                let mut tx = pool.begin().await?;
                let rows = sqlx::query_as(SQL)
                    .persistent(*named)
                    .fetch_all(&mut *tx)
                    .await?;
                tx.commit().await?;
                rows
            }
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await?,
        };
        rows.into_iter()
            .map(|(id, author, width, height, url, tags, thumbhash, color)| {
                let invalid = || DbError::InvalidRow(id.clone());
                let dim = |v: i64| u32::try_from(v).map_err(|_| invalid());
                Ok(Image {
                    width: dim(width)?,
                    height: dim(height)?,
                    tags: tags
                        .split(',')
                        .filter(|t| !t.is_empty())
                        .map(|t| Tag::parse(t).map_err(|_| invalid()))
                        .collect::<Result<_, _>>()?,
                    placeholder: (!thumbhash.is_empty())
                        .then(|| Placeholder::new(thumbhash, color)),
                    id: id.clone(),
                    author,
                    url,
                })
            })
            .collect()
    }

    /// The change counter: differs whenever any image row changed.
    ///
    /// # Errors
    /// Query failures.
    pub async fn version(&self) -> Result<i64, DbError> {
        const SQL: &str = "SELECT CAST(version AS BIGINT) FROM catalog_version";
        let (v,): (i64,) = match self {
            Self::Postgres { pool, named } => {
                let mut tx = pool.begin().await?;
                let row = sqlx::query_as(SQL)
                    .persistent(*named)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                row
            }
            Self::Sqlite(pool) => sqlx::query_as(SQL).fetch_one(pool).await?,
        };
        Ok(v)
    }

    /// Inserts or updates `image` in one statement: an existing id keeps its position (so
    /// seeds keep selecting the same photos), a new one goes after every other.
    ///
    /// # Errors
    /// Query failures.
    pub async fn upsert(&self, image: &Image) -> Result<(), DbError> {
        let (width, height) = (i64::from(image.width), i64::from(image.height));
        let mut tags: Vec<&str> = image.tags.iter().map(Tag::as_str).collect();
        tags.sort_unstable();
        tags.dedup();
        let tags = tags.join(",");
        let (thumbhash, color) = image
            .placeholder
            .as_ref()
            .map_or(("", ""), |p| (p.thumbhash.as_str(), p.color.as_str()));
        match self {
            Self::Postgres { pool, named } => {
                let mut tx = pool.begin().await?;
                sqlx::query(
                    "INSERT INTO image (id, author, width, height, url, tags, thumbhash, color, position)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
                             (SELECT COALESCE(MAX(position) + 1, 0) FROM image))
                     ON CONFLICT (id) DO UPDATE SET author = EXCLUDED.author, width = EXCLUDED.width,
                         height = EXCLUDED.height, url = EXCLUDED.url, tags = EXCLUDED.tags,
                         thumbhash = EXCLUDED.thumbhash, color = EXCLUDED.color, updated_at = now()
                     WHERE (image.author, image.width, image.height, image.url, image.tags,
                            image.thumbhash, image.color)
                         IS DISTINCT FROM (EXCLUDED.author, EXCLUDED.width, EXCLUDED.height,
                                           EXCLUDED.url, EXCLUDED.tags, EXCLUDED.thumbhash,
                                           EXCLUDED.color)",
                )
                .bind(&image.id)
                .bind(&image.author)
                .bind(i32::try_from(width).map_err(|_| DbError::InvalidRow(image.id.clone()))?)
                .bind(i32::try_from(height).map_err(|_| DbError::InvalidRow(image.id.clone()))?)
                .bind(&image.url)
                .bind(&tags)
                .bind(thumbhash)
                .bind(color)
                .persistent(*named)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Self::Sqlite(pool) => {
                sqlx::query(
                    "INSERT INTO image (id, author, width, height, url, tags, thumbhash, color, position)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8,
                             (SELECT COALESCE(MAX(position) + 1, 0) FROM image))
                     ON CONFLICT (id) DO UPDATE SET author = excluded.author, width = excluded.width,
                         height = excluded.height, url = excluded.url, tags = excluded.tags,
                         thumbhash = excluded.thumbhash, color = excluded.color
                     WHERE (image.author, image.width, image.height, image.url, image.tags,
                            image.thumbhash, image.color)
                         IS NOT (excluded.author, excluded.width, excluded.height, excluded.url,
                                 excluded.tags, excluded.thumbhash, excluded.color)",
                )
                .bind(&image.id)
                .bind(&image.author)
                .bind(width)
                .bind(height)
                .bind(&image.url)
                .bind(&tags)
                .bind(thumbhash)
                .bind(color)
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }

    /// Removes an image; `false` when there was none.
    ///
    /// # Errors
    /// Query failures.
    pub async fn delete(&self, id: &str) -> Result<bool, DbError> {
        let done = match self {
            Self::Postgres { pool, named } => {
                let mut tx = pool.begin().await?;
                let done = sqlx::query("DELETE FROM image WHERE id = $1")
                    .bind(id)
                    .persistent(*named)
                    .execute(&mut *tx)
                    .await?
                    .rows_affected();
                tx.commit().await?;
                done
            }
            Self::Sqlite(pool) => sqlx::query("DELETE FROM image WHERE id = ?1")
                .bind(id)
                .execute(pool)
                .await?
                .rows_affected(),
        };
        Ok(done > 0)
    }
}
