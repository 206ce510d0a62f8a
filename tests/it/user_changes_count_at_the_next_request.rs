//! Each server keeps snapshots of users, their factors and groups, so that a
//! signed-in browser's next authorization reads nothing from the database. A
//! change made anywhere must still count at the very next request, on both
//! instances of a two-instance setup: here a new name, then a disabled user,
//! made through the admin API and the CLI while both instances hold a snapshot.

use std::time::Instant;

use portcullis::auth::password;
use portcullis::db::{clients, users};
use portcullis::keys::SigningAlg;
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::cluster::Cluster;
use crate::code_flow::decode_payload;
use crate::helpers::{AuthParams, TestClient, form_with};

pub(crate) struct Rp<'a> {
    pub(crate) cluster: &'a Cluster,
    pub(crate) client: TestClient,
    browser: reqwest::Client,
}

impl Rp<'_> {
    /// Follows redirects inside the provider; the response that leaves it or a page.
    async fn follow(&self, mut resp: reqwest::Response) -> (u16, String, String) {
        loop {
            let status = resp.status().as_u16();
            if !resp.status().is_redirection() {
                return (status, String::new(), resp.text().await.unwrap());
            }
            let location = resp.headers()[LOCATION].to_str().unwrap().to_owned();
            let next = if location.starts_with('/') {
                format!("{}{location}", self.cluster.issuer)
            } else {
                location
            };
            if !next.starts_with(&self.cluster.issuer) {
                return (status, next, String::new());
            }
            resp = self.browser.get(&next).send().await.unwrap();
        }
    }

    pub(crate) async fn authorize(&self, params: &AuthParams) -> (u16, String, String) {
        let url = format!("{}/authorize?{}", self.cluster.issuer, params.query());
        let resp = self.browser.get(url).send().await.unwrap();
        self.follow(resp).await
    }

    pub(crate) async fn exchange(&self, code: &str, verifier: &str) -> (u16, Value) {
        self.exchange_at(&self.cluster.issuer, code, verifier).await
    }

    /// The code exchange at `base` (the proxy, or one instance directly).
    pub(crate) async fn exchange_at(&self, base: &str, code: &str, verifier: &str) -> (u16, Value) {
        let resp = reqwest::Client::new()
            .post(format!("{base}/token"))
            .basic_auth(&self.client.client_id, self.client.secret.as_ref())
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", &self.client.redirect_uri),
                ("code_verifier", verifier),
            ])
            .send()
            .await
            .unwrap();
        (resp.status().as_u16(), resp.json().await.unwrap())
    }

    /// One more request through the proxy, so that the next request goes to
    /// the other instance (the proxy takes them in turn).
    async fn shift(&self) {
        let url = format!("{}/.well-known/openid-configuration", self.cluster.issuer);
        assert_eq!(reqwest::get(url).await.unwrap().status(), 200);
    }
}

pub(crate) fn code_in(location: &str) -> (String, String) {
    let url = url::Url::parse(location).unwrap();
    let get = |k: &str| {
        url.query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    (get("code"), get("error"))
}

/// A confidential ES256 client and a user `username` signed in once through the
/// proxy (login form, code, token).
pub(crate) async fn signed_in<'a>(cluster: &'a Cluster, username: &str) -> (Rp<'a>, users::User) {
    let redirect_uri = "http://127.0.0.1:9/callback".to_owned();
    let (c, secret) = clients::create(
        &cluster.db,
        clients::NewClient {
            name: "Directory RP".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![],
            auth_method: clients::AuthMethod::ClientSecretBasic,
            id_token_alg: SigningAlg::ES256,
            default_acr_values: vec![],
            minimum_acr: None,
            scopes: vec![],
        },
    )
    .await
    .unwrap();
    let pw = "directory-test-password-1";
    let user = users::create(
        &cluster.db,
        users::NewUser {
            username: username.into(),
            email: format!("{username}@example.com"),
            first_name: "Dora".into(),
            last_name: "Before".into(),
            password_hash: Some(password::hash(pw).unwrap()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let rp = Rp {
        cluster,
        client: TestClient {
            client_id: c.client_id,
            secret,
            redirect_uri,
        },
        browser: reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
    };
    let params = AuthParams::new(&rp.client);
    let (status, _, html) = rp.authorize(&params).await;
    assert_eq!(status, 200, "the login form");
    let form = form_with(&html, "password")
        .set("username", username)
        .set("password", pw);
    let url = format!("{}{}", cluster.issuer, form.action);
    let resp = rp
        .browser
        .post(url)
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    let (_, location, _) = rp.follow(resp).await;
    let (code, _) = code_in(&location);
    assert_eq!(rp.exchange(&code, &params.verifier).await.0, 200);
    (rp, user)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_counts_at_the_next_request_on_both_instances() {
    let cluster = Cluster::start().await;
    // Sign in once, then SSO hits until each instance has answered both the
    // authorization and the token request (and so holds a snapshot of dora).
    let (rp, user) = signed_in(&cluster, "dora").await;
    let sso_hit = || async {
        let params = AuthParams::new(&rp.client);
        let (status, location, _) = rp.authorize(&params).await;
        assert_eq!(status, 302, "an SSO hit answers with one redirect");
        let (code, error) = code_in(&location);
        assert!(error.is_empty(), "{location}");
        rp.exchange(&code, &params.verifier).await
    };
    for _ in 0..2 {
        assert_eq!(sso_hit().await.0, 200);
        rp.shift().await;
    }

    // A new name through the admin API: the next ID token of each instance says it.
    let token = cluster.cli(&["admin", "token", "create", "--name", "directory"]);
    let token = token["token"].as_str().unwrap();
    let resp = reqwest::Client::new()
        .patch(format!("{}/admin/api/v1/users/{}", cluster.issuer, user.id))
        .bearer_auth(token)
        .json(&serde_json::json!({"last_name": "After"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    for round in 0..2 {
        let (status, tokens) = sso_hit().await;
        assert_eq!(status, 200, "{tokens}");
        let claims = decode_payload(tokens["id_token"].as_str().unwrap());
        assert_eq!(claims["family_name"], "After", "round {round}: {claims}");
        rp.shift().await;
    }

    // Codes handed out before the user is disabled (with the CLI, which
    // reaches the servers through their Redis) are refused after it by each
    // instance, and so is every authorization.
    let mut pending = Vec::new();
    for _ in 0..2 {
        let params = AuthParams::new(&rp.client);
        let (_, location, _) = rp.authorize(&params).await;
        pending.push((code_in(&location).0, params.verifier));
    }
    let began = Instant::now();
    cluster.cli(&["user", "disable", "dora"]);
    for (code, verifier) in &pending {
        let (status, body) = rp.exchange(code, verifier).await;
        assert_eq!(status, 400, "a code of a disabled user: {body}");
        assert_eq!(body["error"], "invalid_grant");
    }
    for _ in 0..2 {
        let (status, location, _) = rp.authorize(&AuthParams::new(&rp.client)).await;
        assert!(
            location.is_empty() || code_in(&location).0.is_empty(),
            "a disabled user gets no code ({status} {location})"
        );
    }
    eprintln!(
        "disable counted at the next requests, {:?} after the CLI started",
        began.elapsed()
    );
}
