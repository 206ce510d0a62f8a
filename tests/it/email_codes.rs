//! `[factors] email_otp`: a six-digit code mailed to the account's address
//! proves `mfa` once, for the sign-in that asked for it; wrong guesses lock
//! the form like TOTP; nothing of it exists while the switch is off.

use portcullis::oidc::email_code::SUBJECT;

use crate::helpers::{
    AuthParams, Browser, Landing, Options, TestApp, TestUser, form_with, spawn_with,
};
use crate::self_service_helpers::wait_for_mails;
use crate::smtp_server::decoded;

async fn spawn_mailing() -> TestApp {
    spawn_with(Options {
        toml: "[factors]\nemail_otp = true\n".into(),
        ..Options::default()
    })
    .await
}

fn address(user: &TestUser) -> String {
    format!("{}@example.com", user.username)
}

/// The code in the `n`-th sign-in mail to `user` (from 1), waiting for it.
async fn mailed_code(app: &TestApp, user: &TestUser, n: usize) -> String {
    let mails = wait_for_mails(app, &address(user), SUBJECT, n).await;
    assert!(mails.len() >= n, "{} code mails, wanted {n}", mails.len());
    let body = decoded(&mails[n - 1]);
    let after = body.split("sign-in code is").nth(1).expect("a code line");
    let code: String = after.trim_start().chars().take(6).collect();
    assert!(code.chars().all(|c| c.is_ascii_digit()), "{body}");
    code
}

/// Authorizes at `acr_values=mfa` and signs in with the password.
async fn to_second_step(app: &TestApp, browser: &Browser, user: &TestUser) -> Landing {
    let client = app.client(false).await;
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    browser.login(&page, user).await
}

async fn post_code(browser: &Browser, page: &Landing, code: &str) -> Landing {
    let form = form_with(page.html(), "code").set("code", code);
    assert!(form.action.contains("method=email"), "{}", form.action);
    browser.submit(&form).await
}

#[tokio::test]
async fn a_mailed_code_proves_mfa_once_and_never_phr() {
    let app = spawn_mailing().await;
    let user = app.user("mia").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, &user).await;
    // An account with only its mailbox is asked for the mailed code, not
    // enrolled on the password alone.
    assert!(
        page.html().contains("m\u{2022}\u{2022}@example.com"),
        "{}",
        page.html()
    );
    assert!(!page.html().contains("data-otpauth"));
    let code = mailed_code(&app, &user, 1).await;
    // Reloading the page sends no second mail.
    let action = form_with(page.html(), "code").action;
    let reloaded = browser.get(&action.replace("/email?", "?")).await;
    assert_eq!(reloaded.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(app.mails_to(&address(&user), SUBJECT).len(), 1);

    let back = post_code(&browser, &page, &code).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
    let amr: Vec<&str> = claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(amr.contains(&"otp") && amr.contains(&"mfa"), "{amr:?}");

    // The same code in another sign-in is refused: single use, and bound to
    // the sign-in it was mailed for.
    let other = Browser::new(&app);
    let page = to_second_step(&app, &other, &user).await;
    let replayed = post_code(&other, &page, &code).await;
    assert_eq!(replayed.status(), 401, "{}", replayed.html());

    // A mailed code never makes phr: an essential phr request is led to add a
    // key after the code, never finished by it.
    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
    let third = Browser::new(&app);
    let page = third
        .authorize(&AuthParams::new(&client).set("claims", essential))
        .await;
    let page = third.login(&page, &user).await;
    assert!(
        page.html().contains("prove-existing-factor"),
        "{}",
        page.html()
    );
    let code = mailed_code(&app, &user, 3).await;
    let after = post_code(&third, &page, &code).await;
    assert!(
        after.html().contains("data-webauthn-begin"),
        "{}",
        after.html()
    );
}

#[tokio::test]
async fn guessing_locks_the_form_even_for_the_right_code() {
    let app = spawn_mailing().await;
    let user = app.user("gus").await;
    let browser = Browser::new(&app);
    let page = to_second_step(&app, &browser, &user).await;
    let code = mailed_code(&app, &user, 1).await;
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let mut page = page;
    for _ in 0..5 {
        page = post_code(&browser, &page, wrong).await;
        assert_eq!(page.status(), 401, "{}", page.html());
    }
    let locked = post_code(&browser, &page, &code).await;
    assert_eq!(locked.status(), 429, "{}", locked.html());
    let mut locked_audited = false;
    for _ in 0..30 {
        let audit = portcullis::db::audit::list(&app.state.db, Some(&user.id), None, 50)
            .await
            .unwrap();
        locked_audited = audit
            .iter()
            .any(|e| e.event == "email_otp" && e.outcome == "locked");
        if locked_audited {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(locked_audited);
}

#[tokio::test]
async fn asking_again_replaces_the_code_and_is_limited() {
    let app = spawn_mailing().await;
    let user = app.user("ria").await;
    let browser = Browser::new(&app);
    let page = to_second_step(&app, &browser, &user).await;
    let first = mailed_code(&app, &user, 1).await;
    let resend = crate::helpers::Form {
        action: page
            .html()
            .split("action=\"")
            .find(|s| s.starts_with("/") && s.contains("/email/send"))
            .and_then(|s| s.split('"').next())
            .expect("a resend form")
            .replace("&amp;", "&"),
        fields: Vec::new(),
    };
    let again = browser
        .submit(&crate::helpers::Form {
            fields: vec![("csrf_token".into(), csrf_of(page.html(), "/email/send"))],
            ..resend.clone()
        })
        .await;
    assert_eq!(again.status(), 200, "{}", again.html());
    assert!(again.html().contains("A new code is on its way"));
    let second = mailed_code(&app, &user, 2).await;
    if first != second {
        let old = post_code(&browser, &again, &first).await;
        assert_eq!(old.status(), 401, "the replaced code still worked");
    }
    // Five codes per quarter hour: the sixth request mails nothing.
    let mut page = again;
    for _ in 0..4 {
        page = browser
            .submit(&crate::helpers::Form {
                fields: vec![("csrf_token".into(), csrf_of(page.html(), "/email/send"))],
                ..resend.clone()
            })
            .await;
    }
    assert_eq!(page.status(), 429, "{}", page.html());
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(app.mails_to(&address(&user), SUBJECT).len(), 5);
}

/// The CSRF token of the form whose action contains `action`.
fn csrf_of(html: &str, action: &str) -> String {
    let form = html
        .split("<form")
        .find(|f| f.contains(action))
        .expect("the form");
    form.split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a csrf token")
        .to_owned()
}

#[tokio::test]
async fn a_user_with_an_app_is_offered_both_and_switched_off_there_is_no_mail() {
    let app = spawn_mailing().await;
    let user = app.user("cho").await;
    app.give_totp(&user).await;
    let browser = Browser::new(&app);
    let page = to_second_step(&app, &browser, &user).await;
    assert!(page.html().contains("method=email") && page.html().contains("method=totp"));

    let off = crate::helpers::spawn_app().await;
    let user = off.user("offa").await;
    off.give_totp(&user).await;
    let browser = Browser::new(&off);
    let page = to_second_step(&off, &browser, &user).await;
    let html = page.html().to_string();
    assert!(!html.contains("method=email"), "{html}");
    let id = html
        .split("/interaction/")
        .nth(1)
        .and_then(|s| s.split('/').next())
        .unwrap()
        .to_owned();
    let asked = browser
        .get(&format!("/interaction/{id}?method=email"))
        .await;
    assert!(!asked.html().contains("/email/send"), "{}", asked.html());
    // A post to the code endpoint with a token valid for this sign-in is not taken.
    let csrf = csrf_of(asked.html(), "/totp");
    let posted = browser
        .submit(&crate::helpers::Form {
            action: format!("/interaction/{id}/email?method=email"),
            fields: vec![
                ("csrf_token".into(), csrf),
                ("code".into(), "123456".into()),
            ],
        })
        .await;
    assert!(!matches!(posted, Landing::Left { .. }));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(off.mails_to("offa@example.com", SUBJECT).is_empty());
}
