//! Results as JSON lines (one per run) and the side-by-side table.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::procstat::ProcInfo;
use crate::{RunArgs, Scenario};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunResult {
    pub server: String,
    pub scenario: Scenario,
    pub browsers: usize,
    pub think_ms: u64,
    pub duration_s: f64,
    pub flows: u64,
    pub errors: u64,
    pub flows_per_s: f64,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    /// Sum over the server processes (e.g. Portcullis and its Redis).
    pub server_cpu_s: f64,
    pub server_cpu_ms_per_flow: f64,
    pub server_peak_rss_kb: u64,
    pub procs: Vec<ProcInfo>,
    pub driver_cpu_s: f64,
    pub totp_waits: u64,
    pub error_samples: Vec<(String, u64)>,
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

impl RunResult {
    pub fn new(
        args: &RunArgs,
        mut micros: Vec<u32>,
        errors: HashMap<String, u64>,
        procs: Vec<ProcInfo>,
        driver_cpu_s: f64,
        totp_waits: u64,
    ) -> Self {
        micros.sort_unstable();
        let flows = micros.len() as u64;
        let duration_s = args.duration as f64;
        let server_cpu_s: f64 = procs.iter().map(|p| p.cpu_s).sum();
        let mut error_samples: Vec<(String, u64)> = errors.into_iter().collect();
        error_samples.sort_by_key(|e| std::cmp::Reverse(e.1));
        let error_count = error_samples.iter().map(|e| e.1).sum();
        error_samples.truncate(5);
        Self {
            server: args.server.clone(),
            scenario: args.scenario,
            browsers: args.browsers,
            think_ms: args.think_ms,
            duration_s,
            flows,
            errors: error_count,
            flows_per_s: flows as f64 / duration_s,
            p50_ms: percentile(&micros, 50.0),
            p95_ms: percentile(&micros, 95.0),
            p99_ms: percentile(&micros, 99.0),
            max_ms: micros.last().map(|m| f64::from(*m) / 1000.0).unwrap_or(0.0),
            server_cpu_s,
            server_cpu_ms_per_flow: if flows > 0 {
                server_cpu_s * 1000.0 / flows as f64
            } else {
                0.0
            },
            server_peak_rss_kb: procs.iter().map(|p| p.peak_rss_kb).sum(),
            procs,
            driver_cpu_s,
            totp_waits,
            error_samples,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Idle {
    pub server: String,
    pub procs: Vec<(String, u64)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Argon2 {
    pub params: String,
    /// CPU time of the timing thread per verification (its on-CPU time from
    /// `/proc/thread-self/schedstat`): the same kind of figure as the server's
    /// CPU per flow, so time the core spent elsewhere counts in neither.
    pub ms_per_verify: f64,
    /// Wall-clock time per verification, for comparison.
    #[serde(default)]
    pub wall_ms_per_verify: f64,
    pub iterations: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Record {
    Run(RunResult),
    Idle(Idle),
    Argon2(Argon2),
}

pub fn append(path: Option<&Path>, rec: &Record) -> anyhow::Result<()> {
    let Some(path) = path else { return Ok(()) };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)?;
    writeln!(f, "{}", serde_json::to_string(rec)?)?;
    Ok(())
}

pub fn print_run(r: &RunResult) {
    let procs: Vec<String> = r
        .procs
        .iter()
        .map(|p| {
            format!(
                "{} {:.2}s peak {} MB",
                p.name,
                p.cpu_s,
                p.peak_rss_kb / 1024
            )
        })
        .collect();
    println!(
        "{:<20} {:<9} {:>3} browsers: {:>8.1} flows/s  p50 {:.2} ms  p95 {:.2} ms  p99 {:.2} ms  errors {}  server CPU {:.3} ms/flow [{}]  driver CPU {:.2}s{}",
        r.server,
        format!("{:?}", r.scenario).to_lowercase(),
        r.browsers,
        r.flows_per_s,
        r.p50_ms,
        r.p95_ms,
        r.p99_ms,
        r.errors,
        r.server_cpu_ms_per_flow,
        procs.join(", "),
        r.driver_cpu_s,
        if r.totp_waits > 0 {
            format!("  TOTP waits {}", r.totp_waits)
        } else {
            String::new()
        }
    );
    for (e, n) in &r.error_samples {
        println!("    {n} × {e}");
    }
}

pub fn print_record(rec: &Record) {
    match rec {
        Record::Run(r) => print_run(r),
        Record::Idle(i) => {
            let p: Vec<String> = i
                .procs
                .iter()
                .map(|(n, kb)| format!("{n} {:.1} MB", *kb as f64 / 1024.0))
                .collect();
            println!("{:<20} idle RSS: {}", i.server, p.join(", "));
        }
        Record::Argon2(a) => println!(
            "argon2id ({}): {:.2} ms of CPU per verification ({:.2} ms wall), bound {:.1} password flows/s per core",
            a.params,
            a.ms_per_verify,
            a.wall_ms_per_verify,
            1000.0 / a.ms_per_verify
        ),
    }
}

fn argon2_of(rec: &Record) -> Option<&Argon2> {
    match rec {
        Record::Argon2(a) => Some(a),
        _ => None,
    }
}

fn read(path: &Path) -> anyhow::Result<Vec<Record>> {
    let text = std::fs::read_to_string(path)?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| Ok(serde_json::from_str(l)?))
        .collect()
}

fn ratio(a: f64, b: f64) -> String {
    if a > 0.0 && b > 0.0 {
        format!("{:.2}×", a / b)
    } else {
        "–".into()
    }
}

/// One table: every run grouped by scenario, then the ratio of the first
/// Portcullis run to the node-oidc-provider one with the same ID-token algorithm
/// (throughput, server CPU per flow, p99).
pub fn table(path: &Path, notes: &[String]) -> anyhow::Result<()> {
    let records = read(path)?;
    for n in notes {
        println!("{n}");
    }
    let runs: Vec<&RunResult> = records
        .iter()
        .filter_map(|r| match r {
            Record::Run(r) => Some(r),
            _ => None,
        })
        .collect();
    println!(
        "\n| scenario | server | browsers | flows/s | p50 ms | p95 ms | p99 ms | errors | server CPU ms/flow | server peak RSS MB | driver CPU s |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut scenarios: Vec<Scenario> = Vec::new();
    for r in &runs {
        if !scenarios.contains(&r.scenario) {
            scenarios.push(r.scenario);
        }
    }
    for s in scenarios {
        let rows: Vec<&RunResult> = runs.iter().copied().filter(|r| r.scenario == s).collect();
        for r in &rows {
            println!(
                "| {} | {} | {}{} | {:.1} | {:.2} | {:.2} | {:.2} | {} | {:.3} | {:.1} | {:.2} |",
                format!("{s:?}").to_lowercase(),
                r.server,
                r.browsers,
                if r.think_ms > 0 {
                    format!(" (think {} ms)", r.think_ms)
                } else {
                    String::new()
                },
                r.flows_per_s,
                r.p50_ms,
                r.p95_ms,
                r.p99_ms,
                r.errors,
                r.server_cpu_ms_per_flow,
                r.server_peak_rss_kb as f64 / 1024.0,
                r.driver_cpu_s
            );
        }
        // Runs whose server name ends in `-es256` sign ES256 ID tokens; each
        // Portcullis run is compared with the node run that signs the same way.
        let closed = |node: bool, es256: bool| {
            rows.iter().find(|r| {
                r.think_ms == 0
                    && r.server.contains("node") == node
                    && r.server.ends_with("-es256") == es256
            })
        };
        for es256 in [false, true] {
            let (Some(o), Some(n)) = (closed(false, es256), closed(true, es256)) else {
                continue;
            };
            println!(
                "| {} | **ratio {} / {}** | | **{}** | | | **{}** (node/ours) | | **{}** (node/ours) | | |",
                format!("{s:?}").to_lowercase(),
                o.server,
                n.server,
                ratio(o.flows_per_s, n.flows_per_s),
                ratio(n.p99_ms, o.p99_ms),
                ratio(n.server_cpu_ms_per_flow, o.server_cpu_ms_per_flow),
            );
        }
    }
    println!();
    // Each password run is compared with the argon2id timings taken on the
    // same core just before and just after it (their mean), so that the
    // machine's drift during the run falls on both sides of the ratio.
    let mut shares: Vec<(&str, PasswordShare)> = Vec::new();
    for (i, rec) in records.iter().enumerate() {
        match rec {
            Record::Idle(_) | Record::Argon2(_) => print_record(rec),
            Record::Run(r) if r.scenario == Scenario::Password && !r.server.contains("node") => {
                let before = records[..i].iter().rev().find_map(argon2_of);
                let after = records[i + 1..]
                    .iter()
                    .take_while(|r| !matches!(r, Record::Run(_)))
                    .find_map(argon2_of);
                let ms = match (before, after) {
                    (Some(b), Some(a)) => (b.ms_per_verify + a.ms_per_verify) / 2.0,
                    (Some(one), None) | (None, Some(one)) => one.ms_per_verify,
                    (None, None) => continue,
                };
                println!(
                    "  {}: password flow {:.1} flows/s = {:.0}% of the bound; server CPU {:.2} ms/flow = {:.0}% of one hash ({:.2} ms, the mean of the timings before and after)",
                    r.server,
                    r.flows_per_s,
                    r.flows_per_s * ms / 10.0,
                    r.server_cpu_ms_per_flow,
                    r.server_cpu_ms_per_flow / ms * 100.0,
                    ms
                );
                let hash_s: f64 = r.procs.iter().map(|p| p.hash_cpu_s).sum();
                let mut share = PasswordShare {
                    flow: r.server_cpu_ms_per_flow / ms * 100.0,
                    hash: None,
                };
                if hash_s > 0.0 && r.flows > 0 {
                    let hash_ms = hash_s * 1000.0 / r.flows as f64;
                    let (of_hash, rest) =
                        (hash_ms / ms * 100.0, r.server_cpu_ms_per_flow - hash_ms);
                    println!(
                        "    of which the verification threads {hash_ms:.2} ms/flow ({of_hash:.0}% of the timed hash) and everything else {rest:.2} ms/flow"
                    );
                    share.hash = Some((of_hash, rest));
                }
                shares.push((&r.server, share));
            }
            Record::Run(_) => {}
        }
    }
    for line in password_medians(&shares) {
        println!("{line}");
    }
    Ok(())
}

/// One password run against the timed hash: the whole flow's server CPU in
/// percent of it, and, where the verification threads were read, their share
/// in percent and the rest of the flow in ms.
struct PasswordShare {
    flow: f64,
    hash: Option<(f64, f64)>,
}

/// A line per server with two password runs or more: the median of its runs,
/// and each run.
fn password_medians(shares: &[(&str, PasswordShare)]) -> Vec<String> {
    let mut lines = Vec::new();
    let mut servers: Vec<&str> = Vec::new();
    for (s, _) in shares {
        if !servers.contains(s) {
            servers.push(s);
        }
    }
    for server in servers {
        let runs: Vec<&PasswordShare> = shares
            .iter()
            .filter(|(s, _)| *s == server)
            .map(|(_, p)| p)
            .collect();
        if runs.len() < 2 {
            continue;
        }
        let flow: Vec<f64> = runs.iter().map(|p| p.flow).collect();
        let list: Vec<String> = flow.iter().map(|f| format!("{f:.0}%")).collect();
        let mut line = format!(
            "  {server}: median of {} password runs: {:.0}% of one hash (each: {})",
            runs.len(),
            median(&flow),
            list.join(", ")
        );
        let hash: Vec<f64> = runs.iter().filter_map(|p| p.hash.map(|h| h.0)).collect();
        let rest: Vec<f64> = runs.iter().filter_map(|p| p.hash.map(|h| h.1)).collect();
        if hash.len() == runs.len() {
            line.push_str(&format!(
                "; verification threads {:.0}%, everything else {:.2} ms/flow",
                median(&hash),
                median(&rest)
            ));
        }
        lines.push(line);
    }
    lines
}

/// The middle value (the mean of the two middle ones for an even count).
fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        return f64::NAN;
    }
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn share(flow: f64, hash: f64, rest: f64) -> PasswordShare {
        PasswordShare {
            flow,
            hash: Some((hash, rest)),
        }
    }

    #[test]
    fn the_median_is_the_middle_run() {
        assert_eq!(median(&[121.0, 98.0, 113.0]), 113.0);
        assert_eq!(median(&[104.0, 108.0]), 106.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn each_server_with_several_password_runs_gets_its_median() {
        let shares = [
            ("portcullis-memory", share(122.0, 107.0, 2.1)),
            ("portcullis-memory", share(113.0, 99.0, 1.9)),
            ("portcullis-memory", share(98.0, 90.0, 2.0)),
            ("portcullis-redis", share(125.0, 108.0, 2.4)),
        ];
        assert_eq!(
            password_medians(&shares),
            [
                "  portcullis-memory: median of 3 password runs: 113% of one hash \
              (each: 122%, 113%, 98%); verification threads 99%, everything else 2.00 ms/flow"
            ]
        );
    }
}
