//! Two real `portcullis serve` processes with one configuration (issuer, keys
//! folder, one fresh PostgreSQL database, one redis-server started here), each on
//! its own port, behind the test's round-robin proxy, which is the issuer.

use std::fs::OpenOptions;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use portcullis::auth::sealing::SecretBox;
use portcullis::keys::KeyRing;
use portcullis::oidc::token::access::AccessTokens;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::databases::pg_admin_url;
use crate::redis_server::{RedisServer, free_port};
use crate::round_robin_proxy::RoundRobinProxy;

/// A PostgreSQL database for one test, dropped when the test ends, however it ends.
pub struct PgDatabase {
    pub url: String,
    name: String,
}

impl PgDatabase {
    pub async fn create() -> (PgDatabase, DatabaseConnection) {
        let admin_url = pg_admin_url();
        let admin = portcullis::db::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL is not reachable at {admin_url}: {e}"));
        let name = format!("portcullis_cluster_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        admin.close().await.ok();
        let (base, _) = admin_url.rsplit_once('/').unwrap();
        let url = format!("{base}/{name}");
        let conn = portcullis::db::connect(&url).await.unwrap();
        // Migrated once here, so the two instances never race to migrate.
        portcullis::db::migrate(&conn).await.unwrap();
        (PgDatabase { url, name }, conn)
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let _ = Command::new("psql")
            .arg(pg_admin_url())
            .args([
                "-qc",
                &format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// One `portcullis serve` process; its stderr goes to a log file kept across restarts.
pub struct Instance {
    pub port: u16,
    child: Option<Child>,
    config: PathBuf,
    log: PathBuf,
}

impl Instance {
    fn start(config: PathBuf, log: PathBuf, port: u16) -> Instance {
        let mut instance = Instance {
            port,
            child: None,
            config,
            log,
        };
        instance.spawn();
        instance
    }

    fn spawn(&mut self) {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .arg("--config")
            .arg(&self.config)
            .arg("serve")
            // Same configuration file; only the listen address differs.
            .env(
                "PORTCULLIS__SERVER__BIND",
                format!("127.0.0.1:{}", self.port),
            )
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(120);
        while !self.answers("/livez") {
            if let Some(status) = self.child.as_mut().unwrap().try_wait().unwrap() {
                panic!("instance exited ({status}): {}", self.log_tail());
            }
            assert!(Instant::now() < deadline, "no /livez: {}", self.log_tail());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// SIGTERM (it drains what is in flight), wait for the exit, start again on
    /// the same port; returns how long the instance was away.
    pub fn restart(&mut self) -> Duration {
        let began = Instant::now();
        let mut child = self.child.take().unwrap();
        let ok = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -TERM failed");
        let deadline = Instant::now() + Duration::from_secs(60);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            assert!(Instant::now() < deadline, "did not stop on SIGTERM");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(status.success(), "SIGTERM ends with status 0: {status}");
        self.spawn();
        began.elapsed()
    }

    /// A plain GET straight to this instance, not through the proxy.
    fn answers(&self, path: &str) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
        let head = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
        let mut out = String::new();
        s.write_all(head.as_bytes()).is_ok()
            && s.read_to_string(&mut out).is_ok()
            && out.starts_with("HTTP/1.1 200")
    }

    pub async fn ready(&self) -> bool {
        let url = format!("http://127.0.0.1:{}/readyz", self.port);
        matches!(reqwest::get(url).await, Ok(r) if r.status() == 200)
    }

    /// The key ids this instance publishes.
    pub async fn kids(&self) -> Vec<String> {
        let url = format!("http://127.0.0.1:{}/jwks", self.port);
        let Ok(resp) = reqwest::get(url).await else {
            return Vec::new();
        };
        let jwks: serde_json::Value = resp.json().await.unwrap_or_default();
        jwks["keys"]
            .as_array()
            .map(|keys| {
                keys.iter()
                    .filter_map(|k| k["kid"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The warnings and errors this instance logged, without the expected
    /// ones while Redis is down, and the last lines.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let notable: Vec<&str> = log
            .lines()
            .filter(|l| !l.contains("Connection refused"))
            .collect();
        let from = notable.len().saturating_sub(40);
        notable[from..].join("\n")
    }
}

impl Drop for Instance {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

pub struct Cluster {
    /// The proxy's URL: the issuer both instances are configured with.
    pub issuer: String,
    pub config: PathBuf,
    pub instances: [Instance; 2],
    pub proxy: RoundRobinProxy,
    pub redis: RedisServer,
    pub db: DatabaseConnection,
    pub sealer: SecretBox,
    _pg: PgDatabase,
    _dir: tempfile::TempDir,
}

impl Cluster {
    pub async fn start() -> Cluster {
        let dir = tempfile::tempdir().unwrap();
        let (pg, db) = PgDatabase::create().await;
        let redis = RedisServer::start();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let issuer = format!("http://localhost:{}", listener.local_addr().unwrap().port());
        let keys_dir = dir.path().join("keys");
        // Keys and the sealing key exist before either instance starts, so the
        // two never create different ones at the same moment.
        KeyRing::load_or_create(&keys_dir).unwrap();
        let sealer = SecretBox::load_or_create(&keys_dir).unwrap();
        AccessTokens::load_or_create(&keys_dir).unwrap();
        let config = dir.path().join("portcullis.toml");
        std::fs::write(
            &config,
            format!(
                "issuer = \"{issuer}\"\n[server]\nbind = \"127.0.0.1:0\"\nshutdown_delay = 1\n[database]\nurl = \"{}\"\n[redis]\nurl = \"{}\"\n[keys]\ndir = \"{}\"\n[mail]\noutbox_dir = \"{}\"\n[metrics]\nbind = \"\"\n",
                pg.url,
                redis.url,
                keys_dir.display(),
                dir.path().join("outbox").display(),
            ),
        )
        .unwrap();
        let instances = [0, 1].map(|i| {
            Instance::start(
                config.clone(),
                dir.path().join(format!("instance-{i}.log")),
                free_port(),
            )
        });
        let proxy = RoundRobinProxy::start(listener, [instances[0].port, instances[1].port]);
        Cluster {
            issuer,
            config,
            instances,
            proxy,
            redis,
            db,
            sealer,
            _pg: pg,
            _dir: dir,
        }
    }

    /// Runs the real CLI with the shared configuration; returns its JSON output.
    pub fn cli(&self, args: &[&str]) -> serde_json::Value {
        let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    /// Polls until both instances answer `/readyz` 200; how long that took.
    pub async fn until_ready(&self, limit: Duration) -> Option<Duration> {
        let began = Instant::now();
        while began.elapsed() < limit {
            if self.instances[0].ready().await && self.instances[1].ready().await {
                return Some(began.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    }

    pub fn logs(&self) -> String {
        format!(
            "--- instance 0 ---\n{}\n--- instance 1 ---\n{}",
            self.instances[0].log_tail(),
            self.instances[1].log_tail()
        )
    }
}
