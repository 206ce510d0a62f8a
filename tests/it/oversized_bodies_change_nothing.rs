//! Request bodies are bounded before they are read into anything: the WebAuthn
//! JSON endpoints at 16 KiB, refused before any ceremony state is stored,
//! replaced or spent (the genuine ceremony still completes afterwards), and the
//! admin API's JSON at 256 KiB, refused before any user is touched. Both answer
//! 413 with an RFC 6749-style JSON error.

use base64::Engine;
use serde_json::{Value, json};
use webauthn_authenticator_rs::WebauthnAuthenticator;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_rs::prelude::CreationChallengeResponse;

use crate::helpers::*;
use crate::webauthn::{key_page, origin, phr_key_page, post_json};

async fn assert_too_large(resp: reqwest::Response, limit: usize) {
    assert_eq!(resp.status(), 413);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request", "{body}");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains(&format!("{limit} bytes")),
        "{body}"
    );
}

#[tokio::test]
async fn oversized_bodies_are_refused_and_the_ceremony_survives() {
    let app = spawn_app().await;
    let user = app.user("big-body").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &browser, &client, &user).await;
    let kp = key_page(&page);

    let opts = post_json(&app, &browser, &kp.begin, &kp.csrf, &app.issuer, &json!({})).await;
    assert_eq!(opts.status(), 200);
    let opts: CreationChallengeResponse = opts.json().await.unwrap();

    // A second begin with a large body would replace the ceremony (and its
    // challenge) if it were read: it is refused instead.
    let pad = json!({ "pad": "x".repeat(20 * 1024) });
    let big_begin = post_json(&app, &browser, &kp.begin, &kp.csrf, &app.issuer, &pad).await;
    assert_too_large(big_begin, 16 * 1024).await;

    // The genuine credential for the first challenge, and an oversized copy whose
    // clientDataJSON is junk: read, it would spend the ceremony and fail.
    let mut key = SoftPasskey::new(true);
    let cred = key.do_registration(origin(&app), opts).unwrap();
    let genuine = serde_json::to_value(&cred).unwrap();
    let mut junk = genuine.clone();
    junk["response"]["clientDataJSON"] =
        json!(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(vec![b'{'; 32 * 1024]));
    let big_finish = post_json(&app, &browser, &kp.finish, &kp.csrf, &app.issuer, &junk).await;
    assert_too_large(big_finish, 16 * 1024).await;
    assert!(
        portcullis::db::webauthn::infos(&app.state.db, &user.id)
            .await
            .unwrap()
            .is_empty()
    );

    // Nothing changed: the first challenge is still the live one.
    let done = post_json(&app, &browser, &kp.finish, &kp.csrf, &app.issuer, &genuine).await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert!(done["redirect"].is_string(), "{done}");
    assert_eq!(
        portcullis::db::webauthn::infos(&app.state.db, &user.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn an_oversized_admin_call_touches_no_user() {
    let app = spawn_app().await;
    let api = crate::admin_helpers::AdminApi::new(&app, "bulk").await;
    let victim = api.user("still-here").await;
    let id = victim["id"].as_str().unwrap().to_owned();
    // Within the 1,000 ids a bulk action takes, but over 256 KiB in all.
    let mut ids = vec![id.clone()];
    ids.extend((0..999).map(|i| format!("{i:0>300}")));
    let resp = api
        .call(
            reqwest::Method::POST,
            "/users/bulk",
            Some(json!({"action": "delete", "ids": ids})),
        )
        .await;
    assert_too_large(resp, 256 * 1024).await;
    let (status, _) = api.get(&format!("/users/{id}")).await;
    assert_eq!(status, 200, "the user was not deleted");
}

/// A compressed body is refused (415) before anything reads it: a 64 KiB gzip
/// of zeros would be hundreds of MiB once inflated, and the form limit sees
/// only what was sent. The same form sent plainly is served.
#[tokio::test]
async fn a_compressed_body_is_refused_unread() {
    use std::io::Write;
    let app = spawn_app().await;
    let client = app.client(false).await;
    let http = reqwest::Client::new();
    let gzip = |body: &[u8]| {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        e.write_all(body).unwrap();
        e.finish().unwrap()
    };
    let form = b"token=not-a-token".to_vec();
    let introspect = |body: Vec<u8>, coding: Option<&'static str>| {
        let mut req = http
            .post(app.url("/introspect"))
            .basic_auth(&client.client_id, client.secret.as_deref())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(c) = coding {
            req = req.header("content-encoding", c);
        }
        req.send()
    };
    let plain = introspect(form.clone(), None).await.unwrap();
    assert_eq!(plain.status(), 200);
    let plain: Value = plain.json().await.unwrap();
    assert_eq!(plain["active"], false);
    let identity = introspect(form.clone(), Some("identity")).await.unwrap();
    assert_eq!(identity.status(), 200);

    for coding in ["gzip", "x-gzip", "deflate", "identity, gzip"] {
        let resp = introspect(gzip(&form), Some(coding)).await.unwrap();
        assert_eq!(resp.status(), 415, "{coding}");
    }
    // A bomb: 16 MiB of zeros in 16 KiB, refused at once.
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        e.write_all(&zeros).unwrap();
    }
    let bomb = e.finish().unwrap();
    let resp = introspect(bomb, Some("gzip")).await.unwrap();
    assert_eq!(resp.status(), 415);
    assert_eq!(
        resp.headers()
            .get("accept-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("identity")
    );
}
