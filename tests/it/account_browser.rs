//! Headless Chromium on the account page, as its owner would use it: sign-in,
//! a refused password change, setting up a new authenticator app after the
//! fresh proof the page asks for, and the new recovery codes. Screenshots go to
//! `$PORTCULLIS_SCREENSHOTS` (the README's come from `docs/screenshots`), else
//! to the test's scratch folder.

use crate::helpers::{spawn_app, totp_code};
use crate::webdriver::Driver as WebDriver;

#[tokio::test]
async fn account_page_in_chromium() {
    let app = spawn_app().await;
    let shots = std::env::var("PORTCULLIS_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    let user = app.user("olivia").await;
    let old = app.give_totp(&user).await;
    portcullis::db::factors::new_recovery_codes(&app.state.db, &app.state.sealer, &user.id)
        .await
        .unwrap();
    let wd = WebDriver::start().await;

    // The policy asks for a password only.
    wd.goto(&app.url("/account")).await;
    wd.type_into("#username", &user.username).await;
    wd.type_into("#password", &user.password).await;
    wd.click("button[type=submit]").await;
    wd.wait_for("#account-user", 10).await;
    assert!(wd.source().await.contains("id=\"factor-totp\""));
    wd.screenshot_to(&shots, "account-home").await;
    wd.execute("document.getElementById('factor-list').scrollIntoView(); return null")
        .await;
    wd.screenshot_to(&shots, "account-factors-and-browsers")
        .await;

    // A new app needs a fresh proof of the existing one: sign in again.
    wd.click("#add-totp").await;
    wd.type_into("#username", &user.username).await;
    wd.type_into("#password", &user.password).await;
    wd.click("button[type=submit]").await;
    wd.type_into("#code", &totp_code(&old, 0)).await;
    wd.click("button[type=submit]").await;
    wd.wait_for("#account-user", 10).await;
    wd.type_into("#current_password", "not-my-password").await;
    wd.type_into("#new_password", "a-new-long-secret").await;
    wd.click("#password-form button").await;
    wd.wait_for("#account-error", 10).await;
    wd.screenshot_to(&shots, "account-wrong-password").await;

    wd.click("#add-totp").await;
    wd.wait_for("#totp-secret", 10).await;
    wd.screenshot_to(&shots, "account-totp").await;
    let b32 = wd
        .execute("return document.getElementById('totp-secret').textContent")
        .await;
    let new = portcullis::auth::totp::from_base32(&b32.as_str().unwrap().replace(' ', "")).unwrap();
    wd.type_into("#code", &totp_code(&new, 0)).await;
    wd.click("button[type=submit]").await;
    wd.wait_for("#recovery-codes", 10).await;
    wd.screenshot_to(&shots, "account-recovery-codes").await;
    assert_eq!(
        app.mails_to(
            "olivia@example.com",
            "An authenticator app was added to your account"
        )
        .len(),
        1
    );
    wd.quit().await;
}

#[tokio::test]
async fn a_security_key_added_and_removed_on_the_account_page_in_chromium() {
    let app = spawn_app().await;
    let shots = std::env::var("PORTCULLIS_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    let user = app.user("pia").await;
    let wd = WebDriver::start().await;
    wd.add_virtual_authenticator().await;
    wd.goto(&app.url("/account")).await;
    wd.type_into("#username", &user.username).await;
    wd.type_into("#password", &user.password).await;
    wd.click("button[type=submit]").await;
    wd.wait_for("#factor-none", 10).await;
    // The account's first factor: its fresh password is the proof.
    wd.click("#add-key").await;
    wd.click("#webauthn-start").await;
    wd.wait_for("#account-notice", 10).await;
    wd.wait_for(".factor-key", 10).await;
    wd.execute("document.getElementById('factor-list').scrollIntoView(); return null")
        .await;
    wd.screenshot_to(&shots, "account-key-added").await;
    let keys = portcullis::db::webauthn::infos(&app.state.db, &user.id)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        app.mails_to(
            "pia@example.com",
            "A security key was added to your account"
        )
        .len(),
        1
    );
    // Removing it: the key was proven by the ceremony only, not by a sign-in,
    // so the page asks for the key again first.
    wd.click(".factor-key button").await;
    wd.wait_for("#password", 10).await;
    assert_eq!(
        portcullis::db::webauthn::infos(&app.state.db, &user.id)
            .await
            .unwrap()
            .len(),
        1
    );
    wd.quit().await;
}
