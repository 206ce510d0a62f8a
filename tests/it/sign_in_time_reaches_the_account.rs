//! A password sign-in's time reaches the account (`last_login` in the admin
//! API) within a moment, though the sign-in itself no longer waits for that
//! write: the time is noted, and written with others about once a second.

use portcullis::db::users;

use crate::admin_helpers::AdminApi;
use crate::helpers::*;

#[tokio::test]
async fn a_password_sign_in_is_shown_as_the_last_login() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "stamps").await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let client = app.client(false).await;
    // Her pages' language is kept already, so the sign-in writes nothing now.
    let db = &app.state.db;
    let model = users::find_by_id(db, &alice.id).await.unwrap().unwrap();
    users::remember_locale(db, &model, app.state.settings.ui.default_locale)
        .await
        .unwrap();
    let path = format!("/users/{}", alice.id);
    let (_, before) = api.get(&path).await;
    assert!(before["last_login"].is_null(), "{before}");

    let started = chrono::Utc::now().timestamp();
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &alice).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");

    let shown = within_contract_delay(|| async {
        let (status, u) = api.get(&path).await;
        status == 200 && u["last_login"].as_i64().is_some_and(|t| t >= started)
    })
    .await;
    assert!(shown, "alice's sign-in never reached her account");
    let (_, other) = api.get(&format!("/users/{}", bob.id)).await;
    assert!(
        other["last_login"].is_null(),
        "only the one who signed in: {other}"
    );
}
