//! Nothing secret reaches the server's log. The real binary runs as a subprocess
//! with its stderr captured; a new user follows the set-password link from the
//! onboarding mail, signs in, and the relying party redeems the code and refreshes
//! its tokens. Then the log is searched for every secret the flow handled.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use reqwest::cookie::CookieStore;
use serde_json::{Value, json};

use crate::helpers::{AuthParams, Browser, Landing, TestClient, form_with};
use crate::redis_server::free_port;
use crate::smtp_server::link_token;

/// The server as an operator runs it; killed on drop.
struct Served {
    child: Child,
    issuer: String,
    config: PathBuf,
    log: PathBuf,
    outbox: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a one-shot command with the server's configuration; its JSON output.
fn portcullis(config: &Path, args: &[&str]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("--config")
        .arg(config)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

async fn serve() -> Served {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let issuer = format!("http://localhost:{port}");
    let outbox = dir.path().join("outbox");
    let config = dir.path().join("portcullis.toml");
    std::fs::write(
        &config,
        format!(
            "issuer = \"{issuer}\"\n[server]\nbind = \"127.0.0.1:{port}\"\n[metrics]\nbind = \"127.0.0.1:{}\"\n[database]\nurl = \"sqlite://{}/p.db?mode=rwc\"\n[keys]\ndir = \"{}\"\n[mail]\noutbox_dir = \"{}\"\n",
            free_port(),
            dir.path().display(),
            dir.path().join("keys").display(),
            outbox.display(),
        ),
    )
    .unwrap();
    let log = dir.path().join("server.log");
    let child = Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("--config")
        .arg(&config)
        .arg("serve")
        // More than an operator sees by default: debug lines must not leak either.
        .env("RUST_LOG", "debug")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let served = Served {
        child,
        issuer,
        config,
        log,
        outbox,
        _dir: dir,
    };
    let health = format!("{}/health", served.issuer);
    for _ in 0..600 {
        if reqwest::get(&health)
            .await
            .is_ok_and(|r| r.status().is_success())
        {
            return served;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "the server did not start:\n{}",
        std::fs::read_to_string(&served.log).unwrap_or_default()
    );
}

fn onboarding_token(outbox: &Path) -> String {
    let mail = std::fs::read_dir(outbox)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .find(|m| m.contains("/set-password/"))
        .expect("an onboarding mail in the outbox");
    link_token(&mail).expect("a set-password link")
}

/// The `/interaction/{id}` segment of a form's action.
fn interaction_id(action: &str) -> String {
    let rest = action.split("/interaction/").nth(1).unwrap();
    rest.split('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_log_names_routes_never_secrets() {
    let server = serve().await;
    let issuer = server.issuer.clone();
    let mut secrets: Vec<(&str, String)> = Vec::new();

    let admin_token = portcullis(
        &server.config,
        &["admin", "token", "create", "--name", "ops"],
    )["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = portcullis(
        &server.config,
        &[
            "client",
            "create",
            "--name",
            "RP",
            "--redirect-uri",
            "http://127.0.0.1:9/callback",
        ],
    );
    let client = TestClient {
        client_id: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["client_secret"].as_str().map(str::to_owned),
        redirect_uri: "http://127.0.0.1:9/callback".into(),
    };
    secrets.push(("admin token", admin_token.clone()));
    secrets.push(("client secret", client.secret.clone().unwrap()));

    // An administrator creates a user without a password: the onboarding mail.
    let http = reqwest::Client::new();
    let resp = http
        .post(format!("{issuer}/admin/api/v1/users"))
        .bearer_auth(&admin_token)
        .json(&json!({"username": "lena", "email": "lena@example.com", "first_name": "Lena", "last_name": "Berg"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    let link = onboarding_token(&server.outbox);
    secrets.push(("set-password token", link.clone()));

    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::for_issuer(&issuer, jar.clone());
    let page = browser.get(&format!("/set-password/{link}")).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "password");
    secrets.push((
        "set-password CSRF token",
        form.get("csrf_token").unwrap().to_owned(),
    ));
    let password = "lena's quite secret passphrase";
    secrets.push(("password", password.to_owned()));
    let done = browser
        .submit(
            &form
                .set("password", password)
                .set("password_confirm", password),
        )
        .await;
    assert_eq!(done.status(), 200, "{}", done.html());
    // A mistyped link matches no route; its path is not written either.
    assert_eq!(
        browser
            .get(&format!("/set-password/{link}/x"))
            .await
            .status(),
        404
    );

    // She signs in to the relying party.
    let params = AuthParams::new(&client)
        .set("scope", "openid profile offline_access")
        .set("prompt", "consent")
        .set("login_hint", "lena");
    secrets.push(("state", params.state.clone()));
    secrets.push(("nonce", params.nonce.clone()));
    secrets.push(("PKCE verifier", params.verifier.clone()));
    let login = browser.authorize(&params).await;
    let form = form_with(login.html(), "password");
    secrets.push(("interaction id", interaction_id(&form.action)));
    secrets.push((
        "login CSRF token",
        form.get("csrf_token").unwrap().to_owned(),
    ));
    let landing = browser
        .submit(&form.set("username", "lena").set("password", password))
        .await;
    let Landing::Left { .. } = &landing else {
        panic!("not signed in: {landing:?}");
    };
    let code = landing.code();
    secrets.push(("authorization code", code.clone()));
    let cookies = jar
        .cookies(&issuer.parse().unwrap())
        .expect("a session cookie");
    let session = cookies
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("portcullis_session="))
        .expect("the session cookie")
        .to_owned();
    secrets.push(("session cookie", session));

    // The relying party redeems the code, reads userinfo and refreshes.
    let secret = client.secret.clone().unwrap();
    let tokens: Value = http
        .post(format!("{issuer}/token"))
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("code_verifier", params.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for field in ["access_token", "id_token", "refresh_token"] {
        let value = tokens[field]
            .as_str()
            .unwrap_or_else(|| panic!("{field} in {tokens}"));
        secrets.push((field, value.to_owned()));
    }
    let access = tokens["access_token"].as_str().unwrap();
    let info = http
        .get(format!("{issuer}/userinfo"))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    let refreshed: Value = http
        .post(format!("{issuer}/token"))
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", tokens["refresh_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let rotated = refreshed["refresh_token"].as_str().unwrap();
    secrets.push(("rotated refresh token", rotated.to_owned()));
    // The replayed code is refused (and logged as a replay, without the code).
    let replay = http
        .post(format!("{issuer}/token"))
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("code_verifier", params.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 400);

    let log = std::fs::read_to_string(&server.log).unwrap();
    drop(server);
    // The access log is there, and it names the routes taken.
    for route in [
        "/set-password/{token}",
        "/interaction/{id}/login",
        "/authorize",
        "/token",
    ] {
        assert!(log.contains(route), "no {route} in the log:\n{log}");
    }
    for (what, value) in &secrets {
        assert!(
            !log.contains(value.as_str()),
            "the {what} is in the server's log:\n{log}"
        );
    }
}
