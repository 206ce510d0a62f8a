//! Real upstream OpenID Connect providers for the tests: npm `oidc-provider`
//! (tests/upstream_op/server.js) on a free loopback port, killed on drop, and a
//! browser that signs in at its plain HTML form.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::header::LOCATION;
use url::Url;

use crate::helpers::{Browser, Landing, Options, TestApp, form_with, spawn_with};
use crate::redis_server::free_port;

pub struct UpstreamOp {
    pub issuer: String,
    child: Child,
}

/// How one upstream signs its users in.
#[derive(Default)]
pub struct OpSpec<'a> {
    pub port: u16,
    pub client_secret: &'a str,
    pub redirect_uri: String,
    /// Every sign-in's `amr`, comma-separated.
    pub amr: &'a str,
    /// Account id → claims.
    pub accounts: serde_json::Value,
    /// Comma-separated claims that only userinfo releases, never the ID token.
    pub userinfo_only: &'a str,
    /// Account id → how the provider's answers for it are falsified
    /// (server.js: `signature`, `aud`, `iss`, `nonce`, `exp`, `userinfo_sub`).
    pub tamper: serde_json::Value,
    /// The issuer ends in `/`, as Auth0's does.
    pub issuer_slash: bool,
}

/// A port for an upstream the app is configured with before it runs.
pub fn op_port() -> u16 {
    free_port()
}

/// The `[[upstream]]` table for an upstream on `port`.
pub fn upstream_toml(id: &str, port: u16, secret: &str, extra: &str) -> String {
    format!(
        "[[upstream]]\nid = \"{id}\"\nname = \"{id} SSO\"\nissuer = \"http://127.0.0.1:{port}\"\nclient_id = \"portcullis\"\nclient_secret = \"{secret}\"\n{extra}\n"
    )
}

/// A server whose one upstream is `corp` (domain corp.example, trusted for
/// `amr`, then the keys in `extra`), and that upstream running, its sign-ins
/// showing `pwd,otp`, with `spec`'s accounts, userinfo-only claims and
/// falsifications (its port, secret and redirect URI are set here).
pub async fn with_corp(extra: &str, spec: OpSpec<'_>) -> (TestApp, UpstreamOp) {
    let port = op_port();
    let app = spawn_with(Options {
        toml: upstream_toml(
            "corp",
            port,
            "corp-secret",
            &format!("domains = [\"corp.example\"]\ntrust = \"amr\"\n{extra}"),
        ),
        ..Options::default()
    })
    .await;
    let corp = UpstreamOp::start(OpSpec {
        port,
        client_secret: "corp-secret",
        redirect_uri: format!("{}/upstream/corp/callback", app.issuer),
        amr: "pwd,otp",
        ..spec
    })
    .await;
    (app, corp)
}

impl UpstreamOp {
    /// Starts the provider and waits until its discovery names its issuer. A
    /// provider that has not come up within 30 s (or exited) is stopped and
    /// started again on the same port, its output printed, up to three times;
    /// a third failure fails the test with that output.
    pub async fn start(spec: OpSpec<'_>) -> UpstreamOp {
        let mut failure = String::new();
        for attempt in 1..=3 {
            let log = tempfile::NamedTempFile::new().unwrap();
            let slash = if spec.issuer_slash { "/" } else { "" };
            let mut op = UpstreamOp {
                issuer: format!("http://127.0.0.1:{}{slash}", spec.port),
                child: spawn(&spec, log.reopen().unwrap()),
            };
            match op.started(Duration::from_secs(30)).await {
                Ok(()) => return op,
                Err(why) => {
                    let output = std::fs::read_to_string(log.path()).unwrap_or_default();
                    failure = format!("{why}; its output: {output}");
                    eprintln!("attempt {attempt}: {failure}");
                }
            }
        }
        panic!("{failure}")
    }

    /// Ready once its discovery names our issuer: a server of another test
    /// that took the port would answer too, and node would have exited.
    async fn started(&mut self, within: Duration) -> Result<(), String> {
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.trim_end_matches('/')
        );
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(5))
            .build()
            .unwrap();
        let deadline = Instant::now() + within;
        loop {
            let last = match http.get(&discovery).send().await {
                Ok(r) if r.status().is_success() => {
                    let doc: serde_json::Value = r.json().await.unwrap_or_default();
                    assert_eq!(
                        doc["issuer"].as_str(),
                        Some(self.issuer.as_str()),
                        "another server answers at {}",
                        self.issuer
                    );
                    return Ok(());
                }
                Ok(r) => format!("discovery answered {}", r.status()),
                Err(e) => format!("discovery failed: {e:?}"),
            };
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the upstream provider at {} exited: {status}",
                    self.issuer
                ));
            }
            if Instant::now() >= deadline {
                let pid = self.child.id();
                let state = std::fs::read_to_string(format!("/proc/{pid}/status"))
                    .unwrap_or_default()
                    .lines()
                    .filter(|l| l.starts_with("State") || l.starts_with("Threads"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let wchan =
                    std::fs::read_to_string(format!("/proc/{pid}/wchan")).unwrap_or_default();
                let stack =
                    std::fs::read_to_string(format!("/proc/{pid}/stack")).unwrap_or_default();
                return Err(format!(
                    "the upstream provider at {} did not start within {within:?} ({last}; {state}, wchan {wchan}, {stack})",
                    self.issuer
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// node with tests/upstream_op/server.js, configured for `spec`; its output
/// goes to `log`.
fn spawn(spec: &OpSpec<'_>, log: std::fs::File) -> Child {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/upstream_op");
    Command::new("node")
        .arg("server.js")
        .current_dir(dir)
        .env("PORT", spec.port.to_string())
        .env("CLIENT_ID", "portcullis")
        .env("CLIENT_SECRET", spec.client_secret)
        .env("REDIRECT_URI", &spec.redirect_uri)
        .env("AMR", spec.amr)
        .env("ACCOUNTS", spec.accounts.to_string())
        .env("USERINFO_ONLY", spec.userinfo_only)
        .env("ISSUER_SLASH", if spec.issuer_slash { "1" } else { "" })
        .env(
            "TAMPER",
            if spec.tamper.is_null() {
                "{}".to_owned()
            } else {
                spec.tamper.to_string()
            },
        )
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("node must be installed (make test installs oidc-provider)")
}

impl Drop for UpstreamOp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Signs in as `login` at the upstream that `start` left for, and returns the
/// URL the upstream sends the browser back to (our callback), not followed.
pub async fn upstream_answer(
    b: &Browser,
    app_issuer: &str,
    start: &Landing,
    login: &str,
) -> String {
    let Landing::Left { location, .. } = start else {
        panic!("expected a redirect to the upstream, got {start:?}");
    };
    let mut base = Url::parse(location).unwrap();
    let mut resp = b.http.get(base.as_str()).send().await.unwrap();
    for _ in 0..20 {
        if resp.status().is_redirection() {
            let loc = resp.headers().get(LOCATION).unwrap().to_str().unwrap();
            let next = base.join(loc).unwrap();
            if next.as_str().starts_with(app_issuer) {
                return next.to_string();
            }
            base = next;
            resp = b.http.get(base.as_str()).send().await.unwrap();
            continue;
        }
        let html = resp.text().await.unwrap();
        let form = form_with(&html, "login").set("login", login);
        base = base.join(&form.action).unwrap();
        resp = b
            .http
            .post(base.as_str())
            .form(&form.fields)
            .send()
            .await
            .unwrap();
    }
    panic!("the upstream never sent the browser back");
}

/// Signs in at the upstream and follows its answer back into the provider.
pub async fn through_upstream(
    b: &Browser,
    app_issuer: &str,
    start: &Landing,
    login: &str,
) -> Landing {
    let answer = upstream_answer(b, app_issuer, start, login).await;
    b.get(&answer).await
}
