//! `picsum-drill`: runs the soak or the chaos drill and writes its report.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, Subcommand};
use picsum_drill::deployment::Shape;
use picsum_drill::{chaos, soak};

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
    };
    println!("{report}");
    if let Some(out) = args.out {
        std::fs::write(out, &report)?;
    }
    verdict.map_err(anyhow::Error::msg)
}
