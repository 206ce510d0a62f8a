//! `/livez` answers while the process runs; `/readyz` answers 200 only while the
//! database and the session store both answer, else 503 naming which failed, so
//! a load balancer sends no sign-ins to an instance that would fail them.

use serde_json::Value;

use crate::helpers::*;

async fn probe(app: &TestApp, path: &str) -> (u16, Value) {
    let resp = reqwest::get(app.url(path)).await.unwrap();
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

#[tokio::test]
async fn readyz_follows_the_store_and_livez_stays_up() {
    let mut app = spawn_on(Backend::Redis).await;
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["store"], "ok");
    assert_eq!(body["database"], "ok");
    assert_eq!(probe(&app, "/livez").await.0, 200);

    app.redis.as_mut().unwrap().kill();
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["store"], "unavailable");
    assert_eq!(body["database"], "ok");
    assert_eq!(probe(&app, "/livez").await.0, 200, "alive, only not ready");
}

#[tokio::test]
async fn readyz_follows_the_database() {
    let app = spawn_app().await;
    assert_eq!(probe(&app, "/readyz").await.0, 200);
    app.state.db.close_by_ref().await.unwrap();
    let (status, body) = probe(&app, "/readyz").await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["database"], "unavailable");
    assert_eq!(body["store"], "ok");
    assert_eq!(probe(&app, "/livez").await.0, 200);
}

/// A store that holds its connections but answers nothing (suspended) makes
/// `/health` and `/readyz` answer 503 within their timeout, not hang with it.
#[tokio::test]
async fn a_hanging_store_gets_a_prompt_503_from_both_probes() {
    let mut app = spawn_on(Backend::Redis).await;
    assert_eq!(probe(&app, "/health").await.0, 200);
    app.redis.as_mut().unwrap().freeze();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .unwrap();
    for path in ["/health", "/readyz"] {
        let resp = http.get(app.url(path)).send().await;
        let resp = resp.unwrap_or_else(|e| panic!("{path} did not answer in time: {e}"));
        assert_eq!(resp.status().as_u16(), 503, "{path}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["store"], "unavailable", "{path}");
        assert_eq!(body["database"], "ok", "{path}");
    }
    app.redis.as_mut().unwrap().thaw();
}
