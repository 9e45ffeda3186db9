//! `picsum-fuzz`: runs generated requests against a running image service and fails when an
//! answer breaks the rules, a request goes unanswered, or the process outgrows its budget.

use clap::Parser;

/// Black-box fuzzing of a running image service.
#[derive(Debug, Parser)]
struct Args {
    /// The service: `http://127.0.0.1:8081`.
    #[arg(long)]
    base: String,
    /// Its process id, to sample its resident memory.
    #[arg(long)]
    pid: Option<u32>,
    /// Requests in all.
    #[arg(long, default_value_t = 1_000_000)]
    requests: u64,
    /// Requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// The service's `IMAGE_HMAC_KEY` (valid signed requests are mixed in).
    #[arg(long, env = "IMAGE_HMAC_KEY", hide_env_values = true)]
    key: String,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Largest resident memory allowed, in MiB.
    #[arg(long, default_value_t = 1024)]
    max_rss_mib: u64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let report = picsum_fuzz::run(picsum_fuzz::Plan {
        base: args.base,
        pid: args.pid,
        requests: args.requests,
        concurrency: args.concurrency,
        key: args.key,
        seed: args.seed,
    })
    .await?;
    let rate = args.requests as f64 / report.elapsed.as_secs_f64().max(1e-9);
    println!(
        "{} requests in {:.1} s ({rate:.0}/s), peak RSS {} MiB",
        args.requests,
        report.elapsed.as_secs_f64(),
        report.peak_rss >> 20
    );
    for (status, n) in &report.statuses {
        println!("  {status}: {n}");
    }
    println!(
        "  unanswered: {}, violating: {}",
        report.unanswered, report.violating
    );
    for (status, req) in &report.violations {
        println!("  {status} for {req}");
    }
    anyhow::ensure!(
        report.violating == 0,
        "{} answers broke the rules",
        report.violating
    );
    anyhow::ensure!(
        report.unanswered == 0,
        "{} requests got no answer",
        report.unanswered
    );
    anyhow::ensure!(
        report.peak_rss >> 20 <= args.max_rss_mib,
        "peak RSS {} MiB is over {} MiB",
        report.peak_rss >> 20,
        args.max_rss_mib
    );
    if let Some(pid) = args.pid {
        anyhow::ensure!(
            picsum_testkit::rss::resident(pid) > 0,
            "the service is gone"
        );
    }
    Ok(())
}
