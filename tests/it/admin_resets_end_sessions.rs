//! An administrator's password set, MFA reset, disable and sign-out (admin API,
//! bulk actions, console, CLI) end the user's browser sessions and revoke their
//! refresh tokens with the access tokens issued from them: the next /authorize
//! asks for the password, a refresh is `invalid_grant`, the access token
//! introspects inactive. On the embedded store and on a real redis-server, and
//! also from the CLI, which cannot reach an embedded store.

use serde_json::{Value, json};

use crate::admin_helpers::AdminApi;
use crate::helpers::*;
use crate::token_helpers::*;

/// One browser signed in at `client` with `offline_access`, and its tokens.
struct SignedIn {
    browser: Browser,
    refresh: String,
    access: String,
}

async fn sign_in(app: &TestApp, client: &TestClient, user: &TestUser) -> SignedIn {
    let browser = Browser::new(app);
    let params = AuthParams::new(client).set("scope", OFFLINE);
    let tokens = app.sign_in_with(&browser, client, user, &params).await;
    SignedIn {
        browser,
        refresh: str_of(&tokens, "refresh_token").to_string(),
        access: str_of(&tokens, "access_token").to_string(),
    }
}

async fn still_signed_in(app: &TestApp, client: &TestClient, rs: &TestClient, s: &SignedIn) {
    let back = s.browser.authorize(&AuthParams::new(client)).await;
    assert!(
        matches!(back, Landing::Left { .. }),
        "the session should still sign in without a prompt: {back:?}"
    );
    assert_eq!(app.introspect(rs, &s.access).await["active"], true);
}

async fn ended(app: &TestApp, client: &TestClient, rs: &TestClient, s: &SignedIn, what: &str) {
    match s.browser.authorize(&AuthParams::new(client)).await {
        Landing::Page { html, .. } => assert!(
            html.contains("name=\"password\""),
            "{what}: the next sign-in must ask for the password:\n{html}"
        ),
        Landing::Left { location, .. } => {
            panic!("{what}: the old browser session still signs in: {location}")
        }
    }
    let resp = app.refresh(client, &s.refresh, None).await;
    assert_eq!(
        error_of(resp).await,
        (400, "invalid_grant".to_string()),
        "{what}: refresh"
    );
    assert_eq!(
        app.introspect(rs, &s.access).await,
        json!({"active": false}),
        "{what}: access token"
    );
    assert_eq!(
        app.userinfo_status(&s.access).await,
        401,
        "{what}: userinfo"
    );
}

async fn every_reset_ends_sessions(backend: Backend) {
    let app = spawn_on(backend).await;
    let api = AdminApi::new(&app, "ops").await;
    let client = app.client(false).await;
    let rs = app.client(false).await;
    let bystander = app.user("bystander").await;
    let theirs = sign_in(&app, &client, &bystander).await;

    // Password set.
    let user = app.user("pia").await;
    let s = sign_in(&app, &client, &user).await;
    still_signed_in(&app, &client, &rs, &s).await;
    let (status, _) = api
        .post(
            &format!("/users/{}/password", user.id),
            json!({"password": "a brand new password"}),
        )
        .await;
    assert_eq!(status, 204);
    ended(&app, &client, &rs, &s, "password set").await;

    // MFA reset, of a user who signed in with a second factor.
    let user = app.user("mo").await;
    let seed = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client)
        .set("scope", OFFLINE)
        .set("acr_values", "mfa");
    let page = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let back = browser
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&seed, 0)))
        .await;
    let tokens: Value = app.token_response(&client, &params, &back).await;
    let s = SignedIn {
        browser,
        refresh: str_of(&tokens, "refresh_token").to_string(),
        access: str_of(&tokens, "access_token").to_string(),
    };
    let (status, _) = api
        .post(&format!("/users/{}/reset-mfa", user.id), json!({}))
        .await;
    assert_eq!(status, 200);
    ended(&app, &client, &rs, &s, "MFA reset").await;

    // Disable (PATCH active=false): ended, and no new sign-in either.
    let user = app.user("dana").await;
    let s = sign_in(&app, &client, &user).await;
    let link = portcullis::db::password_tokens::issue(&app.state.db, &user.id, 3600)
        .await
        .unwrap();
    let (status, body) = api
        .json(
            reqwest::Method::PATCH,
            &format!("/users/{}", user.id),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!((status, &body["active"]), (200, &json!(false)), "{body}");
    ended(&app, &client, &rs, &s, "disable").await;
    assert!(
        portcullis::db::password_tokens::peek(&app.state.db, &link)
            .await
            .unwrap()
            .is_none(),
        "a set-password link outlived the disable"
    );
    let retry = Browser::new(&app);
    let page = retry
        .login(&retry.authorize(&AuthParams::new(&client)).await, &user)
        .await;
    assert_eq!(page.status(), 401, "a disabled user cannot sign in");

    // Sign-out does only that: the password still works afterwards.
    let user = app.user("sol").await;
    let s = sign_in(&app, &client, &user).await;
    let (status, body) = api
        .post(&format!("/users/{}/sign-out", user.id), json!({}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], user.id.as_str());
    assert_eq!(body["sessions"], 1, "{body}");
    assert_eq!(body["refresh_families"], 1, "{body}");
    ended(&app, &client, &rs, &s, "sign-out").await;
    let again = sign_in(&app, &client, &user).await;
    still_signed_in(&app, &client, &rs, &again).await;
    let (status, _) = api.post("/users/no-such-user/sign-out", json!({})).await;
    assert_eq!(status, 404);

    // Bulk MFA reset and bulk sign-out.
    let (u1, u2) = (app.user("bo").await, app.user("bea").await);
    let (s1, s2) = (
        sign_in(&app, &client, &u1).await,
        sign_in(&app, &client, &u2).await,
    );
    let (status, body) = api
        .post(
            "/users/bulk",
            json!({"action": "reset_mfa", "ids": [u1.id.clone()]}),
        )
        .await;
    assert_eq!((status, &body["succeeded"]), (200, &json!(1)), "{body}");
    let (status, body) = api
        .post(
            "/users/bulk",
            json!({"action": "sign_out", "ids": [u2.id.clone(), "nobody"]}),
        )
        .await;
    assert_eq!((status, &body["succeeded"]), (200, &json!(1)), "{body}");
    ended(&app, &client, &rs, &s1, "bulk MFA reset").await;
    ended(&app, &client, &rs, &s2, "bulk sign-out").await;

    // The CLI, which reaches the database (and Redis when configured).
    let user = app.user("cy").await;
    let s = sign_in(&app, &client, &user).await;
    let out = cli(&app, &["user", "sign-out", "cy"]).expect("user sign-out");
    assert_eq!(out["username"], "cy");
    ended(&app, &client, &rs, &s, "CLI sign-out").await;
    assert!(cli(&app, &["user", "sign-out", "nobody"]).is_err());

    // Nobody else was touched.
    still_signed_in(&app, &client, &rs, &theirs).await;
    let resp = app.refresh(&client, &theirs.refresh, None).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn resets_end_sessions_and_tokens_on_the_embedded_store() {
    every_reset_ends_sessions(Backend::Memory).await;
}

#[tokio::test]
async fn resets_end_sessions_and_tokens_on_redis() {
    every_reset_ends_sessions(Backend::Redis).await;
}

/// A code handed out just before a reset cannot be redeemed after it: nothing
/// descends from the ended session.
#[tokio::test]
async fn a_code_issued_before_a_sign_out_is_refused_after_it() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "ops").await;
    let client = app.client(false).await;
    let user = app.user("cora").await;
    let s = sign_in(&app, &client, &user).await;
    let params = AuthParams::new(&client).set("scope", OFFLINE);
    let code = s.browser.authorize(&params).await.code();
    let (status, _) = api
        .post(&format!("/users/{}/sign-out", user.id), json!({}))
        .await;
    assert_eq!(status, 200);
    let resp = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(error_of(resp).await, (400, "invalid_grant".to_string()));
}

/// The console's user page: "Sign out everywhere" and "Disable user"; and an
/// administrator signed out by another loses the console too.
#[tokio::test]
async fn the_console_ends_sessions_and_is_ended_itself() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let rs = app.client(false).await;
    let (console, _) = crate::admin_console::sign_in(&app, "boss", &["admins"]).await;
    let user = app.user("vic").await;
    let s = sign_in(&app, &client, &user).await;

    let post = |op: &'static str| {
        let (console, id) = (&console, user.id.clone());
        async move {
            let page = console.get(&format!("/admin/users/{id}")).await;
            let csrf = form_with(page.html(), "csrf_token")
                .get("csrf_token")
                .unwrap()
                .to_string();
            assert!(page.html().contains(&format!("value=\"{op}\"")), "{op}");
            let form = Form {
                action: format!("/admin/users/{id}"),
                fields: vec![("csrf_token".into(), csrf), ("op".into(), op.into())],
            };
            console.submit(&form).await
        }
    };
    let done = post("sign-out").await;
    assert!(done.html().contains("sessions and tokens were ended"));
    ended(&app, &client, &rs, &s, "console sign-out").await;

    let s = sign_in(&app, &client, &user).await;
    let done = post("disable").await;
    assert!(done.html().contains("User disabled"), "{}", done.html());
    ended(&app, &client, &rs, &s, "console disable").await;
    let done = post("enable").await;
    assert!(done.html().contains("User enabled"));
    sign_in(&app, &client, &user).await;

    // Another administrator signs "boss" out: the console session ends with it.
    let boss = portcullis::db::users::find_by_username(&app.state.db, "boss")
        .await
        .unwrap()
        .unwrap();
    let api = AdminApi::new(&app, "ops").await;
    let (status, body) = api
        .post(&format!("/users/{}/sign-out", boss.id), json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["sessions"], 2, "browser and console session: {body}");
    let r = console
        .http
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302, "back to sign-in");
}
