//! An account whose only second factor is a security key is asked for that key
//! at `mfa`, and is never offered to set up an authenticator app instead: not by
//! the page, not by a direct post, and not when this server cannot check keys.

use std::sync::Arc;

use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::Url;

use crate::helpers::*;
use crate::webauthn::{authenticate, key_page};

/// Registers a key for `user` as a relying party named `localhost` would (the
/// way an earlier sign-in under a domain-name issuer did).
async fn give_key(app: &TestApp, user: &TestUser, origin: &str) -> SoftPasskey {
    let origin = Url::parse(origin).unwrap();
    let rp = webauthn_rs::WebauthnBuilder::new("localhost", &origin)
        .unwrap()
        .build()
        .unwrap();
    let mut key = SoftPasskey::new(true);
    let handle = uuid::Uuid::parse_str(&user.id).unwrap();
    let (ccr, reg) = rp
        .start_passkey_registration(handle, &user.username, &user.username, None)
        .unwrap();
    let cred = key.do_registration(origin, ccr).unwrap();
    let passkey = rp.finish_passkey_registration(&cred, &reg).unwrap();
    portcullis::db::webauthn::add(&app.state.db, &user.id, "Key", &passkey)
        .await
        .unwrap();
    key
}

/// Posts the TOTP enrollment form straight to the server, with a CSRF token
/// valid for this sign-in, as an attacker skipping the pages would.
pub async fn post_totp_enrollment(
    app: &TestApp,
    browser: &Browser,
    jar: &reqwest::cookie::Jar,
    id: &str,
) -> Landing {
    let csrf = app
        .state
        .sessions
        .issue_csrf(&session_cookie(app, jar), id)
        .await
        .unwrap();
    browser
        .submit(&Form {
            action: format!("/interaction/{id}/enroll/totp"),
            fields: vec![
                ("csrf_token".into(), csrf),
                ("code".into(), "123456".into()),
            ],
        })
        .await
}

async fn has_totp(app: &TestApp, user: &TestUser) -> bool {
    portcullis::db::factors::has_totp(&app.state.db, &user.id)
        .await
        .unwrap()
}

#[tokio::test]
async fn mfa_asks_a_key_only_account_for_its_key_and_never_for_an_app() {
    let app = spawn_app().await;
    let user = app.user("kira").await;
    let mut key = give_key(&app, &user, &app.issuer).await;
    let client = app.client(false).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, &user).await;
    let html = page.html().to_string();
    assert!(html.contains("data-mode=\"authenticate\""), "{html}");
    assert!(!html.contains("method=totp") && !html.contains("data-otpauth"));
    let id = html
        .split("/interaction/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string();

    // Asking for the app by URL changes nothing.
    let by_url = browser.get(&format!("/interaction/{id}?method=totp")).await;
    assert!(!by_url.html().contains("data-otpauth"), "{}", by_url.html());
    // A post to the TOTP enrollment form, with a CSRF token valid for this
    // sign-in, is not an enrollment.
    let posted = post_totp_enrollment(&app, &browser, &jar, &id).await;
    assert!(!posted.html().contains("recovery-codes"));
    assert!(!has_totp(&app, &user).await);

    // The key passes the step.
    let (status, body, _) = authenticate(&app, &browser, &key_page(&by_url), &mut key).await;
    assert_eq!(status, 200, "{body}");
    let back = browser.get(body["redirect"].as_str().unwrap()).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "mfa");

    key_this_server_cannot_check_is_not_replaced_by_an_app().await;
}

/// The same account on a server with an IP-address issuer: no WebAuthn there,
/// so the key cannot be used, yet the account is not treated as a new one.
async fn key_this_server_cannot_check_is_not_replaced_by_an_app() {
    let app = spawn_with(Options {
        ip_issuer: true,
        ..Options::default()
    })
    .await;
    assert!(app.state.webauthn.is_none());
    let user = app.user("kurt").await;
    give_key(&app, &user, "http://localhost:1").await;
    let client = app.client(false).await;

    // A voluntary mfa: no enrollment page, and an honest pwd.
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &user).await;
    assert!(matches!(back, Landing::Left { .. }), "{back:?}");
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");

    // An essential mfa, or a policy that demands it: refused, nothing to enroll.
    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["mfa"]}}}"#;
    let q = browser
        .authorize(&AuthParams::new(&client).set("claims", essential))
        .await
        .params();
    assert_eq!(q["error"], "unmet_authentication_requirements");
    let strict = spawn_with(Options {
        ip_issuer: true,
        toml: "[policy]\ndefault = \"mfa\"\n".into(),
        ..Options::default()
    })
    .await;
    let other = strict.user("kyle").await;
    give_key(&strict, &other, "http://localhost:1").await;
    let client = strict.client(false).await;
    let b = Browser::new(&strict);
    let page = b.authorize(&AuthParams::new(&client)).await;
    let back = b.login(&page, &other).await;
    assert_eq!(back.params()["error"], "unmet_authentication_requirements");
    assert!(!has_totp(&app, &user).await && !has_totp(&strict, &other).await);
}
