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
