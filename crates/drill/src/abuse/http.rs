//! The drill's HTTP clients: [`client`] builds one bound to a source address (victim and
//! attacker each have their own), with a timeout and a redirect policy.

use std::net::IpAddr;
use std::time::Duration;

/// A client from `source` that gives up after `timeout` and follows redirects or not.
///
/// # Errors
/// When the client cannot be built.
pub fn client(source: IpAddr, timeout: Duration, follow: bool) -> anyhow::Result<reqwest::Client> {
    let redirects = if follow {
        reqwest::redirect::Policy::limited(3)
    } else {
        reqwest::redirect::Policy::none()
    };
    Ok(reqwest::Client::builder()
        .local_address(source)
        .timeout(timeout)
        .redirect(redirects)
        .build()?)
}
