//! `portcullis upstream …`: upstream identity providers.

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use crate::config::Settings;
use crate::upstream::explain;

#[derive(Subcommand)]
pub enum UpstreamCmd {
    /// Dry run: the level and groups a sign-in with these upstream ID-token
    /// claims (a JSON file) would give.
    Explain {
        /// The upstream's id.
        #[arg(long)]
        upstream: String,
        /// A JSON file of the upstream ID token's claims.
        #[arg(long)]
        claims: PathBuf,
    },
}

pub fn run(settings: &Settings, cmd: UpstreamCmd) -> anyhow::Result<()> {
    match cmd {
        UpstreamCmd::Explain { upstream, claims } => {
            let bytes = std::fs::read(&claims)
                .with_context(|| format!("cannot read {}", claims.display()))?;
            let out = explain::explain(settings, &upstream, &bytes)?;
            println!("{}", serde_json::to_string(&out)?);
            Ok(())
        }
    }
}
