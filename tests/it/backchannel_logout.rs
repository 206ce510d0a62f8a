//! OpenID Connect Back-Channel Logout 1.0: when a browser session ends (RP-
//! initiated logout, an administrator's sign-out), every relying party that the
//! session signed in to and that registered a `backchannel_logout_uri` gets a
//! signed logout token, checked here by a real receiver; an unreachable party
//! never delays the user's logout.

use std::time::{Duration, Instant};

use portcullis::db::clients::{ClientOptions, ClientProfile};
use serde_json::{Value, json};

use crate::backchannel_receiver::Receiver;
use crate::helpers::*;
use crate::protocol_helpers::*;
use crate::token_helpers::*;

pub async fn client_notified_at(app: &TestApp, uri: &str) -> TestClient {
    let profile = ClientProfile {
        options: ClientOptions {
            backchannel_logout_uri: Some(uri.to_owned()),
            backchannel_logout_session_required: true,
            ..Default::default()
        },
        ..Default::default()
    };
    app.client_made(&[], profile).await
}

/// A client whose receiver path is its own id, so the receiver checks `aud`.
pub async fn client_with_receiver(app: &TestApp, receiver: &Receiver) -> TestClient {
    let client = client_notified_at(app, "http://127.0.0.1:9/placeholder").await;
    let mut c = portcullis::db::clients::find(&app.state.db, &client.client_id)
        .await
        .unwrap()
        .unwrap();
    c.profile.options.backchannel_logout_uri =
        Some(format!("{}/{}", receiver.base, client.client_id));
    portcullis::db::clients::save(&app.state.db, &c)
        .await
        .unwrap();
    app.state.cache.forget_client(&client.client_id);
    client
}

fn logout_url(app: &TestApp, hint: &str) -> String {
    format!(
        "{}?{}",
        app.url("/logout"),
        serde_urlencoded::to_string([("id_token_hint", hint)]).unwrap()
    )
}

#[tokio::test]
async fn logout_sends_a_verified_logout_token_to_every_client_the_session_signed_in_to() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&app).await;
    let (jira, wiki) = (
        client_with_receiver(&app, &receiver).await,
        client_with_receiver(&app, &receiver).await,
    );
    let never_used = client_with_receiver(&app, &receiver).await;
    let plain = app.client(false).await;
    let user = app.user("lotte").await;
    let browser = Browser::new(&app);
    let tokens = app
        .sign_in_with(&browser, &jira, &user, &AuthParams::new(&jira))
        .await;
    for client in [&wiki, &plain] {
        app.sign_in_with(&browser, client, &user, &AuthParams::new(client))
            .await;
    }
    let id_token = str_of(&tokens, "id_token");
    let sid = jwt_payload(id_token)["sid"].as_str().unwrap().to_string();

    let started = Instant::now();
    let landing = browser.get(&logout_url(&app, id_token)).await;
    assert_eq!(landing.status(), 200);
    assert!(started.elapsed() < Duration::from_secs(2));

    let got = receiver.accepted(2).await;
    let mut audiences: Vec<&str> = got.iter().map(|(path, _)| path.as_str()).collect();
    audiences.sort();
    let mut expected = vec![jira.client_id.as_str(), wiki.client_id.as_str()];
    expected.sort();
    assert_eq!(
        audiences, expected,
        "only the clients this session signed in to"
    );
    assert!(!audiences.contains(&never_used.client_id.as_str()));
    for (_, claims) in &got {
        assert_eq!(claims["sub"], user.id.as_str());
        assert_eq!(claims["sid"], sid.as_str());
        assert!(claims.get("nonce").is_none());
    }
    assert!(receiver.got.lock().unwrap().refused.is_empty());
}

#[tokio::test]
async fn the_receiver_refuses_a_logout_token_with_a_nonce() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&app).await;
    let client = client_with_receiver(&app, &receiver).await;
    let now = chrono::Utc::now().timestamp();
    let mut claims = json!({
        "iss": app.issuer, "aud": client.client_id, "iat": now, "exp": now + 60,
        "jti": "j1", "sub": "u1", "sid": "s1",
        "events": { "http://schemas.openid.net/event/backchannel-logout": {} },
    });
    let post = |claims: Value| {
        let token = app
            .state
            .keys
            .sign_typed(
                portcullis::keys::SigningAlg::ES256,
                Some("logout+jwt"),
                &claims,
            )
            .unwrap();
        let url = format!("{}/{}", receiver.base, client.client_id);
        async move {
            reqwest::Client::new()
                .post(url)
                .form(&[("logout_token", token)])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    assert_eq!(post(claims.clone()).await, 200);
    claims["nonce"] = json!("n");
    assert_eq!(post(claims).await, 400);
}

#[tokio::test]
async fn an_admin_sign_out_notifies_the_clients_of_every_session() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&app).await;
    let client = client_with_receiver(&app, &receiver).await;
    let user = app.user("lotte").await;
    for _ in 0..2 {
        let browser = Browser::new(&app);
        app.sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
            .await;
    }
    portcullis::admin::sign_out::sign_out(&app.state.admin_ctx("admin:test"), &user.id)
        .await
        .unwrap();
    let got = receiver.accepted(2).await;
    assert_eq!(got.len(), 2, "one token per session");
    assert_ne!(got[0].1["sid"], got[1].1["sid"]);
}

/// Deleting a user ends their sessions first, so the relying parties hear of
/// it as they would of a disable.
#[tokio::test]
async fn deleting_a_user_notifies_the_clients_of_their_sessions() {
    let app = spawn_app().await;
    let receiver = Receiver::start(&app).await;
    let client = client_with_receiver(&app, &receiver).await;
    let user = app.user("dave").await;
    let browser = Browser::new(&app);
    app.sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    portcullis::admin::users::delete(&app.state.admin_ctx("admin:test"), &user.id)
        .await
        .unwrap();
    let got = receiver.accepted(1).await;
    assert_eq!(got.len(), 1, "one token for the deleted user's session");
    assert_eq!(got[0].1["sub"], user.id.as_str());
}

#[tokio::test]
async fn an_unreachable_client_never_delays_the_logout() {
    let app = spawn_app().await;
    // Accepts connections and never answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}/bcl", silent.local_addr().unwrap());
    let client = client_notified_at(&app, &uri).await;
    let user = app.user("lotte").await;
    let browser = Browser::new(&app);
    let tokens = app
        .sign_in_with(&browser, &client, &user, &AuthParams::new(&client))
        .await;
    let started = Instant::now();
    let landing = browser
        .get(&logout_url(&app, str_of(&tokens, "id_token")))
        .await;
    assert_eq!(landing.status(), 200);
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "logout waited {:?}",
        started.elapsed()
    );
    drop(silent);
}

#[tokio::test]
async fn registration_and_discovery_speak_back_channel_logout() {
    let app = spawn_app().await;
    let doc = app.discovery().await;
    assert_eq!(doc["backchannel_logout_supported"], true);
    assert_eq!(doc["backchannel_logout_session_supported"], true);
    let made = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "jira",
            "--redirect-uri",
            "https://jira.example/cb",
            "--backchannel-logout-uri",
            "https://jira.example/bcl",
            "--backchannel-logout-session-required",
        ],
    )
    .unwrap();
    assert_eq!(made["backchannel_logout_uri"], "https://jira.example/bcl");
    assert_eq!(made["backchannel_logout_session_required"], true);
    let err = cli(
        &app,
        &[
            "client",
            "create",
            "--name",
            "x",
            "--redirect-uri",
            "https://x.example/cb",
            "--backchannel-logout-uri",
            "ftp://x.example/bcl",
        ],
    )
    .unwrap_err();
    assert!(err.contains("backchannel_logout_uri"), "{err}");
}

/// Anyone may register a client, and the server itself posts to its
/// receiver: a self-registered receiver must be public, at registration and
/// again at delivery, so a registration cannot aim the server at itself or at
/// the private network behind it.
#[tokio::test]
async fn a_self_registered_client_cannot_aim_logout_at_an_internal_address() {
    use crate::registration::{REDIRECT, post_registration, spawn_registration};
    let app = spawn_registration("").await;
    for uri in [
        "http://127.0.0.1:9/bcl",
        "https://localhost/bcl",
        "https://169.254.169.254/latest/meta-data",
        "https://[::ffff:10.0.0.1]/bcl",
    ] {
        let resp = post_registration(
            &app,
            &json!({"redirect_uris": [REDIRECT], "backchannel_logout_uri": uri}),
        )
        .await;
        assert_eq!(resp.status(), 400, "{uri}");
        let body: Value = resp.json().await.unwrap();
        assert_eq!(body["error"], "invalid_client_metadata");
        assert!(
            str_of(&body, "error_description").contains("public"),
            "{body}"
        );
    }
    assert!(
        portcullis::db::clients::list(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "nothing was registered"
    );
    let resp = post_registration(
        &app,
        &json!({"redirect_uris": [REDIRECT], "backchannel_logout_uri": "https://rp.example/bcl"}),
    )
    .await;
    assert_eq!(resp.status(), 201);
    let reg: Value = resp.json().await.unwrap();
    let registered = TestClient {
        client_id: str_of(&reg, "client_id").to_string(),
        secret: Some(str_of(&reg, "client_secret").to_string()),
        redirect_uri: REDIRECT.to_string(),
    };

    // At delivery: the stored receiver now points inward (as a name that
    // resolves inward later would); it is not sent, while a client an
    // administrator made with the same kind of receiver is.
    let receiver = Receiver::start(&app).await;
    let mut c = portcullis::db::clients::find(&app.state.db, &registered.client_id)
        .await
        .unwrap()
        .unwrap();
    assert!(c.profile.dynamic);
    c.profile.options.backchannel_logout_uri =
        Some(format!("{}/{}", receiver.base, registered.client_id));
    portcullis::db::clients::save(&app.state.db, &c)
        .await
        .unwrap();
    app.state.cache.forget_client(&registered.client_id);
    let made = client_with_receiver(&app, &receiver).await;
    let user = app.user("oona").await;
    let browser = Browser::new(&app);
    let tokens = app
        .sign_in_with(&browser, &registered, &user, &AuthParams::new(&registered))
        .await;
    app.sign_in_with(&browser, &made, &user, &AuthParams::new(&made))
        .await;
    let landing = browser
        .get(&logout_url(&app, str_of(&tokens, "id_token")))
        .await;
    assert_eq!(landing.status(), 200);
    let got = receiver.accepted(1).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let got_now = receiver.got.lock().unwrap().accepted.clone();
    assert_eq!(got.len(), 1);
    assert_eq!(got_now.len(), 1, "only the administrator's client heard");
    assert_eq!(got_now[0].0, made.client_id);
}
