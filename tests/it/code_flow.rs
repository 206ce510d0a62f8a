//! The authorization code flow end to end, as a relying party and a browser see it.

use openidconnect::core::CoreProviderMetadata;
use openidconnect::{AccessTokenHash, OAuth2TokenResponse};
use portcullis::keys::SigningAlg;
use serde_json::Value;

use crate::helpers::*;

async fn full_flow(app: &TestApp, alg: SigningAlg) {
    // Discovery parses as provider metadata for a real client library.
    let doc = app.discovery().await;
    let meta: CoreProviderMetadata = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(meta.issuer().as_str(), app.issuer);
    assert_eq!(
        doc["code_challenge_methods_supported"],
        serde_json::json!(["S256"])
    );
    assert!(
        doc["acr_values_supported"]
            .as_array()
            .unwrap()
            .iter()
            .any(|v| v == "mfa")
    );
    assert_eq!(doc["claims_parameter_supported"], true);

    let client = app.client_with(false, alg, vec![]).await;
    let user = app.user("alice").await;
    let browser = Browser::new(app);
    let params = AuthParams::new(&client);
    let login_page = browser.authorize(&params).await;
    assert_eq!(login_page.status(), 200);
    let back = browser.login(&login_page, &user).await;
    let q = back.params();
    assert_eq!(q["state"], params.state, "state echoed");
    assert_eq!(q["iss"], app.issuer, "RFC 9207 iss");
    let code = back.code();

    let resp = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let tokens: Value = resp.json().await.unwrap();
    let id_token = tokens["id_token"].as_str().unwrap();
    let claims = app
        .verify_id_token(&client, id_token, Some(&params.nonce))
        .await;
    assert_eq!(claims.subject().as_str(), user.id);
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "pwd");
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert_eq!(amr, vec!["pwd"]);
    assert!(claims.auth_time().is_some());
    assert_eq!(claims.nonce().unwrap().secret(), &params.nonce);
    assert_eq!(claims.preferred_username().unwrap().as_str(), "alice");

    // at_hash binds the access token (OIDC Core §3.1.3.6).
    let raw: Value = decode_payload(id_token);
    assert_eq!(raw["azp"], client.client_id);
    assert!(raw["sid"].as_str().is_some_and(|s| !s.is_empty()));
    let access_token =
        openidconnect::AccessToken::new(tokens["access_token"].as_str().unwrap().to_string());
    let header: Value = decode_header(id_token);
    assert_eq!(header["alg"], alg.as_str());
    let token: openidconnect::core::CoreIdToken = id_token.parse().unwrap();
    let jwks = app.jwks().await;
    let verifier = openidconnect::core::CoreIdTokenVerifier::new_public_client(
        openidconnect::ClientId::new(client.client_id.clone()),
        openidconnect::IssuerUrl::new(app.issuer.clone()).unwrap(),
        jwks,
    )
    .set_allowed_algs([
        openidconnect::core::CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        openidconnect::core::CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    ]);
    let expected = AccessTokenHash::from_token(
        &access_token,
        token.signing_alg().unwrap(),
        token.signing_key(&verifier).unwrap(),
    )
    .unwrap();
    assert_eq!(raw["at_hash"], expected.to_string());

    // userinfo, GET and POST.
    let http = reqwest::Client::new();
    let info: Value = http
        .get(app.url("/userinfo"))
        .bearer_auth(access_token.secret())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["sub"], user.id);
    assert_eq!(info["email"], "alice@example.com");
    let info_post = http
        .post(app.url("/userinfo"))
        .form(&[("access_token", access_token.secret())])
        .send()
        .await
        .unwrap();
    assert_eq!(info_post.status(), 200);

    // A second request in the same browser: one redirect straight back, no page.
    let again = browser.authorize(&AuthParams::new(&client)).await;
    assert!(
        matches!(again, Landing::Left { status: 302, .. }),
        "{again:?}"
    );
    assert!(again.params().contains_key("code"));

    // A token response type from openidconnect deserializes our answer.
    let parsed: openidconnect::core::CoreTokenResponse =
        serde_json::from_value(tokens.clone()).unwrap();
    assert_eq!(parsed.access_token().secret(), access_token.secret());
}

pub fn decode_payload(jwt: &str) -> Value {
    let part = jwt.split('.').nth(1).unwrap();
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

fn decode_header(jwt: &str) -> Value {
    let part = jwt.split('.').next().unwrap();
    use base64::Engine;
    serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .unwrap(),
    )
    .unwrap()
}

#[tokio::test]
async fn code_flow_rs256_embedded_store() {
    full_flow(&spawn_on(Backend::Memory).await, SigningAlg::RS256).await;
}

#[tokio::test]
async fn code_flow_es256_redis_store() {
    full_flow(&spawn_on(Backend::Redis).await, SigningAlg::ES256).await;
}

#[tokio::test]
async fn public_client_with_pkce_and_client_secret_post() {
    let app = spawn_app().await;
    let user = app.user("bob").await;
    let public = app.client(true).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&public);
    let page = browser.authorize(&params).await;
    let code = browser.login(&page, &user).await.code();
    let resp = app.exchange(&public, &code, Some(&params.verifier)).await;
    assert_eq!(resp.status(), 200);

    // client_secret_post works for a confidential client too.
    let conf = app.client(false).await;
    let params = AuthParams::new(&conf);
    let code = browser.authorize(&params).await.code();
    let resp = reqwest::Client::new()
        .post(app.url("/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", conf.redirect_uri.as_str()),
            ("code_verifier", params.verifier.as_str()),
            ("client_id", conf.client_id.as_str()),
            ("client_secret", conf.secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn prompt_login_and_max_age_zero_ask_for_the_password_again() {
    let app = spawn_app().await;
    let user = app.user("carol").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    browser.login(&page, &user).await.code();

    for (k, v) in [("prompt", "login"), ("max_age", "0")] {
        let page = browser.authorize(&AuthParams::new(&client).set(k, v)).await;
        assert!(
            page.html().contains("name=\"password\""),
            "{k}={v} shows the login form"
        );
        let back = browser.login(&page, &user).await;
        let params = AuthParams::new(&client);
        let code = back.code();
        assert!(!code.is_empty());
        let _ = params;
    }
    // max_age that the session satisfies prompts for nothing.
    let again = browser
        .authorize(&AuthParams::new(&client).set("max_age", "3600"))
        .await;
    assert!(matches!(again, Landing::Left { .. }));
}

#[tokio::test]
async fn prompt_none_without_a_session_is_login_required() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("prompt", "none");
    let back = browser.authorize(&params).await;
    let q = back.params();
    assert_eq!(q["error"], "login_required");
    assert_eq!(q["state"], params.state);
    assert_eq!(q["iss"], app.issuer);
}

#[tokio::test]
async fn cli_created_state_is_seen_without_restart() {
    // Clients and users live in the database and are read per request.
    let app = spawn_app().await;
    let browser = Browser::new(&app);
    let client = app.client(false).await;
    let user = app.user("late").await;
    let page = browser.authorize(&AuthParams::new(&client)).await;
    assert!(
        browser
            .login(&page, &user)
            .await
            .params()
            .contains_key("code")
    );
}

/// A password that meets the asked level answers its own post with the
/// redirect to the relying party; one that does not leads to the login's page,
/// which asks for the rest.
#[tokio::test]
async fn the_password_post_goes_straight_back_when_the_password_was_enough() {
    let app = spawn_app().await;
    let user = app.user("pia").await;
    let client = app.client(false).await;
    let post = |browser: &Browser, page: &Landing| {
        let form = form_with(page.html(), "password")
            .set("username", &user.username)
            .set("password", &user.password);
        browser
            .http
            .post(browser.absolute(&form.action))
            .form(&form.fields)
            .send()
    };
    let location = |resp: &reqwest::Response| {
        resp.headers()[reqwest::header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned()
    };

    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let resp = post(&browser, &page).await.unwrap();
    assert_eq!(resp.status(), 303);
    let back = location(&resp);
    assert!(back.starts_with(&client.redirect_uri), "{back}");
    let landing = Landing::Left {
        status: 303,
        location: back,
    };
    assert_eq!(app.tokens(&client, &params, &landing).await["acr"], "pwd");

    let secret = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let resp = post(&browser, &page).await.unwrap();
    assert_eq!(resp.status(), 303);
    let next = location(&resp);
    assert!(next.contains("/interaction/"), "{next}");
    let totp = browser.get(&browser.absolute(&next)).await;
    assert_eq!(totp.status(), 200);
    let form = form_with(totp.html(), "code").set("code", &totp_code(&secret, 0));
    let landing = browser.submit(&form).await;
    assert_eq!(app.tokens(&client, &params, &landing).await["acr"], "mfa");
}
