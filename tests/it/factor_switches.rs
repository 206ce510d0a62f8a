//! `[factors]`: a kind of second factor that is switched off is never offered
//! for enrollment, and a post that would add one anyway is not taken.

use portcullis::db::factors;

use crate::helpers::{AuthParams, Browser, Options, TestApp, spawn_with};
use crate::key_only_account_never_enrolls_totp::post_totp_enrollment;

async fn spawn_switched(toml: &str) -> TestApp {
    spawn_with(Options {
        toml: format!("[factors]\n{toml}\n"),
        ..Options::default()
    })
    .await
}

fn interaction_id(html: &str) -> String {
    html.split("/interaction/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .expect("an interaction URL on the page")
        .to_string()
}

#[tokio::test]
async fn with_totp_switched_off_a_first_factor_is_a_security_key_only() {
    let app = spawn_switched("totp = false").await;
    let user = app.user("tess").await;
    let client = app.client(false).await;
    let jar = std::sync::Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, &user).await;
    let html = page.html().to_string();
    assert!(html.contains("data-webauthn-begin"), "{html}");
    assert!(!html.contains("data-otpauth") && !html.contains("method=totp"));

    // Asking for the app by URL, or posting its enrollment form with a CSRF
    // token valid for this sign-in, adds no authenticator app.
    let id = interaction_id(&html);
    let by_url = browser.get(&format!("/interaction/{id}?method=totp")).await;
    assert!(!by_url.html().contains("data-otpauth"));
    let posted = post_totp_enrollment(&app, &browser, &jar, &id).await;
    assert!(!posted.html().contains("recovery-codes"));
    assert!(!factors::has_totp(&app.state.db, &user.id).await.unwrap());
}

#[tokio::test]
async fn with_security_keys_switched_off_none_is_offered_and_phr_cannot_be_met() {
    let app = spawn_switched("webauthn = false").await;
    let user = app.user("wes").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let html = browser.login(&page, &user).await.html().to_string();
    assert!(html.contains("data-otpauth"), "{html}");
    assert!(!html.contains("method=webauthn") && !html.contains("data-webauthn-begin"));
    let id = interaction_id(&html);
    let by_url = browser
        .get(&format!("/interaction/{id}?method=webauthn"))
        .await;
    assert!(!by_url.html().contains("data-webauthn-begin"));

    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
    let fresh = Browser::new(&app);
    let page = fresh
        .authorize(&AuthParams::new(&client).set("claims", essential))
        .await;
    let back = fresh.login(&page, &user).await;
    assert_eq!(back.params()["error"], "unmet_authentication_requirements");
}
