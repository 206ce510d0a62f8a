//! A pending sign-in (`/interaction/{id}` and its forms) belongs to the browser
//! that started it. Someone who learns the URL (over a shoulder, from a shared
//! screen or a log) and opens it in another browser gets an error page, never
//! the login form, and cannot post to it.

use crate::helpers::*;

/// The URL of the pending sign-in the browser was sent to.
async fn pending_url(app: &TestApp, b: &Browser, params: &AuthParams) -> String {
    let r = b
        .http
        .get(app.url(&format!("/authorize?{}", params.query())))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    r.headers()["location"].to_str().unwrap().to_string()
}

fn is_refused(l: &Landing) -> bool {
    matches!(l, Landing::Page { status: 400, html } if !html.contains("name=\"password\"") && !html.contains("name=\"code\""))
}

#[tokio::test]
async fn another_browser_cannot_open_or_post_to_a_pending_sign_in() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("owner").await;
    let secret = app.give_totp(&user).await;
    let owner = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let url = pending_url(&app, &owner, &params).await;
    let page = owner.get(&url).await;
    let login = form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password);

    // Another cookie jar: the page, and the owner's own form posted from there.
    let stranger = Browser::new(&app);
    let seen = stranger.get(&url).await;
    assert!(is_refused(&seen), "{seen:?}");
    let posted = stranger.submit(&login).await;
    assert!(is_refused(&posted), "{posted:?}");
    // A stranger who signed in on their own is no better off.
    let other_user = app.user("stranger").await;
    let own = stranger.authorize(&AuthParams::new(&client)).await;
    stranger.login(&own, &other_user).await.code();
    assert!(is_refused(&stranger.get(&url).await));

    // The owner goes on: the session cookie is renewed at sign-in, the binding holds.
    let totp = owner.submit(&login).await;
    let code_form = form_with(totp.html(), "code");
    assert!(is_refused(&stranger.get(&url).await));
    let stolen_post = stranger
        .submit(&code_form.clone().set("code", &totp_code(&secret, 0)))
        .await;
    assert!(matches!(stolen_post, Landing::Page { status: 400, .. }));
    let back = owner
        .submit(&code_form.set("code", &totp_code(&secret, 0)))
        .await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "mfa");

    // Two tabs of one browser share its binding: each finishes its own sign-in.
    let b = Browser::new(&app);
    let first_url = pending_url(&app, &b, &AuthParams::new(&client)).await;
    let second_url = pending_url(&app, &b, &AuthParams::new(&client)).await;
    let page = b.get(&second_url).await;
    b.login(&page, &other_user).await.code();
    assert!(b.get(&first_url).await.params().contains_key("code"));
}
