//! One scenario: set the browsers up, load for the warm-up, then measure for the
//! duration. A flow counts when it started and ended inside the measured window.
//! The run ends by itself: no new flow starts after the window, and every request
//! has a 10 s time-out.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use url::Url;

use crate::browser::Browser;
use crate::flows::{self, Ask, Target};
use crate::procstat::Procs;
use crate::report::{Argon2, RunResult};
use crate::users::{self, RoundRobin, TotpPool};
use crate::{RunArgs, Scenario};

#[derive(Default)]
struct Tally {
    micros: Vec<u32>,
    errors: HashMap<String, u64>,
}

impl Tally {
    fn record(&mut self, r: anyhow::Result<()>, took: Duration) {
        match r {
            Ok(()) => self
                .micros
                .push(took.as_micros().min(u32::MAX as u128) as u32),
            Err(e) => {
                let mut key = format!("{e:#}");
                key.truncate(120);
                *self.errors.entry(key).or_default() += 1;
            }
        }
    }
}

struct Shared {
    args: RunArgs,
    target: Target,
    users: Option<RoundRobin>,
    totp: Option<TotpPool>,
    from: Instant,
    until: Instant,
}

pub async fn run(args: RunArgs) -> anyhow::Result<RunResult> {
    let origin: Url = args.issuer.clone();
    let probe = Browser::new(&origin)?;
    let target = Target::discover(
        probe.http(),
        &args.issuer,
        args.client_id.clone(),
        args.client_secret.clone(),
        args.redirect_uri.clone(),
    )
    .await
    .context("discovery")?;
    let loaded = match &args.users {
        Some(p) => Some(users::load(p)?),
        None => None,
    };
    let totp = match (args.scenario, &loaded) {
        (Scenario::Totp, Some(u)) => Some(TotpPool::new(u.clone())?),
        (Scenario::Totp, None) => anyhow::bail!("the totp scenario needs --users"),
        _ => None,
    };
    if matches!(
        args.scenario,
        Scenario::Sso | Scenario::Password | Scenario::Refresh
    ) && loaded.is_none()
    {
        anyhow::bail!("this scenario needs --users");
    }
    // For the SSO and refresh scenarios every browser first signs in once (not
    // measured); the refresh scenario keeps the refresh token it got.
    let mut browsers = Vec::with_capacity(args.browsers);
    for _ in 0..args.browsers {
        browsers.push((Browser::new(&origin)?, String::new()));
    }
    let rr = loaded.map(RoundRobin::new);
    if matches!(args.scenario, Scenario::Sso | Scenario::Refresh) {
        let rr = rr.as_ref().context("users")?;
        let ask = Ask {
            offline: args.scenario == Scenario::Refresh,
            ..Ask::default()
        };
        let logins = browsers.iter().enumerate().map(|(i, (b, _))| {
            let user = rr.get(i).clone();
            let (target, ask) = (&target, &ask);
            async move { flows::code_flow(b, target, ask, Some(&user), None, false).await }
        });
        let results = futures_util::future::join_all(logins).await;
        for ((_, rt), r) in browsers.iter_mut().zip(results) {
            let tokens = r.context("signing the browsers in")?;
            if args.scenario == Scenario::Refresh {
                *rt = tokens.refresh_token.context("no refresh token issued")?;
            }
        }
    }
    let from = Instant::now() + Duration::from_secs(args.warmup);
    let until = from + Duration::from_secs(args.duration);
    let shared = Arc::new(Shared {
        args: args.clone(),
        target,
        users: rr,
        totp,
        from,
        until,
    });
    let server = Procs::new(&args.server_pids);
    let me = Procs::new(&[std::process::id().to_string()]);
    let sampler = tokio::spawn(async move {
        tokio::time::sleep_until(from.into()).await;
        let (s0, m0) = (server.mark()?, me.mark()?);
        tokio::time::sleep_until(until.into()).await;
        anyhow::Ok((server.since(&s0)?, me.since(&m0)?))
    });
    let tasks: Vec<_> = browsers
        .into_iter()
        .map(|(b, rt)| tokio::spawn(browse(shared.clone(), b, rt)))
        .collect();
    let mut tally = Tally::default();
    for t in tasks {
        let t = t.await?;
        tally.micros.extend(t.micros);
        for (k, v) in t.errors {
            *tally.errors.entry(k).or_default() += v;
        }
    }
    let (server, me) = sampler.await??;
    let waits = shared
        .totp
        .as_ref()
        .map(|p| p.waits.load(std::sync::atomic::Ordering::Relaxed))
        .unwrap_or(0);
    Ok(RunResult::new(
        &args,
        tally.micros,
        tally.errors,
        server,
        me.first().map(|p| p.cpu_s).unwrap_or_default(),
        waits,
    ))
}

async fn browse(s: Arc<Shared>, browser: Browser, mut refresh_token: String) -> Tally {
    let mut tally = Tally::default();
    let ask = Ask {
        acr: (s.args.scenario == Scenario::Totp).then(|| s.args.acr.clone()),
        offline: false,
    };
    while Instant::now() < s.until {
        let t0 = Instant::now();
        let result = match s.args.scenario {
            Scenario::Metadata => flows::metadata(browser.http(), &s.target).await,
            Scenario::Sso => flows::code_flow(&browser, &s.target, &ask, None, None, true)
                .await
                .map(drop),
            Scenario::Password => {
                browser.forget();
                let user = s.users.as_ref().map(|u| u.take());
                flows::code_flow(&browser, &s.target, &ask, user, None, false)
                    .await
                    .map(drop)
            }
            // A failed refresh ends this browser: its token may be spent, and
            // reusing it would (rightly) revoke the whole family.
            Scenario::Refresh => {
                match flows::refresh(browser.http(), &s.target, &refresh_token).await {
                    Ok(next) => {
                        refresh_token = next;
                        Ok(())
                    }
                    Err(e) => {
                        let now = Instant::now();
                        if now >= s.from && now <= s.until {
                            tally.record(Err(e), Duration::ZERO);
                        }
                        break;
                    }
                }
            }
            Scenario::Totp => {
                let Some(pool) = s.totp.as_ref() else { break };
                let (slot, user) = match pool.lend() {
                    Ok(Some(lent)) => lent,
                    Ok(None) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                    Err(e) => {
                        tally.record(Err(e), Duration::ZERO);
                        break;
                    }
                };
                browser.forget();
                let r = flows::code_flow(
                    &browser,
                    &s.target,
                    &ask,
                    Some(&user),
                    Some((pool, slot)),
                    false,
                )
                .await;
                pool.give_back(slot);
                r.map(drop)
            }
        };
        let t1 = Instant::now();
        if t0 >= s.from && t1 <= s.until {
            tally.record(result, t1 - t0);
        }
        if s.args.think_ms > 0 {
            tokio::time::sleep(Duration::from_millis(s.args.think_ms)).await;
        }
    }
    tally
}

/// Nanoseconds this thread has run on a CPU (the first field of its schedstat).
fn thread_cpu_ns() -> anyhow::Result<u64> {
    crate::procstat::schedstat_ns(&std::fs::read_to_string("/proc/thread-self/schedstat")?)
}

/// Mean time of one argon2id verification with the server's parameters, done
/// as the server's verification threads do it (one argon2 memory block kept
/// across runs), so the bound is the hash itself and nothing else.
pub fn argon2_bound(iterations: u32) -> anyhow::Result<Argon2> {
    use portcullis::auth::password;
    let hash = password::hash("load-bench-password")?;
    let params = hash.split('$').nth(3).unwrap_or_default().to_owned();
    let mut scratch = password::Scratch::default();
    // One untimed run to fault the memory in.
    anyhow::ensure!(
        password::verify_in(&mut scratch, "load-bench-password", &hash),
        "verify failed"
    );
    let n = iterations.max(1);
    let (t0, cpu0) = (Instant::now(), thread_cpu_ns()?);
    for _ in 0..n {
        std::hint::black_box(password::verify_in(
            &mut scratch,
            "load-bench-password",
            &hash,
        ));
    }
    let cpu_ns = thread_cpu_ns()? - cpu0;
    let wall_ms = t0.elapsed().as_secs_f64() * 1000.0 / f64::from(n);
    Ok(Argon2 {
        params,
        ms_per_verify: cpu_ns as f64 / 1e6 / f64::from(n),
        wall_ms_per_verify: wall_ms,
        iterations,
    })
}
