//! "Forgot password": the same answer for every address, a single-use expiring
//! link for an account, limits per email and per client address counted before
//! anything is looked up, and a new password that keeps the second factor.

use crate::helpers::{
    AuthParams, Browser, Landing, Options, TestUser, form_with, spawn_app, spawn_with, totp_code,
};
use crate::self_service_helpers::{
    link_path, request_reset, set_password_at, settled_outbox, wait_for_mails,
};

const SUBJECT: &str = "Reset your Portcullis password";

#[tokio::test]
async fn the_login_page_links_to_forgot_password_with_an_email_input() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let login = browser.authorize(&AuthParams::new(&client)).await;
    let doc = scraper::Html::parse_document(login.html());
    let sel = scraper::Selector::parse("a[href*=forgot]").unwrap();
    let href = doc
        .select(&sel)
        .next()
        .expect("a forgot-password link")
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let page = browser.get(&href).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "email");
    assert!(form.get("csrf_token").is_some_and(|t| !t.is_empty()));
}

#[tokio::test]
async fn an_unknown_email_gets_the_same_answer_and_no_mail() {
    let app = spawn_app().await;
    app.user("ann").await;
    let browser = Browser::new(&app);
    let known = request_reset(&browser, "ANN@example.com").await;
    let unknown = request_reset(&browser, "nobody@example.com").await;
    assert_eq!(known.status(), 200);
    assert_eq!(unknown.status(), known.status());
    assert_eq!(unknown.html(), known.html(), "the page tells them apart");
    assert_eq!(
        wait_for_mails(&app, "ann@example.com", SUBJECT, 1)
            .await
            .len(),
        1
    );
    let outbox = settled_outbox(&app).await;
    assert_eq!(outbox.len(), 1, "only the account's owner is mailed");
    assert!(!outbox.iter().any(|m| m.contains("nobody@example.com")));
}

#[tokio::test]
async fn a_reset_link_works_once_and_keeps_the_second_factor() {
    let app = spawn_app().await;
    let user = app.user("bea").await;
    let seed = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    request_reset(&browser, "bea@example.com").await;
    let mail = wait_for_mails(&app, "bea@example.com", SUBJECT, 1).await;
    let link = link_path(&mail[0], "/set-password/");

    let new_pw = "bea's brand new password";
    let done = set_password_at(&browser, &link, new_pw).await;
    assert_eq!(done.status(), 200, "{}", done.html());
    assert!(done.html().contains("id=\"password-set\""));

    // Used once: the second time the link is refused and nothing changes.
    let again = set_password_at(&browser, &link, "someone else's password").await;
    assert_eq!(again.status(), 400);
    assert!(again.html().contains("Link not valid"));

    // The old password is gone; the new one signs in and still needs the code.
    let client = app.client(false).await;
    let old = TestUser {
        id: user.id.clone(),
        username: user.username.clone(),
        password: user.password.clone(),
    };
    let fresh = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = fresh.authorize(&params).await;
    assert_eq!(fresh.login(&page, &old).await.status(), 401);
    let page = fresh.authorize(&params).await;
    let renewed = TestUser {
        password: new_pw.into(),
        ..old
    };
    let step = fresh.login(&page, &renewed).await;
    let form = form_with(step.html(), "code").set("code", &totp_code(&seed, 0));
    let landing = fresh.submit(&form).await;
    let claims = app.tokens(&client, &params, &landing).await;
    assert_eq!(claims["acr"], "mfa");

    // The owner is told the password changed.
    assert_eq!(
        wait_for_mails(
            &app,
            "bea@example.com",
            "Your Portcullis password was changed",
            1
        )
        .await
        .len(),
        1
    );
}

#[tokio::test]
async fn a_reset_signs_out_the_sessions_made_with_the_old_password() {
    let app = spawn_app().await;
    let user = app.user("cyd").await;
    let client = app.client(false).await;
    let thief = Browser::new(&app);
    let page = thief.authorize(&AuthParams::new(&client)).await;
    assert!(matches!(
        thief.login(&page, &user).await,
        Landing::Left { .. }
    ));

    let owner = Browser::new(&app);
    request_reset(&owner, "cyd@example.com").await;
    let mail = wait_for_mails(&app, "cyd@example.com", SUBJECT, 1).await;
    let done = set_password_at(
        &owner,
        &link_path(&mail[0], "/set-password/"),
        "cyd's new pw!",
    )
    .await;
    assert_eq!(done.status(), 200);

    // The old session no longer signs the thief in silently.
    let again = thief.authorize(&AuthParams::new(&client)).await;
    assert!(again.html().contains("name=\"password\""), "{again:?}");
}

#[tokio::test]
async fn an_expired_reset_link_is_refused() {
    let app = spawn_with(Options {
        toml: "[recovery]\nlink_ttl = 1\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("dee").await;
    let browser = Browser::new(&app);
    request_reset(&browser, "dee@example.com").await;
    let mail = wait_for_mails(&app, "dee@example.com", SUBJECT, 1).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let page = browser.get(&link_path(&mail[0], "/set-password/")).await;
    assert_eq!(page.status(), 400);
    assert!(page.html().contains("Link not valid"));
    // The password is unchanged.
    let client = app.client(false).await;
    let login = browser.authorize(&AuthParams::new(&client)).await;
    assert!(matches!(
        browser.login(&login, &user).await,
        Landing::Left { .. }
    ));
}

/// A link sets nothing for a disabled account, also one made before the
/// disable and still in the database (an account disabled from the database
/// alone keeps its rows).
#[tokio::test]
async fn a_link_of_a_disabled_account_is_refused() {
    let app = spawn_app().await;
    let user = app.user("dirk").await;
    let browser = Browser::new(&app);
    request_reset(&browser, "dirk@example.com").await;
    let mail = wait_for_mails(&app, "dirk@example.com", SUBJECT, 1).await;
    portcullis::db::revocation::set_active(&app.state.db, &user.id, false)
        .await
        .unwrap();
    let page = browser.get(&link_path(&mail[0], "/set-password/")).await;
    assert_eq!(page.status(), 400);
    assert!(page.html().contains("Link not valid"), "{}", page.html());
}

#[tokio::test]
async fn reset_requests_are_limited_per_email_address() {
    let app = spawn_with(Options {
        toml: "[recovery]\nrequests_per_email = 2\n".into(),
        ..Options::default()
    })
    .await;
    app.user("eve").await;
    let browser = Browser::new(&app);
    for _ in 0..2 {
        assert_eq!(
            request_reset(&browser, "eve@example.com").await.status(),
            200
        );
    }
    // However it is spelled, the third for this address is refused, and an
    // address without an account is refused alike (the limit tells nothing).
    assert_eq!(
        request_reset(&browser, " Eve@Example.com").await.status(),
        429
    );
    for _ in 0..2 {
        request_reset(&browser, "ghost@example.com").await;
    }
    assert_eq!(
        request_reset(&browser, "ghost@example.com").await.status(),
        429
    );
    let outbox = settled_outbox(&app).await;
    assert_eq!(outbox.len(), 2, "a refused request mails nobody");
}

#[tokio::test]
async fn reset_requests_are_limited_per_client_address() {
    let app = spawn_with(Options {
        toml: "[recovery]\nrequests_per_address = 3\n".into(),
        ..Options::default()
    })
    .await;
    app.user("fay").await;
    let browser = Browser::new(&app);
    for i in 0..3 {
        let r = request_reset(&browser, &format!("probe{i}@example.com")).await;
        assert_eq!(r.status(), 200);
    }
    assert_eq!(
        request_reset(&browser, "fay@example.com").await.status(),
        429
    );
    assert!(settled_outbox(&app).await.is_empty());
}

#[tokio::test]
async fn a_reset_request_without_the_csrf_input_fails_and_mails_nobody() {
    let app = spawn_app().await;
    app.user("gil").await;
    let browser = Browser::new(&app);
    let page = browser.get("/forgot-password").await;
    let form = form_with(page.html(), "email")
        .set("email", "gil@example.com")
        .without("csrf_token");
    assert_eq!(browser.submit(&form).await.status(), 400);
    assert!(settled_outbox(&app).await.is_empty());
}

/// Median time of the forgot-password post for `email`, `n` times, each with a
/// fresh form (so the CSRF token is valid), interleaved by the caller.
async fn post_time(browser: &Browser, email: &str) -> std::time::Duration {
    let page = browser.get("/forgot-password").await;
    let form = form_with(page.html(), "email").set("email", email);
    let started = std::time::Instant::now();
    let answer = browser.submit(&form).await;
    let took = started.elapsed();
    assert_eq!(answer.status(), 200);
    took
}

#[tokio::test]
async fn the_answer_takes_as_long_for_an_unknown_address_as_for_an_account() {
    let app = spawn_with(Options {
        toml: "[recovery]\nrequests_per_email = 100\nrequests_per_address = 1000\n".into(),
        ..Options::default()
    })
    .await;
    app.user("hal").await;
    let browser = Browser::new(&app);
    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for _ in 0..15 {
        known.push(post_time(&browser, "hal@example.com").await);
        unknown.push(post_time(&browser, "nobody-here@example.com").await);
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[known.len() / 2], unknown[unknown.len() / 2]);
    println!("forgot-password median answer: account {k:?}, no account {u:?}");
    // The account's lookup, link and mail run after the answer: the answer
    // itself does the same work for both (a CSRF check and two counters).
    let gap = k.abs_diff(u);
    let bound = std::time::Duration::from_millis(15).max(u / 2);
    assert!(gap < bound, "account {k:?} vs no account {u:?}");
}

/// A reset that read the account just before an administrator changed its
/// address (the change committed before the link was stored) mails no link
/// to the old address, and leaves no link that works.
#[tokio::test]
async fn a_reset_read_before_an_address_change_mails_no_link() {
    let app = spawn_app().await;
    let user = app.user("cleo").await;
    let read = portcullis::db::users::find_by_id(&app.state.db, &user.id)
        .await
        .unwrap()
        .unwrap();
    let patch = portcullis::db::user_admin::Patch {
        email: Some("cleo@elsewhere.example".into()),
        ..Default::default()
    };
    portcullis::admin::users::update(
        &app.state.admin_ctx("test"),
        &user.id,
        patch,
        Default::default(),
    )
    .await
    .unwrap();
    portcullis::accounts::recovery::deliver_to(
        &app.state.accounts_ctx(),
        read,
        portcullis::i18n::Lang::default(),
    )
    .await
    .unwrap();
    let outbox = settled_outbox(&app).await;
    assert!(
        !outbox.iter().any(|m| m.contains("/set-password/")),
        "{outbox:?}"
    );
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let links = entity::password_tokens::Entity::find()
        .filter(entity::password_tokens::Column::UserId.eq(user.id.as_str()))
        .count(&app.state.db)
        .await
        .unwrap();
    assert_eq!(links, 0);
}

/// A link followed while an administrator disables the account (the account
/// is marked disabled before its links are revoked) leaves no password for
/// when it is enabled again.
#[tokio::test]
async fn a_link_spent_during_a_disable_sets_no_password() {
    use portcullis::login::onboarding::{PasswordSet, set_password};
    let app = spawn_app().await;
    let user = app.user("dina").await;
    let read = portcullis::db::users::find_by_id(&app.state.db, &user.id)
        .await
        .unwrap()
        .unwrap();
    let token = portcullis::db::password_tokens::issue(&app.state.db, &user.id, 3600)
        .await
        .unwrap();
    let before = portcullis::db::users::credentials(&app.state.db, &user.username)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    portcullis::db::revocation::set_active(&app.state.db, &user.id, false)
        .await
        .unwrap();
    let ctx = app.state.login_ctx();
    let set = set_password(&ctx, &token, &read, "a password set too late".into(), false)
        .await
        .unwrap();
    assert!(matches!(set, PasswordSet::LinkSpent));
    let after = portcullis::db::users::credentials(&app.state.db, &user.username)
        .await
        .unwrap()
        .unwrap()
        .password_hash;
    assert_eq!(after, before);
}
