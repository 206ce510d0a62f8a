//! RFC 9470 end to end: the resource server of `examples/resource_server.rs` (its
//! logic lives in the library) introspects tokens at the provider and demands
//! `mfa`; a password-only token gets the `insufficient_user_authentication`
//! challenge, the client steps up with exactly what the challenge names, and the
//! new token is accepted.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use portcullis::oidc::step_up_challenge::{Challenge, Requirement};
use portcullis::resource_server::{self, Introspection, Introspector, ResourceServer};
use serde_json::Value;

use crate::helpers::*;
use crate::token_helpers::*;

/// Introspection over HTTP with the resource server's own client credentials.
struct HttpIntrospector {
    endpoint: String,
    client_id: String,
    secret: String,
}

#[async_trait::async_trait]
impl Introspector for HttpIntrospector {
    async fn introspect(&self, token: &str) -> Result<Introspection, String> {
        let resp = reqwest::Client::new()
            .post(&self.endpoint)
            .basic_auth(&self.client_id, Some(&self.secret))
            .form(&[("token", token)])
            .send()
            .await
            .map_err(|e| e.to_string())?;
        if !resp.status().is_success() {
            return Err(resp.status().to_string());
        }
        resp.json().await.map_err(|e| e.to_string())
    }
}

/// Starts the resource server on a free port; returns the URL of its resource.
async fn start_resource_server(app: &TestApp, requirement: Requirement) -> String {
    let own = app.client(false).await;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let rs = ResourceServer {
        requirement,
        introspector: Arc::new(HttpIntrospector {
            endpoint: app.url("/introspect"),
            client_id: own.client_id,
            secret: own.secret.unwrap(),
        }),
    };
    tokio::spawn(resource_server::serve(listener, rs).unwrap());
    format!("http://127.0.0.1:{port}{}", resource_server::PATH)
}

async fn call(resource: &str, token: Option<&str>) -> (u16, Option<String>, Value) {
    let mut req = reqwest::Client::new().get(resource);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let challenge = resp
        .headers()
        .get("www-authenticate")
        .map(|h| h.to_str().unwrap().to_string());
    (status, challenge, resp.json().await.unwrap())
}

fn mfa(max_age: Option<i64>) -> Requirement {
    Requirement {
        acr_values: vec!["mfa".into()],
        max_age,
    }
}

/// What the relying party does with a challenge: a new authorization request
/// with its acr_values and max_age.
fn step_up_params(client: &TestClient, challenge: &Challenge) -> AuthParams {
    let mut params = AuthParams::new(client).set("acr_values", &challenge.acr_values.join(" "));
    if let Some(m) = challenge.max_age {
        params = params.set("max_age", &m.to_string());
    }
    params
}

#[tokio::test]
async fn a_password_token_is_challenged_and_a_stepped_up_token_is_accepted() {
    let app = spawn_app().await;
    let user = app.user("stella").await;
    let secret = app.give_totp(&user).await;
    let rp = app.client(false).await;
    let resource = start_resource_server(&app, mfa(None)).await;

    // No token, or a token the provider does not know.
    let (status, challenge, _) = call(&resource, None).await;
    assert_eq!(
        (status, challenge.as_deref()),
        (401, Some("Bearer realm=\"resource\""))
    );
    let (status, challenge, _) = call(&resource, Some("forged")).await;
    assert_eq!(status, 401);
    assert!(challenge.unwrap().contains("error=\"invalid_token\""));

    // A password sign-in: the resource wants mfa.
    let browser = Browser::new(&app);
    let tokens = app
        .sign_in_with(&browser, &rp, &user, &AuthParams::new(&rp))
        .await;
    let (status, header, body) = call(&resource, Some(str_of(&tokens, "access_token"))).await;
    assert_eq!(status, 401);
    let header = header.unwrap();
    assert!(
        header.starts_with("Bearer error=\"insufficient_user_authentication\""),
        "{header}"
    );
    assert!(header.contains("acr_values=\"mfa\""), "{header}");
    assert!(
        !header.contains("max_age"),
        "the login is recent enough: {header}"
    );
    assert_eq!(body["error"], "insufficient_user_authentication");

    // The client asks again with what the challenge names: only the TOTP code is
    // asked for (the password proof of the session still counts).
    let challenge = Challenge::parse(&header).unwrap();
    let params = step_up_params(&rp, &challenge);
    let page = browser.authorize(&params).await;
    assert!(!page.html().contains("name=\"password\""));
    let back = browser
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    let stepped: Value = app.token_response(&rp, &params, &back).await;
    let (status, _, body) = call(&resource, Some(str_of(&stepped, "access_token"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["acr"], "mfa");
    assert_eq!(body["sub"], user.id);
    assert_eq!(body["amr"], serde_json::json!(["pwd", "otp", "mfa"]));
}

#[tokio::test]
async fn a_token_too_old_for_max_age_is_challenged_with_max_age() {
    let app = spawn_app().await;
    let user = app.user("otto").await;
    let secret = app.give_totp(&user).await;
    let rp = app.client(false).await;
    let resource = start_resource_server(&app, mfa(Some(3))).await;

    let browser = Browser::new(&app);
    let params = AuthParams::new(&rp).set("acr_values", "mfa");
    let page = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let back = browser
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    let tokens: Value = app.token_response(&rp, &params, &back).await;
    let at = str_of(&tokens, "access_token");
    assert_eq!(call(&resource, Some(at)).await.0, 200);

    tokio::time::sleep(Duration::from_millis(4100)).await;
    let (status, header, _) = call(&resource, Some(at)).await;
    assert_eq!(status, 401);
    let challenge = Challenge::parse(&header.unwrap()).unwrap();
    assert_eq!(challenge.max_age, Some(3));
    assert_eq!(challenge.acr_values, vec!["mfa".to_string()]);

    // max_age makes the provider ask for everything again; then it is accepted.
    let params = step_up_params(&rp, &challenge);
    let login = browser.authorize(&params).await;
    let page = browser.login(&login, &user).await;
    let back = browser
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&secret, 1)))
        .await;
    let fresh: Value = app.token_response(&rp, &params, &back).await;
    let (status, _, body) = call(&resource, Some(str_of(&fresh, "access_token"))).await;
    assert_eq!(status, 200, "{body}");
}
