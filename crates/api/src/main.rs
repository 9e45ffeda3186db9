//! `picsum-api`: wiring only; see the library.

use picsum_api::ApiConfig;

/// Rust's allocations go to mimalloc: glibc's malloc consolidates its free lists on every
/// allocation of a kilobyte or more, several times per request.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> anyhow::Result<()> {
    // Before the runtime's threads: it rewrites the environment.
    picsum_web::config::export_secret_files::<ApiConfig>(&[]).unwrap_or_else(|e| e.exit());
    run()
}

#[tokio::main]
async fn run() -> anyhow::Result<()> {
    picsum_web::server::install_crypto_provider();
    let config: ApiConfig = picsum_web::config::load("PICSUM").unwrap_or_else(|e| e.exit());
    picsum_web::telemetry::init_logging(&config.log_level, "picsum-api")?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    let served = picsum_api::serve(config, listener, picsum_web::server::shutdown_signal()).await;
    picsum_web::telemetry::flush_traces();
    served
}
