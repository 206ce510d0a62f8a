//! `id_token_hint` on the authorization request (OIDC Core §3.1.2.1): the hint
//! names the user the relying party expects, and a session of someone else never
//! answers for them: `login_required` with `prompt=none`, else the login page.

use portcullis::keys::SigningAlg;
use serde_json::json;

use crate::helpers::*;
use crate::protocol_helpers::*;
use crate::token_helpers::*;

/// An ID token for `user` at `client`, from a sign-in in a browser of its own.
async fn id_token_of(app: &TestApp, client: &TestClient, user: &TestUser) -> String {
    let params = AuthParams::new(client);
    let tokens = app
        .sign_in_with(&Browser::new(app), client, user, &params)
        .await;
    str_of(&tokens, "id_token").to_string()
}

/// A browser signed in as `user` at `client`.
async fn signed_in(app: &TestApp, client: &TestClient, user: &TestUser) -> (Browser, String) {
    let browser = Browser::new(app);
    let params = AuthParams::new(client);
    let tokens = app.sign_in_with(&browser, client, user, &params).await;
    (browser, str_of(&tokens, "id_token").to_string())
}

/// The login page of a request bound to `bob` names nobody, and only bob's
/// sign-in finishes it (`alice`'s leads back to the page).
async fn names_nobody_yet_only_bob_finishes(
    app: &TestApp,
    client: &TestClient,
    params: &AuthParams,
    (alice, bob): (&TestUser, &TestUser),
) {
    let browser = Browser::new(app);
    let page = browser.authorize(params).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "password");
    assert_eq!(form.get("username").unwrap_or_default(), "");
    assert!(!page.html().contains("bob"), "{}", page.html());
    let wrong = browser.login(&page, alice).await;
    assert!(matches!(wrong, Landing::Page { .. }), "{wrong:?}");
    let back = browser.login(&wrong, bob).await;
    let claims = app.tokens(client, params, &back).await;
    assert_eq!(claims["sub"], bob.id.as_str());
}

#[tokio::test]
async fn prompt_none_with_a_hint_for_another_user_is_login_required() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let (browser, alice_token) = signed_in(&app, &client, &alice).await;
    let bob_token = id_token_of(&app, &client, &bob).await;

    let params = AuthParams::new(&client)
        .set("prompt", "none")
        .set("id_token_hint", &bob_token);
    let back = browser.authorize(&params).await.params();
    assert_eq!(back["error"], "login_required", "{back:?}");
    assert!(!back.contains_key("code"));

    // The hint for the user who is signed in answers at once.
    let params = AuthParams::new(&client)
        .set("prompt", "none")
        .set("id_token_hint", &alice_token);
    let landing = browser.authorize(&params).await;
    let claims = app.tokens(&client, &params, &landing).await;
    assert_eq!(claims["sub"], alice.id.as_str());
}

#[tokio::test]
async fn a_hint_for_another_user_shows_the_login_page_for_that_user() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let (browser, _) = signed_in(&app, &client, &alice).await;
    let bob_token = id_token_of(&app, &client, &bob).await;

    let params = AuthParams::new(&client).set("id_token_hint", &bob_token);
    let page = browser.authorize(&params).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "password");
    assert_eq!(form.get("username"), Some("bob"));

    // Signing in as someone else than the hinted user gives no code.
    let wrong = browser.login(&page, &alice).await;
    assert!(matches!(wrong, Landing::Page { .. }), "{wrong:?}");
    let back = browser.login(&wrong, &bob).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], bob.id.as_str());
}

/// A `sub` value in `claims` needs no proof: it still binds the login to that
/// user, but the login page does not turn the id into their username.
#[tokio::test]
async fn a_bare_sub_in_claims_binds_the_login_but_names_nobody() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let bob = app.user("bob").await;
    let alice = app.user("alice").await;
    let claims = format!(r#"{{"id_token":{{"sub":{{"value":"{}"}}}}}}"#, bob.id);
    let params = AuthParams::new(&client).set("claims", &claims);
    names_nobody_yet_only_bob_finishes(&app, &client, &params, (&alice, &bob)).await;
}

#[tokio::test]
async fn a_hint_for_another_client_or_a_forged_one_is_refused() {
    let app = spawn_app().await;
    let (client, other) = (app.client(false).await, app.client(false).await);
    let alice = app.user("alice").await;
    let (browser, token) = signed_in(&app, &client, &alice).await;
    let for_other = id_token_of(&app, &other, &alice).await;

    let refused = |hint: String| {
        let params = AuthParams::new(&client).set("id_token_hint", &hint);
        let browser = &browser;
        async move { browser.authorize(&params).await.params() }
    };
    let back = refused(for_other).await;
    assert_eq!(back["error"], "invalid_request", "{back:?}");
    let mut forged: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut payload = jwt_payload(&token);
    payload["sub"] = json!("someone-else");
    use base64::Engine;
    forged[1] = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&payload).unwrap());
    let back = refused(forged.join(".")).await;
    assert_eq!(back["error"], "invalid_request", "{back:?}");
}

#[tokio::test]
async fn an_expired_hint_still_names_the_user() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let alice = app.user("alice").await;
    let (browser, _) = signed_in(&app, &client, &alice).await;
    let now = chrono::Utc::now().timestamp();
    let expired = app
        .state
        .keys
        .sign(
            SigningAlg::ES256,
            &json!({
                "iss": app.issuer, "sub": alice.id, "aud": client.client_id,
                "iat": now - 7200, "exp": now - 3600, "auth_time": now - 7200,
                "preferred_username": "alice",
            }),
        )
        .unwrap();
    let params = AuthParams::new(&client)
        .set("prompt", "none")
        .set("id_token_hint", &expired);
    let landing = browser.authorize(&params).await;
    let claims = app.tokens(&client, &params, &landing).await;
    assert_eq!(claims["sub"], alice.id.as_str());
}

/// The login page names the hinted user only to a client that was told the
/// username (scope `profile`): an ID token of an `openid`-only sign-in must not
/// let its holder read the username off the page.
#[tokio::test]
async fn a_hint_to_a_client_never_told_the_username_names_nobody_on_the_page() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let openid_only = AuthParams::new(&client).set("scope", "openid");
    let tokens = app
        .sign_in_with(&Browser::new(&app), &client, &bob, &openid_only)
        .await;
    let hint = str_of(&tokens, "id_token").to_string();
    assert!(jwt_payload(&hint).get("preferred_username").is_none());

    // The hint still binds the login to bob.
    let params = AuthParams::new(&client).set("id_token_hint", &hint);
    names_nobody_yet_only_bob_finishes(&app, &client, &params, (&alice, &bob)).await;
}

/// Other JWTs we sign carry our `iss`, a `sub` and the client as `aud` too: a
/// signed userinfo answer is no ID token, at `/authorize` or at `/logout`.
#[tokio::test]
async fn a_signed_userinfo_answer_is_no_hint() {
    use portcullis::db::clients::{ClientOptions, ClientProfile};
    let app = spawn_app().await;
    let alice = app.user("alice").await;
    let profile = ClientProfile {
        options: ClientOptions {
            userinfo_signed_response_alg: Some(SigningAlg::ES256),
            ..Default::default()
        },
        ..Default::default()
    };
    let client = app.client_made(&[], profile).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let tokens = app.sign_in_with(&browser, &client, &alice, &params).await;
    let (status, _, userinfo_jwt) = app.userinfo(str_of(&tokens, "access_token")).await;
    assert_eq!(status, 200);
    assert_eq!(jwt_payload(&userinfo_jwt)["sub"], alice.id.as_str());

    let back = browser
        .authorize(&AuthParams::new(&client).set("id_token_hint", &userinfo_jwt))
        .await
        .params();
    assert_eq!(back["error"], "invalid_request", "{back:?}");
    // The ID token itself is one.
    let back = browser
        .authorize(&AuthParams::new(&client).set("id_token_hint", str_of(&tokens, "id_token")))
        .await
        .params();
    assert!(back.contains_key("code"), "{back:?}");

    let logout = format!(
        "{}?{}",
        app.url("/logout"),
        serde_urlencoded::to_string([("id_token_hint", userinfo_jwt.as_str())]).unwrap()
    );
    assert_eq!(browser.get(&logout).await.status(), 400);
}
