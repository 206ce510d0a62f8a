//! The real browser: headless Chromium with a virtual authenticator loads our
//! pages, enrolls a key and steps up to `phr` through the pages' own script.

use portcullis::db::clients;
use portcullis::keys::SigningAlg;

use crate::helpers::*;
use crate::webdriver::Driver;

/// A redirect target that answers 200, so the browser settles on the callback URL.
pub(crate) async fn callback_server() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                use tokio::io::{AsyncReadExt, AsyncWriteExt};
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let _ = sock
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/html\r\ncontent-length: 20\r\nconnection: close\r\n\r\n<p>signed in</p>\r\n\r\n")
                    .await;
            });
        }
    });
    format!("http://127.0.0.1:{port}/callback")
}

#[tokio::test]
async fn chromium_enrolls_a_key_and_steps_up_to_phr() {
    let app = spawn_app().await;
    let user = app.user("browser-user").await;
    let redirect_uri = callback_server().await;
    let (c, secret) = clients::create(
        &app.state.db,
        clients::NewClient {
            name: "Browser RP".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![],
            auth_method: clients::AuthMethod::ClientSecretBasic,
            id_token_alg: SigningAlg::ES256,
            default_acr_values: vec![],
            minimum_acr: None,
            scopes: vec![],
        },
    )
    .await
    .unwrap();
    let client = TestClient {
        client_id: c.client_id,
        secret,
        redirect_uri: redirect_uri.clone(),
    };

    let driver = Driver::start().await;
    driver.add_virtual_authenticator().await;

    // Enrollment inside the first phr sign-in.
    let claims = sign_in_with_key(&driver, &app, &client, &user, "register").await;
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "phr");
    assert_eq!(
        portcullis::db::webauthn::infos(&app.state.db, &user.id)
            .await
            .unwrap()
            .len(),
        1
    );

    // A fresh browser session: password, then the key, through the page's script.
    // Cookies are per site: drop the provider's session on the provider's origin.
    driver.goto(&app.url("/health")).await;
    driver.delete_cookies().await;
    let claims = sign_in_with_key(&driver, &app, &client, &user, "authenticate").await;
    assert_eq!(claims.auth_context_ref().unwrap().as_str(), "phr");
    let amr: Vec<String> = claims
        .auth_method_refs()
        .unwrap()
        .iter()
        .map(|a| a.to_string())
        .collect();
    assert!(
        amr.contains(&"hwk".to_string()) && amr.contains(&"user".to_string()),
        "{amr:?}"
    );
}

/// A phr sign-in in the browser: password form, then the key page in `mode`
/// (its button runs the page's script), then the code is exchanged.
async fn sign_in_with_key(
    driver: &Driver,
    app: &TestApp,
    client: &TestClient,
    user: &TestUser,
    mode: &str,
) -> openidconnect::core::CoreIdTokenClaims {
    let params = AuthParams::new(client).set("acr_values", "phr");
    driver
        .goto(&app.url(&format!("/authorize?{}", params.query())))
        .await;
    driver
        .type_into("input[name=username]", &user.username)
        .await;
    driver
        .type_into("input[name=password]", &user.password)
        .await;
    driver.click("button[type=submit]").await;
    driver.find(&format!("#webauthn[data-mode={mode}]")).await;
    let shot = driver.screenshot().await;
    assert!(shot.starts_with(b"\x89PNG"), "a real page was rendered");
    driver.click("#webauthn-start").await;
    let landed = driver.wait_for_url(&client.redirect_uri).await;
    let code = url::Url::parse(&landed)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .to_string();
    let tokens: serde_json::Value = app
        .exchange(client, &code, Some(&params.verifier))
        .await
        .json()
        .await
        .unwrap();
    app.verify_id_token(
        client,
        tokens["id_token"].as_str().unwrap(),
        Some(&params.nonce),
    )
    .await
}
