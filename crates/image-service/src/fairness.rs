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
    /// Queueing delay, in milliseconds, above which (sustained for as long) the render queue
    /// refuses new work with 503 and Retry-After until the backlog drains. Bursts that drain
    /// are never refused, but a steady load whose renders take longer than this is: set it
    /// well above the slowest render's time (a 2000-px cover from an original takes about
    /// 0.5 s of a worker). 0 (the default): only `IMAGE_QUEUE_SIZE` bounds the queue.
    #[arg(long, env = "IMAGE_QUEUE_TARGET_WAIT_MS", default_value_t = 0)]
    pub queue_target_wait_ms: u64,
    /// Most CPU one request is estimated to cost, in milliseconds (400 above): Picsum's
    /// dearest answer, a 5000×5000 WebP with blur, is about 5,000.
    #[arg(long, env = "IMAGE_MAX_REQUEST_CPU_MS", default_value_t = 20_000)]
    pub max_request_cpu_ms: u64,
    /// Bytes written for one client per hour: picfit's `/get` and `/redirect` derivatives
    /// and uploads. Past it, 429 with `Retry-After` and nothing written. 0: unlimited. At
    /// most what requests may fill of the derived store (clamped at start-up, with a warning).
    #[arg(long, env = "IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", default_value_t = 256 << 20)]
    pub client_write_bytes_per_hour: u64,
    /// Bytes of the derived store's quota kept for ladders: requests fill it only up to
    /// `IMAGE_DERIVED_MAX_BYTES` less this. 0: a tenth of it (none when ladders are off).
    #[arg(long, env = "IMAGE_LADDER_RESERVE_BYTES", default_value_t = 0)]
    pub ladder_reserve_bytes: u64,
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

/// How the bytes written are shared out: the derived store's reserve for ladders and what
/// one client may have written per hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteShares {
    /// Bytes of the derived store's quota only ladders may use.
    pub reserve: u64,
    /// Bytes one client may have written per hour (0: unlimited).
    pub per_client: u64,
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

    /// The shape of a render pool of `workers` and `queue_size` places, and every client's
    /// share of it.
    #[must_use]
    pub fn pool_settings(&self, workers: u16, queue_size: usize) -> PoolSettings {
        let mut pool = PoolSettings::new(usize::from(workers), queue_size);
        if self.client_workers > 0 {
            pool.workers_per_client = self.client_workers;
        }
        if self.client_queue > 0 {
            pool.queue_per_client = self.client_queue;
        }
        pool.target_wait =
            Some(Duration::from_millis(self.queue_target_wait_ms)).filter(|t| !t.is_zero());
        pool.shares = ShareSettings {
            cpu: Duration::from_secs(self.client_cpu_seconds),
            window: Duration::from_secs(self.client_cpu_window_seconds),
            per_key: self.client_cpu_keys.0.clone(),
        };
        pool
    }

    /// The write shares of a derived store of `derived_max` bytes: the reserve is
    /// `IMAGE_LADDER_RESERVE_BYTES`, a tenth of the store when 0, none without `ladders`;
    /// a client's quota is `IMAGE_CLIENT_WRITE_BYTES_PER_HOUR`, clamped to what requests
    /// may fill of the store, so that no client alone can fill it.
    #[must_use]
    pub fn write_shares(&self, derived_max: u64, ladders: bool) -> WriteShares {
        let reserve = match self.ladder_reserve_bytes {
            _ if !ladders => 0,
            0 => derived_max / 10,
            reserve => reserve,
        };
        let usable = derived_max.saturating_sub(reserve);
        let per_client = match self.client_write_bytes_per_hour {
            0 => 0,
            quota if usable == 0 => quota,
            quota => quota.min(usable),
        };
        WriteShares {
            reserve,
            per_client,
        }
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
        let defaults = ImageConfig::from_env().unwrap();
        let pool = defaults
            .fair
            .pool_settings(defaults.workers, defaults.queue_size);
        assert_eq!(
            pool.workers_per_client,
            usize::from(defaults.workers / 2).max(1)
        );
        assert_eq!(pool.queue_per_client, defaults.queue_size / 4);
        assert_eq!(pool.shares.cpu, Duration::from_secs(30));
        assert_eq!(pool.target_wait, None);
        let on = config(&[("IMAGE_QUEUE_TARGET_WAIT_MS", "2000")]);
        assert_eq!(
            on.fair.pool_settings(2, 8).target_wait,
            Some(Duration::from_secs(2))
        );
    }

    fn config(pairs: &[(&str, &str)]) -> ImageConfig {
        let values = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        picsum_web::config::parse_layered(
            vec!["picsum-image-service".into()],
            Some((std::path::Path::new("test"), values)),
        )
        .unwrap()
    }

    #[test]
    fn ladders_keep_a_tenth_of_the_derived_store_unless_told_otherwise() {
        let shares = |pairs: &[(&str, &str)]| {
            let c = config(pairs);
            c.fair.write_shares(c.derived_max_bytes, c.ladders)
        };
        let defaults = shares(&[]);
        assert_eq!(defaults.reserve, 1 << 30);
        assert_eq!(defaults.per_client, 256 << 20);
        assert_eq!(
            shares(&[("IMAGE_LADDER_RESERVE_BYTES", "5000")]).reserve,
            5000
        );
        assert_eq!(shares(&[("IMAGE_LADDERS", "false")]).reserve, 0);
    }

    #[test]
    fn a_client_write_quota_past_what_requests_may_fill_is_clamped() {
        let fair = |per_hour: &str| {
            let c = config(&[("IMAGE_CLIENT_WRITE_BYTES_PER_HOUR", per_hour)]);
            c.fair.write_shares(20_000, true).per_client
        };
        assert_eq!(fair("1000000"), 18_000);
        assert_eq!(fair("0"), 0, "unlimited stays unlimited");
        assert_eq!(fair("1000"), 1000);
        // A store nobody may fill leaves the quota (for uploads) as it is.
        let c = config(&[]);
        assert_eq!(c.fair.write_shares(0, true).per_client, 256 << 20);
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
