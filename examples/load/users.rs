//! The load users: a tab-separated file (`username`, `password`, TOTP seed in
//! base32 or `-`) written by the bench script, which created them with the CLI.
//! TOTP codes are computed here; since the provider accepts each time step once
//! per user (replay protection), users are handed out round-robin and a user is
//! lent to one flow at a time and only while it still has an unused step.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use anyhow::{Context, anyhow, bail};

#[derive(Debug, Clone)]
pub struct User {
    pub username: String,
    pub password: String,
    pub totp: Option<Vec<u8>>,
}

pub fn load(path: &std::path::Path) -> anyhow::Result<Vec<User>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("{}", path.display()))?;
    let mut users = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        let [username, password, seed] = cols[..] else {
            bail!(
                "{}:{}: expected 3 tab-separated columns",
                path.display(),
                n + 1
            );
        };
        let totp = match seed {
            "-" | "" => None,
            s => Some(
                portcullis::auth::totp::from_base32(s)
                    .map_err(|e| anyhow!("line {}: {e}", n + 1))?,
            ),
        };
        users.push(User {
            username: username.to_owned(),
            password: password.to_owned(),
            totp,
        });
    }
    if users.is_empty() {
        bail!("{}: no users", path.display());
    }
    Ok(users)
}

/// Round-robin over every user, for flows without a second factor.
pub struct RoundRobin {
    users: Vec<User>,
    next: AtomicUsize,
}

impl RoundRobin {
    pub fn new(users: Vec<User>) -> Self {
        Self {
            users,
            next: AtomicUsize::new(0),
        }
    }
    pub fn take(&self) -> &User {
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.users.len();
        &self.users[i]
    }
    pub fn get(&self, i: usize) -> &User {
        &self.users[i % self.users.len()]
    }
}

struct Slot {
    lent: bool,
    last_step: Option<u64>,
}

/// Users with a TOTP seed, each lent to at most one flow at a time.
pub struct TotpPool {
    users: Vec<User>,
    slots: Mutex<Vec<Slot>>,
    cursor: AtomicUsize,
    /// How often a flow found no user with an unused step and had to wait.
    pub waits: AtomicU64,
}

fn step_now() -> u64 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    now / 30
}

impl TotpPool {
    pub fn new(users: Vec<User>) -> anyhow::Result<Self> {
        let users: Vec<User> = users.into_iter().filter(|u| u.totp.is_some()).collect();
        if users.is_empty() {
            bail!("no user in the users file has a TOTP seed");
        }
        let slots = users
            .iter()
            .map(|_| Slot {
                lent: false,
                last_step: None,
            })
            .collect();
        Ok(Self {
            users,
            slots: Mutex::new(slots),
            cursor: AtomicUsize::new(0),
            waits: AtomicU64::new(0),
        })
    }

    /// A user whose last used step is at most the current one, so that by the
    /// time the code is asked for, `max(last + 1, now)` is within the server's
    /// window of now ± 1 step. None: every user is busy or used up for now.
    pub fn lend(&self) -> anyhow::Result<Option<(usize, User)>> {
        let mut slots = self.slots.lock().map_err(|_| anyhow!("pool poisoned"))?;
        let now = step_now();
        let n = self.users.len();
        let start = self.cursor.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let i = (start + k) % n;
            let s = &mut slots[i];
            if !s.lent && s.last_step.is_none_or(|l| l <= now) {
                s.lent = true;
                return Ok(Some((i, self.users[i].clone())));
            }
        }
        self.waits.fetch_add(1, Ordering::Relaxed);
        Ok(None)
    }

    /// The code for the next unused step of the lent user `slot`; records that step.
    pub fn code_for(&self, slot: usize) -> anyhow::Result<String> {
        let seed = self.users[slot]
            .totp
            .as_ref()
            .context("user without a TOTP seed")?;
        let mut slots = self.slots.lock().map_err(|_| anyhow!("pool poisoned"))?;
        let now = step_now();
        let step = slots[slot].last_step.map_or(now, |l| (l + 1).max(now));
        slots[slot].last_step = Some(step);
        Ok(portcullis::auth::totp::code_at(seed, step * 30))
    }

    /// Gives the user back.
    pub fn give_back(&self, slot: usize) {
        if let Ok(mut slots) = self.slots.lock() {
            slots[slot].lent = false;
        }
    }
}
