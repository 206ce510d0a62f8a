//! Access tokens carry their own sealed record: issuing one stores nothing, and
//! a revocation is one deny entry in the store, however many tokens it ends.
//! On both stores, and across two instances that share Redis and `keys.dir`.

use serde_json::{Value, json};

use crate::cluster::Cluster;
use crate::helpers::*;
use crate::token_helpers::*;
use crate::user_changes_count_at_the_next_request::{Rp, code_in, signed_in};

/// Entries in the store: the embedded store counts them, Redis answers DBSIZE.
async fn entries(app: &TestApp) -> u64 {
    match &app.redis {
        None => app.state.store.usage().unwrap().entries as u64,
        Some(redis) => {
            let client = redis::Client::open(redis.url.as_str()).unwrap();
            let mut con = client.get_multiplexed_async_connection().await.unwrap();
            redis::cmd("DBSIZE").query_async(&mut con).await.unwrap()
        }
    }
}

async fn tokens_take_no_room_and_revocations_one_entry(backend: Backend) {
    let app = spawn_on(backend).await;
    let user = app.user("tess").await;
    let client = app.client(false).await;
    let rs = app.client(false).await;
    let first = app.sign_in_offline(&client, &user).await;
    let before = entries(&app).await;

    // Twenty refreshes: twenty access tokens, each good, none stored.
    let mut rt = str_of(&first, "refresh_token").to_owned();
    let mut issued = vec![str_of(&first, "access_token").to_owned()];
    for _ in 0..20 {
        let next: Value = app.refresh(&client, &rt, None).await.json().await.unwrap();
        rt = str_of(&next, "refresh_token").to_owned();
        issued.push(str_of(&next, "access_token").to_owned());
    }
    for at in &issued {
        assert_eq!(app.introspect(&rs, at).await["active"], true);
    }
    assert_eq!(app.userinfo_status(issued.last().unwrap()).await, 200);
    assert_eq!(entries(&app).await, before, "issuing tokens stored nothing");

    // One token revoked: one deny entry; the others still work.
    assert_eq!(app.revoke(&client, &issued[3], None).await.status(), 200);
    assert_eq!(entries(&app).await, before + 1);
    assert_eq!(app.userinfo_status(&issued[3]).await, 401);
    assert_eq!(
        app.introspect(&rs, &issued[3]).await,
        json!({"active": false})
    );
    assert_eq!(app.userinfo_status(&issued[4]).await, 200);

    // The family revoked: one more entry ends all 21 tokens.
    assert_eq!(app.revoke(&client, &rt, None).await.status(), 200);
    assert_eq!(entries(&app).await, before + 2);
    for at in &issued {
        assert_eq!(app.userinfo_status(at).await, 401);
        assert_eq!(app.introspect(&rs, at).await, json!({"active": false}));
    }
}

#[tokio::test]
async fn tokens_take_no_room_in_the_embedded_store() {
    tokens_take_no_room_and_revocations_one_entry(Backend::Memory).await;
}

#[tokio::test]
async fn tokens_take_no_room_in_redis() {
    tokens_take_no_room_and_revocations_one_entry(Backend::Redis).await;
}

/// Redis emptied (a restart without persistence, FLUSHALL, a failover to a
/// replica without the data) loses the deny-list: a revoked token must not
/// count again. Every token issued before the loss is refused; new ones work.
#[tokio::test]
async fn an_emptied_redis_brings_no_revoked_token_back() {
    let app = spawn_on(Backend::Redis).await;
    let user = app.user("fern").await;
    let client = app.client(false).await;
    let first = app.sign_in_offline(&client, &user).await;
    let revoked = str_of(&first, "access_token").to_owned();
    let next: Value = app
        .refresh(&client, str_of(&first, "refresh_token"), None)
        .await
        .json()
        .await
        .unwrap();
    let kept = str_of(&next, "access_token").to_owned();
    assert_eq!(app.revoke(&client, &revoked, None).await.status(), 200);
    assert_eq!(app.userinfo_status(&revoked).await, 401);
    assert_eq!(app.userinfo_status(&kept).await, 200);

    let redis = app.redis.as_ref().unwrap();
    let client_r = redis::Client::open(redis.url.as_str()).unwrap();
    let mut con = client_r.get_multiplexed_async_connection().await.unwrap();
    let () = redis::cmd("FLUSHALL").query_async(&mut con).await.unwrap();
    // The floor is drawn at the next check; a token issued in the same second
    // as the loss would still count, so the check waits for the next second.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;

    assert_eq!(
        app.userinfo_status(&revoked).await,
        401,
        "revoked stays revoked"
    );
    assert_eq!(
        app.userinfo_status(&kept).await,
        401,
        "issued before the loss"
    );
    let rs = app.client(false).await;
    assert_eq!(
        app.introspect(&rs, &revoked).await,
        json!({"active": false})
    );
    let fresh = app.sign_in_offline(&client, &user).await;
    assert_eq!(
        app.userinfo_status(str_of(&fresh, "access_token")).await,
        200,
        "a token issued after the loss works"
    );
}

#[tokio::test]
async fn an_altered_token_is_refused_and_reveals_nothing() {
    let app = spawn_app().await;
    let user = app.user("alma").await;
    let client = app.client(false).await;
    let tokens = app.sign_in_offline(&client, &user).await;
    let at = str_of(&tokens, "access_token");
    assert_eq!(app.userinfo_status(at).await, 200);
    // No member of the record is readable in the token.
    let raw = String::from_utf8_lossy(
        &base64::Engine::decode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, at).unwrap(),
    )
    .into_owned();
    assert!(
        !raw.contains(&user.id) && !raw.contains(&client.client_id),
        "{raw}"
    );
    // One character changed anywhere makes it nobody's token.
    for i in [0, 5, at.len() / 2, at.len() - 2] {
        let mut bad = at.as_bytes().to_vec();
        bad[i] = if bad[i] == b'A' { b'B' } else { b'A' };
        let bad = String::from_utf8(bad).unwrap();
        assert_eq!(app.userinfo_status(&bad).await, 401, "changed at {i}");
    }
}

async fn post_at(rp: &Rp<'_>, base: &str, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .basic_auth(&rp.client.client_id, rp.client.secret.as_ref())
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn active_at(rp: &Rp<'_>, base: &str, token: &str) -> Value {
    let resp = post_at(rp, base, "/introspect", &[("token", token)]).await;
    assert_eq!(resp.status(), 200);
    resp.json::<Value>().await.unwrap()["active"].clone()
}

async fn userinfo_at(base: &str, token: &str) -> u16 {
    reqwest::Client::new()
        .get(format!("{base}/userinfo"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// A code through the proxy, exchanged at `base`: (code, verifier, tokens).
async fn tokens_at(rp: &Rp<'_>, base: &str) -> (String, String, Value) {
    let params = AuthParams::new(&rp.client);
    let (status, location, _) = rp.authorize(&params).await;
    assert_eq!(status, 302, "an SSO hit");
    let (code, _) = code_in(&location);
    let (status, tokens) = rp.exchange_at(base, &code, &params.verifier).await;
    assert_eq!(status, 200, "{tokens}");
    (code, params.verifier, tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_on_one_instance_holds_on_the_other() {
    let cluster = Cluster::start().await;
    let (rp, _) = signed_in(&cluster, "rhea").await;
    let [a, b] = cluster
        .instances
        .each_ref()
        .map(|i| format!("http://127.0.0.1:{}", i.port));

    // A token sealed by one instance opens on the other; revoked on the one,
    // it is refused by the other at its next request.
    let (_, _, tokens) = tokens_at(&rp, &a).await;
    let at = str_of(&tokens, "access_token");
    assert_eq!(userinfo_at(&b, at).await, 200);
    assert_eq!(active_at(&rp, &b, at).await, true);
    let resp = post_at(&rp, &a, "/revoke", &[("token", at)]).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(userinfo_at(&b, at).await, 401);
    assert_eq!(active_at(&rp, &b, at).await, false);
    assert_eq!(active_at(&rp, &a, at).await, false);

    // A code redeemed on one instance and replayed on the other: the replay is
    // refused and ends the token the code gave (RFC 6749 §4.1.2), everywhere.
    let (code, verifier, tokens) = tokens_at(&rp, &a).await;
    let at = str_of(&tokens, "access_token");
    assert_eq!(userinfo_at(&b, at).await, 200);
    let (status, body) = rp.exchange_at(&b, &code, &verifier).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_grant"))
    );
    for base in [&a, &b] {
        assert_eq!(userinfo_at(base, at).await, 401);
        assert_eq!(active_at(&rp, base, at).await, false);
    }
}
