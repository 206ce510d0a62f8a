//! A right password's audit row is held back to be committed with the login's
//! next row (the authorization it finishes), yet it is stored before the
//! answer leaves, whether the password finished the login or a second factor
//! is asked next.

use crate::helpers::*;

async fn password_rows(app: &TestApp, username: &str) -> Vec<(String, String)> {
    portcullis::db::audit::list(&app.state.db, Some(username), None, 20)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.event, e.outcome))
        .collect()
}

fn pair(event: &str, outcome: &str) -> (String, String) {
    (event.to_owned(), outcome.to_owned())
}

#[tokio::test]
async fn the_password_row_is_stored_before_the_answer() {
    let app = spawn_app().await;
    let client = app.client(false).await;

    // The password finishes the login: both rows, newest first.
    let pat = app.user("pat").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &pat).await;
    assert!(!back.code().is_empty());
    assert_eq!(
        password_rows(&app, "pat").await,
        [pair("authorization", "issued"), pair("password", "success")]
    );

    // A second factor comes next: the password's row alone, already stored.
    let sam = app.user("sam").await;
    app.give_totp(&sam).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let totp_page = browser.login(&page, &sam).await;
    assert!(
        totp_page.html().contains("name=\"code\""),
        "{}",
        totp_page.html()
    );
    assert_eq!(
        password_rows(&app, "sam").await,
        [pair("password", "success")]
    );

    // No row had to be stored after its request had ended.
    assert_eq!(app.state.audit.late_rows(), 0);
}
