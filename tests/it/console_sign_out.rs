//! Leaving the console signs the browser out and answers with a page in the
//! visitor's language.

use crate::admin_console::sign_in;
use crate::helpers::{form_with, spawn_app};

#[tokio::test]
async fn signing_out_answers_in_the_visitors_language() {
    let app = spawn_app().await;
    let (b, page) = sign_in(&app, "boss", &["admins"]).await;
    let form = form_with(page.html(), "csrf_token");
    assert!(form.action.ends_with("/admin/logout"), "{}", form.action);

    let r = b
        .http
        .post(app.url(&form.action))
        .header("accept-language", "de")
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(html.contains("<html lang=\"de\">"), "{html}");
    assert!(html.contains("Administrationskonsole"), "{html}");
    let after = b.http.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(after.status(), 302, "the browser is signed out");
}

/// Signing out of the provider at `/logout` (a shared computer) ends the
/// console with it.
#[tokio::test]
async fn the_console_ends_with_the_browser_session_it_was_signed_in_from() {
    let app = spawn_app().await;
    let (b, _) = sign_in(&app, "boss", &["admins"]).await;
    let users = || async { b.http.get(app.url("/admin/users")).send().await.unwrap() };
    assert_eq!(users().await.status(), 200);
    let confirm = b.get("/logout").await;
    let form = form_with(confirm.html(), "csrf_token");
    b.submit(&form).await;
    assert_eq!(users().await.status(), 302, "the console outlived /logout");
}

/// A console session whose sign-in is below the level the console asks now
/// (`admin.acr` raised since) is not taken: sign in again.
#[tokio::test]
async fn a_console_session_below_the_consoles_level_is_not_taken() {
    use portcullis::admin::console::ConsoleSession;

    let app = spawn_app().await;
    let (b, _) = sign_in(&app, "chief", &["admins"]).await;
    let users = || async { b.http.get(app.url("/admin/users")).send().await.unwrap() };
    assert_eq!(users().await.status(), 200);
    let user = portcullis::db::users::find_by_username(&app.state.db, "chief")
        .await
        .unwrap()
        .unwrap();
    let store = &app.state.store;
    let index = portcullis::oidc::session::user_index(&user.id);
    let (key, _) = store
        .index_entries(&index)
        .await
        .unwrap()
        .into_iter()
        .find(|(_, tag)| tag == "console")
        .expect("the console session is listed with the user's sessions");
    let mut s: ConsoleSession = store.get_json(&key).await.unwrap().unwrap();
    s.acr = "pwd".into();
    store
        .put_json(&key, &s, std::time::Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(
        users().await.status(),
        302,
        "a pwd sign-in opened the console"
    );
}

/// Another site's post to the sign-out (auto-submitted, so it carries no
/// token, and no strict cookie) clears nothing: only the form's own post signs
/// the administrator out.
#[tokio::test]
async fn a_sign_out_post_without_the_forms_token_clears_no_cookie() {
    let app = spawn_app().await;
    let (b, page) = sign_in(&app, "boss", &["admins"]).await;
    let form = form_with(page.html(), "csrf_token");
    assert!(form.action.ends_with("/admin/logout"), "{}", form.action);
    let from_elsewhere = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (http, token) in [(&from_elsewhere, "x"), (&b.http, "not-the-token")] {
        let r = http
            .post(app.url(&form.action))
            .form(&[("csrf_token", token)])
            .send()
            .await
            .unwrap();
        assert!(r.headers().get("set-cookie").is_none(), "{:?}", r.headers());
    }
    let still = b.http.get(app.url("/admin/users")).send().await.unwrap();
    assert_eq!(still.status(), 200, "still signed in");
}
