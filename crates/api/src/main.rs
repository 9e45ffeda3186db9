//! `picsum-api`: wiring only; see the library.

use picsum_api::ApiConfig;

/// Rust's allocations go to mimalloc: glibc's malloc consolidates its free lists on every
/// allocation of a kilobyte or more, several times per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    picsum_web::server::install_crypto_provider();
    let config: ApiConfig = picsum_web::config::load("PICSUM").unwrap_or_else(|e| e.exit());
    picsum_web::telemetry::init_tracing(&config.log_level);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    picsum_api::serve(config, listener, picsum_web::server::shutdown_signal()).await
}
