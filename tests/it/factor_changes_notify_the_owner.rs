//! The owner of an account is mailed whenever a recovery code is spent and
//! whenever an administrator adds or removes second factors; every such event
//! and its mail are in the audit log, and a mail that cannot be delivered never
//! undoes the change.

use portcullis::db::audit::{self, AuditEvent};
use serde_json::json;

use crate::admin_helpers::AdminApi;
use crate::helpers::*;

async fn events(app: &TestApp, user: &str) -> Vec<AuditEvent> {
    audit::list(&app.state.db, Some(user), None, 100)
        .await
        .unwrap()
}

fn has(events: &[AuditEvent], event: &str, actor: &str, kind: Option<&str>) -> bool {
    events.iter().any(|e| {
        e.event == event
            && e.actor == actor
            && e.outcome == "success"
            && kind.is_none_or(|k| e.detail["kind"] == k)
    })
}

#[tokio::test]
async fn a_spent_recovery_code_is_mailed_and_audited() {
    let app = spawn_app().await;
    let user = app.user("rory").await;
    app.give_totp(&user).await;
    let codes =
        portcullis::db::factors::new_recovery_codes(&app.state.db, &app.state.sealer, &user.id)
            .await
            .unwrap();
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let page = browser.login(&page, &user).await;
    let used = browser
        .submit(&form_with(page.html(), "code").set("code", &codes[0]))
        .await;
    assert!(
        used.html().contains("recovery-remaining"),
        "{}",
        used.html()
    );

    let mails = app.mails_to("rory@example.com", "A recovery code was used to sign in");
    assert_eq!(mails.len(), 1, "{:?}", app.outbox());
    assert!(mails[0].contains("9 recovery codes remain"), "{}", mails[0]);
    let ev = events(&app, "rory").await;
    assert!(has(&ev, "recovery_code", "user:rory", None));
    assert!(has(
        &ev,
        "mail_sent",
        "user:rory",
        Some("recovery_code_used")
    ));
}

#[tokio::test]
async fn an_admin_mfa_reset_is_mailed_and_audited_one_by_one_and_in_bulk() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "helpdesk").await;
    let one = app.user("ona").await;
    app.give_totp(&one).await;
    let (status, _) = api
        .post(&format!("/users/{}/reset-mfa", one.id), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        app.mails_to("ona@example.com", "Your two-step verification was reset")
            .len(),
        1,
        "{:?}",
        app.outbox()
    );
    let ev = events(&app, "ona").await;
    assert!(has(&ev, "mfa_reset", "admin:helpdesk", None));
    assert!(has(
        &ev,
        "mail_sent",
        "admin:helpdesk",
        Some("factors_removed")
    ));

    // In bulk: each owner whose factors went is told; one without any is not.
    let two = app.user("two").await;
    app.give_totp(&two).await;
    let bare = app.user("bare").await;
    let (status, body) = api
        .post(
            "/users/bulk",
            json!({"action": "reset_mfa", "ids": [two.id, bare.id]}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["succeeded"], 2);
    let subject = "Your two-step verification was reset";
    assert_eq!(app.mails_to("two@example.com", subject).len(), 1);
    assert!(app.mails_to("bare@example.com", subject).is_empty());
    // The audit API shows it too.
    let (status, listed) = api.get("/audit?user=two").await;
    assert_eq!(status, 200);
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "mail_sent" && e["detail"]["kind"] == "factors_removed"),
        "{listed}"
    );
}

#[tokio::test]
async fn a_totp_seed_set_by_the_cli_is_mailed_and_audited() {
    let app = spawn_app().await;
    app.user("cleo").await;
    let b32 = portcullis::auth::totp::to_base32(&portcullis::auth::totp::generate_secret());
    let out = cli(&app, &["user", "totp-set", "cleo", "--secret", &b32]).unwrap();
    assert_eq!(out["totp"], true);
    assert_eq!(out["notified"], true);
    let mails = app.mails_to(
        "cleo@example.com",
        "An authenticator app was added to your account",
    );
    assert_eq!(mails.len(), 1, "{:?}", app.outbox());
    assert!(mails[0].contains("by an administrator"));
    let ev = events(&app, "cleo").await;
    assert!(has(&ev, "totp_set", "cli", None));
    assert!(has(&ev, "mail_sent", "cli", Some("factor_added_totp")));
}

/// A seed set over the app a user had (a lost or stolen phone) takes the old
/// app's recovery codes and every session with it, as the account page's
/// replacement does: what proved the old app proves nothing any more.
#[tokio::test]
async fn a_totp_seed_set_over_an_app_ends_its_codes_and_sessions() {
    let app = spawn_app().await;
    let user = app.user("cleo").await;
    app.give_totp(&user).await;
    let (db, sealer) = (&app.state.db, &app.state.sealer);
    let codes = portcullis::db::factors::new_recovery_codes(db, sealer, &user.id)
        .await
        .unwrap();
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    app.sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    let silent = || AuthParams::new(&client).set("prompt", "none");
    assert!(
        browser
            .authorize(&silent())
            .await
            .params()
            .contains_key("code")
    );

    let b32 = portcullis::auth::totp::to_base32(&portcullis::auth::totp::generate_secret());
    let out = cli(&app, &["user", "totp-set", "cleo", "--secret", &b32]).unwrap();
    assert_eq!(
        (out["replaced"].as_bool(), out["signed_out"].as_bool()),
        (Some(true), Some(true))
    );
    assert!(
        !portcullis::db::factors::use_recovery_code(db, sealer, &user.id, &codes[0])
            .await
            .unwrap(),
        "the old app's codes are gone"
    );
    assert_eq!(
        browser.authorize(&silent()).await.params()["error"],
        "login_required"
    );
    let ev = events(&app, "cleo").await;
    assert!(
        ev.iter()
            .any(|e| e.event == "sessions_ended" && e.detail["reason"] == "totp_replaced")
    );

    // The same seed again (a migration run twice) changes nothing.
    let codes = portcullis::db::factors::new_recovery_codes(db, sealer, &user.id)
        .await
        .unwrap();
    let out = cli(&app, &["user", "totp-set", "cleo", "--secret", &b32]).unwrap();
    assert_eq!(
        (out["unchanged"].as_bool(), out["replaced"].as_bool()),
        (Some(true), Some(false))
    );
    assert!(
        portcullis::db::factors::use_recovery_code(db, sealer, &user.id, &codes[0])
            .await
            .unwrap()
    );

    // A first seed ends nothing.
    app.user("cato").await;
    let out = cli(&app, &["user", "totp-set", "cato", "--secret", &b32]).unwrap();
    assert_eq!(out["replaced"], false);
    assert!(
        !events(&app, "cato")
            .await
            .iter()
            .any(|e| e.event == "sessions_ended")
    );
}

#[tokio::test]
async fn an_undeliverable_notice_keeps_the_new_factor_and_is_audited() {
    // A mail server that refuses connections.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let app = spawn_with(Options {
        smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
        ..Options::default()
    })
    .await;
    let user = app.user("nomail").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let enroll = browser.login(&page, &user).await;
    let secret = otpauth_secret(enroll.html());
    let codes = browser
        .submit(&form_with(enroll.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    assert_eq!(codes.status(), 200);
    assert!(codes.html().contains("recovery-codes"), "{}", codes.html());
    assert!(
        portcullis::db::factors::has_totp(&app.state.db, &user.id)
            .await
            .unwrap()
    );
    let ev = events(&app, "nomail").await;
    assert!(ev.iter().any(|e| e.event == "mail_sent"
        && e.outcome == "failure"
        && e.detail["kind"] == "factor_added_totp"));
}

/// Wrong codes after a right password lock the second factor. The failure
/// that locks it is mailed to the owner, once, since whoever typed the codes
/// knows the password; fewer failures, and the attempts refused while locked,
/// mail nothing.
#[tokio::test]
async fn wrong_codes_that_lock_the_second_factor_are_mailed_once() {
    let app = spawn_app().await;
    let user = app.user("wren").await;
    app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let mut page = browser.login(&page, &user).await;
    let subject = "Wrong codes locked two-step verification on your account";
    let wrong = |page: &Landing| form_with(page.html(), "code").set("code", "000000");
    for n in 1..=5 {
        assert!(
            app.mails_to("wren@example.com", subject).is_empty(),
            "nothing mailed before the lock ({n})"
        );
        page = browser.submit(&wrong(&page)).await;
        assert_eq!(page.status(), 401);
    }
    let mails = app.mails_to("wren@example.com", subject);
    assert_eq!(mails.len(), 1, "{:?}", app.outbox());
    let text = mails[0].split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(text.contains("code was typed 5 times"), "{text}");
    assert!(text.contains("locked for 15 minutes"), "{text}");
    assert!(text.contains("Account: wren"), "{text}");

    let locked = browser.submit(&wrong(&page)).await;
    assert_eq!(locked.status(), 429);
    assert_eq!(app.mails_to("wren@example.com", subject).len(), 1);

    // The window closes and the password holder locks it again at once: no
    // second mail within six hours, another one after.
    let (app, user, client) = (&app, &user, &client);
    let lock_again = move |key: &'static str| async move {
        let store = &app.state.store;
        store
            .delete(&format!("limit:code:user:{}", user.id))
            .await
            .unwrap();
        if !key.is_empty() {
            store.delete(&format!("{key}{}", user.id)).await.unwrap();
        }
        let browser = Browser::new(app);
        let page = browser
            .authorize(&AuthParams::new(client).set("acr_values", "mfa"))
            .await;
        let mut page = browser.login(&page, user).await;
        for _ in 0..5 {
            page = browser.submit(&wrong(&page)).await;
            assert_eq!(page.status(), 401);
        }
        assert_eq!(browser.submit(&wrong(&page)).await.status(), 429);
    };
    lock_again("").await;
    assert_eq!(app.mails_to("wren@example.com", subject).len(), 1);
    lock_again("notice:locked:").await;
    assert_eq!(app.mails_to("wren@example.com", subject).len(), 2);
    let ev = events(app, "wren").await;
    assert!(has(
        &ev,
        "mail_sent",
        "user:wren",
        Some("second_factor_locked")
    ));
}
