//! The client configuration endpoint (RFC 7592): read, update and delete with the
//! registration access token; what a deleted client and an expired secret can do.

use openidconnect::core::CoreClientRegistrationResponse;
use portcullis::db::clients;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::registration::{REDIRECT, login, register_wiki, spawn_registration, test_client};

struct Config {
    uri: String,
    token: String,
}

fn config_of(reg: &CoreClientRegistrationResponse) -> Config {
    Config {
        uri: reg.registration_client_uri().unwrap().to_string(),
        token: reg.registration_access_token().unwrap().secret().clone(),
    }
}

async fn get(c: &Config, token: Option<&str>) -> reqwest::Response {
    let mut req = reqwest::Client::new().get(&c.uri);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.unwrap()
}

async fn put(c: &Config, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .put(&c.uri)
        .bearer_auth(&c.token)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn delete(c: &Config, token: &str) -> reqwest::Response {
    reqwest::Client::new()
        .delete(&c.uri)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn assert_invalid_token(resp: &reqwest::Response) {
    assert_eq!(resp.status(), 401);
    let challenge = resp.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
}

#[tokio::test]
async fn read_update_and_delete_with_the_registration_access_token() {
    let app = spawn_registration("").await;
    let reg = register_wiki(&app).await;
    let cfg = config_of(&reg);
    let id = reg.client_id().to_string();
    let secret = reg.client_secret().unwrap().secret().clone();

    // Read: the registration as held, without secrets, in a shape openidconnect reads.
    let resp = get(&cfg, Some(&cfg.token)).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["cache-control"], "no-store");
    let doc: Value = resp.json().await.unwrap();
    assert_eq!(doc["client_id"], id);
    assert_eq!(doc["client_name"], "Wiki");
    assert_eq!(doc["redirect_uris"], json!([REDIRECT]));
    assert_eq!(doc["registration_client_uri"], cfg.uri);
    assert!(doc.get("client_secret").is_none() && doc.get("registration_access_token").is_none());
    let parsed: CoreClientRegistrationResponse = serde_json::from_value(doc.clone()).unwrap();
    assert_eq!(parsed.client_id().as_str(), id);

    // The token is bound to its client: no token, a wrong one, the initial access
    // token, or another client's token all get 401.
    assert_invalid_token(&get(&cfg, None).await);
    assert_invalid_token(&get(&cfg, Some("wrong")).await);
    assert_invalid_token(&get(&cfg, Some(crate::registration::INITIAL_TOKEN)).await);
    let other = config_of(&register_wiki(&app).await);
    assert_invalid_token(&get(&cfg, Some(&other.token)).await);
    let unknown = Config {
        uri: app.url("/register/no-such-client"),
        token: cfg.token.clone(),
    };
    assert_invalid_token(&get(&unknown, Some(&cfg.token)).await);

    // Update: the body replaces the registration (omitted members are dropped).
    let mut body = doc.clone();
    body["client_name"] = "Wiki 2".into();
    body["redirect_uris"] = json!([REDIRECT, "https://wiki.example/cb"]);
    body["token_endpoint_auth_method"] = "client_secret_post".into();
    body["default_max_age"] = 60.into();
    body.as_object_mut().unwrap().remove("contacts");
    let resp = put(&cfg, &body).await;
    assert_eq!(resp.status(), 200);
    let updated: Value = resp.json().await.unwrap();
    assert_eq!(updated["client_name"], "Wiki 2");
    assert_eq!(updated["token_endpoint_auth_method"], "client_secret_post");
    assert!(updated.get("client_secret").is_none(), "the secret stays");
    assert!(updated.get("contacts").is_none());
    let stored = clients::find(&app.state.db, &id).await.unwrap().unwrap();
    assert_eq!(stored.name, "Wiki 2");
    assert_eq!(stored.redirect_uris.len(), 2);
    assert_eq!(stored.profile.default_max_age, Some(60));
    assert!(stored.profile.contacts.is_empty());
    assert!(stored.verify_secret(&secret));

    // Bad updates change nothing.
    let mut wrong_id = body.clone();
    wrong_id["client_id"] = "someone-else".into();
    let mut wrong_secret = body.clone();
    wrong_secret["client_secret"] = "guess".into();
    let mut bad_uri = body.clone();
    bad_uri["redirect_uris"] = json!(["https://wiki.example/cb#x"]);
    let mut no_id = body.clone();
    no_id.as_object_mut().unwrap().remove("client_id");
    for (b, error) in [
        (&wrong_id, "invalid_client_metadata"),
        (&wrong_secret, "invalid_client_metadata"),
        (&bad_uri, "invalid_redirect_uri"),
        (&no_id, "invalid_client_metadata"),
    ] {
        let resp = put(&cfg, b).await;
        assert_eq!(resp.status(), 400);
        assert_eq!(resp.json::<Value>().await.unwrap()["error"], error);
    }
    let mut with_secret = body.clone();
    with_secret["client_secret"] = secret.clone().into();
    assert_eq!(
        put(&cfg, &with_secret).await.status(),
        200,
        "the current secret may be sent"
    );
    assert_eq!(
        clients::find(&app.state.db, &id)
            .await
            .unwrap()
            .unwrap()
            .name,
        "Wiki 2"
    );

    // Public and back: the secret goes, and a new one is issued.
    let mut public = body.clone();
    public["token_endpoint_auth_method"] = "none".into();
    let v: Value = put(&cfg, &public).await.json().await.unwrap();
    assert!(v.get("client_secret_expires_at").is_none());
    assert!(
        clients::find(&app.state.db, &id)
            .await
            .unwrap()
            .unwrap()
            .secret_hash
            .is_none()
    );
    let v: Value = put(&cfg, &body).await.json().await.unwrap();
    let new_secret = v["client_secret"].as_str().unwrap().to_owned();
    assert_ne!(new_secret, secret);
    let stored = clients::find(&app.state.db, &id).await.unwrap().unwrap();
    assert!(stored.verify_secret(&new_secret) && !stored.verify_secret(&secret));

    // Delete: a wrong token deletes nothing; the right one, once.
    assert_invalid_token(&delete(&cfg, "wrong").await);
    assert!(clients::find(&app.state.db, &id).await.unwrap().is_some());
    assert_eq!(delete(&cfg, &cfg.token).await.status(), 204);
    assert!(clients::find(&app.state.db, &id).await.unwrap().is_none());
    assert_invalid_token(&get(&cfg, Some(&cfg.token)).await);
    assert_invalid_token(&delete(&cfg, &cfg.token).await);
    assert!(
        clients::find(&app.state.db, &other_id(&other))
            .await
            .unwrap()
            .is_some()
    );
}

async fn userinfo(app: &TestApp, token: &str) -> u16 {
    reqwest::Client::new()
        .get(app.url("/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

fn other_id(c: &Config) -> String {
    c.uri.rsplit('/').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_deleted_client_can_no_longer_get_tokens() {
    let app = spawn_registration("").await;
    let reg = register_wiki(&app).await;
    let cfg = config_of(&reg);
    let client = test_client(&reg, REDIRECT);
    let user = app.user("dave").await;

    // One login completed (its access token works), one code not yet redeemed.
    let (params, back) = login(&app, &client, &user).await;
    let tokens: Value = app.token_response(&client, &params, &back).await;
    let access_token = tokens["access_token"].as_str().unwrap().to_owned();
    let (params, pending) = login(&app, &client, &user).await;
    assert_eq!(userinfo(&app, &access_token).await, 200);

    assert_eq!(delete(&cfg, &cfg.token).await.status(), 204);

    let resp = app
        .exchange(&client, &pending.code(), Some(&params.verifier))
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );
    let page = Browser::new(&app)
        .authorize(&AuthParams::new(&client))
        .await;
    assert_eq!(page.status(), 400, "no redirect for an unknown client");
    assert_eq!(
        userinfo(&app, &access_token).await,
        401,
        "its tokens went with it"
    );
}

#[tokio::test]
async fn an_expired_secret_fails_and_an_update_renews_it() {
    let app = spawn_registration("client_secret_ttl = 3600\n").await;
    let reg = register_wiki(&app).await;
    let expires = reg.client_secret_expires_at().unwrap().timestamp();
    let now = chrono::Utc::now().timestamp();
    assert!((now + 3590..=now + 3610).contains(&expires), "{expires}");
    let mut client = test_client(&reg, REDIRECT);
    let id = client.client_id.clone();
    let user = app.user("erin").await;

    // Let the secret run out.
    let mut stored = clients::find(&app.state.db, &id).await.unwrap().unwrap();
    stored.profile.client_secret_expires_at = now - 1;
    clients::save(&app.state.db, &stored).await.unwrap();
    let (params, back) = login(&app, &client, &user).await;
    let resp = app
        .exchange(&client, &back.code(), Some(&params.verifier))
        .await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_client"
    );

    // RFC 7592 §2.2: the update answer carries a fresh secret with a fresh expiry.
    let cfg = config_of(&reg);
    let doc: Value = get(&cfg, Some(&cfg.token)).await.json().await.unwrap();
    assert_eq!(doc["client_secret_expires_at"], now - 1);
    let v: Value = put(&cfg, &doc).await.json().await.unwrap();
    client.secret = Some(v["client_secret"].as_str().unwrap().to_owned());
    assert!(v["client_secret_expires_at"].as_i64().unwrap() > now + 3500);
    let (params, back) = login(&app, &client, &user).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], user.id);
}

/// A client registered under older rules sends its registration back with one
/// change (RFC 7592 sends the whole document): what it already had passes as
/// it is, while a new value must meet today's rules.
#[tokio::test]
async fn an_update_may_send_back_what_the_client_already_had() {
    let app = spawn_registration("").await;
    let reg = register_wiki(&app).await;
    let cfg = config_of(&reg);
    let id = reg.client_id().to_string();
    // As stored before the rules on names, logos and receivers.
    let old_name = format!("Wiki {}", "x".repeat(150));
    let mut c = clients::find(&app.state.db, &id).await.unwrap().unwrap();
    c.name = old_name.clone();
    c.profile.logo_uri = Some("http://cdn.wiki.example/logo.png".into());
    c.profile.options.backchannel_logout_uri = Some("http://127.0.0.1:9/bcl".into());
    clients::save(&app.state.db, &c).await.unwrap();
    app.state.cache.forget_client(&id);

    let doc: Value = get(&cfg, Some(&cfg.token)).await.json().await.unwrap();
    assert_eq!(doc["client_name"], old_name.as_str());
    let mut body = doc.clone();
    body["default_max_age"] = 60.into();
    let resp = put(&cfg, &body).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
    let stored = clients::find(&app.state.db, &id).await.unwrap().unwrap();
    assert_eq!(stored.profile.default_max_age, Some(60));
    assert_eq!(stored.name, old_name);

    for (member, value) in [
        ("client_name", json!(format!("Docs {}", "y".repeat(150)))),
        ("logo_uri", json!("http://cdn.wiki.example/other.png")),
        ("backchannel_logout_uri", json!("http://127.0.0.1:10/bcl")),
    ] {
        let mut changed = body.clone();
        changed[member] = value;
        let resp = put(&cfg, &changed).await;
        assert_eq!(resp.status(), 400, "{member}");
        assert_eq!(
            resp.json::<Value>().await.unwrap()["error"],
            "invalid_client_metadata",
            "{member}"
        );
    }
}

/// An RFC 7592 update reads the whole client, changes it and writes it back:
/// an administrator's change in between (a rotated secret, a raised minimum
/// level) must not be put back by the late write. The write applies only over
/// the client as it was read; otherwise it is refused and changes nothing.
#[tokio::test]
async fn a_late_whole_client_write_does_not_undo_an_administrators_change() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let made = app.client(false).await;
    let read = clients::find(db, &made.client_id).await.unwrap().unwrap();
    // Meanwhile the operator rotates the secret and raises the level.
    let mut by_admin = read.clone();
    let new_secret = by_admin.replace_secret(0);
    by_admin.minimum_acr = Some("mfa".into());
    clients::save(db, &by_admin).await.unwrap();
    // The late write, made to the copy read before.
    let mut late = read.clone();
    late.name = "renamed".into();
    let refused = clients::save_over(db, &late, &read).await;
    assert!(
        matches!(refused, Err(portcullis::db::DbError::Conflict(_))),
        "{refused:?}"
    );
    let now = clients::find(db, &made.client_id).await.unwrap().unwrap();
    assert_eq!(now, by_admin);
    assert!(now.verify_secret(&new_secret));
    // Over what is stored now, the same change is made.
    let mut fresh = now.clone();
    fresh.name = "renamed".into();
    let saved = clients::save_over(db, &fresh, &now).await.unwrap();
    assert_eq!(saved.name, "renamed");
    assert_eq!(saved.minimum_acr.as_deref(), Some("mfa"));
}
