//! Memory under a flood of anonymous authorization requests (not a test: the
//! figures depend on the machine). Starts the release `portcullis` binary with
//! the embedded store, registers a client, fires authorization requests that
//! each leave a pending request (15 minutes) without signing in, and reports the
//! server's resident memory before and after, from `/proc/<pid>/status`.
//!
//! ```sh
//! make bench-store                      # both runs in docs/performance.md
//! cargo build --release --bin portcullis --example store_flood
//! target/release/examples/store_flood --requests 300000 [--max-entries N] [--max-bytes N]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

struct Args {
    requests: usize,
    max_entries: Option<usize>,
    max_bytes: Option<usize>,
    concurrency: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        requests: 300_000,
        max_entries: None,
        max_bytes: None,
        concurrency: 32,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let value: usize = it.next().context("a value after each flag")?.parse()?;
        match flag.as_str() {
            "--requests" => a.requests = value,
            "--max-entries" => a.max_entries = Some(value),
            "--max-bytes" => a.max_bytes = Some(value),
            "--concurrency" => a.concurrency = value,
            other => bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// The server binary built next to this example (`target/release/portcullis`).
fn server_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .context("no target dir")?;
    let bin = dir.join("portcullis");
    if !bin.exists() {
        bail!(
            "{} is missing: cargo build --release --bin portcullis",
            bin.display()
        );
    }
    Ok(bin)
}

fn status_kb(pid: u32, key: &str) -> u64 {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = args()?;
    let bin = server_binary()?;
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let issuer = format!("http://127.0.0.1:{port}");
    let config = dir.path().join("portcullis.toml");
    let mut toml = format!(
        "issuer = \"{issuer}\"\n[server]\nbind = \"127.0.0.1:{port}\"\n[database]\nurl = \"sqlite://{d}/p.db?mode=rwc\"\n[keys]\ndir = \"{d}/keys\"\n[mail]\noutbox_dir = \"{d}/outbox\"\n",
        d = dir.path().display()
    );
    toml.push_str("[store]\n");
    if let Some(m) = args.max_entries {
        toml.push_str(&format!("max_entries = {m}\n"));
    }
    if let Some(m) = args.max_bytes {
        toml.push_str(&format!("max_bytes = {m}\n"));
    }
    std::fs::write(&config, toml)?;
    let created = Command::new(&bin)
        .arg("--config")
        .arg(&config)
        .args(["client", "create", "--name", "flood", "--redirect-uri"])
        .arg("http://127.0.0.1:9/callback")
        .output()?;
    if !created.status.success() {
        bail!(
            "client create: {}",
            String::from_utf8_lossy(&created.stderr)
        );
    }
    let client: serde_json::Value = serde_json::from_slice(&created.stdout)?;
    let client_id = client["client_id"]
        .as_str()
        .context("client_id")?
        .to_owned();

    let server = Server(
        Command::new(&bin)
            .arg("--config")
            .arg(&config)
            .arg("serve")
            // Each refused request logs a warning: keep the run quiet.
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .spawn()?,
    );
    let pid = server.0.id();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut up = false;
    for _ in 0..200 {
        if http.get(format!("{issuer}/health")).send().await.is_ok() {
            up = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if !up {
        bail!("the server did not start");
    }
    let rss_before = status_kb(pid, "VmRSS");

    let next = Arc::new(AtomicUsize::new(0));
    let kept = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let (http, next, kept, refused) =
            (http.clone(), next.clone(), kept.clone(), refused.clone());
        let url = format!("{issuer}/authorize");
        let client_id = client_id.clone();
        let total = args.requests;
        tasks.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= total {
                    return;
                }
                // What a relying party sends: a 32-character state and nonce each time.
                let query = [
                    ("response_type", "code"),
                    ("client_id", client_id.as_str()),
                    ("redirect_uri", "http://127.0.0.1:9/callback"),
                    ("scope", "openid profile email"),
                    ("state", &format!("{n:032}")),
                    ("nonce", &format!("{:032}", n + 1)),
                ];
                match http
                    .get(&url)
                    .query(&query)
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
                {
                    Ok(302) => kept.fetch_add(1, Ordering::Relaxed),
                    Ok(503) => refused.fetch_add(1, Ordering::Relaxed),
                    other => panic!("unexpected answer {other:?}"),
                };
            }
        }));
    }
    for t in tasks {
        t.await?;
    }
    let secs = started.elapsed().as_secs_f64();
    let rss_after = status_kb(pid, "VmRSS");
    let peak = status_kb(pid, "VmHWM");
    let kept = kept.load(Ordering::Relaxed);
    let refused = refused.load(Ordering::Relaxed);
    let per_entry = (rss_after.saturating_sub(rss_before) * 1024) as f64 / kept.max(1) as f64;
    println!(
        "| requests | store.max_entries | store.max_bytes | kept (302) | refused (503) | requests/s | RSS before MB | RSS after MB | peak RSS MB | RSS bytes per kept request |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {} | {} | {} | {kept} | {refused} | {:.0} | {:.1} | {:.1} | {:.1} | {per_entry:.0} |",
        args.requests,
        args.max_entries
            .map_or_else(|| "default (1,000,000)".to_owned(), |m| m.to_string()),
        args.max_bytes.map_or_else(
            || "default (256 MiB)".to_owned(),
            |m| format!("{} MiB", m >> 20)
        ),
        args.requests as f64 / secs,
        rss_before as f64 / 1024.0,
        rss_after as f64 / 1024.0,
        peak as f64 / 1024.0,
    );
    drop(server);
    Ok(())
}
