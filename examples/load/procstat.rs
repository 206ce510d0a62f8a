//! CPU time and memory of processes, read from /proc: utime + stime from
//! `/proc/<pid>/stat`, resident and peak resident set (VmRSS, VmHWM) from
//! `/proc/<pid>/status`. Writing `5` to `/proc/<pid>/clear_refs` resets the peak,
//! so each scenario reports its own. The CPU time of Portcullis's password
//! verification threads (named `argon2-N`) is read on its own from each thread's
//! `/proc/<pid>/task/<tid>/schedstat`, so a password run can say how much of its
//! CPU went to the hash and how much to everything else.

use anyhow::{Context, bail};

fn ticks_per_second() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse::<f64>().ok())
        .filter(|t| *t > 0.0)
        .unwrap_or(100.0)
}

pub struct Procs {
    pids: Vec<String>,
    tick: f64,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct ProcInfo {
    pub pid: String,
    pub name: String,
    /// CPU seconds used over the measured window.
    pub cpu_s: f64,
    pub rss_kb: u64,
    /// Peak RSS over the measured window (since the reset), or since start when
    /// the reset was not allowed.
    pub peak_rss_kb: u64,
    /// CPU seconds of the process's argon2 verification threads over the window
    /// (zero for a process without them).
    #[serde(default)]
    pub hash_cpu_s: f64,
}

fn status_kb(pid: &str, key: &str) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("process {pid}"))?;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix(key).and_then(|r| r.strip_prefix(':')) {
            let kb = rest.trim().trim_end_matches("kB").trim();
            return Ok(kb.parse()?);
        }
    }
    bail!("no {key} for process {pid}")
}

fn cpu_ticks(pid: &str) -> anyhow::Result<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("process {pid}"))?;
    // The name (field 2) may hold spaces: count fields after its closing parenthesis.
    let rest = text.rsplit_once(')').context("bad stat line")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    // Fields 14 (utime) and 15 (stime) are the 12th and 13th after the name.
    let utime: u64 = f.get(11).context("no utime")?.parse()?;
    let stime: u64 = f.get(12).context("no stime")?.parse()?;
    Ok(utime + stime)
}

/// The time a thread has run on a CPU, in nanoseconds: the first field of its
/// `schedstat` file.
pub fn schedstat_ns(text: &str) -> anyhow::Result<u64> {
    text.split_whitespace()
        .next()
        .and_then(|f| f.parse().ok())
        .with_context(|| format!("unreadable schedstat: {text:?}"))
}

/// Nanoseconds on a CPU of the threads whose name starts with `argon2-`.
fn hash_thread_ns(pid: &str) -> anyhow::Result<u64> {
    let mut ns = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let dir = task?.path();
        // A thread may end between the listing and the reads: it counts as none.
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else {
            continue;
        };
        if !comm.starts_with("argon2-") {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(dir.join("schedstat")) else {
            continue;
        };
        ns += schedstat_ns(&stat)?;
    }
    Ok(ns)
}

fn name(pid: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|s| s.trim().to_owned())
        .unwrap_or_else(|_| "?".into())
}

/// CPU ticks of each process, and nanoseconds of its hash threads, at the
/// start of a window.
pub struct Mark(Vec<(u64, u64)>);

impl Procs {
    /// `self` is the load generator itself.
    pub fn new(pids: &[String]) -> Self {
        Self {
            pids: pids.to_vec(),
            tick: ticks_per_second(),
        }
    }

    pub fn resident_kb(&self) -> anyhow::Result<Vec<(String, u64)>> {
        self.pids
            .iter()
            .map(|p| Ok((name(p), status_kb(p, "VmRSS")?)))
            .collect()
    }

    /// Starts a window: resets the peaks and notes the CPU time so far.
    pub fn mark(&self) -> anyhow::Result<Mark> {
        for p in &self.pids {
            // Needs the same user or root; without it the peak is since start.
            let _ = std::fs::write(format!("/proc/{p}/clear_refs"), "5");
        }
        Ok(Mark(
            self.pids
                .iter()
                .map(|p| Ok((cpu_ticks(p)?, hash_thread_ns(p)?)))
                .collect::<anyhow::Result<_>>()?,
        ))
    }

    pub fn since(&self, mark: &Mark) -> anyhow::Result<Vec<ProcInfo>> {
        self.pids
            .iter()
            .zip(&mark.0)
            .map(|(p, (ticks, hash_ns))| {
                Ok(ProcInfo {
                    pid: p.clone(),
                    name: name(p),
                    cpu_s: cpu_ticks(p)?.saturating_sub(*ticks) as f64 / self.tick,
                    rss_kb: status_kb(p, "VmRSS")?,
                    peak_rss_kb: status_kb(p, "VmHWM")?,
                    hash_cpu_s: hash_thread_ns(p)?.saturating_sub(*hash_ns) as f64 / 1e9,
                })
            })
            .collect()
    }
}
