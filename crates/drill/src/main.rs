//! `picsum-drill`: runs the soak, the chaos or the noisy-neighbour (abuse) drill and
//! writes its report.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use picsum_drill::deployment::Shape;
use picsum_drill::{abuse, chaos, soak};

/// Drills on a whole local deployment of picsum-rs.
#[derive(Debug, Parser)]
struct Args {
    /// Where the release binaries are.
    #[arg(long, default_value = "target/release")]
    bin_dir: PathBuf,
    /// The gallery's manifest (photos beside it).
    #[arg(long, default_value = "gallery/manifest.json")]
    manifest: PathBuf,
    /// Render workers per image-service replica.
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Clients sending requests at once.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Also write the report here.
    #[arg(long)]
    out: Option<PathBuf>,
    #[command(subcommand)]
    drill: Drill,
}

#[derive(Debug, Subcommand)]
enum Drill {
    /// Steady load, memory sampled every second.
    Soak {
        /// Seconds of load.
        #[arg(long, default_value_t = 1800)]
        seconds: u64,
    },
    /// Faults under load, two replicas of each service behind HAProxy.
    Chaos {
        /// Seconds each part stays down.
        #[arg(long, default_value_t = 5)]
        down: u64,
        /// Seconds of steady load before the first fault and after each.
        #[arg(long, default_value_t = 5)]
        settle: u64,
    },
    /// A hostile client next to an ordinary one, on one API and one image service with
    /// their default settings (a third of the time unloaded, then under attack).
    Abuse {
        /// Seconds in all.
        #[arg(long, default_value_t = 30)]
        seconds: u64,
        /// How much the store may grow from the attacker's writes, in bytes: the image
        /// service's default `IMAGE_CLIENT_WRITE_BYTES_PER_HOUR`.
        #[arg(long, default_value_t = 256 << 20)]
        write_quota_bytes: u64,
        /// Victim workers.
        #[arg(long, default_value_t = 4)]
        victims: usize,
        /// Attacker workers (half render, a quarter write, a quarter read slowly).
        #[arg(long, default_value_t = 32)]
        attackers: usize,
        /// Turn on picfit with anonymous writes and attack with `/get` (false: the
        /// image service exactly as it starts by default).
        #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
        writes: bool,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let shape = |replicas| Shape {
        bin_dir: args.bin_dir.clone(),
        manifest: args.manifest.clone(),
        replicas,
        workers: args.workers,
    };
    let (report, verdict) = match args.drill {
        Drill::Soak { seconds } => {
            let plan = soak::Plan {
                shape: shape(1),
                duration: Duration::from_secs(seconds),
                clients: args.clients,
            };
            let report = soak::run(&plan).await?;
            (report.markdown(), report.verdict())
        }
        Drill::Chaos { down, settle } => {
            let plan = chaos::Plan {
                shape: shape(2),
                down: Duration::from_secs(down),
                settle: Duration::from_secs(settle),
                clients: args.clients,
            };
            let report = chaos::run(&plan).await?;
            let verdict = if report.lost.is_empty() {
                Ok(())
            } else {
                Err(format!("lost: {}", report.lost.join(", ")))
            };
            (report.markdown(), verdict)
        }
        Drill::Abuse {
            seconds,
            write_quota_bytes,
            victims,
            attackers,
            writes,
        } => {
            let plan = abuse::Plan {
                bin_dir: args.bin_dir.clone(),
                manifest: args.manifest.clone(),
                duration: Duration::from_secs(seconds),
                victims,
                attackers,
                writes,
                write_quota: write_quota_bytes,
            };
            let report = abuse::run(&plan).await?;
            let failures = report.failures();
            (
                report.markdown(),
                failures.is_empty().then_some(()).ok_or(failures.join("; ")),
            )
        }
    };
    println!("{report}");
    if let Some(out) = args.out {
        std::fs::write(out, &report)?;
    }
    verdict.map_err(anyhow::Error::msg)
}
