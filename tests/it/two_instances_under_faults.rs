//! Two instances with one Redis and one PostgreSQL behind a round-robin proxy,
//! many concurrent flows (password, TOTP step-up, code, token, refresh,
//! logout), while Redis is killed and restarted, signing keys are rotated with
//! the CLI, and one instance is restarted. No token is wrong or elevated, no
//! factor is skipped, only clear 503s come while Redis is down, everything
//! recovers by itself, and the failed flows are counted.
//!
//! The short form runs in `make test`; `make soak` runs it for longer
//! (`PORTCULLIS_SOAK_SECONDS`, `PORTCULLIS_SOAK_USERS`) and writes its figures
//! to `PORTCULLIS_SOAK_REPORT`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portcullis::auth::password;
use portcullis::db::{clients, factors, users};
use portcullis::keys::SigningAlg;
use serde_json::json;

use crate::cluster::Cluster;
use crate::cluster_flows::{AFTER_LOGOUT, Completed, Failure, FlowCtx, VirtualUser};
use crate::cluster_jwks::Jwks;
use crate::helpers::TestClient;

/// A Redis outage is allowed to fail flows until both instances are ready
/// again, plus this much for requests already on their way.
const SLACK: Duration = Duration::from_secs(2);
/// How long Redis stays down.
const OUTAGE: Duration = Duration::from_secs(3);

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Record {
    started: Instant,
    ended: Instant,
    result: Result<Completed, Failure>,
}

async fn setup(cluster: &Cluster, count: usize) -> (TestClient, Vec<VirtualUser>) {
    let redirect_uri = "http://127.0.0.1:9/callback".to_owned();
    let (c, secret) = clients::create(
        &cluster.db,
        clients::NewClient {
            name: "Cluster RP".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![AFTER_LOGOUT.into()],
            auth_method: clients::AuthMethod::ClientSecretBasic,
            id_token_alg: SigningAlg::RS256,
            default_acr_values: vec![],
            minimum_acr: None,
            scopes: vec![],
        },
    )
    .await
    .unwrap();
    let client = TestClient {
        client_id: c.client_id,
        secret,
        redirect_uri,
    };
    let mut vus = Vec::new();
    for i in 0..count {
        let pw = format!("cluster-pw-{i}-{}", uuid::Uuid::new_v4().simple());
        let u = users::create(
            &cluster.db,
            users::NewUser {
                username: format!("vu{i}"),
                email: format!("vu{i}@example.com"),
                first_name: "Virtual".into(),
                last_name: format!("User {i}"),
                password_hash: Some(password::hash(&pw).unwrap()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let totp = portcullis::auth::totp::generate_secret();
        factors::set_totp(&cluster.db, &cluster.sealer, &u.id, &totp, 0)
            .await
            .unwrap();
        vus.push(VirtualUser {
            user_id: u.id,
            username: u.username,
            password: pw,
            totp,
            last_step: 0,
        });
    }
    (client, vus)
}

/// What the fault driver did, and when.
struct Faults {
    t0: Instant,
    /// Redis down until both instances answered `/readyz` again (plus slack).
    outages: Vec<(Instant, Instant)>,
    recovery: Vec<Duration>,
    restarts: Vec<(Instant, Instant)>,
    key_propagation: Vec<Duration>,
    /// When both instances published the newest key, and its kid.
    new_key: Option<(Instant, String)>,
}

async fn drive_faults(cluster: &mut Cluster, until: Instant, cycle: Duration) -> Faults {
    let mut f = Faults {
        t0: Instant::now(),
        outages: Vec::new(),
        recovery: Vec::new(),
        restarts: Vec::new(),
        key_propagation: Vec::new(),
        new_key: None,
    };
    let mut n = 0;
    while Instant::now() + cycle <= until + Duration::from_secs(1) {
        let began = Instant::now();
        tokio::time::sleep(cycle / 6).await;

        cluster.redis.kill();
        let down = Instant::now();
        tokio::time::sleep(OUTAGE).await;
        tokio::task::block_in_place(|| cluster.redis.restart());
        let back = Instant::now();
        let took = cluster
            .until_ready(Duration::from_secs(60))
            .await
            .unwrap_or_else(|| panic!("no recovery within 60 s\n{}", cluster.logs()));
        f.recovery.push(took);
        f.outages.push((down, back + took + SLACK));
        tokio::time::sleep(cycle / 10).await;

        let before = cluster.instances[0].kids().await;
        tokio::task::block_in_place(|| cluster.cli(&["keys", "rotate", "--alg", "RS256"]));
        let rotated = Instant::now();
        let kid = loop {
            let a = cluster.instances[0].kids().await;
            let b = cluster.instances[1].kids().await;
            let fresh: Vec<_> = a.iter().filter(|k| !before.contains(k)).cloned().collect();
            if fresh.len() == 1 && b.contains(&fresh[0]) {
                break fresh[0].clone();
            }
            assert!(
                rotated.elapsed() < Duration::from_secs(10),
                "a rotated key must reach both instances within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        f.key_propagation.push(rotated.elapsed());
        f.new_key = Some((Instant::now(), kid));

        let which = n % 2;
        let stop = Instant::now();
        tokio::task::block_in_place(|| cluster.instances[which].restart());
        f.restarts.push((stop, Instant::now()));
        n += 1;
        let rest = cycle.saturating_sub(began.elapsed());
        tokio::time::sleep(rest).await;
    }
    f
}

impl Faults {
    /// When a flow ran, in seconds since the start, and the events near it.
    fn when(&self, r: &Record) -> String {
        let at = |i: Instant| i.saturating_duration_since(self.t0).as_secs_f64();
        let mut near: Vec<String> = Vec::new();
        let close = |i: Instant| (at(i) - at(r.started)).abs() < 15.0;
        for (a, b) in &self.outages {
            if close(*a) {
                near.push(format!("redis down {:.1}-{:.1}", at(*a), at(*b)));
            }
        }
        for (a, b) in &self.restarts {
            if close(*a) {
                near.push(format!("instance restart {:.1}-{:.1}", at(*a), at(*b)));
            }
        }
        format!(
            "flow {:.1}-{:.1} s (near: {near:?})",
            at(r.started),
            at(r.ended)
        )
    }
}

fn overlaps(r: &Record, windows: &[(Instant, Instant)]) -> bool {
    windows.iter().any(|(a, b)| r.started < *b && r.ended > *a)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_keep_every_flow_correct_through_redis_and_instance_restarts() {
    let seconds = env_u64("PORTCULLIS_SOAK_SECONDS", 30);
    let users = env_u64("PORTCULLIS_SOAK_USERS", 12) as usize;
    let cycle = Duration::from_secs(if seconds >= 120 { 60 } else { 22 });
    let mut cluster = tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(Cluster::start())
    });
    let (client, vus) = setup(&cluster, users).await;
    let ctx = Arc::new(FlowCtx {
        issuer: cluster.issuer.clone(),
        client,
        jwks: Jwks::new(&cluster.issuer),
    });
    let records = Arc::new(Mutex::new(Vec::<Record>::new()));
    let t0 = Instant::now();
    let stop = t0 + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for (i, mut vu) in vus.into_iter().enumerate() {
        let (ctx, records) = (ctx.clone(), records.clone());
        tasks.push(tokio::spawn(async move {
            let mut k = i;
            while Instant::now() < stop {
                let step_up = k % 2 == 1 && vu.can_step_up();
                k += 1;
                let started = Instant::now();
                let result = ctx.run(&mut vu, step_up).await;
                let failed = result.is_err();
                records.lock().unwrap().push(Record {
                    started,
                    ended: Instant::now(),
                    result,
                });
                if failed {
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
            }
        }));
    }
    let faults = drive_faults(&mut cluster, stop, cycle).await;
    for t in tasks {
        t.await.expect("a flow task panicked");
    }
    let elapsed = t0.elapsed();
    let records = std::mem::take(&mut *records.lock().unwrap());

    let mut violations = Vec::new();
    let mut refusals: Vec<String> = Vec::new();
    let (mut completed, mut stepped, mut unavailable, mut refused, mut unexcused) = (0, 0, 0, 0, 0);
    let mut new_key_used = 0;
    for r in &records {
        match &r.result {
            Ok(c) => {
                completed += 1;
                stepped += c.stepped_up as usize;
                if let Some((at, kid)) = &faults.new_key
                    && r.started > *at + Duration::from_secs(2)
                {
                    if &c.kid == kid {
                        new_key_used += 1;
                    } else {
                        violations.push(format!("signed by {} after the rotation", c.kid));
                    }
                }
            }
            Err(Failure::Violation(v)) => violations.push(format!("{}: {v}", faults.when(r))),
            Err(f) => {
                match f {
                    Failure::Unavailable => unavailable += 1,
                    Failure::Refused(status, why) => {
                        refused += 1;
                        refusals.push(format!("{status}: {why}"));
                    }
                    Failure::Violation(_) => unreachable!(),
                }
                if !overlaps(r, &faults.outages) {
                    unexcused += 1;
                    violations.push(format!(
                        "{}: a flow failed outside any Redis outage: {f:?}",
                        faults.when(r)
                    ));
                }
            }
        }
    }
    let failed = unavailable + refused;
    let last_outage_end = faults.outages.iter().map(|w| w.1).max().unwrap_or(t0);
    // From Redis answering again to the first flow that started after it and
    // completed: what a user waits, as opposed to the probes.
    let first_success = faults
        .outages
        .iter()
        .zip(&faults.recovery)
        .filter_map(|((_, end), took)| {
            let back = *end - SLACK - *took;
            records
                .iter()
                .filter(|r| r.started >= back && r.result.is_ok())
                .map(|r| r.ended - back)
                .min()
        })
        .max();
    refusals.sort();
    refusals.dedup();
    refusals.truncate(5);
    let after_recovery = records
        .iter()
        .filter(|r| r.started > last_outage_end && r.result.is_ok())
        .count();
    let served =
        [0, 1].map(|i| cluster.proxy.counters.served[i].load(std::sync::atomic::Ordering::Relaxed));
    let bad_gateway = cluster
        .proxy
        .counters
        .bad_gateway
        .load(std::sync::atomic::Ordering::Relaxed);
    let figures = json!({
        "seconds": elapsed.as_secs_f64().round(),
        "virtual_users": users,
        "flows": records.len(),
        "completed": completed,
        "completed_with_totp_step_up": stepped,
        "failed": failed,
        "failed_with_a_clear_503": unavailable,
        "failed_with_state_lost_in_the_redis_restart": refused,
        "failed_outside_an_outage": unexcused,
        "violations": violations.len(),
        "redis_outages": faults.outages.len(),
        "redis_outage_seconds": OUTAGE.as_secs(),
        "readyz_after_redis_returned_seconds_max": faults.recovery.iter().max().map(|d| d.as_secs_f64()),
        "first_completed_flow_after_redis_returned_seconds_max": first_success.map(|d| d.as_secs_f64()),
        "state_lost_examples": refusals,
        "instance_restarts": faults.restarts.len(),
        "instance_restart_seconds_max": faults.restarts.iter().map(|(a, b)| (*b - *a).as_secs_f64()).fold(0.0, f64::max),
        "key_rotation_reached_both_seconds_max": faults.key_propagation.iter().max().map(|d| d.as_secs_f64()),
        "requests_per_instance": served,
        "rerouted_from_a_restarting_instance": cluster.proxy.counters.rerouted.load(std::sync::atomic::Ordering::Relaxed),
        "proxy_502": bad_gateway,
    });
    println!("soak figures: {figures}");
    if let Ok(path) = std::env::var("PORTCULLIS_SOAK_REPORT") {
        std::fs::write(path, serde_json::to_string_pretty(&figures).unwrap()).unwrap();
    }
    cluster.proxy.stop().await;

    assert!(violations.is_empty(), "{violations:#?}\n{}", cluster.logs());
    assert_eq!(bad_gateway, 0, "every request reached an instance");
    assert!(!faults.outages.is_empty() && !faults.restarts.is_empty());
    assert!(stepped > 0, "some flows stepped up with TOTP: {figures}");
    assert!(
        after_recovery > 0,
        "flows succeed after the last outage: {figures}"
    );
    assert!(
        new_key_used > 0,
        "flows after the rotation use the new key: {figures}"
    );
    for s in served {
        assert!(
            s * 4 > served[0] + served[1],
            "both instances serve: {served:?}"
        );
    }
}
