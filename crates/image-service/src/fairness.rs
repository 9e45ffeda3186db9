//! Settings of each client's fair share of the service (flattened into
//! [`crate::config::ImageConfig`]): render CPU per window, workers and queue places, the
//! largest request, bytes held for a client's answers, the slowest reader kept, and bytes
//! written per hour. A client is its API key, else its address after the trusted proxies
//! (IPv6 by its /64).

use std::collections::HashMap;
use std::time::Duration;

use picsum_image_core::pool::PoolSettings;
use picsum_image_core::shares::ShareSettings;
use picsum_web::send_floor::SendFloor;

/// Every client's share.
#[derive(Debug, Clone, clap::Args)]
pub struct FairConfig {
    /// CPU-seconds of rendering one client may use per window (`IMAGE_CLIENT_CPU_WINDOW_SECONDS`);
    /// past it, renders answer 429 with `Retry-After` (cache hits are still served). 0: unlimited.
    #[arg(long, env = "IMAGE_CLIENT_CPU_SECONDS", default_value_t = 30)]
    pub client_cpu_seconds: u64,
    /// The window a client's CPU budget refills over, in seconds.
    #[arg(long, env = "IMAGE_CLIENT_CPU_WINDOW_SECONDS", default_value_t = 300)]
    pub client_cpu_window_seconds: u64,
    /// API keys with CPU budgets of their own: `key=seconds` pairs, comma-separated (0:
    /// unlimited), per the same window.
    #[arg(long, env = "IMAGE_CLIENT_CPU_KEYS", default_value = "", value_parser = parse_key_budgets, hide_env_values = true)]
    pub client_cpu_keys: KeyBudgets,
    /// Render workers one client may occupy at once. 0: half of `IMAGE_WORKERS` (at least one).
    #[arg(long, env = "IMAGE_CLIENT_WORKERS", default_value_t = 0)]
    pub client_workers: usize,
    /// Renders one client may have waiting (429 past it). 0: a quarter of `IMAGE_QUEUE_SIZE`.
    #[arg(long, env = "IMAGE_CLIENT_QUEUE", default_value_t = 0)]
    pub client_queue: usize,
    /// Most CPU one request is estimated to cost, in milliseconds (400 above): Picsum's
    /// dearest answer, a 5000×5000 WebP with blur, is about 5,000.
    #[arg(long, env = "IMAGE_MAX_REQUEST_CPU_MS", default_value_t = 20_000)]
    pub max_request_cpu_ms: u64,
    /// Bytes one client's answers (256 KiB and more), uploads and remote sources may hold
    /// of `IMAGE_MAX_HELD_BYTES`, each answer counted (429 with `Retry-After` past it; a
    /// client holding nothing may take one hold of any size). 0: an eighth of it.
    #[arg(long, env = "IMAGE_CLIENT_HELD_BYTES", default_value_t = 0)]
    pub client_held_bytes: u64,
    /// Slowest reader kept, in bytes per second: a connection whose writes stay blocked for
    /// `IMAGE_MIN_SEND_WINDOW_MS` with fewer bytes taken is closed. 0: no floor.
    #[arg(long, env = "IMAGE_MIN_SEND_RATE_BYTES", default_value_t = 8 << 10)]
    pub min_send_rate_bytes: u64,
    /// The blocked time the send rate is measured over, in milliseconds.
    #[arg(long, env = "IMAGE_MIN_SEND_WINDOW_MS", default_value_t = 10_000)]
    pub min_send_window_ms: u64,
}

/// `IMAGE_CLIENT_CPU_KEYS`, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyBudgets(pub HashMap<String, Duration>);

fn parse_key_budgets(s: &str) -> Result<KeyBudgets, String> {
    s.split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (key, seconds) = pair
                .split_once('=')
                .ok_or_else(|| "expected key=seconds".to_owned())?;
            let seconds = seconds
                .trim()
                .parse::<u64>()
                .map_err(|_| format!("{seconds}: not a whole number of seconds"))?;
            Ok((key.trim().to_owned(), Duration::from_secs(seconds)))
        })
        .collect::<Result<_, String>>()
        .map(KeyBudgets)
}

impl FairConfig {
    /// Bytes one client may hold of `max_held_bytes`: `IMAGE_CLIENT_HELD_BYTES`, or an
    /// eighth of it.
    #[must_use]
    pub fn client_held_bytes(&self, max_held_bytes: u64) -> u64 {
        match self.client_held_bytes {
            0 => max_held_bytes / 8,
            bytes => bytes,
        }
    }

    /// The slowest reader the public listener keeps.
    #[must_use]
    pub fn send_floor(&self) -> SendFloor {
        SendFloor {
            bytes_per_second: self.min_send_rate_bytes,
            window: Duration::from_millis(self.min_send_window_ms),
        }
    }

    /// The render pool's shape (`workers`, `queue_size` places) and every client's share
    /// of it.
    #[must_use]
    pub fn pool_settings(&self, workers: usize, queue_size: usize) -> PoolSettings {
        let mut pool = PoolSettings::new(workers, queue_size);
        if self.client_workers > 0 {
            pool.workers_per_client = self.client_workers;
        }
        if self.client_queue > 0 {
            pool.queue_per_client = self.client_queue;
        }
        pool.shares = ShareSettings {
            cpu: Duration::from_secs(self.client_cpu_seconds),
            window: Duration::from_secs(self.client_cpu_window_seconds),
            per_key: self.client_cpu_keys.0.clone(),
        };
        pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ImageConfig;

    #[test]
    fn key_budgets_parse_and_bad_ones_are_named() {
        let parsed = parse_key_budgets(" alpha=600, beta=0 ,").unwrap();
        assert_eq!(parsed.0.get("alpha"), Some(&Duration::from_secs(600)));
        assert_eq!(parsed.0.get("beta"), Some(&Duration::ZERO));
        assert!(parse_key_budgets("alpha").is_err());
        assert!(parse_key_budgets("alpha=1.5").unwrap_err().contains("1.5"));
    }

    #[test]
    fn defaults_give_a_client_half_the_workers_and_a_quarter_of_the_queue() {
        let config = ImageConfig::from_env().unwrap();
        let pool = config
            .fair
            .pool_settings(usize::from(config.workers), config.queue_size);
        assert_eq!(
            pool.workers_per_client,
            usize::from(config.workers / 2).max(1)
        );
        assert_eq!(pool.queue_per_client, config.queue_size / 4);
        assert_eq!(pool.shares.cpu, Duration::from_secs(30));
    }

    #[test]
    fn a_client_holds_an_eighth_by_default_and_the_floor_is_8_kib_per_10_s() {
        let mut fair = ImageConfig::from_env().unwrap().fair;
        assert_eq!(fair.client_held_bytes(128 << 20), 16 << 20);
        fair.client_held_bytes = 1 << 20;
        assert_eq!(fair.client_held_bytes(128 << 20), 1 << 20);
        assert_eq!(fair.send_floor(), SendFloor::default());
    }
}
