//! A user's sessions can be listed and ended, all at once or one by one, on the
//! embedded store and on Redis; a session ended while a request renews it (a
//! second factor, a new sign-in) is not brought back by that request.

use std::sync::Arc;
use std::time::Duration;

use portcullis::auth::stepup::{Factor, Proof};
use portcullis::oidc::session::{BrowserSession, Sessions, user_index};
use portcullis::store::{Expect, Store};
use tokio::sync::Barrier;

use crate::redis_server::RedisServer;

const MINUTE: Duration = Duration::from_secs(60);

async fn index_operations(store: Store) {
    let idx = "usersessions:u1";
    store.put_json("session:a", &1, MINUTE).await.unwrap();
    store.put_json("session:b", &2, MINUTE).await.unwrap();
    assert!(
        store
            .index_set(idx, "browser:a", "session:a", Expect::Absent, MINUTE)
            .await
            .unwrap()
    );
    assert!(
        !store
            .index_set(idx, "browser:a", "session:b", Expect::Absent, MINUTE)
            .await
            .unwrap(),
        "a field that exists is not overwritten as if new"
    );
    assert!(
        !store
            .index_set(
                idx,
                "browser:a",
                "session:b",
                Expect::Is("session:x"),
                MINUTE
            )
            .await
            .unwrap(),
        "nor when it names another key than expected"
    );
    assert!(
        store
            .index_set(idx, "browser:b", "session:b", Expect::Absent, MINUTE)
            .await
            .unwrap()
    );
    let mut entries = store.index_entries(idx).await.unwrap();
    entries.sort();
    assert_eq!(
        entries,
        vec![
            ("browser:a".to_string(), "session:a".to_string()),
            ("browser:b".to_string(), "session:b".to_string()),
        ]
    );
    // A key that went away (logout, expiry) is no longer listed.
    store.delete("session:b").await.unwrap();
    assert_eq!(store.index_entries(idx).await.unwrap().len(), 1);

    // Removing one field deletes its key.
    assert!(store.index_remove(idx, "browser:a").await.unwrap());
    assert!(!store.index_remove(idx, "browser:a").await.unwrap());
    assert_eq!(store.get_json::<i32>("session:a").await.unwrap(), None);

    // Clearing deletes every key named, and only those.
    for k in ["session:c", "session:d", "session:other"] {
        store.put_json(k, &0, MINUTE).await.unwrap();
    }
    for (f, k) in [("browser:c", "session:c"), ("console:d", "session:d")] {
        store
            .index_set(idx, f, k, Expect::Absent, MINUTE)
            .await
            .unwrap();
    }
    assert_eq!(store.index_clear(idx).await.unwrap(), 2);
    assert!(store.index_entries(idx).await.unwrap().is_empty());
    assert_eq!(store.get_json::<i32>("session:c").await.unwrap(), None);
    assert_eq!(store.get_json::<i32>("session:d").await.unwrap(), None);
    assert_eq!(
        store.get_json::<i32>("session:other").await.unwrap(),
        Some(0)
    );
    // After a clear, renewing a field that was there is refused.
    store.put_json("session:e", &0, MINUTE).await.unwrap();
    assert!(
        !store
            .index_set(
                idx,
                "browser:c",
                "session:e",
                Expect::Is("session:c"),
                MINUTE
            )
            .await
            .unwrap()
    );
}

fn signed_in(user: &str) -> BrowserSession {
    let mut s = BrowserSession::anonymous(1);
    s.user_id = Some(user.into());
    s.proofs.push(Proof {
        factor: Factor::Password,
        at: 1,
        user_verified: false,
    });
    s
}

async fn sessions_end_and_stay_ended(store: Store) {
    let sessions = Sessions::new(store.clone(), MINUTE);
    // Two browsers of alice, one of bob.
    let a1 = sessions.rotate(None, &signed_in("alice")).await.unwrap();
    let a2 = sessions.rotate(None, &signed_in("alice")).await.unwrap();
    let b1 = sessions.rotate(None, &signed_in("bob")).await.unwrap();
    assert_eq!(sessions.list_for_user("alice").await.unwrap().len(), 2);

    // A renewal (second factor) keeps the session listed once, under its new cookie.
    let loaded = sessions.load(&a1).await.unwrap().unwrap();
    let a1 = sessions.rotate(Some(&a1), &loaded).await.unwrap();
    let listed = sessions.list_for_user("alice").await.unwrap();
    assert_eq!(listed.len(), 2);
    let sid = sessions.load(&a1).await.unwrap().unwrap().sid;

    // Ending one leaves the other.
    assert!(sessions.end_one("alice", &sid).await.unwrap());
    assert!(sessions.load(&a1).await.unwrap().is_none());
    assert!(sessions.load(&a2).await.unwrap().is_some());

    // A renewal that started before the end does not bring the session back.
    let stale = sessions.load(&a2).await.unwrap().unwrap();
    assert_eq!(sessions.end_all("alice").await.unwrap(), 1);
    let renewed = sessions.rotate(Some(&a2), &stale).await.unwrap();
    assert!(sessions.load(&renewed).await.unwrap().is_none());
    assert!(sessions.load(&a2).await.unwrap().is_none());
    assert!(sessions.list_for_user("alice").await.unwrap().is_empty());
    assert!(
        store
            .index_entries(&user_index("alice"))
            .await
            .unwrap()
            .is_empty()
    );
    // Bob is untouched, and alice can sign in afresh.
    assert!(sessions.load(&b1).await.unwrap().is_some());
    let again = sessions.rotate(None, &signed_in("alice")).await.unwrap();
    assert!(sessions.load(&again).await.unwrap().is_some());
}

/// Renewals racing with an end: whatever the interleaving, nothing of alice
/// survives the end.
async fn a_burst_of_renewals_cannot_outlive_an_end(store: Store) {
    let sessions = Sessions::new(store.clone(), MINUTE);
    let cookie = sessions.rotate(None, &signed_in("carol")).await.unwrap();
    let session = sessions.load(&cookie).await.unwrap().unwrap();
    let barrier = Arc::new(Barrier::new(21));
    let renewals: Vec<_> = (0..20)
        .map(|_| {
            let (sessions, barrier) = (sessions.clone(), barrier.clone());
            let (cookie, session) = (cookie.clone(), session.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                sessions.rotate(Some(&cookie), &session).await.unwrap()
            })
        })
        .collect();
    barrier.wait().await;
    sessions.end_all("carol").await.unwrap();
    let mut cookies = Vec::new();
    for r in renewals {
        cookies.push(r.await.unwrap());
    }
    // Renewals that won before the end were ended with it; later ones stayed out.
    for c in cookies.iter().chain([&cookie]) {
        assert!(
            sessions.load(c).await.unwrap().is_none(),
            "{}: a session outlived the end",
            store.backend_name()
        );
    }
}

#[tokio::test]
async fn the_embedded_store_ends_sessions_for_good() {
    index_operations(Store::memory()).await;
    sessions_end_and_stay_ended(Store::memory()).await;
    a_burst_of_renewals_cannot_outlive_an_end(Store::memory()).await;
}

#[tokio::test]
async fn redis_ends_sessions_for_good() {
    let server = RedisServer::start();
    let store = Store::redis(&server.url, "portcullis:").await.unwrap();
    index_operations(store.clone()).await;
    sessions_end_and_stay_ended(store.clone()).await;
    a_burst_of_renewals_cannot_outlive_an_end(store).await;
}
