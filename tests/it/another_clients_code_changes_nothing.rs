//! An authorization code presented by another client than the one it was
//! issued to (RFC 6749 §4.1.3) is refused and changes nothing: it is not used
//! up, so its own client still redeems it, and it does not count as a replay,
//! so what its own client got from it is not revoked. The client is sealed in
//! the code, so the refusal comes before the code is looked up.

use serde_json::Value;

use crate::helpers::*;

async fn refused_as_another_clients(app: &TestApp, thief: &TestClient, code: &str, verifier: &str) {
    let resp = app.exchange(thief, code, Some(verifier)).await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("another client"),
        "{body}"
    );
}

#[tokio::test]
async fn a_code_presented_by_another_client_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let user = app.user("lea").await;
    let owner = app.client(false).await;
    let mut thief = app.client(false).await;
    // The thief sends everything the owner would, with its own credentials.
    thief.redirect_uri = owner.redirect_uri.clone();

    let browser = Browser::new(&app);
    let params = AuthParams::new(&owner);
    let back = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let code = back.code();

    refused_as_another_clients(&app, &thief, &code, &params.verifier).await;
    // Not used up: its own client redeems it.
    let tokens = app.token_response(&owner, &params, &back).await;
    let access = tokens["access_token"].as_str().unwrap();
    assert_eq!(app.userinfo_status(access).await, 200);

    // Presented again by the other client: no replay, nothing revoked.
    refused_as_another_clients(&app, &thief, &code, &params.verifier).await;
    assert_eq!(app.userinfo_status(access).await, 200);

    // Its own client presenting it again is a replay: what it issued is revoked.
    let resp = app.exchange(&owner, &code, Some(&params.verifier)).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(app.userinfo_status(access).await, 401);
}
