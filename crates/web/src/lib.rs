//! The web stack both picsum services run on, with Lorem Picsum's conventions:
//!
//! * [`response`]: the text-or-JSON error body, cache headers, mux's redirects.
//! * [`cors`]: rs/cors semantics.
//! * [`routing`]: mux-style routing, 404/405, the handler timeout ([`routing::dispatch`]).
//! * [`telemetry`]: logs (a checked filter; JSON or, on a terminal, text), the Prometheus
//!   recorder, the request histogram, build info; [`process`]: the `process_*` metrics.
//! * [`access`]: request ids, the panic guard, the access log; [`client`]: who a request
//!   is from (`X-Forwarded-For` only from trusted proxies).
//! * [`health`]: the private listener's `/health` and `/metrics`.
//! * [`server`]: the HTTP server, graceful shutdown; [`send_floor`]: the slowest reader a
//!   connection may have.
//! * [`config`]: layered settings: defaults, config file, environment, flags.
//!
//! No native libraries here (no libvips): the API service links it.

pub mod access;
pub mod client;
pub mod config;
pub mod cors;
pub mod health;
pub mod process;
pub mod response;
pub mod routing;
pub mod send_floor;
pub mod server;
pub mod telemetry;
