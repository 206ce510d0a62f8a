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
