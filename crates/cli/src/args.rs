//! The command line: clap's definition of `picsum` ([`Cli`]), its subcommands and their
//! flags. `main` runs what it parses; [`crate::docs`] renders completions and the man page
//! from it.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "picsum",
    version = concat!(env!("CARGO_PKG_VERSION"), " (git ", env!("PICSUM_GIT_SHA"), ")"),
    about = "Operate picsum-rs"
)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Print the shell completion script for SHELL: `picsum completions bash >
    /// /etc/bash_completion.d/picsum`.
    Completions { shell: clap_complete::Shell },
    /// Print the man page (roff): `picsum man > picsum.1`.
    Man,
    /// Run the API and the image service together. Every `PICSUM_*` and `IMAGE_*` setting
    /// applies; without keys, a random one is shared by both for this run.
    Dev {
        /// API listener (overrides PICSUM_LISTEN).
        #[arg(long)]
        listen: Option<SocketAddr>,
        /// Image service listener (overrides IMAGE_LISTEN; the API redirects to it).
        #[arg(long)]
        image_listen: Option<SocketAddr>,
    },
    /// Apply pending catalog database migrations.
    Migrate {
        /// `postgres://…` or `sqlite:///path/catalog.db`.
        #[arg(long, env = "PICSUM_DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// The database itself, when `PICSUM_DATABASE_URL` is a transaction-mode pooler:
        /// migrations hold a session-level lock, so they run here.
        #[arg(long, env = "PICSUM_DATABASE_DIRECT_URL", hide_env_values = true)]
        direct_url: Option<String>,
    },
    /// Import photos: a Picsum manifest (`{id}.jpg` files beside it) or a folder of
    /// JPEG/PNG/WebP files. Uploads each original and its pre-sized variants, then writes its
    /// catalog row. Idempotent and resumable.
    Import {
        /// Manifest file or folder.
        source: PathBuf,
        /// `postgres://…` or `sqlite:///path/catalog.db`.
        #[arg(long, env = "PICSUM_DATABASE_URL", hide_env_values = true)]
        database_url: String,
        /// Destination store: `s3://bucket/prefix`, `gs://…`, `file:///path`.
        #[arg(long, env = "IMAGE_STORAGE_URL", conflicts_with = "storage_path")]
        storage_url: Option<String>,
        /// Destination folder (when no storage URL is given).
        #[arg(long, env = "IMAGE_STORAGE_PATH")]
        storage_path: Option<PathBuf>,
        /// Author recorded for photos imported from a folder.
        #[arg(long, default_value = "Unknown")]
        author: String,
        /// Tags added to every imported photo (comma-separated; a manifest's own `tags` are
        /// kept too): what `?tag=` filters on.
        #[arg(long, value_delimiter = ',', value_parser = picsum_catalog::filter::Tag::parse)]
        tags: Vec<picsum_catalog::filter::Tag>,
    },
    /// Print the catalog as a Picsum JSON manifest.
    ExportManifest {
        /// `postgres://…` or `sqlite:///path/catalog.db`.
        #[arg(long, env = "PICSUM_DATABASE_URL", hide_env_values = true)]
        database_url: String,
    },
    /// Manage API keys (pixlserv's layout under `picsum:keys:`, in the Redis of
    /// `IMAGE_KEYS_URL`, which must not evict).
    ApiKey {
        /// `redis://…`, `rediss://…` or `redis+cluster://…`.
        #[arg(long, env = "IMAGE_KEYS_URL", hide_env_values = true)]
        keys_url: String,
        /// PEM file of the CA that signed the Redis server's certificate (`rediss://`).
        #[arg(long, env = "IMAGE_REDIS_CA_FILE")]
        ca_file: Option<std::path::PathBuf>,
        #[command(subcommand)]
        action: KeyAction,
    },
    /// Sign a query string the way picfit's server checks it (as `picfit signature` does,
    /// but the printed signed query uses the accepted signature too).
    Signature {
        /// picfit's `secret_key`.
        #[arg(long, env = "IMAGE_PICFIT_SECRET_KEY", hide_env_values = true)]
        key: String,
        /// The query string, e.g. `w=100&h=100&op=resize&path=a.jpg`.
        query: String,
    },
    /// Print the signed image-service URL for a path such as `/id/1/200/300.jpg?blur=5`;
    /// with `-`, sign every line of standard input.
    Sign {
        /// The path and optional query to sign, or `-` for one per line on standard input.
        path: String,
        /// Signing key.
        #[arg(
            long,
            env = "PICSUM_HMAC_KEY",
            default_value = "",
            hide_env_values = true
        )]
        key: String,
        /// Image service base URL to prefix.
        #[arg(
            long,
            env = "PICSUM_IMAGE_SERVICE_URL",
            default_value = "http://127.0.0.1:8081"
        )]
        base: String,
    },
}

#[derive(Debug, Subcommand)]
pub(crate) enum KeyAction {
    /// A new key with `get` and `upload`; prints the key and its secret.
    Add,
    /// Every key.
    List,
    /// A key's permissions.
    Info {
        /// The key.
        key: String,
    },
    /// Grant or revoke a permission: `modify KEY add|remove get|upload`.
    Modify {
        /// The key.
        key: String,
        /// `add` or `remove`.
        change: String,
        /// `get` or `upload`.
        permission: String,
    },
    /// A new secret for a key.
    GenerateSecret {
        /// The key.
        key: String,
    },
    /// Copy every key, secret and permission from a Redis in pixlserv's layout (unprefixed,
    /// e.g. pixlserv's own or the cache's where keys used to live).
    Import {
        /// `redis://…` of the keys to copy.
        #[arg(long)]
        from: String,
    },
    /// Remove a key, its secret and its permissions.
    Remove {
        /// The key.
        key: String,
    },
}
