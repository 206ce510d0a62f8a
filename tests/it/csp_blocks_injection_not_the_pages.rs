//! In a real browser (headless Chromium), the CSP stops injected markup from
//! running script or styling the page, and still lets the pages work: their
//! stylesheet applies (allowed by its hash), their own scripts run (the
//! WebAuthn and console browser tests), and a form whose submission ends in a
//! redirect to the relying party's origin gets there. Chromium applies
//! `form-action` to every redirect after a form submission, so the login page
//! must allow the client's origin, and the logout confirmation the
//! post-logout redirect's origin.

use portcullis::db::clients;
use portcullis::keys::SigningAlg;

use crate::browser_webauthn::callback_server;
use crate::helpers::*;
use crate::webdriver::Driver;

#[tokio::test]
async fn chromium_blocks_injected_script_and_follows_forms_to_the_client() {
    let app = spawn_app().await;
    let user = app.user("csp-user").await;
    // 127.0.0.1 on another port: another origin than the provider's localhost.
    let redirect_uri = callback_server().await;
    let after_logout = redirect_uri.replace("/callback", "/signed-out");
    let (c, secret) = clients::create(
        &app.state.db,
        clients::NewClient {
            name: "Other-origin RP".into(),
            redirect_uris: vec![redirect_uri.clone()],
            post_logout_redirect_uris: vec![after_logout.clone()],
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
    let params = AuthParams::new(&client);
    driver
        .goto(&app.url(&format!("/authorize?{}", params.query())))
        .await;
    driver.find("input[name=username]").await;
    // The page's stylesheet applied: <main> is a white card, not transparent.
    let card = driver
        .execute("return getComputedStyle(document.querySelector('main')).backgroundColor;")
        .await;
    assert_eq!(
        card.as_str(),
        Some("rgb(255, 255, 255)"),
        "stylesheet blocked"
    );
    // Markup that slipped into the page: an inline script without the nonce, and
    // a style attribute. Neither takes effect.
    let injected = driver
        .execute(
            "var s=document.createElement('script');s.textContent='window.injected=true';\
             document.body.appendChild(s);\
             var d=document.createElement('div');d.setAttribute('style','color: rgb(255, 0, 0)');\
             d.textContent='x';document.body.appendChild(d);\
             return [window.injected===true, getComputedStyle(d).color];",
        )
        .await;
    assert_eq!(injected[0], false, "an injected inline script ran");
    assert_ne!(
        injected[1], "rgb(255, 0, 0)",
        "an injected style attribute applied"
    );
    driver
        .type_into("input[name=username]", &user.username)
        .await;
    driver
        .type_into("input[name=password]", &user.password)
        .await;
    driver.click("button[type=submit]").await;
    // POST login → 303 to the interaction → 303 to the client, in another origin.
    let landed = driver.wait_for_url(&redirect_uri).await;
    assert!(landed.contains("code="), "{landed}");

    // RP-initiated logout without a hint: a confirmation form, then the client.
    let logout = format!(
        "/logout?client_id={}&post_logout_redirect_uri={}",
        client.client_id,
        url::form_urlencoded::byte_serialize(after_logout.as_bytes()).collect::<String>()
    );
    driver.goto(&app.url(&logout)).await;
    driver.click("button[type=submit]").await;
    driver.wait_for_url(&after_logout).await;
}
