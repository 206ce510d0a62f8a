//! Driving the "forgot password" and sign-up pages, and waiting for their mail
//! (sent off the request path, so it lands shortly after the answer).

use crate::helpers::{Browser, Landing, TestApp, form_with};
use crate::smtp_server::decoded;

/// Fills the forgot-password page with `email` and posts it.
pub async fn request_reset(browser: &Browser, email: &str) -> Landing {
    let page = browser.get("/forgot-password").await;
    assert_eq!(page.status(), 200, "{}", page.html());
    browser
        .submit(&form_with(page.html(), "email").set("email", email))
        .await
}

/// Waits up to 5 s until `n` outbox mails to `email` with `subject` exist.
pub async fn wait_for_mails(app: &TestApp, email: &str, subject: &str, n: usize) -> Vec<String> {
    for _ in 0..50 {
        let mails = app.mails_to(email, subject);
        if mails.len() >= n {
            return mails;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    app.mails_to(email, subject)
}

/// Gives the server's background mail tasks time to finish, then the outbox.
pub async fn settled_outbox(app: &TestApp) -> Vec<String> {
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    app.outbox()
}

/// The path of the first link under `prefix` (e.g. `/set-password/`) in a mail.
pub fn link_path(msg: &str, prefix: &str) -> String {
    let body = decoded(msg);
    let at = body
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} link in {body}"))
        + prefix.len();
    let token: String = body[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    format!("{prefix}{token}")
}

/// Sets `password` on the page behind a mailed link.
pub async fn set_password_at(browser: &Browser, path: &str, password: &str) -> Landing {
    let page = browser.get(path).await;
    if page.status() != 200 {
        return page;
    }
    let form = form_with(page.html(), "password")
        .set("password", password)
        .set("password_confirm", password);
    browser.submit(&form).await
}
