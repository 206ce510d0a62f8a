//! Only an account without any second factor enrolls one right after the
//! password (trust on first use), and the page says that this is what happens.

use serde_json::json;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;

use crate::helpers::*;
use crate::webauthn::{key_page, register};

fn continue_link(html: &str) -> String {
    html.split("class=\"button\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn enforced_mode_enrolls_the_first_factor_and_says_so() {
    let app = spawn_with(Options {
        toml: "[policy]\nmode = \"enforced\"\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("imported").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let enroll = browser.login(&page, &user).await;
    let html = enroll.html();
    assert!(html.contains("data-otpauth"), "{html}");
    assert!(html.contains("id=\"first-factor\""), "{html}");
    assert!(html.contains("no second factor yet"), "{html}");

    let secret = otpauth_secret(html);
    let codes = browser
        .submit(&form_with(html, "code").set("code", &totp_code(&secret, 0)))
        .await;
    assert!(codes.html().contains("recovery-codes"));
    let back = browser.get(&continue_link(codes.html())).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "mfa");

    let mails = app.mails_to(
        "imported@example.com",
        "An authenticator app was added to your account",
    );
    assert_eq!(mails.len(), 1, "{:?}", app.outbox());
    let events = portcullis::db::audit::list(&app.state.db, Some("imported"), None, 50)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "totp_enrollment" && e.detail == json!({"first_factor": true}))
    );
    assert!(
        events
            .iter()
            .any(|e| e.event == "mail_sent" && e.detail["kind"] == "factor_added_totp")
    );

    // From now on the account has a factor: the next sign-in asks for it and
    // never offers to enroll one.
    let later = Browser::new(&app);
    let page = later.authorize(&AuthParams::new(&client)).await;
    let step = later.login(&page, &user).await;
    assert!(step.html().contains("name=\"code\""));
    assert!(!step.html().contains("data-otpauth") && !step.html().contains("first-factor"));
}

#[tokio::test]
async fn a_first_security_key_after_the_password_and_again_after_an_mfa_reset() {
    let app = spawn_app().await;
    let user = app.user("newkey").await;
    app.give_totp(&user).await;
    let client = app.client(false).await;

    // An administrator resets MFA: the account is new again.
    let admin = crate::admin_helpers::AdminApi::new(&app, "ops").await;
    let (status, _) = admin
        .post(&format!("/users/{}/reset-mfa", user.id), json!({}))
        .await;
    assert_eq!(status, 200);

    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "phr");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, &user).await;
    let html = page.html();
    assert!(html.contains("data-mode=\"register\""), "{html}");
    assert!(html.contains("id=\"first-factor\""), "{html}");
    let mut key = SoftPasskey::new(true);
    let (status, body, _) = register(&app, &browser, &key_page(&page), &mut key).await;
    assert_eq!(status, 200, "{body}");
    let back = browser.get(body["redirect"].as_str().unwrap()).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "phr");
    // The old authenticator is gone for good.
    let b = Browser::new(&app);
    let page = b
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let step = b.login(&page, &user).await;
    assert!(!step.html().contains("data-otpauth"));
    assert!(step.html().contains("data-mode=\"authenticate\""));
    assert_eq!(
        app.mails_to(
            "newkey@example.com",
            "A security key was added to your account"
        )
        .len(),
        1
    );
}
