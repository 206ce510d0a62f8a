//! A password alone never adds a second factor to an account that has one: the
//! attack of a stolen password, `acr_values=phr` and the attacker's own security
//! key, end to end over HTTP with a software authenticator.

use std::sync::Arc;

use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::CreationChallengeResponse;

use crate::helpers::*;
use crate::webauthn::{amr, key_page, origin, post_json, register};

/// `/interaction/{id}` from a form action such as `/interaction/{id}/login`.
fn interaction_id(action: &str) -> String {
    action
        .split("/interaction/")
        .nth(1)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .to_string()
}

/// A registration credential made by `key` for this server, outside any
/// ceremony of ours: what an attacker would post to the finish endpoint.
fn foreign_credential(app: &TestApp, user: &TestUser, key: &mut SoftPasskey) -> Value {
    let rp = app.state.webauthn.as_deref().unwrap();
    let handle = uuid::Uuid::parse_str(&user.id).unwrap();
    let (ccr, _): (CreationChallengeResponse, _) = rp
        .start_passkey_registration(handle, &user.username, &user.username, None)
        .unwrap();
    serde_json::to_value(key.do_registration(origin(app), ccr).unwrap()).unwrap()
}

async fn keys_of(app: &TestApp, user: &TestUser) -> usize {
    portcullis::db::webauthn::infos(&app.state.db, &user.id)
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_stolen_password_cannot_add_a_security_key_to_a_totp_account() {
    let app = spawn_app().await;
    let victim = app.user_in("vic", &["admins"]).await;
    let secret = app.give_totp(&victim).await;
    let client = app.client(false).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let attacker = Browser::with_jar(&app, jar.clone());

    // Password only, asking for phr: the TOTP form comes first, no key page.
    let params = AuthParams::new(&client).set("acr_values", "phr");
    let login = attacker.authorize(&params).await;
    let id = interaction_id(&form_with(login.html(), "password").action);
    let step = attacker.login(&login, &victim).await;
    let html = step.html();
    assert!(html.contains("name=\"code\""), "{html}");
    assert!(!html.contains("data-webauthn-begin"), "{html}");
    assert!(!html.contains("data-otpauth"), "{html}");
    assert!(html.contains("id=\"prove-existing-factor\""), "{html}");

    // Posting straight to the registration endpoints, even with a CSRF token
    // that is valid for them, is refused by the step itself.
    let cookie = session_cookie(&app, &jar);
    let csrf = app
        .state
        .sessions
        .issue_csrf(&cookie, &format!("{id}:webauthn"))
        .await
        .unwrap();
    let base = format!("/interaction/{id}/webauthn/register");
    let begin = post_json(
        &app,
        &attacker,
        &format!("{base}/begin"),
        &csrf,
        &app.issuer,
        &Value::Null,
    )
    .await;
    assert_eq!(begin.status(), 400);
    let body: Value = begin.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    let mut stolen_key = SoftPasskey::new(true);
    let cred = foreign_credential(&app, &victim, &mut stolen_key);
    let finish = post_json(
        &app,
        &attacker,
        &format!("{base}/finish"),
        &csrf,
        &app.issuer,
        &cred,
    )
    .await;
    assert_eq!(finish.status(), 400);
    let body: Value = finish.json().await.unwrap();
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("does not take a security key now"),
        "{body}"
    );
    // Nor can the TOTP seed be replaced through the enrollment form.
    let form = form_with(html, "code");
    let replaced = attacker
        .submit(&Form {
            action: format!("/interaction/{id}/enroll/totp"),
            ..form.clone().set("code", "123456")
        })
        .await;
    assert!(!replaced.html().contains("recovery-codes"));
    assert_eq!(keys_of(&app, &victim).await, 0);
    let seed = portcullis::db::factors::totp(&app.state.db, &app.state.sealer, &victim.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(seed.secret, secret, "the TOTP seed is untouched");
    // The admin console stays closed: it asks for the TOTP code too.
    let console = attacker.get("/admin").await;
    assert!(console.html().contains("name=\"code\""));
    assert!(!console.html().contains("<h1>Users</h1>"));

    // With the TOTP code (the real owner), the key is registered next, as an
    // additional factor, and the ID token says phr.
    let owner = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "phr");
    let page = owner.authorize(&params).await;
    let page = owner.login(&page, &victim).await;
    let page = owner
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    assert!(
        page.html().contains("data-mode=\"register\""),
        "{}",
        page.html()
    );
    assert!(!page.html().contains("id=\"first-factor\""));
    let mut own_key = SoftPasskey::new(true);
    let (status, body, _) = register(&app, &owner, &key_page(&page), &mut own_key).await;
    assert_eq!(status, 200, "{body}");
    let back = owner.get(body["redirect"].as_str().unwrap()).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "phr");
    assert_eq!(amr(&claims), vec!["pwd", "hwk", "user", "mfa"]);
    assert_eq!(keys_of(&app, &victim).await, 1);

    // The owner is told, and the audit log has the enrollment and the mail.
    let mails = app.mails_to(
        "vic@example.com",
        "A security key was added to your account",
    );
    assert_eq!(mails.len(), 1, "{:?}", app.outbox());
    let events = portcullis::db::audit::list(&app.state.db, Some("vic"), None, 50)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.event == "webauthn_enrollment"
        && e.outcome == "success"
        && e.detail == json!({"first_factor": false})));
    assert!(events.iter().any(|e| e.event == "mail_sent"
        && e.outcome == "success"
        && e.detail["kind"] == "factor_added_webauthn"));
}

#[tokio::test]
async fn a_registration_begun_as_first_factor_is_refused_once_the_account_has_one() {
    let app = spawn_app().await;
    let user = app.user("fresh").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "phr"))
        .await;
    let page = browser.login(&page, &user).await;
    assert!(
        page.html().contains("id=\"first-factor\""),
        "{}",
        page.html()
    );
    let kp = key_page(&page);
    let opts = post_json(
        &app,
        &browser,
        &kp.begin,
        &kp.csrf,
        &app.issuer,
        &Value::Null,
    )
    .await;
    assert_eq!(opts.status(), 200);
    let opts: CreationChallengeResponse = opts.json().await.unwrap();

    // Meanwhile the account gets a factor (its owner, elsewhere): the ceremony
    // begun under trust on first use no longer permits adding a key.
    app.give_totp(&user).await;
    let mut key = SoftPasskey::new(true);
    let cred = key.do_registration(origin(&app), opts).unwrap();
    let finish = post_json(
        &app,
        &browser,
        &kp.finish,
        &kp.csrf,
        &app.issuer,
        &serde_json::to_value(&cred).unwrap(),
    )
    .await;
    assert_eq!(finish.status(), 400);
    assert_eq!(keys_of(&app, &user).await, 0);
}

/// The code that confirms an enrollment is spent with it: the seed is stored
/// with that time step already used, in the same statement, so the code
/// passes no sign-in, not even in the moment between two writes.
#[tokio::test]
async fn the_confirming_code_is_stored_as_used_with_the_seed() {
    use portcullis::db::factors;
    let app = spawn_app().await;
    let user = app.user("tess").await;
    let (db, sealer) = (&app.state.db, &app.state.sealer);
    factors::set_totp(db, sealer, &user.id, b"a seed of twenty bytes", 1_000)
        .await
        .unwrap();
    assert!(!factors::accept_step(db, &user.id, 1_000).await.unwrap());
    assert!(!factors::accept_step(db, &user.id, 999).await.unwrap());
    assert!(factors::accept_step(db, &user.id, 1_001).await.unwrap());
    // Set by an operator, no step is used yet.
    factors::set_totp(db, sealer, &user.id, b"another seed of bytes", 0)
        .await
        .unwrap();
    assert!(factors::accept_step(db, &user.id, 5).await.unwrap());
}
