//! Headless Chromium drives the admin console end to end, as an administrator
//! would: sign-in with the TOTP step-up, add a user, import 1,000 rows in auto
//! mode, filter *2FA disabled*, bulk enable, reset MFA, delete. Screenshots go to
//! `$PORTCULLIS_SCREENSHOTS` (the README's come from `docs/screenshots`), else
//! to the test's scratch folder.

use crate::helpers::{spawn_app, totp_code};
use crate::webdriver::Driver as WebDriver;

#[tokio::test]
async fn console_end_to_end_in_chromium() {
    let app = spawn_app().await;
    let shots = std::env::var("PORTCULLIS_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("screenshots"));
    let admin = app.user_in("boss", &["admins"]).await;
    let secret = app.give_totp(&admin).await;
    let wd = WebDriver::start().await;

    // Sign-in through /authorize: password, then the TOTP step-up (admin.acr = mfa).
    wd.goto(&app.url("/admin")).await;
    wd.type_into("#username", &admin.username).await;
    wd.type_into("#password", &admin.password).await;
    wd.click("button[type=submit]").await;
    wd.type_into("#code", &totp_code(&secret, 0)).await;
    wd.click("button[type=submit]").await;
    wd.wait_for("#tab-enabled", 10).await;

    // Add a user without a password (onboarding mail).
    wd.click("#add-user summary").await;
    wd.type_into("#first_name", "Nora").await;
    wd.type_into("#last_name", "Newcomer").await;
    wd.type_into("#email", "nora@example.com").await;
    wd.type_into("#username", "nora").await;
    wd.click("#create-user").await;
    wd.wait_for("#flash", 10).await;
    let nora = portcullis::db::users::find_by_username(&app.state.db, "nora")
        .await
        .unwrap()
        .unwrap();

    // Import 1,000 rows in auto mode and watch the progress bar finish.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("customers.csv");
    let mut csv = String::from("Email,Full name,Organizations\n");
    for i in 0..1000 {
        csv.push_str(&format!(
            "person{i:04}@example.com,Person {i:04},customers\n"
        ));
    }
    std::fs::write(&file, csv).unwrap();
    wd.goto(&app.url("/admin/import")).await;
    wd.type_into("#csv-file", file.to_str().unwrap()).await;
    wd.click("#mode option[value=auto]").await;
    wd.type_into("#batch-size", "100").await;
    wd.click("#validate").await;
    wd.wait_for("#import-status[data-status=done]", 120).await;
    assert!(
        wd.source()
            .await
            .contains("1000 rows in 10 batches; 0 with problems")
    );
    tokio::time::sleep(std::time::Duration::from_millis(500)).await; // the bar's animation
    wd.screenshot_to(&shots, "console-import").await;

    // Disable 2FA for ten imported users from the enabled tab …
    wd.goto(&app.url("/admin/users?tab=enabled&q=person000"))
        .await;
    wd.click("#select-all").await;
    wd.click("#bulk-action option[value=disable_2fa]").await;
    wd.click("#bulk-perform").await;
    assert!(wd.accept_dialog().await.contains("10 user(s)"));
    wd.wait_for("#flash", 10).await;
    // … filter 2FA disabled: the tab offers only Enable; bulk enable them again.
    wd.click("#tab-disabled").await;
    wd.wait_for("tr[data-user='person0009@example.com']", 10)
        .await;
    let page = wd.source().await;
    assert!(!page.contains("value=\"disable_2fa\""));
    assert!(page.contains("10 users"));
    wd.screenshot_to(&shots, "console-2fa-disabled").await;
    wd.click("#select-all").await;
    wd.click("#bulk-action option[value=enable_2fa]").await;
    wd.click("#bulk-perform").await;
    wd.accept_dialog().await;
    wd.wait_for("#flash", 10).await;
    let off = portcullis::db::user_admin::search(
        &app.state.db,
        &portcullis::db::user_admin::Query {
            two_factor: portcullis::db::user_admin::TwoFactorFilter::Disabled,
            page: 1,
            per_page: 10,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(off.total, 0);

    // Reset MFA and delete one user, each after a confirmation.
    portcullis::db::factors::new_recovery_codes(&app.state.db, &app.state.sealer, &nora.id)
        .await
        .unwrap();
    wd.goto(&app.url(&format!("/admin/users/{}", nora.id)))
        .await;
    wd.screenshot_to(&shots, "console-user").await;
    wd.click("#op-reset-mfa").await;
    assert!(
        wd.accept_dialog()
            .await
            .contains("Remove every second factor")
    );
    wd.wait_for("#flash", 10).await;
    assert_eq!(
        portcullis::db::factors::remaining_recovery_codes(&app.state.db, &nora.id)
            .await
            .unwrap(),
        0
    );
    wd.click("#op-delete").await;
    wd.accept_dialog().await;
    wd.wait_for("#flash", 10).await;
    assert!(
        portcullis::db::users::find_by_id(&app.state.db, &nora.id)
            .await
            .unwrap()
            .is_none()
    );

    wd.goto(&app.url("/admin/users?tab=all")).await;
    wd.wait_for("#tab-all.on", 10).await;
    wd.screenshot_to(&shots, "console-users").await;
    wd.quit().await;
}
