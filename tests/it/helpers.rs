//! Spawns the real server on a free port and drives it like a browser: cookies
//! kept, redirects followed by hand, HTML forms parsed and posted back with all
//! their hidden inputs.

use std::collections::HashMap;
use std::net::TcpListener;

use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{ClientId, IssuerUrl, Nonce};
use portcullis::auth::password;
use portcullis::config::Settings;
use portcullis::db::{clients, users};
use portcullis::keys::SigningAlg;
use portcullis::startup::{AppState, Application};
use reqwest::header::LOCATION;
use sha2::{Digest, Sha256};

use crate::redis_server::RedisServer;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Memory,
    Redis,
}

pub struct TestApp {
    /// Where the tests reach the server: the configured issuer, except with
    /// `Options::https_issuer`.
    pub issuer: String,
    pub config_path: std::path::PathBuf,
    pub state: AppState,
    pub redis: Option<RedisServer>,
    /// The metrics listener's port, with `Options::metrics`.
    pub metrics_port: Option<u16>,
    _dir: tempfile::TempDir,
}

pub struct Options {
    pub backend: Backend,
    /// Extra TOML added to the generated configuration (top-level keys and tables).
    pub toml: String,
    /// A database other than a fresh SQLite file.
    pub database_url: Option<String>,
    /// `server.trusted_proxies`.
    pub trusted_proxies: Vec<String>,
    /// `mail.smtp_url` (else mail goes to the outbox folder).
    pub smtp_url: Option<String>,
    /// `server.forwarded_header` (else the default).
    pub forwarded_header: Option<String>,
    /// The configured issuer is `https://localhost:{port}` while the tests keep
    /// talking plain http to the listener (`TestApp::issuer` stays http): only
    /// what the server derives from the issuer changes (cookies, HSTS).
    pub https_issuer: bool,
    /// Issuer `http://127.0.0.1:{port}`: an IP address, so no WebAuthn.
    pub ip_issuer: bool,
    /// A metrics listener on a free port (else `metrics.bind` is off: many
    /// servers run in parallel).
    pub metrics: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            backend: Backend::Memory,
            toml: String::new(),
            database_url: None,
            trusted_proxies: Vec::new(),
            smtp_url: None,
            forwarded_header: None,
            https_issuer: false,
            ip_issuer: false,
            metrics: false,
        }
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_with(Options::default()).await
}

pub async fn spawn_on(backend: Backend) -> TestApp {
    spawn_with(Options {
        backend,
        ..Options::default()
    })
    .await
}

pub async fn spawn_with(opts: Options) -> TestApp {
    let dir = tempfile::tempdir().unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let redis = (opts.backend == Backend::Redis).then(RedisServer::start);
    // `localhost` (not an IP) so WebAuthn works in tests; the listener is on 127.0.0.1.
    let issuer = if opts.ip_issuer {
        format!("http://127.0.0.1:{port}")
    } else {
        format!("http://localhost:{port}")
    };
    let configured = if opts.https_issuer {
        issuer.replacen("http:", "https:", 1)
    } else {
        issuer.clone()
    };
    let mut toml = format!(
        "issuer = \"{configured}\"\n[server]\nbind = \"127.0.0.1:{port}\"\ntrusted_proxies = {:?}\n[database]\nurl = \"{}\"\n[keys]\ndir = \"{}\"\n[mail]\noutbox_dir = \"{}\"\nfrom = \"Portcullis <idp@localhost>\"\n",
        opts.trusted_proxies,
        opts.database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}/p.db?mode=rwc", dir.path().display())),
        dir.path().join("keys").display(),
        dir.path().join("outbox").display(),
    );
    if let Some(h) = &opts.forwarded_header {
        toml = toml.replace(
            "trusted_proxies = ",
            &format!("forwarded_header = \"{h}\"\ntrusted_proxies = "),
        );
    }
    if let Some(u) = &opts.smtp_url {
        toml.push_str(&format!("smtp_url = \"{u}\"\n"));
    }
    if let Some(r) = &redis {
        toml.push_str(&format!("[redis]\nurl = \"{}\"\n", r.url));
    }
    toml.push_str(if opts.metrics {
        "[metrics]\nbind = \"127.0.0.1:0\"\n"
    } else {
        "[metrics]\nbind = \"\"\n"
    });
    toml.push_str(&opts.toml);
    let path = dir.path().join("portcullis.toml");
    std::fs::write(&path, toml).unwrap();
    let settings = Settings::load_from(Some(&path), &[]).unwrap();
    let state = AppState::build(settings).await.unwrap();
    let app = Application::with_listener(state.clone(), listener).unwrap();
    let metrics_port = app.metrics_port();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        issuer,
        config_path: path,
        state,
        redis,
        metrics_port,
        _dir: dir,
    }
}

pub struct TestClient {
    pub client_id: String,
    pub secret: Option<String>,
    pub redirect_uri: String,
}

pub struct TestUser {
    pub id: String,
    pub username: String,
    pub password: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.issuer, path)
    }

    pub async fn client(&self, public: bool) -> TestClient {
        self.client_with(public, SigningAlg::RS256, vec![]).await
    }

    pub async fn client_with(
        &self,
        public: bool,
        alg: SigningAlg,
        default_acr: Vec<String>,
    ) -> TestClient {
        let redirect_uri = "http://127.0.0.1:9/callback".to_string();
        let (c, secret) = clients::create(
            &self.state.db,
            clients::NewClient {
                name: "Test RP".into(),
                redirect_uris: vec![redirect_uri.clone()],
                post_logout_redirect_uris: vec![],
                auth_method: if public {
                    clients::AuthMethod::None
                } else {
                    clients::AuthMethod::ClientSecretBasic
                },
                id_token_alg: alg,
                default_acr_values: default_acr,
                minimum_acr: None,
                scopes: vec![],
            },
        )
        .await
        .unwrap();
        TestClient {
            client_id: c.client_id,
            secret,
            redirect_uri,
        }
    }

    pub async fn user(&self, username: &str) -> TestUser {
        self.user_in(username, &[]).await
    }

    pub async fn user_in(&self, username: &str, groups: &[&str]) -> TestUser {
        let pw = format!("pw-{username}-secret");
        let hash = password::hash(&pw).unwrap();
        let u = users::create(
            &self.state.db,
            users::NewUser {
                username: username.into(),
                email: format!("{username}@example.com"),
                first_name: "Test".into(),
                last_name: username.into(),
                password_hash: Some(hash),
                groups: groups.iter().map(|g| g.to_string()).collect(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        TestUser {
            id: u.id,
            username: u.username,
            password: pw,
        }
    }

    /// Gives the user a TOTP authenticator; returns its seed.
    pub async fn give_totp(&self, user: &TestUser) -> Vec<u8> {
        let secret = portcullis::auth::totp::generate_secret();
        portcullis::db::factors::set_totp(&self.state.db, &self.state.sealer, &user.id, &secret, 0)
            .await
            .unwrap();
        // Written past the server, as another process would: tell its directory.
        portcullis::directory::changed(&self.state.store)
            .await
            .unwrap();
        secret
    }

    /// Signs in and returns the ID token claims as JSON.
    pub async fn tokens(
        &self,
        client: &TestClient,
        params: &AuthParams,
        landing: &Landing,
    ) -> serde_json::Value {
        let body = self.token_response(client, params, landing).await;
        let id_token = body["id_token"].as_str().unwrap();
        // Signature, iss, aud, exp and nonce checked by openidconnect first.
        self.verify_id_token(client, id_token, Some(&params.nonce))
            .await;
        let part = id_token.split('.').nth(1).unwrap();
        use base64::Engine;
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .unwrap(),
        )
        .unwrap()
    }

    pub async fn jwks(&self) -> CoreJsonWebKeySet {
        reqwest::get(self.url("/jwks"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }

    /// Verifies an ID token with the openidconnect crate (not our signing code).
    pub async fn verify_id_token(
        &self,
        client: &TestClient,
        id_token: &str,
        nonce: Option<&str>,
    ) -> CoreIdTokenClaims {
        let token: CoreIdToken = id_token.parse().unwrap();
        let verifier = CoreIdTokenVerifier::new_public_client(
            ClientId::new(client.client_id.clone()),
            IssuerUrl::new(self.issuer.clone()).unwrap(),
            self.jwks().await,
        )
        .set_allowed_algs([
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
        ]);
        let expected = nonce.map(|n| Nonce::new(n.to_string()));
        match expected {
            Some(n) => token.claims(&verifier, &n).unwrap().clone(),
            None => token
                .claims(&verifier, |_: Option<&Nonce>| Ok(()))
                .unwrap()
                .clone(),
        }
    }

    /// Redeems the code `landing` carries, with `params`' PKCE verifier, and
    /// returns the token response, which must be a 200.
    pub async fn token_response(
        &self,
        client: &TestClient,
        params: &AuthParams,
        landing: &Landing,
    ) -> serde_json::Value {
        let resp = self
            .exchange(client, &landing.code(), Some(&params.verifier))
            .await;
        assert_eq!(resp.status(), 200);
        resp.json().await.unwrap()
    }

    /// Exchanges a code at the token endpoint with the client's credentials.
    pub async fn exchange(
        &self,
        client: &TestClient,
        code: &str,
        verifier: Option<&str>,
    ) -> reqwest::Response {
        let mut form = vec![
            ("grant_type", "authorization_code".to_string()),
            ("code", code.to_string()),
            ("redirect_uri", client.redirect_uri.clone()),
        ];
        if let Some(v) = verifier {
            form.push(("code_verifier", v.to_string()));
        }
        let http = reqwest::Client::new();
        let mut req = http.post(self.url("/token"));
        match &client.secret {
            Some(s) => req = req.basic_auth(&client.client_id, Some(s)),
            None => form.push(("client_id", client.client_id.clone())),
        }
        req.form(&form).send().await.unwrap()
    }
}

/// The TOTP code `steps` time steps from now (±1 is accepted by the server).
pub fn totp_code(secret: &[u8], steps: i64) -> String {
    let t = chrono::Utc::now().timestamp() + steps * 30;
    portcullis::auth::totp::code_at(secret, t as u64)
}

pub fn pkce_pair() -> (String, String) {
    let verifier = portcullis::secrets::random_token(48);
    let challenge = portcullis::secrets::b64url(&Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

/// Parameters of an authorization request, built up by tests.
pub struct AuthParams {
    pub pairs: Vec<(String, String)>,
    pub verifier: String,
    pub nonce: String,
    pub state: String,
}

impl AuthParams {
    pub fn new(client: &TestClient) -> Self {
        let (verifier, challenge) = pkce_pair();
        let nonce = portcullis::secrets::random_token(12);
        let state = portcullis::secrets::random_token(12);
        let pairs = [
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("scope", "openid profile email"),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
            ("nonce", nonce.as_str()),
            ("state", state.as_str()),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        Self {
            pairs,
            verifier,
            nonce,
            state,
        }
    }

    pub fn set(mut self, key: &str, value: &str) -> Self {
        self.pairs.retain(|(k, _)| k != key);
        self.pairs.push((key.into(), value.into()));
        self
    }

    pub fn remove(mut self, key: &str) -> Self {
        self.pairs.retain(|(k, _)| k != key);
        self
    }

    pub fn query(&self) -> String {
        serde_urlencoded::to_string(&self.pairs).unwrap()
    }
}

/// A browser: cookie jar, manual redirects.
pub struct Browser {
    pub http: reqwest::Client,
    issuer: String,
}

/// Where a browser ended up.
#[derive(Debug)]
pub enum Landing {
    /// A page of ours, with its status and HTML.
    Page { status: u16, html: String },
    /// A redirect that leaves the provider (to the relying party).
    Left { status: u16, location: String },
}

impl Landing {
    pub fn html(&self) -> &str {
        match self {
            Landing::Page { html, .. } => html,
            Landing::Left { location, .. } => {
                panic!("expected a page, got a redirect to {location}")
            }
        }
    }
    pub fn status(&self) -> u16 {
        match self {
            Landing::Page { status, .. } | Landing::Left { status, .. } => *status,
        }
    }
    /// Query parameters of the redirect to the relying party.
    pub fn params(&self) -> HashMap<String, String> {
        match self {
            Landing::Left { location, .. } => url::Url::parse(location)
                .unwrap()
                .query_pairs()
                .into_owned()
                .collect(),
            Landing::Page { status, html } => {
                panic!("expected a redirect to the client, got page {status}: {html}")
            }
        }
    }
    pub fn code(&self) -> String {
        let p = self.params();
        p.get("code")
            .cloned()
            .unwrap_or_else(|| panic!("no code in {p:?}"))
    }
}

/// One HTML form: its action and every input with a name.
#[derive(Debug, Clone)]
pub struct Form {
    pub action: String,
    pub fields: Vec<(String, String)>,
}

impl Form {
    pub fn set(mut self, name: &str, value: &str) -> Self {
        self.fields.retain(|(k, _)| k != name);
        self.fields.push((name.into(), value.into()));
        self
    }
    pub fn without(mut self, name: &str) -> Self {
        self.fields.retain(|(k, _)| k != name);
        self
    }
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The form on `html` that posts to a path ending in `action`.
pub fn form_to(html: &str, action: &str) -> Form {
    let doc = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form").unwrap();
    let inputs = scraper::Selector::parse("input").unwrap();
    let f = doc
        .select(&forms)
        .find(|f| {
            f.value()
                .attr("action")
                .is_some_and(|a| a.ends_with(action))
        })
        .unwrap_or_else(|| panic!("no form posting to {action} in:\n{html}"));
    Form {
        action: f.value().attr("action").unwrap().to_owned(),
        fields: f
            .select(&inputs)
            .filter_map(|i| {
                Some((
                    i.value().attr("name")?.to_owned(),
                    i.value().attr("value").unwrap_or_default().to_owned(),
                ))
            })
            .collect(),
    }
}

/// The first form on a page whose inputs include `must_have`.
pub fn form_with(html: &str, must_have: &str) -> Form {
    form_where(html, |fields| fields.iter().any(|(k, _)| k == must_have))
        .unwrap_or_else(|| panic!("no form with input {must_have:?} in:\n{html}"))
}

/// The form on a page whose input `name` holds `value` (one of several
/// forms that post to the same place, like Allow and Deny).
pub fn form_valued(html: &str, name: &str, value: &str) -> Form {
    form_where(html, |fields| {
        fields.iter().any(|(k, v)| k == name && v == value)
    })
    .unwrap_or_else(|| panic!("no form with {name}={value:?} in:\n{html}"))
}

fn form_where(html: &str, wanted: impl Fn(&[(String, String)]) -> bool) -> Option<Form> {
    let doc = scraper::Html::parse_document(html);
    let forms = scraper::Selector::parse("form").unwrap();
    let inputs = scraper::Selector::parse("input").unwrap();
    for f in doc.select(&forms) {
        let fields: Vec<(String, String)> = f
            .select(&inputs)
            .filter_map(|i| {
                let name = i.value().attr("name")?;
                Some((
                    name.to_string(),
                    i.value().attr("value").unwrap_or_default().to_string(),
                ))
            })
            .collect();
        if wanted(&fields) {
            return Some(Form {
                action: f.value().attr("action").unwrap_or_default().to_string(),
                fields,
            });
        }
    }
    None
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            issuer: app.issuer.clone(),
        }
    }

    /// A browser behind a proxy that reports `client` in `X-Forwarded-For`.
    pub fn forwarded_for(app: &TestApp, client: &str) -> Self {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert("x-forwarded-for", client.parse().unwrap());
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .unwrap();
        Self {
            http,
            issuer: app.issuer.clone(),
        }
    }

    pub fn absolute(&self, url: &str) -> String {
        if url.starts_with('/') {
            format!("{}{}", self.issuer, url)
        } else {
            url.to_string()
        }
    }

    /// Follows redirects while they stay on the provider.
    pub async fn land(&self, mut resp: reqwest::Response) -> Landing {
        loop {
            let status = resp.status().as_u16();
            if resp.status().is_redirection() {
                let location = resp
                    .headers()
                    .get(LOCATION)
                    .unwrap()
                    .to_str()
                    .unwrap()
                    .to_string();
                let next = self.absolute(&location);
                if !next.starts_with(&self.issuer) {
                    return Landing::Left {
                        status,
                        location: next,
                    };
                }
                resp = self.http.get(&next).send().await.unwrap();
                continue;
            }
            let html = resp.text().await.unwrap();
            return Landing::Page { status, html };
        }
    }

    pub async fn get(&self, url: &str) -> Landing {
        let resp = self.http.get(self.absolute(url)).send().await.unwrap();
        self.land(resp).await
    }

    /// Allows the client on a consent page, when `page` is one (a
    /// self-registered client's first sign-in); any other landing as it is.
    pub async fn allow(&self, page: Landing) -> Landing {
        match &page {
            Landing::Page { html, .. } if html.contains("id=\"consent-allow\"") => {
                let form = form_valued(html, "decision", "allow");
                self.submit(&form).await
            }
            _ => page,
        }
    }

    pub async fn authorize(&self, params: &AuthParams) -> Landing {
        self.get(&format!("{}/authorize?{}", self.issuer, params.query()))
            .await
    }

    pub async fn submit(&self, form: &Form) -> Landing {
        let resp = self
            .http
            .post(self.absolute(&form.action))
            .form(&form.fields)
            .send()
            .await
            .unwrap();
        self.land(resp).await
    }

    /// Fills the login form on `page` and submits it.
    pub async fn login(&self, page: &Landing, user: &TestUser) -> Landing {
        let form = form_with(page.html(), "password")
            .set("username", &user.username)
            .set("password", &user.password);
        self.submit(&form).await
    }
}

/// Whether `check` comes true within the 10 s the contract gives a CLI change to
/// reach a running server (clients and stored rules are cached for
/// `database.cache_ttl`), trying every 250 ms.
pub async fn within_contract_delay<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if check().await {
            return true;
        }
        if std::time::Instant::now() > deadline {
            return false;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

/// Runs the real `portcullis` binary with the app's configuration; returns the
/// parsed JSON it printed, or the stderr line on failure.
pub fn cli(app: &TestApp, args: &[&str]) -> Result<serde_json::Value, String> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("--config")
        .arg(&app.config_path)
        .args(args)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout))))
    } else {
        Err(String::from_utf8_lossy(&out.stderr).trim().to_string())
    }
}

impl Browser {
    /// A browser whose cookie jar the test can read (to check what the server
    /// does with a session cookie).
    pub fn with_jar(app: &TestApp, jar: std::sync::Arc<reqwest::cookie::Jar>) -> Self {
        let http = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            issuer: app.issuer.clone(),
        }
    }
}

impl Browser {
    /// A browser behind a proxy that sends these headers on every request (one
    /// line per header name: reqwest sends only one value of a default header).
    pub fn with_headers(app: &TestApp, headers: &[(&str, &str)]) -> Self {
        let mut map = reqwest::header::HeaderMap::new();
        for (name, value) in headers {
            map.insert(
                reqwest::header::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                value.parse().unwrap(),
            );
        }
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(map)
            .build()
            .unwrap();
        Self {
            http,
            issuer: app.issuer.clone(),
        }
    }
}

/// Signs in with the password at `client`; true when the next page asks for a
/// code (a second factor or its enrollment), false when a code came back.
pub async fn asks_for_a_code(browser: &Browser, client: &TestClient, user: &TestUser) -> bool {
    let page = browser.authorize(&AuthParams::new(client)).await;
    let after = browser.login(&page, user).await;
    match &after {
        Landing::Left { .. } => {
            after.code();
            false
        }
        Landing::Page { html, status } => {
            assert!(html.contains("name=\"code\""), "{status}: {html}");
            true
        }
    }
}

impl TestApp {
    /// Every mail written to the outbox folder so far (no `mail.smtp_url`), as
    /// raw messages, oldest first.
    pub fn outbox(&self) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(&self.state.settings.mail.outbox_dir) else {
            return Vec::new();
        };
        let mut files: Vec<_> = dir.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
            .iter()
            .map(|f| std::fs::read_to_string(f).unwrap())
            .collect()
    }

    /// The outbox mails to `email` whose subject is `subject`.
    pub fn mails_to(&self, email: &str, subject: &str) -> Vec<String> {
        self.outbox()
            .into_iter()
            .filter(|m| m.contains(&format!("To: {email}")) || m.contains(&format!("<{email}>")))
            .filter(|m| m.contains(&format!("Subject: {subject}")))
            .collect()
    }
}

/// The session cookie a browser built with [`Browser::with_jar`] holds.
pub fn session_cookie(app: &TestApp, jar: &reqwest::cookie::Jar) -> String {
    use reqwest::cookie::CookieStore;
    let url = url::Url::parse(&app.issuer).unwrap();
    let header = jar.cookies(&url).expect("no cookies");
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("portcullis_session="))
        .expect("no session cookie")
        .to_string()
}

impl Browser {
    /// A browser for a provider running outside this process (the real binary).
    pub fn for_issuer(issuer: &str, jar: std::sync::Arc<reqwest::cookie::Jar>) -> Self {
        let http = reqwest::Client::builder()
            .cookie_provider(jar)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        Self {
            http,
            issuer: issuer.to_owned(),
        }
    }
}

/// The `otpauth://` URI that a TOTP enrollment page carries in `data-otpauth`.
pub fn otpauth_uri(html: &str) -> String {
    first_attr(html, "data-otpauth").expect("the page carries data-otpauth")
}

/// The value of attribute `name` on the first element that has it, with its
/// character references decoded as a browser reads them.
pub fn first_attr(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("[{name}]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_owned))
}

/// The base32 `secret` parameter of an `otpauth://` URI.
pub fn otpauth_secret_b32(uri: &str) -> String {
    url::Url::parse(uri)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "secret")
        .expect("the URI names a secret")
        .1
        .to_string()
}

/// The TOTP seed offered by an enrollment page.
pub fn otpauth_secret(html: &str) -> Vec<u8> {
    portcullis::auth::totp::from_base32(&otpauth_secret_b32(&otpauth_uri(html))).unwrap()
}
