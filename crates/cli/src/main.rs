//! `picsum`, the operator CLI.
//!
//! * `picsum dev`: the API and the image service in one process on embedded defaults (the
//!   sample gallery, embedded in the binary, a manifest catalog, in-memory cache), sharing a
//!   fresh signing key (see [`dev`]).
//! * `picsum sign`: prints the signed image-service URL of a path (or of each stdin line).
//! * `picsum signature`: signs a query string for the picfit dialect.
//! * `picsum api-key`: API keys for the transformation API (pixlserv's layout in Redis).
//! * `picsum migrate`, `picsum import`, `picsum export-manifest`: the catalog database and the
//!   photos in storage (see [`import`]).
//! * `picsum completions SHELL`, `picsum man`: shell completions and the man page ([`docs`]).

mod args;
mod dev;
mod docs;
mod gallery;
mod import;

use std::io::Write;

use args::{Cli, Command, KeyAction};
use clap::{CommandFactory, Parser};
use picsum_signing::Signer;
use picsum_url::query::Query;

/// The keys in the Redis at `url`, under `prefix`.
fn key_store(
    url: &str,
    prefix: &str,
    ca: Option<&std::path::Path>,
) -> anyhow::Result<picsum_guard::keys::ApiKeys> {
    let tier = picsum_cache::RedisTier::open(picsum_cache::RedisSettings {
        url: url.to_owned(),
        prefix: String::new(),
        ttl: std::time::Duration::from_secs(1),
        max_entry_bytes: 1 << 20,
        timeout: std::time::Duration::from_secs(3),
        ca: picsum_cache::read_ca(ca)?,
    })?;
    Ok(picsum_guard::keys::ApiKeys::new(
        std::sync::Arc::new(tier),
        prefix,
    ))
}

/// Runs an `api-key` command, printing what pixlserv's CLI prints.
async fn api_key(
    keys_url: &str,
    ca: Option<&std::path::Path>,
    action: KeyAction,
) -> anyhow::Result<()> {
    use picsum_guard::keys::{KEYS_PREFIX, Permission, describe};
    let keys = key_store(keys_url, KEYS_PREFIX, ca)?;
    let missing = || anyhow::anyhow!("key does not exist");
    match action {
        KeyAction::Add => {
            let (key, secret) = keys.add().await?;
            println!("Key added: {key}, secret: {secret}\nPlease save these now!");
        }
        KeyAction::List => println!("Keys: [{}]", keys.list().await?.join(" ")),
        KeyAction::Info { key } => {
            let info = keys.lookup(&key).await?.ok_or_else(missing)?;
            println!("Key: {key}\nPermissions: {}", describe(&info.permissions));
        }
        KeyAction::Modify {
            key,
            change,
            permission,
        } => {
            let add = match change.as_str() {
                "add" => true,
                "remove" => false,
                _ => anyhow::bail!("modifier needs to be 'add' or 'remove'"),
            };
            let permission = Permission::from_name(&permission).ok_or_else(|| {
                anyhow::anyhow!("modifier needs to end with a valid permission: get or upload")
            })?;
            anyhow::ensure!(
                keys.modify(&key, add, permission).await?,
                "key does not exist"
            );
            println!("The key has been updated");
        }
        KeyAction::GenerateSecret { key } => {
            let secret = keys.generate_secret(&key).await?.ok_or_else(missing)?;
            println!("The new secret is: {secret}. Please save it now.");
        }
        KeyAction::Import { from } => {
            let copied = keys.import_from(&key_store(&from, "", ca)?).await?;
            println!("Imported {copied} keys");
        }
        KeyAction::Remove { key } => {
            anyhow::ensure!(keys.remove(&key).await?, "key does not exist");
            println!("The key was successfully removed");
        }
    }
    Ok(())
}

/// Rust's allocations go to mimalloc, as in both services' binaries (`picsum dev` serves
/// both): glibc's malloc consolidates its free lists on every allocation of a kilobyte or
/// more, several times per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Turns `NAME_FILE` settings into `NAME` ones: the CLI's own, and every `PICSUM_*` and
/// `IMAGE_*` setting `picsum dev` reads. First thing, while the process has one thread.
fn export_secret_files() {
    let mut names = picsum_storage::SECRET_VARIABLES.to_vec();
    let (api, image) = (
        picsum_web::config::setting_names(&picsum_api::ApiConfig::command()),
        picsum_web::config::setting_names(&picsum_image_service::ImageConfig::command()),
    );
    names.extend(api.iter().chain(&image).map(String::as_str));
    picsum_web::config::export_secret_files::<Cli>(&names).unwrap_or_else(|e| e.exit());
}

fn main() -> anyhow::Result<()> {
    export_secret_files();
    picsum_web::server::install_crypto_provider();
    match Cli::parse().command {
        Command::Completions { shell } => docs::completions(shell),
        Command::Man => docs::man(),
        Command::Dev {
            listen,
            image_listen,
        } => dev::dev(listen, image_listen),
        Command::Sign { path, key, base } => {
            let mut out = std::io::stdout().lock();
            if path == "-" {
                for line in std::io::stdin().lines() {
                    let line = line?;
                    if !line.trim().is_empty() {
                        writeln!(out, "{}", sign(&key, &base, line.trim()))?;
                    }
                }
            } else {
                writeln!(out, "{}", sign(&key, &base, &path))?;
            }
            Ok(())
        }
        Command::ApiKey {
            keys_url,
            ca_file,
            action,
        } => catalog_task(async move { api_key(&keys_url, ca_file.as_deref(), action).await }),
        Command::Signature { key, query } => {
            anyhow::ensure!(!key.is_empty(), "You must provide a key");
            anyhow::ensure!(!query.is_empty(), "You must provide a Query String");
            let message = picsum_signing::dialects::picfit_message(&Query::parse(&query));
            let sig = picsum_signing::dialects::picfit_sign(key.as_bytes(), &message);
            println!(
                "Query String: {query}\nSignature: {sig}\nSigned Query String: {query}&sig={sig}"
            );
            Ok(())
        }
        Command::Migrate {
            database_url,
            direct_url,
        } => catalog_task(async move {
            let url = direct_url.filter(|u| !u.is_empty()).unwrap_or(database_url);
            picsum_db::Database::connect(&url)?.migrate().await?;
            eprintln!("migrations applied");
            Ok(())
        }),
        Command::Import {
            source,
            database_url,
            storage_url,
            storage_path,
            author,
            tags,
        } => catalog_task(async move {
            let max = 1 << 30;
            let storage = match (storage_url, storage_path) {
                (Some(url), _) => picsum_storage::Storage::from_url(&url, max)?,
                (None, Some(path)) => picsum_storage::Storage::local(path, max)?,
                (None, None) => anyhow::bail!(
                    "give --storage-url or --storage-path (or IMAGE_STORAGE_URL / IMAGE_STORAGE_PATH)"
                ),
            };
            let db = picsum_db::Database::connect(&database_url)?;
            let summary = import::import(&source, &storage, &db, &author, &tags).await?;
            eprintln!(
                "imported {}, already complete {}",
                summary.imported, summary.skipped
            );
            Ok(())
        }),
        Command::ExportManifest { database_url } => catalog_task(async move {
            let db = picsum_db::Database::connect(&database_url)?;
            import::export_manifest(&db, &mut std::io::stdout().lock()).await
        }),
    }
}

fn catalog_task(work: impl Future<Output = anyhow::Result<()>>) -> anyhow::Result<()> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(work)
}

fn sign(key: &str, base: &str, path_and_query: &str) -> String {
    let (path, query) = path_and_query
        .split_once('?')
        .unwrap_or((path_and_query, ""));
    let mut query = Query::parse(query);
    query.take(picsum_signing::HMAC_PARAM);
    format!(
        "{}{}",
        base.trim_end_matches('/'),
        Signer::new(key.as_bytes()).sign_path(path, query)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_matches_spec_vector() {
        assert_eq!(
            sign(
                "test",
                "https://fastly.picsum.photos/",
                "/id/1/200/200.jpg?grayscale&blur=5&hmac=old"
            ),
            "https://fastly.picsum.photos/id/1/200/200.jpg?blur=5&grayscale&hmac=MarV0ooZ1EWnubOz-SOx5zshDNYsk6SIg2WWowmVzNs"
        );
    }
}
