//! The account page, driven like a browser: sign-in through our own
//! /authorize, password change, factors added and removed only with fresh
//! proofs, the last required factor kept, new recovery codes, and other
//! browsers signed out.

use portcullis::db::factors;

use crate::helpers::{
    AuthParams, Browser, Landing, Options, TestApp, TestUser, form_to, form_with, spawn_app,
    spawn_with, totp_code,
};

/// Answers the sign-in `/account` sends the browser to: the password, then a
/// code from `secret` at `step` when one is asked for.
async fn sign_in(
    b: &Browser,
    page: Landing,
    user: &TestUser,
    code: Option<(&[u8], i64)>,
) -> Landing {
    assert!(page.html().contains("name=\"password\""), "{}", page.html());
    let after = b.login(&page, user).await;
    match (code, after.html().contains("name=\"code\"")) {
        (Some((secret, step)), true) => {
            let form = form_with(after.html(), "code").set("code", &totp_code(secret, step));
            b.submit(&form).await
        }
        (None, false) => after,
        (wanted, asked) => panic!("code wanted {} but asked {asked}", wanted.is_some()),
    }
}

async fn open_account(
    app: &TestApp,
    user: &TestUser,
    code: Option<(&[u8], i64)>,
) -> (Browser, Landing) {
    let b = Browser::new(app);
    let login = b.get("/account").await;
    let page = sign_in(&b, login, user, code).await;
    assert_eq!(page.status(), 200, "{}", page.html());
    assert!(
        page.html().contains("id=\"account-user\""),
        "{}",
        page.html()
    );
    (b, page)
}

fn mails_about(app: &TestApp, user: &TestUser, subject: &str) -> usize {
    app.mails_to(&format!("{}@example.com", user.username), subject)
        .len()
}

#[tokio::test]
async fn password_change_needs_the_current_password() {
    let app = spawn_app().await;
    let mut user = app.user("ann").await;
    let (b, page) = open_account(&app, &user, None).await;
    assert!(page.html().contains(&user.username));

    let wrong = form_to(page.html(), "/account/password")
        .set("current_password", "not-the-password")
        .set("new_password", "a-brand-new-secret");
    let refused = b.submit(&wrong).await;
    assert_eq!(refused.status(), 400);
    assert!(refused.html().contains("id=\"account-error\""));

    let right = form_to(refused.html(), "/account/password")
        .set("current_password", &user.password)
        .set("new_password", "a-brand-new-secret");
    let done = b.submit(&right).await;
    assert_eq!(done.status(), 200);
    assert!(
        done.html().contains("id=\"account-notice\""),
        "{}",
        done.html()
    );
    assert_eq!(
        mails_about(&app, &user, "Your Portcullis password was changed"),
        1
    );

    // The old password no longer signs in; the new one does.
    let other = Browser::new(&app);
    let login = other.get("/account").await;
    let again = other.login(&login, &user).await;
    assert!(
        again.html().contains("name=\"password\""),
        "old password refused"
    );
    user.password = "a-brand-new-secret".into();
    open_account(&app, &user, None).await;
    // A replayed form (its token is spent) changes nothing.
    let replay = b
        .submit(&right.set("new_password", "yet-another-secret"))
        .await;
    assert_eq!(replay.status(), 403);
}

/// Whoever knew the old password keeps nothing it gave them: the other
/// browser's session, its access and refresh tokens and a set-password link
/// mailed before all end with the change; the browser that made it stays
/// signed in.
#[tokio::test]
async fn a_password_change_ends_every_other_session_and_refresh_token() {
    let app = spawn_app().await;
    let user = app.user("pia").await;
    let client = app.client(false).await;
    let other = Browser::new(&app);
    let tokens = app
        .sign_in_with(
            &other,
            &client,
            &user,
            &AuthParams::new(&client).set("scope", crate::token_helpers::OFFLINE),
        )
        .await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let link = portcullis::db::password_tokens::issue(&app.state.db, &user.id, 3600)
        .await
        .unwrap();

    let (b, page) = open_account(&app, &user, None).await;
    let change = form_to(page.html(), "/account/password")
        .set("current_password", &user.password)
        .set("new_password", "a-brand-new-secret");
    let done = b.submit(&change).await;
    assert_eq!(done.status(), 200);
    assert!(
        done.html().contains("id=\"account-notice\""),
        "{}",
        done.html()
    );

    let silent = other
        .authorize(&AuthParams::new(&client).set("prompt", "none"))
        .await
        .params();
    assert_eq!(silent["error"], "login_required", "{silent:?}");
    assert_eq!(app.refresh(&client, &refresh, None).await.status(), 400);
    let info = reqwest::Client::new()
        .get(app.url("/userinfo"))
        .bearer_auth(&access)
        .send()
        .await
        .unwrap();
    assert_eq!(
        info.status(),
        401,
        "the other browser's access token outlived the change"
    );
    assert!(
        portcullis::db::password_tokens::peek(&app.state.db, &link)
            .await
            .unwrap()
            .is_none(),
        "the set-password link outlived the change"
    );
    let still = b.get("/account").await;
    assert!(
        still.html().contains("id=\"account-user\""),
        "{}",
        still.html()
    );
}

/// The relying parties the other browsers signed in to are told
/// (back-channel logout), the password change's and the sign-out button's
/// alike; the browser that made the change is not signed out of them.
#[tokio::test]
async fn browsers_signed_out_from_the_account_page_are_logged_out_at_their_clients() {
    let app = spawn_app().await;
    let receiver = crate::backchannel_receiver::Receiver::start(&app).await;
    let client = crate::backchannel_logout::client_with_receiver(&app, &receiver).await;
    let user = app.user("bo").await;
    let sid_of = |tokens: serde_json::Value| {
        crate::protocol_helpers::jwt_payload(tokens["id_token"].as_str().unwrap())["sid"].clone()
    };
    let other = Browser::new(&app);
    let other_sid = sid_of(
        app.sign_in_with(&other, &client, &user, &AuthParams::new(&client))
            .await,
    );
    let (b, page) = open_account(&app, &user, None).await;
    app.sign_in_with(&b, &client, &user, &AuthParams::new(&client))
        .await;
    let change = form_to(page.html(), "/account/password")
        .set("current_password", &user.password)
        .set("new_password", "a-brand-new-secret");
    assert_eq!(b.submit(&change).await.status(), 200);
    let got = receiver.accepted(1).await;
    assert_eq!(got[0].1["sid"], other_sid, "the other browser's session");
    // This browser is still signed in at the client.
    let silent = b
        .authorize(&AuthParams::new(&client).set("prompt", "none"))
        .await
        .params();
    assert!(silent.contains_key("code"), "{silent:?}");

    // The sign-out button: the other browser signs in again and is ended.
    let again = Browser::new(&app);
    let mut user = user;
    user.password = "a-brand-new-secret".into();
    let again_sid = sid_of(
        app.sign_in_with(&again, &client, &user, &AuthParams::new(&client))
            .await,
    );
    let page = b.get("/account").await;
    let end = form_to(page.html(), "/account/sessions/end-others");
    assert_eq!(b.submit(&end).await.status(), 200);
    let got = receiver.accepted(2).await;
    assert_eq!(got.get(1).map(|g| &g.1["sid"]), Some(&again_sid));
}

#[tokio::test]
async fn adding_a_factor_needs_a_fresh_proof_of_an_existing_one() {
    let app = spawn_app().await;
    let user = app.user("bea").await;
    let old = app.give_totp(&user).await;
    // The policy asks for a password only: this sign-in proved no factor.
    let (b, _) = open_account(&app, &user, None).await;
    let secret_now = || async {
        factors::totp(&app.state.db, &app.state.sealer, &user.id)
            .await
            .unwrap()
            .unwrap()
            .secret
    };
    assert_eq!(secret_now().await, old);
    // Neither may the password be changed on the password alone.
    let page = b.get("/account").await;
    let change = form_to(page.html(), "/account/password")
        .set("current_password", &user.password)
        .set("new_password", "taken-over-account");
    let proof = b.submit(&change).await;
    assert!(
        proof.html().contains("name=\"password\""),
        "{}",
        proof.html()
    );
    // Setting up another app sends the browser to prove the existing one first.
    let proof = b.get("/account/totp").await;
    assert!(
        !proof.html().contains("totp-secret"),
        "no new secret without proof"
    );
    assert_eq!(secret_now().await, old);
    // With the password and a code of the existing app, it may.
    let back = sign_in(&b, proof, &user, Some((&old, 0))).await;
    assert!(
        back.html().contains("id=\"account-user\""),
        "{}",
        back.html()
    );
    let setup = b.get("/account/totp").await;
    let shown = setup.html().split("id=\"totp-secret\">").nth(1).unwrap();
    let b32: String = shown.split('<').next().unwrap().replace(' ', "");
    let new = portcullis::auth::totp::from_base32(&b32).unwrap();
    let wrong = form_with(setup.html(), "code").set("code", "000000");
    let wrong = b.submit(&wrong).await;
    assert_eq!(wrong.status(), 400);
    let confirm = form_with(wrong.html(), "code").set("code", &totp_code(&new, 0));
    let codes = b.submit(&confirm).await;
    assert_eq!(codes.status(), 200);
    assert_eq!(
        codes.html().matches("<li><code>").count(),
        10,
        "{}",
        codes.html()
    );
    assert_eq!(secret_now().await, new, "the new app replaced the old one");
    assert_eq!(
        mails_about(
            &app,
            &user,
            "An authenticator app was added to your account"
        ),
        1
    );
    let events = portcullis::db::audit::list(&app.state.db, None, None, 50)
        .await
        .unwrap();
    assert!(events.iter().any(|e| e.event == "totp_enrollment"));
}

#[tokio::test]
async fn removing_a_factor_and_new_recovery_codes_after_a_fresh_proof() {
    let app = spawn_app().await;
    let user = app.user("cid").await;
    let secret = app.give_totp(&user).await;
    let first = factors::new_recovery_codes(&app.state.db, &app.state.sealer, &user.id)
        .await
        .unwrap();
    let (b, page) = open_account(&app, &user, None).await;
    // Without a fresh proof: off to sign in again, nothing changed.
    let form = form_to(page.html(), "/account/recovery-codes");
    let proof = b.submit(&form).await;
    assert!(
        proof.html().contains("name=\"password\""),
        "{}",
        proof.html()
    );
    assert!(
        factors::use_recovery_code(&app.state.db, &app.state.sealer, &user.id, &first[0])
            .await
            .unwrap()
    );
    let page = sign_in(&b, proof, &user, Some((&secret, 0))).await;
    let codes = b
        .submit(&form_to(page.html(), "/account/recovery-codes"))
        .await;
    assert_eq!(codes.html().matches("<li><code>").count(), 10);
    assert!(
        !factors::use_recovery_code(&app.state.db, &app.state.sealer, &user.id, &first[1])
            .await
            .unwrap()
    );
    assert_eq!(
        mails_about(&app, &user, "New recovery codes were made for your account"),
        1
    );
    let page = b.get("/account").await;
    let removed = b
        .submit(&form_to(page.html(), "/account/factors/remove"))
        .await;
    assert_eq!(removed.status(), 200);
    assert!(
        removed.html().contains("id=\"factor-none\""),
        "{}",
        removed.html()
    );
    assert!(!factors::has_totp(&app.state.db, &user.id).await.unwrap());
    assert_eq!(
        mails_about(
            &app,
            &user,
            "An authenticator app was removed from your account"
        ),
        1
    );
}

#[tokio::test]
async fn the_last_factor_stays_while_the_policy_requires_one() {
    let app = spawn_with(Options {
        toml: "[policy]\ndefault = \"mfa\"\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("dan").await;
    let secret = app.give_totp(&user).await;
    let (b, page) = open_account(&app, &user, Some((&secret, 0))).await;
    let refused = b
        .submit(&form_to(page.html(), "/account/factors/remove"))
        .await;
    assert_eq!(refused.status(), 409, "{}", refused.html());
    assert!(refused.html().contains("id=\"account-error\""));
    assert!(factors::has_totp(&app.state.db, &user.id).await.unwrap());
    assert_eq!(
        mails_about(
            &app,
            &user,
            "An authenticator app was removed from your account"
        ),
        0
    );
}

#[tokio::test]
async fn signing_out_the_other_browsers() {
    let app = spawn_app().await;
    let user = app.user("eve").await;
    let (a, _) = open_account(&app, &user, None).await;
    let (other, _) = open_account(&app, &user, None).await;
    let page = a.get("/account").await;
    assert_eq!(
        page.html().matches("class=\"session\"").count(),
        2,
        "{}",
        page.html()
    );
    let done = a
        .submit(&form_to(page.html(), "/account/sessions/end-others"))
        .await;
    assert_eq!(done.html().matches("class=\"session\"").count(), 1);
    // The other browser's cookies no longer work: it must sign in again.
    let gone = other.get("/account").await;
    assert!(gone.html().contains("name=\"password\""), "{}", gone.html());
    // This one still does.
    assert!(
        a.get("/account")
            .await
            .html()
            .contains("id=\"account-user\"")
    );
}

#[tokio::test]
async fn an_administrators_sign_out_ends_the_account_page() {
    let app = spawn_app().await;
    let user = app.user("fay").await;
    let (b, _) = open_account(&app, &user, None).await;
    portcullis::admin::sign_out::sign_out(&app.state.admin_ctx("test"), &user.id)
        .await
        .unwrap();
    let gone = b.get("/account").await;
    assert!(gone.html().contains("name=\"password\""), "{}", gone.html());
}

/// The account page verifies the current password, then takes hundreds of
/// milliseconds to hash the new one: a change made meanwhile (an
/// administrator's reset, the owner in another browser) must stand. The new
/// hash replaces only the one that was verified, and only on an active
/// account.
#[tokio::test]
async fn a_password_change_replaces_only_the_password_it_verified() {
    use portcullis::db::{revocation, users};
    let app = spawn_app().await;
    let user = app.user("rae").await;
    let db = &app.state.db;
    let hash_of = |username: String| async move {
        users::credentials(db, &username)
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .unwrap()
    };
    let verified = hash_of(user.username.clone()).await;
    // Meanwhile an administrator set another password.
    let admins = portcullis::auth::password::hash("the-administrators-choice").unwrap();
    users::set_password_hash(db, &user.id, admins.clone())
        .await
        .unwrap();
    let late = portcullis::auth::password::hash("the-late-change").unwrap();
    assert!(
        !users::replace_password_hash(db, &user.id, &verified, late.clone())
            .await
            .unwrap()
    );
    assert_eq!(hash_of(user.username.clone()).await, admins);
    // Over the hash it verified, on a disabled account: refused too.
    revocation::set_active(db, &user.id, false).await.unwrap();
    assert!(
        !users::replace_password_hash(db, &user.id, &admins, late.clone())
            .await
            .unwrap()
    );
    revocation::set_active(db, &user.id, true).await.unwrap();
    assert!(
        users::replace_password_hash(db, &user.id, &admins, late.clone())
            .await
            .unwrap()
    );
    assert_eq!(hash_of(user.username.clone()).await, late);
}

/// The account page's sign-in comes back only to the browser that started
/// it: its callback (code and state) taken to another browser signs nobody
/// in and spends nothing, and the browser that started it still gets in.
#[tokio::test]
async fn the_account_sign_in_comes_back_only_to_its_browser() {
    let app = spawn_app().await;
    let user = app.user("ines").await;
    let b = Browser::new(&app);
    let page = b.get("/account").await;
    let form = form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password);
    let answer = b
        .http
        .post(b.absolute(&form.action))
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection(), "{}", answer.status());
    let callback = answer.headers()["location"].to_str().unwrap().to_owned();
    assert!(callback.contains("/account/callback?"), "{callback}");

    let other = Browser::new(&app);
    let elsewhere = other.get(&callback).await;
    assert!(
        !elsewhere.html().contains("id=\"account-user\""),
        "{}",
        elsewhere.html()
    );
    let home = b.get(&callback).await;
    assert!(
        home.html().contains("id=\"account-user\""),
        "{}",
        home.html()
    );
}

/// Removing a factor ends the sign-ins that may have proven it (whoever
/// stole an app or key is what one removes it against): the other browser
/// must sign in again and its refresh tokens are revoked; this one stays.
#[tokio::test]
async fn removing_a_factor_signs_out_every_other_browser() {
    let app = spawn_app().await;
    let user = app.user("cyd").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    // The other browser: signed in with the app, holding a refresh token.
    let thief = Browser::new(&app);
    let params = AuthParams::new(&client)
        .set("acr_values", "mfa")
        .set("scope", "openid offline_access");
    let page = thief.authorize(&params).await;
    let step = thief.login(&page, &user).await;
    let form = form_with(step.html(), "code").set("code", &totp_code(&secret, 0));
    let back = thief.submit(&form).await;
    let tokens: serde_json::Value = app.token_response(&client, &params, &back).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    let (b, page) = open_account(&app, &user, None).await;
    // A fresh proof of the app first.
    let proof = b
        .submit(&form_to(page.html(), "/account/factors/remove"))
        .await;
    let page = sign_in(&b, proof, &user, Some((&secret, 1))).await;
    let removed = b
        .submit(&form_to(page.html(), "/account/factors/remove"))
        .await;
    assert!(
        removed.html().contains("id=\"factor-none\""),
        "{}",
        removed.html()
    );
    // This browser stays; the other signs in again, its refresh token is gone.
    assert!(
        b.get("/account")
            .await
            .html()
            .contains("id=\"account-user\"")
    );
    let again = thief.authorize(&AuthParams::new(&client)).await;
    assert!(again.html().contains("name=\"password\""), "{again:?}");
    let refreshed = app
        .post_as(
            &client,
            "/token",
            &[("grant_type", "refresh_token"), ("refresh_token", &refresh)],
        )
        .await;
    assert_eq!(refreshed.status(), 400);
}

/// Signing out the other browsers needs the fresh proof a factor change
/// needs: a password alone does not sign the owner out everywhere.
#[tokio::test]
async fn signing_out_others_needs_a_fresh_proof_of_a_factor() {
    let app = spawn_app().await;
    let user = app.user("dell").await;
    let secret = app.give_totp(&user).await;
    let (owner, _) = open_account(&app, &user, None).await;
    let (thief, page) = open_account(&app, &user, None).await;
    let proof = thief
        .submit(&form_to(page.html(), "/account/sessions/end-others"))
        .await;
    assert!(
        proof.html().contains("name=\"password\""),
        "{}",
        proof.html()
    );
    assert!(
        owner
            .get("/account")
            .await
            .html()
            .contains("id=\"account-user\""),
        "the owner is still signed in"
    );
    // With the app proven, it goes ahead.
    let page = sign_in(&thief, proof, &user, Some((&secret, 0))).await;
    let done = thief
        .submit(&form_to(page.html(), "/account/sessions/end-others"))
        .await;
    assert_eq!(done.html().matches("class=\"session\"").count(), 1);
    assert!(
        owner
            .get("/account")
            .await
            .html()
            .contains("name=\"password\"")
    );
}

/// Another site's post to the account page's sign-out (no token, and the
/// strict cookie stays home) clears no cookie; the page's own form does.
#[tokio::test]
async fn a_sign_out_post_without_the_forms_token_clears_no_cookie() {
    let app = spawn_app().await;
    let user = app.user("otto").await;
    let (b, _) = open_account(&app, &user, None).await;
    let from_elsewhere = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = from_elsewhere
        .post(app.url("/account/logout"))
        .form(&[("csrf_token", "x")])
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("set-cookie").is_none(), "{:?}", r.headers());
    let page = b.get("/account").await;
    assert!(page.html().contains("account-sign-out"), "still signed in");
    let out = form_to(page.html(), "/account/logout");
    let done = b.submit(&out).await;
    assert_eq!(done.status(), 200);
    assert!(
        !done.html().contains("account-sign-out"),
        "the signed-out page"
    );
}
