//! `client_credentials` (RFC 6749 §4.4) only for a client registered with that
//! grant: a relying party of the code flow cannot act for itself. The grant is
//! given with `client create --grant` (or `client update --grant`) and RFC 7591
//! `grant_types`, read and changed through RFC 7592.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::registration::{post_registration, spawn_registration};
use crate::token_helpers::*;

async fn client_credentials(app: &TestApp, client: &TestClient) -> (u16, String) {
    let resp = app
        .post_as(client, "/token", &[("grant_type", "client_credentials")])
        .await;
    let status = resp.status().as_u16();
    let body: Value = resp.json().await.unwrap();
    let outcome = body["error"]
        .as_str()
        .or(body["access_token"].as_str().map(|_| "token"))
        .unwrap_or_default()
        .to_string();
    (status, outcome)
}

fn cli_client(out: &Value) -> TestClient {
    TestClient {
        client_id: str_of(out, "client_id").to_string(),
        secret: out["client_secret"].as_str().map(str::to_string),
        redirect_uri: "http://127.0.0.1:9/cb".into(),
    }
}

#[tokio::test]
async fn only_clients_with_the_grant_get_client_credentials_tokens() {
    let app = spawn_app().await;
    let rp = app.client(false).await;
    assert_eq!(
        client_credentials(&app, &rp).await,
        (400, "unauthorized_client".into()),
        "a code-flow client does not act for itself"
    );

    let default = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "wiki",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
        ],
    )
    .unwrap();
    assert_eq!(
        default["grant_types"],
        json!(["authorization_code", "refresh_token"])
    );
    assert_eq!(
        client_credentials(&app, &cli_client(&default)).await,
        (400, "unauthorized_client".into())
    );

    let service = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "reports",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--grant",
            "client_credentials",
        ],
    )
    .unwrap();
    assert_eq!(service["grant_types"], json!(["client_credentials"]));
    let service = cli_client(&service);
    assert_eq!(
        client_credentials(&app, &service).await,
        (200, "token".into())
    );
    let both = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "both",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--grant",
            "authorization_code",
            "--grant",
            "client_credentials",
        ],
    )
    .unwrap();
    assert_eq!(
        client_credentials(&app, &cli_client(&both)).await,
        (200, "token".into())
    );
    let err = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "p",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--public",
            "--grant",
            "client_credentials",
        ],
    )
    .unwrap_err();
    assert!(err.contains("confidential"), "{err}");
    let err = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "p",
            "--redirect-uri",
            "http://127.0.0.1:9/cb",
            "--grant",
            "password",
        ],
    )
    .unwrap_err();
    assert!(err.contains("not supported"), "{err}");

    // `client update --grant` gives it later (the server sees it within the cache time).
    let wiki = cli_client(&default);
    cli(
        &app,
        &[
            "client",
            "update",
            &wiki.client_id,
            "--grant",
            "authorization_code",
            "--grant",
            "client_credentials",
        ],
    )
    .unwrap();
    assert!(
        within_contract_delay(|| async {
            client_credentials(&app, &wiki).await == (200, "token".into())
        })
        .await
    );
}

#[tokio::test]
async fn registration_gives_and_takes_the_grant() {
    let app = spawn_registration("").await;
    // RFC 7591: grant_types client_credentials, no response types, no redirect URIs.
    let resp = post_registration(
        &app,
        &json!({"client_name": "reports", "grant_types": ["client_credentials"], "response_types": []}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let reg: Value = resp.json().await.unwrap();
    assert_eq!(reg["grant_types"], json!(["client_credentials"]));
    assert_eq!(reg["response_types"], json!([]));
    let service = TestClient {
        client_id: str_of(&reg, "client_id").to_string(),
        secret: Some(str_of(&reg, "client_secret").to_string()),
        redirect_uri: String::new(),
    };
    assert_eq!(
        client_credentials(&app, &service).await,
        (200, "token".into())
    );

    // A default registration (the code flow) does not get it.
    let resp = post_registration(&app, &json!({"redirect_uris": ["http://127.0.0.1:9/cb"]})).await;
    let rp: Value = resp.json().await.unwrap();
    let rp_client = TestClient {
        client_id: str_of(&rp, "client_id").to_string(),
        secret: Some(str_of(&rp, "client_secret").to_string()),
        redirect_uri: String::new(),
    };
    assert_eq!(
        client_credentials(&app, &rp_client).await,
        (400, "unauthorized_client".into())
    );
    // A public client cannot register it.
    let resp = post_registration(
        &app,
        &json!({"grant_types": ["client_credentials"], "response_types": [], "token_endpoint_auth_method": "none"}),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let e: Value = resp.json().await.unwrap();
    assert_eq!(e["error"], "invalid_client_metadata");

    // RFC 7592: read shows the grant; an update without it takes it away.
    let uri = str_of(&reg, "registration_client_uri").to_string();
    let token = str_of(&reg, "registration_access_token").to_string();
    let http = reqwest::Client::new();
    let read: Value = http
        .get(&uri)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(read["grant_types"], json!(["client_credentials"]));
    let resp = http
        .put(&uri)
        .bearer_auth(&token)
        .json(&json!({
            "client_id": service.client_id,
            "client_name": "reports",
            "redirect_uris": ["http://127.0.0.1:9/cb"],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["grant_types"], json!(["authorization_code"]));
    assert_eq!(
        client_credentials(&app, &service).await,
        (400, "unauthorized_client".into())
    );
}
