//! Revocation (RFC 7009), introspection (RFC 7662) and the client_credentials
//! grant: what a resource server sees, and that a revoked token is refused
//! everywhere at once.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::token_helpers::*;

#[tokio::test]
async fn discovery_lists_the_lifecycle_endpoints() {
    let app = spawn_app().await;
    let doc = app.discovery().await;
    assert_eq!(doc["revocation_endpoint"], app.url("/revoke"));
    assert_eq!(doc["introspection_endpoint"], app.url("/introspect"));
    assert_eq!(doc["end_session_endpoint"], app.url("/logout"));
    assert_eq!(
        doc["grant_types_supported"],
        json!(["authorization_code", "refresh_token", "client_credentials"])
    );
    assert_eq!(
        doc["introspection_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
}

#[tokio::test]
async fn introspection_reports_the_authentication_and_needs_a_confidential_client() {
    let app = spawn_app().await;
    let user = app.user("ivan").await;
    let rp = app.client(true).await;
    let rs = app.client(false).await;
    let tokens = app.sign_in_offline(&rp, &user).await;
    let at = str_of(&tokens, "access_token");

    let info = app.introspect(&rs, at).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["token_type"], "Bearer");
    assert_eq!(info["client_id"], rp.client_id);
    assert_eq!(info["sub"], user.id);
    assert_eq!(info["scope"], OFFLINE);
    assert_eq!(info["acr"], "pwd");
    assert_eq!(info["amr"], json!(["pwd"]));
    assert_eq!(info["iss"], app.issuer);
    let (iat, exp, auth_time) = (
        info["iat"].as_i64().unwrap(),
        info["exp"].as_i64().unwrap(),
        info["auth_time"].as_i64().unwrap(),
    );
    assert!(auth_time <= iat && iat < exp, "{info}");

    // Unknown tokens: `active: false` and nothing else.
    assert_eq!(
        app.introspect(&rs, "no-such-token").await,
        json!({"active": false})
    );
    // A refresh token is reported to its own client only.
    let rt = str_of(&tokens, "refresh_token");
    assert_eq!(app.introspect(&rs, rt).await, json!({"active": false}));

    // No client authentication, a wrong secret, or a public client: refused.
    let anon = reqwest::Client::new()
        .post(app.url("/introspect"))
        .form(&[("token", at)])
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(anon).await, (401, "invalid_client".to_string()));
    let wrong = TestClient {
        secret: Some("wrong".into()),
        ..app.client(false).await
    };
    let resp = app.post_as(&wrong, "/introspect", &[("token", at)]).await;
    assert_eq!(resp.status(), 401);
    assert!(resp.headers().contains_key("www-authenticate"));
    let resp = app.post_as(&rp, "/introspect", &[("token", at)]).await;
    assert_eq!(error_of(resp).await, (401, "invalid_client".to_string()));
}

#[tokio::test]
async fn a_revoked_access_token_is_refused_at_userinfo_and_introspection() {
    let app = spawn_app().await;
    let user = app.user("vera").await;
    let client = app.client(false).await;
    let rs = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let at = str_of(&tokens, "access_token");
    assert_eq!(app.userinfo_status(at).await, 200);

    // Another client may not revoke it.
    let resp = app.revoke(&rs, at, None).await;
    assert_eq!(
        error_of(resp).await,
        (400, "unauthorized_client".to_string())
    );
    assert_eq!(app.userinfo_status(at).await, 200);

    let resp = app.revoke(&client, at, Some("access_token")).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(app.userinfo_status(at).await, 401);
    assert_eq!(app.introspect(&rs, at).await, json!({"active": false}));
    // Revoking again, or an unknown token, is still a 200 (RFC 7009 §2.2).
    assert_eq!(app.revoke(&client, at, None).await.status(), 200);
    assert_eq!(app.revoke(&client, "nonsense", None).await.status(), 200);
    // The refresh token was not touched.
    let resp = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await;
    assert_eq!(resp.status(), 200);
    // A revocation request needs the token and client authentication.
    let resp = app.post_as(&client, "/revoke", &[]).await;
    assert_eq!(error_of(resp).await, (400, "invalid_request".to_string()));
    let resp = reqwest::Client::new()
        .post(app.url("/revoke"))
        .form(&[("token", at)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
}

#[tokio::test]
async fn revoking_a_refresh_token_revokes_its_family_and_access_tokens() {
    let app = spawn_on(Backend::Redis).await;
    let user = app.user("fred").await;
    let client = app.client(true).await;
    let rs = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let next: Value = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await
        .json()
        .await
        .unwrap();
    let rt = str_of(&next, "refresh_token");
    let info = app.introspect(&rs, str_of(&next, "access_token")).await;
    assert_eq!(info["active"], true);

    // A wrong hint does not stop the search (RFC 7009 §2.1).
    assert_eq!(
        app.revoke(&client, rt, Some("access_token")).await.status(),
        200
    );
    let (_, error) = error_of(app.refresh(&client, rt, None).await).await;
    assert_eq!(error, "invalid_grant");
    for at in [&tokens, &next].map(|t| str_of(t, "access_token")) {
        assert_eq!(app.userinfo_status(at).await, 401);
        assert_eq!(app.introspect(&rs, at).await, json!({"active": false}));
    }
}

#[tokio::test]
async fn client_credentials_is_for_confidential_clients_and_names_no_user() {
    let app = spawn_app().await;
    // Only a client registered for the grant may use it.
    let service = app.client_with_grants(false, &["client_credentials"]).await;
    let rs = app.client(false).await;
    let resp = app
        .post_as(&service, "/token", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(resp.status(), 200);
    let tokens: Value = resp.json().await.unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert!(tokens.get("id_token").is_none() && tokens.get("refresh_token").is_none());
    let at = str_of(&tokens, "access_token");

    let info = app.introspect(&rs, at).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["sub"], service.client_id);
    assert_eq!(info["client_id"], service.client_id);
    assert!(
        info.get("acr").is_none() && info.get("auth_time").is_none(),
        "{info}"
    );
    assert_eq!(app.userinfo_status(at).await, 401, "no user behind it");

    let scoped = app
        .post_as(
            &service,
            "/token",
            &[("grant_type", "client_credentials"), ("scope", "email")],
        )
        .await;
    assert_eq!(scoped.status(), 200);
    let resp = app
        .post_as(
            &service,
            "/token",
            &[("grant_type", "client_credentials"), ("scope", "openid")],
        )
        .await;
    assert_eq!(error_of(resp).await, (400, "invalid_scope".to_string()));

    let public = app.client(true).await;
    let resp = app
        .post_as(&public, "/token", &[("grant_type", "client_credentials")])
        .await;
    assert_eq!(
        error_of(resp).await,
        (400, "unauthorized_client".to_string())
    );
}

/// A self-registered client introspects its own access tokens only: anyone
/// with the registration token could otherwise check stolen tokens and read
/// whose they are. An operator's client (a resource server) sees them all.
#[tokio::test]
async fn a_self_registered_client_introspects_only_its_own_tokens() {
    use crate::registration::{REDIRECT, register, spawn_registration};
    let app = spawn_registration("").await;
    let user = app.user("iris").await;
    let rp = app.client(false).await;
    let registered = register(
        &app,
        json!({"redirect_uris": [REDIRECT], "scope": "openid"}),
    )
    .await;
    let theirs = app.sign_in_offline(&rp, &user).await;
    let theirs = str_of(&theirs, "access_token");
    assert_eq!(
        app.introspect(&registered, theirs).await,
        json!({"active": false})
    );
    let rs = app.client(false).await;
    assert_eq!(app.introspect(&rs, theirs).await["active"], true);
    let own = app
        .sign_in_with(
            &Browser::new(&app),
            &registered,
            &user,
            &AuthParams::new(&registered).set("scope", "openid"),
        )
        .await;
    let own = str_of(&own, "access_token");
    let info = app.introspect(&registered, own).await;
    assert_eq!(info["active"], true);
    assert_eq!(info["client_id"], registered.client_id.as_str());
}
