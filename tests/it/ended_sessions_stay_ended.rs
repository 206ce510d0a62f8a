//! A user's sessions can be listed and ended, all at once or one by one, on the
//! embedded store and on Redis; a session ended while a request renews it (a
//! second factor, a new sign-in) is not brought back by that request.

use std::sync::Arc;
use std::time::Duration;

use portcullis::auth::stepup::{Factor, Proof};
use portcullis::oidc::session::{BrowserSession, Sessions, user_index};
use portcullis::store::Store;
use tokio::sync::Barrier;

use crate::redis_server::RedisServer;

const MINUTE: Duration = Duration::from_secs(60);

async fn index_operations(store: Store) {
    let idx = "usersessions:u1";
    for k in ["session:a", "session:a2", "session:b"] {
        store.put_json(k, &1, MINUTE).await.unwrap();
    }
    assert!(
        !store
            .index_add(idx, "session:a", "browser:a", true, MINUTE)
            .await
            .unwrap(),
        "a renewal of something never listed is refused"
    );
    assert!(
        store
            .index_add(idx, "session:a", "browser:a", false, MINUTE)
            .await
            .unwrap()
    );
    assert!(
        store
            .index_add(idx, "session:a2", "browser:a", true, MINUTE)
            .await
            .unwrap(),
        "a renewal while its session is listed"
    );
    assert!(
        store
            .index_add(idx, "session:b", "browser:b", false, MINUTE)
            .await
            .unwrap()
    );
    let mut entries = store.index_entries(idx).await.unwrap();
    entries.sort();
    assert_eq!(
        entries,
        vec![
            ("session:a".to_string(), "browser:a".to_string()),
            ("session:a2".to_string(), "browser:a".to_string()),
            ("session:b".to_string(), "browser:b".to_string()),
        ]
    );
    // A key that went away (logout, expiry) is no longer listed.
    store.delete("session:b").await.unwrap();
    assert_eq!(store.index_entries(idx).await.unwrap().len(), 2);

    // Removing a tag deletes its keys, and a later renewal of it is refused.
    assert_eq!(store.index_remove_tag(idx, "browser:a").await.unwrap(), 2);
    assert_eq!(store.index_remove_tag(idx, "browser:a").await.unwrap(), 0);
    assert_eq!(store.get_json::<i32>("session:a").await.unwrap(), None);
    assert_eq!(store.get_json::<i32>("session:a2").await.unwrap(), None);
    store.put_json("session:a3", &1, MINUTE).await.unwrap();
    assert!(
        !store
            .index_add(idx, "session:a3", "browser:a", true, MINUTE)
            .await
            .unwrap()
    );

    // Clearing deletes every key listed, and only those.
    for k in ["session:c", "console:d", "session:other"] {
        store.put_json(k, &0, MINUTE).await.unwrap();
    }
    for (k, t) in [("session:c", "browser:c"), ("console:d", "console")] {
        store.index_add(idx, k, t, false, MINUTE).await.unwrap();
    }
    assert_eq!(store.index_clear(idx).await.unwrap(), 2);
    assert!(store.index_entries(idx).await.unwrap().is_empty());
    assert_eq!(store.get_json::<i32>("session:c").await.unwrap(), None);
    assert_eq!(store.get_json::<i32>("console:d").await.unwrap(), None);
    assert_eq!(
        store.get_json::<i32>("session:other").await.unwrap(),
        Some(0)
    );
    // After a clear, renewing what was listed is refused.
    store.put_json("session:e", &0, MINUTE).await.unwrap();
    assert!(
        !store
            .index_add(idx, "session:e", "browser:c", true, MINUTE)
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
        from: None,
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

    // Two tabs renewing the same session at once: both cookies stay signed in,
    // and the session is listed once.
    let loaded = sessions.load(&a1).await.unwrap().unwrap();
    let (t1, t2) = tokio::join!(
        sessions.rotate(Some(&a1), &loaded),
        sessions.rotate(Some(&a1), &loaded)
    );
    let (t1, t2) = (t1.unwrap(), t2.unwrap());
    assert!(sessions.load(&t1).await.unwrap().is_some());
    assert!(sessions.load(&t2).await.unwrap().is_some());
    assert_eq!(sessions.list_for_user("alice").await.unwrap().len(), 2);

    // Ending one (by its sid) ends both of its cookies, and leaves the other session.
    assert!(sessions.end_one("alice", &sid).await.unwrap());
    assert!(sessions.load(&t1).await.unwrap().is_none());
    assert!(sessions.load(&t2).await.unwrap().is_none());
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
