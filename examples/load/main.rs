//! Load generator: N virtual browsers (tokio tasks, each with its own cookie jar)
//! run complete OpenID Connect flows against a provider for a fixed time, and
//! report flows/s, latency percentiles, errors, the server's CPU time and peak
//! RSS (from /proc, for `--server-pid`) and the generator's own CPU time.
//!
//! It drives any provider that serves discovery and HTML login forms with inputs
//! named `username`, `password` (and `code` for TOTP): Portcullis and the
//! node-oidc-provider comparison server in `scripts/bench/`. `make bench` runs it.
//!
//! ```sh
//! cargo run --release --example load -- run --issuer http://127.0.0.1:18080 \
//!     --client-id ID --client-secret S --users users.tsv --scenario sso
//! cargo run --release --example load -- report results.jsonl
//! ```

mod browser;
mod flows;
mod procstat;
mod report;
mod run;
mod users;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "load", about = "Drives complete OIDC flows against a provider")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scenario {
    /// Discovery document and JWKS.
    Metadata,
    /// Authorization with a live session → code → token, ID token verified.
    Sso,
    /// A new browser each time: login form, password, code, token.
    Password,
    /// Password and a TOTP code (step-up to `--acr`).
    Totp,
    /// Refresh grant with a refresh token from one sign-in (rotated each time).
    Refresh,
}

#[derive(clap::Args, Clone)]
pub struct RunArgs {
    /// The provider's issuer; endpoints come from its discovery document.
    #[arg(long)]
    issuer: url::Url,
    #[arg(long)]
    client_id: String,
    /// Secrets are base64url and may start with `-`.
    #[arg(long, allow_hyphen_values = true)]
    client_secret: String,
    #[arg(long, default_value = "http://127.0.0.1:9/callback")]
    redirect_uri: String,
    #[arg(long, value_enum)]
    scenario: Scenario,
    /// Concurrent virtual browsers.
    #[arg(long, default_value_t = 32)]
    browsers: usize,
    /// Measured seconds.
    #[arg(long, default_value_t = 15)]
    duration: u64,
    /// Seconds of load before measuring.
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Pause of each browser between two flows (0: closed loop, as fast as answered).
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Users file: username, password, TOTP seed (base32 or -), tab-separated.
    #[arg(long)]
    users: Option<PathBuf>,
    /// acr_values for the TOTP scenario.
    #[arg(long, default_value = "mfa")]
    acr: String,
    /// Processes whose CPU time and peak RSS are reported (repeatable).
    #[arg(long = "server-pid")]
    server_pids: Vec<String>,
    /// Name of the server in the report, e.g. `portcullis-memory`.
    #[arg(long, default_value = "server")]
    server: String,
    /// Appends the result as one JSON line.
    #[arg(long)]
    results: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one scenario and print (and optionally append) its figures.
    Run(Box<RunArgs>),
    /// Record the resident memory of idle server processes.
    Idle {
        #[arg(long = "server-pid", required = true)]
        server_pids: Vec<String>,
        #[arg(long)]
        server: String,
        #[arg(long)]
        results: Option<PathBuf>,
    },
    /// Time one argon2id verification with Portcullis's parameters: the bound
    /// of a password flow on one core.
    Argon2 {
        #[arg(long, default_value_t = 30)]
        iterations: u32,
        #[arg(long)]
        results: Option<PathBuf>,
    },
    /// Print the side-by-side table of a results file.
    Report {
        results: PathBuf,
        /// Free text printed above the table (machine, pinning).
        #[arg(long)]
        note: Vec<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.cmd {
        Cmd::Run(args) => {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            let result = rt.block_on(run::run(*args.clone()))?;
            report::print_run(&result);
            report::append(args.results.as_deref(), &report::Record::Run(result))
        }
        Cmd::Idle {
            server_pids,
            server,
            results,
        } => {
            let procs = procstat::Procs::new(&server_pids).resident_kb()?;
            let rec = report::Record::Idle(report::Idle { server, procs });
            report::print_record(&rec);
            report::append(results.as_deref(), &rec)
        }
        Cmd::Argon2 {
            iterations,
            results,
        } => {
            let rec = report::Record::Argon2(run::argon2_bound(iterations)?);
            report::print_record(&rec);
            report::append(results.as_deref(), &rec)
        }
        Cmd::Report { results, note } => report::table(&results, &note),
    }
}
