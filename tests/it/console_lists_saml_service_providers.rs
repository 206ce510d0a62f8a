//! The admin console's applications page lists SAML service providers next to
//! the OpenID Connect clients, read-only.

use crate::admin_console::sign_in;
use crate::helpers::{cli, spawn_app};

#[tokio::test]
async fn the_console_lists_saml_service_providers_next_to_oidc_clients() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    cli(
        &app,
        &[
            "saml",
            "sp",
            "add",
            "--entity-id",
            "https://acme.atlassian.net",
            "--acs-url",
            "https://auth.atlassian.com/login/callback?connection=saml-1",
            "--name",
            "Acme <portal>",
            "--minimum-acr",
            "mfa",
        ],
    )
    .unwrap();
    let (browser, _) = sign_in(&app, "boss", &["admins"]).await;
    let page = browser.get("/admin/apps").await;
    assert_eq!(page.status(), 200);
    let html = page.html();
    assert!(
        html.contains(&format!("data-client=\"{}\"", client.client_id)),
        "{html}"
    );
    assert!(html.contains("<code>https://acme.atlassian.net</code>"));
    assert!(html.contains("callback?connection=saml-1"));
    assert!(html.contains("Acme &#60;portal&#62;"), "names are escaped");
    assert!(
        !html.contains("<form method=\"post\" action=\"/admin/apps"),
        "read-only"
    );
}
