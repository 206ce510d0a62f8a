//! Pushed Authorization Requests (RFC 9126): the client pushes its request with
//! its credentials, the browser carries only `client_id` and a `request_uri`
//! that works once, for that client, for a short time.

use portcullis::db::clients::{ClientOptions, ClientProfile};
use serde_json::Value;

use crate::helpers::*;
use crate::token_helpers::*;

async fn push(app: &TestApp, client: &TestClient, params: &AuthParams) -> reqwest::Response {
    let form: Vec<(&str, &str)> = params
        .pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_as(client, "/par", &form).await
}

async fn pushed_uri(app: &TestApp, client: &TestClient, params: &AuthParams) -> String {
    let resp = push(app, client, params).await;
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["expires_in"], 60);
    let uri = str_of(&body, "request_uri").to_string();
    assert!(
        uri.starts_with("urn:ietf:params:oauth:request_uri:"),
        "{uri}"
    );
    uri
}

fn front_channel(client: &TestClient, request_uri: &str) -> String {
    format!(
        "/authorize?{}",
        serde_urlencoded::to_string([
            ("client_id", client.client_id.as_str()),
            ("request_uri", request_uri),
        ])
        .unwrap()
    )
}

#[tokio::test]
async fn a_pushed_request_signs_in_with_only_client_id_and_request_uri_in_the_url() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("paula").await;
    let params = AuthParams::new(&client).set("acr_values", "pwd");
    let uri = pushed_uri(&app, &client, &params).await;

    let browser = Browser::new(&app);
    let page = browser.get(&front_channel(&client, &uri)).await;
    assert_eq!(page.status(), 200);
    let back = browser.login(&page, &user).await;
    assert_eq!(back.params()["state"], params.state);
    // The pushed nonce and PKCE challenge are the ones checked.
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], user.id.as_str());
    assert_eq!(claims["acr"], "pwd");
}

#[tokio::test]
async fn a_request_uri_works_once_and_only_for_the_client_that_pushed_it() {
    let app = spawn_app().await;
    let (client, other) = (app.client(false).await, app.client(false).await);
    let user = app.user("paula").await;
    let browser = Browser::new(&app);

    let stolen = pushed_uri(&app, &client, &AuthParams::new(&client)).await;
    let page = browser.get(&front_channel(&other, &stolen)).await;
    assert_eq!(page.status(), 400, "{page:?}");
    // Named with another client it was not used up: its own client still
    // signs in with it.
    let page = browser.get(&front_channel(&client, &stolen)).await;
    assert_eq!(page.status(), 200, "{page:?}");

    let params = AuthParams::new(&client);
    let uri = pushed_uri(&app, &client, &params).await;
    let page = browser.get(&front_channel(&client, &uri)).await;
    browser.login(&page, &user).await.code();
    let again = browser.get(&front_channel(&client, &uri)).await;
    assert_eq!(
        again.status(),
        400,
        "a request_uri is single use: {again:?}"
    );
    let made_up = browser
        .get(&front_channel(
            &client,
            "urn:ietf:params:oauth:request_uri:nope",
        ))
        .await;
    assert_eq!(made_up.status(), 400);
}

#[tokio::test]
async fn the_par_endpoint_authenticates_and_checks_like_token_and_authorize() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let impostor = TestClient {
        secret: Some("wrong".into()),
        ..app.client(false).await
    };
    let params = AuthParams::new(&client);
    let (status, error) = error_of(push(&app, &impostor, &AuthParams::new(&impostor)).await).await;
    assert_eq!((status, error.as_str()), (401, "invalid_client"));

    let bad_redirect = AuthParams::new(&client).set("redirect_uri", "https://evil.example/cb");
    let (status, error) = error_of(push(&app, &client, &bad_redirect).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    let nested = params.set("request_uri", "urn:ietf:params:oauth:request_uri:x");
    let (status, error) = error_of(push(&app, &client, &nested).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_request"));
    let implicit = AuthParams::new(&client).set("response_type", "token");
    let (status, error) = error_of(push(&app, &client, &implicit).await).await;
    assert_eq!((status, error.as_str()), (400, "unsupported_response_type"));
}

#[tokio::test]
async fn a_client_that_requires_pushed_requests_cannot_use_the_front_channel_alone() {
    let app = spawn_app().await;
    let profile = ClientProfile {
        options: ClientOptions {
            require_pushed_authorization_requests: true,
            ..Default::default()
        },
        ..Default::default()
    };
    let client = app.client_made(&[], profile).await;
    let user = app.user("paula").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let refused = browser.authorize(&params).await.params();
    assert_eq!(refused["error"], "invalid_request", "{refused:?}");

    let uri = pushed_uri(&app, &client, &params).await;
    let page = browser.get(&front_channel(&client, &uri)).await;
    browser.login(&page, &user).await.code();

    let doc = app.discovery().await;
    assert_eq!(
        doc["pushed_authorization_request_endpoint"],
        app.url("/par")
    );
    assert_eq!(doc["require_pushed_authorization_requests"], false);
}

#[tokio::test]
async fn the_cli_sets_and_clears_the_requirement() {
    let app = spawn_app().await;
    let made = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "sso",
            "--redirect-uri",
            "https://sso.example/cb",
            "--require-par",
        ],
    )
    .unwrap();
    assert_eq!(made["require_pushed_authorization_requests"], true);
    let id = str_of(&made, "client_id");
    let updated = cli(&app, &["client", "update", id, "--require-par", "false"]).unwrap();
    assert_eq!(updated["require_pushed_authorization_requests"], false);
}
