//! `picsum-api`: wiring only; see the library.

use clap::Parser;
use picsum_api::ApiConfig;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = ApiConfig::parse();
    picsum_common::server::init_tracing(&config.log_level);
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    picsum_api::serve(config, listener, picsum_common::server::shutdown_signal()).await
}
