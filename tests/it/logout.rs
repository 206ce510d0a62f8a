//! RP-initiated logout: the session leaves the store, the browser is sent to a
//! registered post-logout URI with its state, and a request that might be forged
//! asks the user first.

use std::sync::Arc;

use portcullis::keys::SigningAlg;
use reqwest::cookie::CookieStore;
use serde_json::json;

use crate::helpers::*;
use crate::token_helpers::*;

const AFTER: &str = "http://127.0.0.1:9/signed-out";

fn session_value(jar: &reqwest::cookie::Jar, app: &TestApp) -> Option<String> {
    let header = jar.cookies(&app.issuer.parse().unwrap())?;
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("portcullis_session="))
        .map(str::to_owned)
}

async fn prompt_none(browser: &Browser, client: &TestClient) -> Landing {
    browser
        .authorize(&AuthParams::new(client).set("prompt", "none"))
        .await
}

fn logout_url(app: &TestApp, pairs: &[(&str, &str)]) -> String {
    format!(
        "{}?{}",
        app.url("/logout"),
        serde_urlencoded::to_string(pairs).unwrap()
    )
}

#[tokio::test]
async fn logout_with_a_hint_removes_the_session_and_prompt_none_then_needs_login() {
    let app = spawn_app().await;
    let user = app.user("lena").await;
    let client = app.client_with_logout(AFTER).await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());
    let tokens = app
        .sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    let cookie = session_value(&jar, &app).expect("signed in");
    assert!(app.state.sessions.load(&cookie).await.unwrap().is_some());
    assert!(
        prompt_none(&browser, &client)
            .await
            .params()
            .contains_key("code")
    );

    let landing = browser
        .get(&logout_url(
            &app,
            &[
                ("id_token_hint", str_of(&tokens, "id_token")),
                ("post_logout_redirect_uri", AFTER),
                ("state", "bye-1"),
            ],
        ))
        .await;
    let Landing::Left { location, .. } = &landing else {
        panic!("expected a redirect, got {landing:?}");
    };
    assert_eq!(location, &format!("{AFTER}?state=bye-1"));
    assert!(
        app.state.sessions.load(&cookie).await.unwrap().is_none(),
        "the session is gone from the store"
    );
    assert!(
        session_value(&jar, &app).is_none(),
        "the cookie was cleared"
    );
    assert_eq!(
        prompt_none(&browser, &client).await.params()["error"],
        "login_required"
    );
}

#[tokio::test]
async fn logout_without_a_hint_asks_first_and_needs_the_csrf_token() {
    let app = spawn_on(Backend::Redis).await;
    let user = app.user("kurt").await;
    let client = app.client_with_logout(AFTER).await;
    let browser = Browser::new(&app);
    app.sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;

    let url = logout_url(
        &app,
        &[
            ("client_id", client.client_id.as_str()),
            ("post_logout_redirect_uri", AFTER),
            ("state", "s2"),
        ],
    );
    let page = browser.get(&url).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "csrf_token");
    // Showing the page changed nothing.
    assert!(
        prompt_none(&browser, &client)
            .await
            .params()
            .contains_key("code")
    );

    // Without the CSRF token the confirmation fails.
    let refused = browser.submit(&form.clone().without("csrf_token")).await;
    assert_eq!(refused.status(), 400);
    assert!(
        prompt_none(&browser, &client)
            .await
            .params()
            .contains_key("code")
    );

    // The page must be fetched again: its token was bound to this browser.
    let page = browser.get(&url).await;
    let form = form_with(page.html(), "csrf_token");
    let Landing::Left { location, .. } = browser.submit(&form).await else {
        panic!("expected the redirect to the client");
    };
    assert_eq!(location, format!("{AFTER}?state=s2"));
    assert_eq!(
        prompt_none(&browser, &client).await.params()["error"],
        "login_required"
    );

    // POST to the end-session endpoint works like GET; with no session nothing is asked.
    let resp = browser
        .http
        .post(app.url("/logout"))
        .form(&[
            ("client_id", client.client_id.as_str()),
            ("post_logout_redirect_uri", AFTER),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], AFTER);
}

#[tokio::test]
async fn bad_logout_requests_never_redirect() {
    let app = spawn_app().await;
    let user = app.user("tom").await;
    let client = app.client_with_logout(AFTER).await;
    let other = app.client_with_logout("http://127.0.0.1:9/other").await;
    let browser = Browser::new(&app);
    let tokens = app
        .sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    let hint = str_of(&tokens, "id_token").to_string();
    let mut forged = hint.clone();
    forged.pop();
    forged.push(if hint.ends_with('A') { 'B' } else { 'A' });

    for pairs in [
        // Not registered for this client.
        vec![
            ("client_id", client.client_id.as_str()),
            ("post_logout_redirect_uri", "http://127.0.0.1:9/other"),
        ],
        // A redirect URI without any client.
        vec![("post_logout_redirect_uri", AFTER)],
        // A hint whose signature does not verify.
        vec![("id_token_hint", forged.as_str())],
        // A hint for another client than client_id.
        vec![
            ("id_token_hint", hint.as_str()),
            ("client_id", other.client_id.as_str()),
        ],
        vec![("client_id", "no-such-client")],
    ] {
        let landing = browser.get(&logout_url(&app, &pairs)).await;
        assert_eq!(landing.status(), 400, "{pairs:?}");
    }
    assert!(
        prompt_none(&browser, &client)
            .await
            .params()
            .contains_key("code"),
        "still signed in"
    );
}

#[tokio::test]
async fn an_expired_hint_still_logs_out_but_a_hint_for_someone_else_asks_first() {
    let app = spawn_app().await;
    let user = app.user("eve").await;
    let client = app.client_with_logout(AFTER).await;
    let browser = Browser::new(&app);
    app.sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    let hint_for = |sub: &str| {
        app.state
            .keys
            .sign(
                SigningAlg::ES256,
                &json!({
                    "iss": app.issuer, "sub": sub, "aud": client.client_id,
                    "iat": 1, "exp": 2, "auth_time": 1,
                }),
            )
            .unwrap()
    };

    let someone_else = hint_for("another-user");
    let page = browser
        .get(&logout_url(
            &app,
            &[("id_token_hint", someone_else.as_str())],
        ))
        .await;
    assert_eq!(page.status(), 200);
    form_with(page.html(), "csrf_token");

    let expired = hint_for(&user.id);
    let landing = browser
        .get(&logout_url(&app, &[("id_token_hint", expired.as_str())]))
        .await;
    assert!(landing.html().contains("signed out"), "{landing:?}");
    assert_eq!(
        prompt_none(&browser, &client).await.params()["error"],
        "login_required"
    );
}

/// Two tabs renewing one session at once leave two cookies of it; logging
/// out with either ends both, not only the cookie this browser sent.
#[tokio::test]
async fn a_logout_ends_every_copy_of_its_session() {
    use portcullis::oidc::session::BrowserSession;

    let app = spawn_app().await;
    let user = app.user("lou").await;
    let sessions = &app.state.sessions;
    let mut s = BrowserSession::anonymous(1);
    s.user_id = Some(user.id.clone());
    let first = sessions.rotate(None, &s).await.unwrap();
    let loaded = sessions.load(&first).await.unwrap().unwrap();
    let (t1, t2) = tokio::join!(
        sessions.rotate(Some(&first), &loaded),
        sessions.rotate(Some(&first), &loaded)
    );
    let (t1, t2) = (t1.unwrap(), t2.unwrap());
    assert!(sessions.load(&t1).await.unwrap().is_some());
    portcullis::oidc::backchannel::end_session(sessions, &app.state.logout_notifier, &t2)
        .await
        .unwrap();
    assert!(sessions.load(&t2).await.unwrap().is_none());
    assert!(
        sessions.load(&t1).await.unwrap().is_none(),
        "the other copy outlived the logout"
    );
}

/// A self-registered client's post-logout address is whoever registered it:
/// a bare link naming the client signs the browser out and leaves it here;
/// with the client's ID token as hint the browser goes on to the address.
#[tokio::test]
async fn a_self_registered_client_redirects_after_logout_only_with_its_hint() {
    use crate::registration::{REDIRECT, register, spawn_registration};
    let app = spawn_registration("").await;
    let client = register(
        &app,
        json!({"redirect_uris": [REDIRECT], "post_logout_redirect_uris": [AFTER]}),
    )
    .await;
    let stranger = Browser::new(&app);
    let stays = stranger
        .get(&logout_url(
            &app,
            &[
                ("client_id", client.client_id.as_str()),
                ("post_logout_redirect_uri", AFTER),
            ],
        ))
        .await;
    assert_eq!(stays.status(), 200, "{stays:?}");

    let user = app.user("nell").await;
    let browser = Browser::new(&app);
    let tokens = app
        .sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    let hint = tokens["id_token"].as_str().unwrap();
    // The registrant holds ID tokens of its own client: one as hint in a
    // stranger's browser leaves that browser here too.
    let stays = Browser::new(&app)
        .get(&logout_url(
            &app,
            &[("id_token_hint", hint), ("post_logout_redirect_uri", AFTER)],
        ))
        .await;
    assert_eq!(stays.status(), 200, "{stays:?}");
    let leaves = browser
        .get(&logout_url(
            &app,
            &[("id_token_hint", hint), ("post_logout_redirect_uri", AFTER)],
        ))
        .await;
    assert!(
        matches!(&leaves, Landing::Left { location, .. } if location.starts_with(AFTER)),
        "{leaves:?}"
    );
}
