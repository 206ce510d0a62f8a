//! When a backing service is down, requests fail with a clear 503: nothing is
//! skipped and no sign-in goes through.

use serde_json::Value;

use crate::helpers::*;

#[tokio::test]
async fn redis_down_gives_503_everywhere_and_recovers() {
    let mut app = spawn_on(Backend::Redis).await;
    let client = app.client(false).await;
    let user = app.user("olga").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let page = browser.authorize(&params).await;
    let form = form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password);

    app.redis.as_mut().unwrap().kill();

    let landing = browser.authorize(&AuthParams::new(&client)).await;
    assert_eq!(landing.status(), 503);
    assert!(landing.html().contains("temporarily unavailable"));
    let posted = browser.submit(&form).await;
    assert_eq!(posted.status(), 503, "the password post fails closed");
    let resp = app
        .exchange(&client, "some-code", Some(&params.verifier))
        .await;
    assert_eq!(resp.status(), 503);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "temporarily_unavailable");
    let health = reqwest::get(app.url("/health")).await.unwrap();
    assert_eq!(health.status(), 503);

    app.redis.as_mut().unwrap().restart();
    // The store reconnects on the next requests; on a busy machine the first
    // attempt may still time out, so wait (bounded) until health says ok.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let health = reqwest::get(app.url("/health")).await.unwrap();
        if health.status() == 200 {
            break;
        }
        assert_eq!(health.status(), 503, "while reconnecting it fails closed");
        assert!(
            std::time::Instant::now() < deadline,
            "the store did not recover within 20 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let page = browser.authorize(&AuthParams::new(&client)).await;
    assert_eq!(page.status(), 200);
    assert!(
        browser
            .login(&page, &user)
            .await
            .params()
            .contains_key("code")
    );
}

#[tokio::test]
async fn database_down_gives_503() {
    let db = crate::databases::TestDb::postgres().await;
    let url = db.url.clone();
    let app = spawn_with(Options {
        toml: String::new(),
        database_url: Some(url),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    db.drop_db().await;
    let landing = browser.authorize(&AuthParams::new(&client)).await;
    assert_eq!(landing.status(), 503, "{landing:?}");
}
