//! The gate every request of the public listener passes first: it names the client (the
//! address after the trusted proxies, IPv6 by its /64; an API key takes over once the
//! guard admits one) and runs the request on its behalf, so that the pool, the memory
//! budget and the stores charge what it costs to that client and share them fairly.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use picsum_image_core::client::{self, ClientId};

use crate::Guard;
use crate::peer::Peer;

/// Middleware: runs the request inside its client's scope.
pub async fn gate(
    State(guard): State<Arc<Guard>>,
    peer: Peer,
    req: Request,
    next: Next,
) -> Response {
    let client = guard.client(req.headers(), peer.0);
    client::scope(client, next.run(req)).await
}

impl Guard {
    /// The client of a request from `peer`: its address after the trusted proxies, or
    /// [`ClientId::Unknown`] when a trusted proxy forwarded something that is not one (junk
    /// in `X-Forwarded-For` is no way to a fresh account).
    #[must_use]
    pub fn client(
        &self,
        headers: &http::HeaderMap,
        peer: Option<std::net::SocketAddr>,
    ) -> ClientId {
        self.access
            .client_ip(headers, peer)
            .map_or(ClientId::Unknown, ClientId::addr)
    }
}
