//! Scale benchmark for user administration (not a test: numbers depend on the
//! machine). Seeds 100,000 users, then measures listing and searching through the
//! same repository call the admin API makes (p50/p95 over many requests), and a
//! 10,000-row CSV import with mail off, on SQLite and on PostgreSQL.
//!
//! ```sh
//! cargo run --release --example admin_bench                 # SQLite, and PostgreSQL when reachable
//! PORTCULLIS_BENCH_PG=postgres://postgres:postgres@127.0.0.1:5432/postgres cargo run --release --example admin_bench
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis::admin::AdminCtx;
use portcullis::admin::import_run::{self, Mode};
use portcullis::admin::import_status;
use portcullis::auth::sealing::SecretBox;
use portcullis::config::Settings;
use portcullis::db::user_admin::{self, Query, TwoFactorFilter};
use portcullis::mail::Mailer;
use sea_orm::{ConnectionTrait, DatabaseConnection};

/// Builds the i-th query of one kind.
type MakeQuery = Box<dyn Fn(usize) -> Query>;

const USERS: usize = 100_000;
const IMPORT_ROWS: usize = 10_000;
const SAMPLES: usize = 100;

const FIRST: &[&str] = &[
    "Ada",
    "Grace",
    "Alan",
    "Edsger",
    "Barbara",
    "Donald",
    "Ken",
    "Margaret",
    "Linus",
    "Radia",
    "Tim",
    "Frances",
    "John",
    "Sophie",
    "Dennis",
    "Hedy",
    "Niklaus",
    "Katherine",
    "Leslie",
    "Anita",
];
const LAST: &[&str] = &[
    "Lovelace",
    "Hopper",
    "Turing",
    "Dijkstra",
    "Liskov",
    "Knuth",
    "Thompson",
    "Hamilton",
    "Torvalds",
    "Perlman",
    "Berners-Lee",
    "Allen",
    "McCarthy",
    "Wilson",
    "Ritchie",
    "Lamarr",
    "Wirth",
    "Johnson",
    "Lamport",
    "Borg",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let sqlite = format!("sqlite://{}/bench.db?mode=rwc", dir.path().display());
    run("SQLite", &sqlite, dir.path()).await?;
    let pg_admin = std::env::var("PORTCULLIS_BENCH_PG")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into());
    match portcullis::db::connect(&pg_admin).await {
        Ok(admin) => {
            let name = format!("portcullis_bench_{}", uuid::Uuid::new_v4().simple());
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await?;
            let url = format!(
                "{}/{name}",
                pg_admin.rsplit_once('/').map_or("", |(b, _)| b)
            );
            let result = run("PostgreSQL", &url, dir.path()).await;
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await?;
            result?;
        }
        Err(e) => println!("PostgreSQL skipped: {e}"),
    }
    Ok(())
}

async fn run(label: &str, url: &str, dir: &std::path::Path) -> anyhow::Result<()> {
    let db = portcullis::db::connect(url).await?;
    portcullis::db::migrate(&db).await?;
    let t = Instant::now();
    seed(&db).await?;
    println!(
        "\n== {label}: {USERS} users seeded in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let queries: Vec<(&str, MakeQuery)> = vec![
        (
            "list, page 1",
            Box::new(|_| q(None, TwoFactorFilter::All, 1)),
        ),
        (
            "list, deep page",
            Box::new(|i| q(None, TwoFactorFilter::All, 1 + (i * 37) % 2000)),
        ),
        (
            "tab 2FA disabled",
            Box::new(|i| q(None, TwoFactorFilter::Disabled, 1 + i % 50)),
        ),
        (
            "tab 2FA enabled",
            Box::new(|i| q(None, TwoFactorFilter::Enabled, 1 + i % 50)),
        ),
        (
            "search name",
            Box::new(|i| {
                q(
                    Some(LAST[i % LAST.len()].to_lowercase()),
                    TwoFactorFilter::All,
                    1,
                )
            }),
        ),
        (
            "search email",
            Box::new(|i| {
                q(
                    Some(format!("user{}@", (i * 7919) % USERS)),
                    TwoFactorFilter::All,
                    1,
                )
            }),
        ),
        (
            "search + tab",
            Box::new(|i| {
                q(
                    Some(FIRST[i % FIRST.len()].into()),
                    TwoFactorFilter::Disabled,
                    1,
                )
            }),
        ),
        (
            "search, no match",
            Box::new(|i| q(Some(format!("zz{i}qq")), TwoFactorFilter::All, 1)),
        ),
    ];
    let mut all = Vec::new();
    for (name, make) in &queries {
        let mut times = Vec::with_capacity(SAMPLES);
        for i in 0..SAMPLES {
            let query = make(i);
            let t = Instant::now();
            let page = user_admin::search(&db, &query).await?;
            times.push(t.elapsed());
            std::hint::black_box(page.total);
        }
        report(name, &mut times);
        all.extend(times);
    }
    report("all list/search requests", &mut all);

    let ctx = AdminCtx {
        db: db.clone(),
        settings: Arc::new(Settings::defaults()?),
        mailer: Mailer::from_settings(&Settings::defaults()?.mail)?,
        sealer: SecretBox::load_or_create(dir)?,
        actor: "bench".into(),
        store: None,
        background: Default::default(),
        logout: None,
    };
    let mut csv = String::from("username,email,first_name,last_name,groups\n");
    for i in 0..IMPORT_ROWS {
        csv.push_str(&format!(
            "imp{i},imp{i}@import.example,{},{},customers;imported\n",
            FIRST[i % FIRST.len()],
            LAST[(i / 3) % LAST.len()]
        ));
    }
    let t = Instant::now();
    let v = import_run::validate_and_store(&ctx, csv.as_bytes(), Mode::Auto, 500, false).await?;
    let validated = t.elapsed();
    import_run::run_all(&ctx, &v.id, |_, _| {}).await?;
    let total = t.elapsed();
    let s = import_status::status(&ctx, &v.id).await?;
    println!(
        "import {IMPORT_ROWS} rows (mail off, batches of 500): validate {:.2} s, total {:.2} s; created {}",
        validated.as_secs_f64(),
        total.as_secs_f64(),
        s.counts.get("created").cloned().unwrap_or_default()
    );
    db.close().await?;
    Ok(())
}

fn q(text: Option<String>, two_factor: TwoFactorFilter, page: usize) -> Query {
    Query {
        q: text,
        two_factor,
        page: page as u64,
        per_page: 50,
    }
}

fn report(name: &str, times: &mut [Duration]) {
    times.sort();
    let at = |p: f64| times[((times.len() as f64 * p).ceil() as usize).saturating_sub(1)];
    println!(
        "{name:<26} p50 {:>7.2} ms   p95 {:>7.2} ms   max {:>7.2} ms",
        at(0.50).as_secs_f64() * 1e3,
        at(0.95).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3
    );
}

/// Multi-row INSERTs: seeding is not what is measured.
async fn seed(db: &DatabaseConnection) -> anyhow::Result<()> {
    let now = chrono::Utc::now().timestamp();
    for chunk in (0..USERS).collect::<Vec<_>>().chunks(1000) {
        let values: Vec<String> = chunk
            .iter()
            .map(|&i| {
                let (f, l) = (FIRST[i % FIRST.len()], LAST[(i / 7) % LAST.len()]);
                format!(
                    "('{id}','user{i}','user{i}@example{d}.com','{f}','{l}','','active',{tf},{now},{now})",
                    id = uuid::Uuid::new_v4(),
                    d = i % 13,
                    tf = if i % 3 == 0 { "false" } else { "true" },
                )
            })
            .collect();
        db.execute_unprepared(&format!(
            "INSERT INTO users (id, username, email, first_name, last_name, display_name, status, two_factor, created_at, updated_at) VALUES {}",
            values.join(",")
        ))
        .await?;
    }
    Ok(())
}
