//! `picsum dev`: the API and the image service in one process, on loopback and embedded
//! defaults. The catalog is the repository's `gallery/` when run from it, else the gallery
//! embedded in the binary ([`crate::gallery`]), so an installed `picsum` serves placeholders
//! offline; the image service credits photographers from the same catalog.

use std::net::SocketAddr;

use picsum_api::ApiConfig;
use picsum_image_service::ImageConfig;

/// Points both services at a gallery: the configured manifest when it exists or a database
/// is set, else the embedded one (extracted once to the temp directory).
fn use_gallery(api: &mut ApiConfig, image: &mut ImageConfig) -> anyhow::Result<()> {
    let database = api.database_url.clone().filter(|u| !u.is_empty());
    let storage_set = std::env::var_os("IMAGE_STORAGE_PATH").is_some()
        || std::env::var_os("IMAGE_STORAGE_URL").is_some();
    if database.is_none() && !api.database_file_path.exists() && !storage_set {
        let dir = crate::gallery::extract()?;
        tracing::info!(gallery = %dir.display(), "serving the embedded sample gallery");
        api.database_file_path = dir.join("manifest.json");
        image.storage_path = dir.join("photos");
    }
    if image.catalog_file_path.is_none() && image.catalog_database_url.is_none() {
        match database {
            Some(url) => image.catalog_database_url = Some(url),
            None => image.catalog_file_path = Some(api.database_file_path.clone()),
        }
    }
    Ok(())
}

/// On loopback, `picsum dev` opens what production keeps closed (every dialect, unsigned,
/// anonymous writes) unless the environment says otherwise, and says so.
fn open_for_development(image: &mut ImageConfig) {
    if !image.listen.ip().is_loopback() {
        return;
    }
    let unset = |name: &str| std::env::var_os(name).is_none();
    if unset("IMAGE_DIALECTS") {
        image.dialects = picsum_image_service::dialects::Enabled::all();
    }
    if unset("IMAGE_ALLOW_UNSIGNED") {
        image.allow_unsigned = true;
    }
    if unset("IMAGE_ALLOW_ANONYMOUS_WRITES") {
        image.allow_anonymous_writes = true;
    }
    tracing::warn!(
        "picsum dev on loopback: picsum, picfit and pixlserv dialects on, unsigned requests \
         and anonymous writes allowed unless IMAGE_* says otherwise (development only)"
    );
}

#[tokio::main]
pub(crate) async fn dev(
    listen: Option<SocketAddr>,
    image_listen: Option<SocketAddr>,
) -> anyhow::Result<()> {
    let mut api = ApiConfig::from_env()?;
    let mut image = ImageConfig::from_env()?;
    picsum_web::telemetry::init_logging(&api.log_level, "picsum-dev")?;
    if let Some(addr) = listen {
        api.listen = addr;
        api.root_url = format!("http://{addr}");
    }
    if let Some(addr) = image_listen {
        image.listen = addr;
        api.image_service_url = format!("http://{addr}");
    }
    if api.hmac_key.is_empty() && image.dialect.picsum.hmac_key.is_empty() {
        let key: String = std::iter::repeat_with(fastrand::alphanumeric)
            .take(32)
            .collect();
        api.hmac_key.clone_from(&key);
        image.dialect.picsum.hmac_key = key;
    }
    open_for_development(&mut image);
    use_gallery(&mut api, &mut image)?;
    let api_listener = tokio::net::TcpListener::bind(api.listen).await?;
    let image_listener = tokio::net::TcpListener::bind(image.listen).await?;
    tracing::info!("open http://{}/200/300", api_listener.local_addr()?);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let stopped = move || {
        let mut rx = stop_rx.clone();
        async move {
            let _ = rx.wait_for(|s| *s).await;
        }
    };
    tokio::spawn(async move {
        picsum_web::server::shutdown_signal().await;
        let _ = stop_tx.send(true);
    });
    let (a, i) = tokio::join!(
        picsum_api::serve(api, api_listener, stopped()),
        picsum_image_service::serve(image, image_listener, stopped()),
    );
    picsum_web::telemetry::flush_traces();
    a.and(i)
}
