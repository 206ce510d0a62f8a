//! Failures are limited per client address too, shared through the store (Redis
//! when configured), so spreading guesses over many usernames does not get
//! around the per-user lock-out. An address that cannot be known has a bucket
//! of its own, not a free pass.

use crate::helpers::*;

async fn wrong_password(b: &Browser, client: &TestClient, username: &str) -> u16 {
    let page = b.authorize(&AuthParams::new(client)).await;
    let form = form_with(page.html(), "password")
        .set("username", username)
        .set("password", "a wrong password");
    b.submit(&form).await.status()
}

async fn right_password(b: &Browser, client: &TestClient, user: &TestUser) -> Landing {
    let page = b.authorize(&AuthParams::new(client)).await;
    b.login(&page, user).await
}

/// The password sign-ins audited with `outcome`.
async fn audited(app: &TestApp, outcome: &str) -> Vec<portcullis::db::audit::AuditEvent> {
    portcullis::db::audit::list(&app.state.db, None, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "password" && e.outcome == outcome)
        .collect()
}

async fn failures_are_limited_per_address(backend: Backend) {
    let app = spawn_with(Options {
        backend,
        trusted_proxies: vec!["127.0.0.1/32".into()],
        toml: "[lockout]\nfailures_per_address = 3\n".into(),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let user = app.user("bystander").await;
    let sprayer = Browser::forwarded_for(&app, "198.51.100.7");
    let very_long = "v".repeat(4000);
    for name in [very_long.as_str(), "bob", "cid"] {
        assert_eq!(wrong_password(&sprayer, &client, name).await, 401);
    }
    // The fourth attempt from that address is refused before any check, even
    // with the right password of another user.
    assert_eq!(right_password(&sprayer, &client, &user).await.status(), 429);
    // Refusals under the lock cost their sender nothing: audited once a
    // minute per address, however many and whatever names they type.
    for i in 0..10 {
        let long = format!("{i}{}", "x".repeat(4000));
        assert_eq!(wrong_password(&sprayer, &client, &long).await, 429);
    }
    let locked = audited(&app, "locked").await;
    assert_eq!(locked.len(), 1, "{locked:?}");
    // Nor does moving through an IPv6 /64, which the lock counts as one.
    for n in 1..=3 {
        let b = Browser::forwarded_for(&app, &format!("2001:db8:7::{n}"));
        assert_eq!(wrong_password(&b, &client, "ann").await, 401);
    }
    for n in 4..=9 {
        let b = Browser::forwarded_for(&app, &format!("2001:db8:7::{n}"));
        assert_eq!(wrong_password(&b, &client, "ann").await, 429);
    }
    assert_eq!(audited(&app, "locked").await.len(), 2);
    let failures = audited(&app, "failure").await;
    assert_eq!(failures.len(), 6);
    // A typed name is kept at most as long as a username can be.
    assert!(
        failures
            .iter()
            .any(|e| e.username.as_deref() == Some(&very_long[..128])),
        "{failures:?}"
    );
    // Other addresses are not affected.
    let elsewhere = Browser::forwarded_for(&app, "198.51.100.8");
    right_password(&elsewhere, &client, &user).await.code();

    // A trusted proxy that names no client: the unknown address has its own
    // bucket, and it fills like any other.
    let unknown = Browser::new(&app);
    for name in ["ann", "bob", "cid"] {
        assert_eq!(wrong_password(&unknown, &client, name).await, 401);
    }
    assert_eq!(right_password(&unknown, &client, &user).await.status(), 429);

    // Links that are not valid count as failures of the address too: after
    // three, a valid link from there is refused until the window closes.
    let link = portcullis::db::password_tokens::issue(&app.state.db, &user.id, 3600)
        .await
        .unwrap();
    let prober = Browser::forwarded_for(&app, "198.51.100.9");
    for n in 0..3 {
        let page = prober.get(&format!("/set-password/guess{n}")).await;
        assert_eq!(page.status(), 400);
    }
    let page = prober.get(&format!("/set-password/{link}")).await;
    assert_eq!(page.status(), 429);
    let owner = Browser::forwarded_for(&app, "198.51.100.10");
    assert_eq!(
        owner.get(&format!("/set-password/{link}")).await.status(),
        200
    );
}

#[tokio::test]
async fn failures_are_limited_per_address_on_the_embedded_store() {
    failures_are_limited_per_address(Backend::Memory).await;
}

#[tokio::test]
async fn failures_are_limited_per_address_on_redis() {
    failures_are_limited_per_address(Backend::Redis).await;
}
