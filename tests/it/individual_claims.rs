//! Individual claims requests (OIDC Core §5.5): the `claims` parameter releases
//! claims to the ID token and to userinfo beyond the scopes, within the scopes
//! the client is registered for, and every token of the grant honours it.

use serde_json::Value;

use crate::helpers::*;
use crate::protocol_helpers::*;
use crate::token_helpers::*;

#[tokio::test]
async fn userinfo_answers_the_claims_asked_for_with_scope_openid_alone() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("claire").await;
    let params = AuthParams::new(&client).set("scope", "openid").set(
        "claims",
        r#"{"userinfo":{"name":{"essential":true},"email":null}}"#,
    );
    let tokens = app
        .sign_in_with(&Browser::new(&app), &client, &user, &params)
        .await;
    let info = app.userinfo_json(str_of(&tokens, "access_token")).await;
    assert_eq!(info["sub"], user.id.as_str());
    assert_eq!(info["name"], "Test claire");
    assert_eq!(info["email"], "claire@example.com");
    // Only what was asked: neither another profile claim nor the ID token's share.
    assert!(info.get("preferred_username").is_none(), "{info}");
    let id = jwt_payload(str_of(&tokens, "id_token"));
    assert!(
        id.get("name").is_none() && id.get("email").is_none(),
        "{id}"
    );
}

#[tokio::test]
async fn the_id_token_carries_the_claims_asked_for_it_and_keeps_them_on_refresh() {
    let app = spawn_app().await;
    let client = app
        .client_scoped(&["openid", "email", "offline_access"])
        .await;
    let user = app.user("idris").await;
    let params = AuthParams::new(&client)
        .set("scope", "openid offline_access")
        .set(
            "claims",
            r#"{"id_token":{"email":{"essential":true},"email_verified":null,"name":null}}"#,
        );
    let page = Browser::new(&app);
    let landing = page.authorize(&params).await;
    let back = page.login(&landing, &user).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["email"], "idris@example.com");
    assert_eq!(claims["email_verified"], false);
    // `name` needs the profile scope, which this client is not registered for.
    assert!(claims.get("name").is_none(), "{claims}");

    let tokens = app.sign_in_with(&page, &client, &user, &params).await;
    let refreshed: Value = app
        .refresh(&client, str_of(&tokens, "refresh_token"), None)
        .await
        .json()
        .await
        .unwrap();
    let again = jwt_payload(str_of(&refreshed, "id_token"));
    assert_eq!(again["email"], "idris@example.com", "{again}");
    assert!(again.get("name").is_none());
    // Userinfo was asked for nothing: only the subject.
    let info = app.userinfo_json(str_of(&refreshed, "access_token")).await;
    assert_eq!(info.as_object().unwrap().len(), 1, "{info}");
}

#[tokio::test]
async fn claims_outside_the_clients_scopes_are_never_released() {
    let app = spawn_app().await;
    let client = app.client_scoped(&["openid"]).await;
    let user = app.user_in("gwen", &["staff"]).await;
    let params = AuthParams::new(&client)
        .set("scope", "openid profile email groups")
        .set(
            "claims",
            r#"{"userinfo":{"groups":{"essential":true},"email":null,"preferred_username":null}}"#,
        );
    let tokens = app
        .sign_in_with(&Browser::new(&app), &client, &user, &params)
        .await;
    let info = app.userinfo_json(str_of(&tokens, "access_token")).await;
    assert_eq!(info.as_object().unwrap().len(), 1, "{info}");
}

#[tokio::test]
async fn discovery_lists_the_claims_that_exist() {
    let app = spawn_app().await;
    let doc = app.discovery().await;
    let listed: Vec<&str> = doc["claims_supported"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    for claim in ["sub", "acr", "amr", "auth_time", "name", "email", "groups"] {
        assert!(listed.contains(&claim), "{claim} missing from {listed:?}");
    }
    assert_eq!(doc["claims_parameter_supported"], true);
    assert!(!listed.contains(&"address") && !listed.contains(&"phone_number"));
}
