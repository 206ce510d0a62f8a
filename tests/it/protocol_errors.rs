//! Protocol error handling: what never redirects, single-use codes, client
//! authentication, PKCE, expiry.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn bad_client_or_redirect_uri_never_redirects() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    for params in [
        AuthParams::new(&client).set("redirect_uri", "https://evil.example/cb"),
        AuthParams::new(&client).remove("redirect_uri"),
        AuthParams::new(&client).set("client_id", "no-such-client"),
        AuthParams::new(&client).remove("client_id"),
    ] {
        let landing = browser.authorize(&params).await;
        match landing {
            Landing::Page { status, .. } => assert_eq!(status, 400),
            Landing::Left { location, .. } => panic!("redirected to {location}"),
        }
    }
}

#[tokio::test]
async fn other_authorization_errors_redirect_with_iss_and_state() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let public = app.client(true).await;
    let browser = Browser::new(&app);
    let cases = [
        (
            AuthParams::new(&client).set("response_type", "token"),
            "unsupported_response_type",
        ),
        (
            AuthParams::new(&client).set("scope", "profile"),
            "invalid_scope",
        ),
        (
            AuthParams::new(&client).set("code_challenge_method", "plain"),
            "invalid_request",
        ),
        (
            AuthParams::new(&public)
                .remove("code_challenge")
                .remove("code_challenge_method"),
            "invalid_request",
        ),
        (
            AuthParams::new(&client).set("prompt", "none login"),
            "invalid_request",
        ),
        (
            AuthParams::new(&client).set("request", "eyJ"),
            "request_not_supported",
        ),
        (
            AuthParams::new(&client).set("max_age", "-1"),
            "invalid_request",
        ),
    ];
    for (params, expected) in cases {
        let q = browser.authorize(&params).await.params();
        assert_eq!(q["error"], expected, "{:?}", params.pairs);
        assert_eq!(q["state"], params.state);
        assert_eq!(q["iss"], app.issuer);
        assert!(q.contains_key("error_description"));
    }
}

async fn signed_in_code(
    app: &TestApp,
    client: &TestClient,
    user: &TestUser,
) -> (String, AuthParams) {
    let browser = Browser::new(app);
    let params = AuthParams::new(client);
    let page = browser.authorize(&params).await;
    let code = browser.login(&page, user).await.code();
    (code, params)
}

#[tokio::test]
async fn a_reused_code_is_invalid_grant_and_revokes_its_tokens() {
    let app = spawn_on(Backend::Redis).await;
    let client = app.client(false).await;
    let user = app.user("hank").await;
    let (code, params) = signed_in_code(&app, &client, &user).await;
    let first: Value = app
        .exchange(&client, &code, Some(&params.verifier))
        .await
        .json()
        .await
        .unwrap();
    let at = first["access_token"].as_str().unwrap().to_string();
    let http = reqwest::Client::new();
    assert_eq!(
        http.get(app.url("/userinfo"))
            .bearer_auth(&at)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let second = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(second.status(), 400);
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let revoked = http
        .get(app.url("/userinfo"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);
    assert!(
        revoked.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .contains("invalid_token")
    );
}

#[tokio::test]
async fn wrong_client_secret_is_invalid_client() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("ivy").await;
    let (code, params) = signed_in_code(&app, &client, &user).await;
    let impostor = TestClient {
        secret: Some("not-the-secret".into()),
        ..client
    };
    let resp = app.exchange(&impostor, &code, Some(&params.verifier)).await;
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");
}

#[tokio::test]
async fn pkce_verifier_mismatch_is_invalid_grant() {
    let app = spawn_app().await;
    let client = app.client(true).await;
    let user = app.user("jack").await;
    let (code, _) = signed_in_code(&app, &client, &user).await;
    let (other_verifier, _) = pkce_pair();
    let resp = app.exchange(&client, &code, Some(&other_verifier)).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
    // Missing verifier: also refused.
    let (code, _) = signed_in_code(&app, &client, &user).await;
    let body: Value = app
        .exchange(&client, &code, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn a_code_is_bound_to_its_client_and_redirect_uri() {
    let app = spawn_app().await;
    let a = app.client(false).await;
    let b = app.client(false).await;
    let user = app.user("kim").await;
    let (code, params) = signed_in_code(&app, &a, &user).await;
    let body: Value = app
        .exchange(&b, &code, Some(&params.verifier))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "invalid_grant");
    let (code, params) = signed_in_code(&app, &a, &user).await;
    let moved = TestClient {
        redirect_uri: "http://127.0.0.1:9/other".into(),
        ..a
    };
    let body: Value = app
        .exchange(&moved, &code, Some(&params.verifier))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn an_expired_code_is_invalid_grant() {
    let app = spawn_with(Options {
        toml: "[tokens]\ncode_ttl = 1".into(),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let user = app.user("lee").await;
    let (code, params) = signed_in_code(&app, &client, &user).await;
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let body: Value = app
        .exchange(&client, &code, Some(&params.verifier))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["error"], "invalid_grant");
}

#[tokio::test]
async fn token_endpoint_errors_are_rfc6749_json() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let http = reqwest::Client::new();
    let resp = http
        .post(app.url("/token"))
        .basic_auth(&client.client_id, client.secret.as_deref())
        .form(&[("grant_type", "password"), ("username", "x")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "unsupported_grant_type");
    let resp = http.get(app.url("/userinfo")).send().await.unwrap();
    assert_eq!(resp.status(), 401);
}

/// RFC 6749 §3.1: no parameter may come twice. At `/authorize` a repeated one
/// is `invalid_request` at the redirect URI, or the error page when it is the
/// redirect URI itself; at `/token` it is `invalid_request` and the code stays
/// unspent.
#[tokio::test]
async fn a_repeated_parameter_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("rhea").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let twice = |extra: &str| format!("{}/authorize?{}&{extra}", app.issuer, params.query());
    for extra in ["acr_values=pwd", "scope=openid"] {
        let q = browser.get(&twice(extra)).await.params();
        assert_eq!(q["error"], "invalid_request", "{extra}");
        assert_eq!(q["iss"], app.issuer);
        assert_eq!(q["state"], params.state);
        assert!(q["error_description"].contains("repeated"), "{q:?}");
    }
    let redirect: String =
        url::form_urlencoded::byte_serialize(client.redirect_uri.as_bytes()).collect();
    match browser
        .get(&twice(&format!("redirect_uri={redirect}")))
        .await
    {
        Landing::Page { status, .. } => assert_eq!(status, 400),
        Landing::Left { location, .. } => panic!("redirected to {location}"),
    }

    let (code, params) = signed_in_code(&app, &client, &user).await;
    let secret = client.secret.clone().unwrap();
    let refused = reqwest::Client::new()
        .post(app.url("/token"))
        .basic_auth(&client.client_id, Some(&secret))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("code", "another"),
            ("redirect_uri", client.redirect_uri.as_str()),
            ("code_verifier", params.verifier.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    let redeemed = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(redeemed.status(), 200, "the refused request spent the code");
}
