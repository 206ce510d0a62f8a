//! The ephemeral store's contract, checked against both backends, plus how the Redis
//! backend behaves when Redis is missing or goes away.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use portcullis::store::{Backend, MemoryBackend, RedisBackend, Store, StoreError};
use serde::{Deserialize, Serialize};
use tokio::sync::Barrier;

use crate::redis_server::{RedisServer, free_port};

const MINUTE: Duration = Duration::from_secs(60);
/// Short enough to wait out, long enough to read back before it lapses on a slow machine.
const SHORT: Duration = Duration::from_millis(300);

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Session {
    user: String,
    acr: u8,
    amr: Vec<String>,
}

fn session() -> Session {
    Session {
        user: "alice".into(),
        acr: 2,
        amr: vec!["pwd".into(), "otp".into()],
    }
}

async fn put_then_get(store: Store) {
    assert_eq!(
        store.get_json::<Session>("session:none").await.unwrap(),
        None
    );
    store
        .put_json("session:1", &session(), MINUTE)
        .await
        .unwrap();
    assert_eq!(store.get_json("session:1").await.unwrap(), Some(session()));
    // Reading does not consume.
    assert_eq!(store.get_json("session:1").await.unwrap(), Some(session()));
    store
        .put_json("session:1", &"replaced", MINUTE)
        .await
        .unwrap();
    assert_eq!(
        store
            .get_json::<String>("session:1")
            .await
            .unwrap()
            .as_deref(),
        Some("replaced")
    );
}

async fn entries_expire(store: Store) {
    store.put_json("session:short", &1, SHORT).await.unwrap();
    assert_eq!(store.get_json("session:short").await.unwrap(), Some(1));
    let ttl = store.ttl("session:short").await.unwrap().unwrap();
    assert!(ttl > Duration::ZERO && ttl <= SHORT, "ttl {ttl:?}");
    tokio::time::sleep(SHORT * 2).await;
    assert_eq!(store.get_json::<i32>("session:short").await.unwrap(), None);
    assert_eq!(store.take_json::<i32>("session:short").await.unwrap(), None);
    assert_eq!(store.ttl("session:short").await.unwrap(), None);
}

async fn take_is_single_use(store: Store) {
    store
        .put_json("code:abc", &session(), MINUTE)
        .await
        .unwrap();
    assert_eq!(store.take_json("code:abc").await.unwrap(), Some(session()));
    assert_eq!(store.take_json::<Session>("code:abc").await.unwrap(), None);
    assert_eq!(store.get_json::<Session>("code:abc").await.unwrap(), None);

    // An authorization code redeemed by 20 requests at once is granted to exactly one.
    store
        .put_json("code:race", &session(), MINUTE)
        .await
        .unwrap();
    let barrier = Arc::new(Barrier::new(20));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                store.take_json::<Session>("code:race").await
            })
        })
        .collect();
    let mut winners = 0;
    for task in tasks {
        if task.await.unwrap().unwrap().is_some() {
            winners += 1;
        }
    }
    assert_eq!(winners, 1, "{} took the same code", store.backend_name());
}

async fn put_new_refuses_an_existing_key(store: Store) {
    assert!(
        store
            .put_new_json("webauthn:1", &"first", MINUTE)
            .await
            .unwrap()
    );
    assert!(
        !store
            .put_new_json("webauthn:1", &"second", MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_json::<String>("webauthn:1")
            .await
            .unwrap()
            .as_deref(),
        Some("first")
    );
    // An expired entry no longer blocks the key.
    assert!(
        store
            .put_new_json("webauthn:2", &"old", SHORT)
            .await
            .unwrap()
    );
    tokio::time::sleep(SHORT * 2).await;
    assert!(
        store
            .put_new_json("webauthn:2", &"new", MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_json::<String>("webauthn:2")
            .await
            .unwrap()
            .as_deref(),
        Some("new")
    );
}

async fn replace_writes_only_a_live_key(store: Store) {
    store.put_json("session:1", &"first", SHORT).await.unwrap();
    assert!(
        store
            .replace_json("session:1", &"changed", MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .get_json::<String>("session:1")
            .await
            .unwrap()
            .as_deref(),
        Some("changed")
    );
    // The new lifetime counts from the write.
    assert!(store.ttl("session:1").await.unwrap().unwrap() > SHORT);
    // Deleted meanwhile: nothing comes back.
    store.delete("session:1").await.unwrap();
    assert!(
        !store
            .replace_json("session:1", &"again", MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(store.get_json::<String>("session:1").await.unwrap(), None);
    // Expired meanwhile: nothing comes back either.
    store.put_json("session:2", &"old", SHORT).await.unwrap();
    tokio::time::sleep(SHORT * 2).await;
    assert!(
        !store
            .replace_json("session:2", &"new", MINUTE)
            .await
            .unwrap()
    );
    assert_eq!(store.get_json::<String>("session:2").await.unwrap(), None);
}

async fn incr_counts_and_sets_ttl_once(store: Store) {
    let limit = Duration::from_secs(10);
    assert_eq!(store.incr("rate:alice", limit).await.unwrap(), 1);
    assert_eq!(store.incr("rate:alice", limit).await.unwrap(), 2);
    // A later, longer TTL does not extend the window opened by the first hit.
    assert_eq!(store.incr("rate:alice", MINUTE).await.unwrap(), 3);
    let ttl = store.ttl("rate:alice").await.unwrap().unwrap();
    assert!(ttl > Duration::from_secs(8) && ttl <= limit, "ttl {ttl:?}");
    assert_eq!(store.get_json::<u64>("rate:alice").await.unwrap(), Some(3));

    // The window closes and counting starts over.
    assert_eq!(store.incr("rate:bob", SHORT).await.unwrap(), 1);
    tokio::time::sleep(SHORT * 2).await;
    assert_eq!(store.incr("rate:bob", SHORT).await.unwrap(), 1);

    // Concurrent hits are each counted once, and the counter still expires.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.incr("rate:burst", MINUTE).await })
        })
        .collect();
    let mut seen = BTreeSet::new();
    for task in tasks {
        seen.insert(task.await.unwrap().unwrap());
    }
    assert_eq!(seen, (1..=20).collect());
    assert!(store.ttl("rate:burst").await.unwrap().is_some());

    // A key holding something other than a counter is reported, not reset.
    store.put_json("rate:text", &"many", MINUTE).await.unwrap();
    let err = store.incr("rate:text", MINUTE).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

async fn decr_takes_back_without_creating(store: Store) {
    assert_eq!(store.incr("rate:carol", MINUTE).await.unwrap(), 1);
    assert_eq!(store.incr("rate:carol", MINUTE).await.unwrap(), 2);
    assert_eq!(store.decr("rate:carol").await.unwrap(), 1);
    // The window is the one the first hit opened.
    let ttl = store.ttl("rate:carol").await.unwrap().unwrap();
    assert!(
        ttl > Duration::from_secs(50) && ttl <= MINUTE,
        "ttl {ttl:?}"
    );
    assert_eq!(store.decr("rate:carol").await.unwrap(), 0);
    assert_eq!(
        store.decr("rate:carol").await.unwrap(),
        0,
        "never below zero"
    );
    // Taking back from no counter creates none (a counter without expiry would
    // lock its subject out for good).
    assert_eq!(store.decr("rate:nobody").await.unwrap(), 0);
    assert_eq!(store.ttl("rate:nobody").await.unwrap(), None);
    assert_eq!(store.incr("rate:nobody", MINUTE).await.unwrap(), 1);
}

async fn delete_removes(store: Store) {
    store
        .put_json("session:gone", &session(), MINUTE)
        .await
        .unwrap();
    store.delete("session:gone").await.unwrap();
    assert_eq!(
        store.get_json::<Session>("session:gone").await.unwrap(),
        None
    );
    assert_eq!(store.ttl("session:gone").await.unwrap(), None);
    // Deleting what is not there is not an error (logout twice).
    store.delete("session:gone").await.unwrap();
}

/// A lock is released only by its holder: a compare-and-delete that leaves
/// another holder's token (its own expired and was taken meanwhile).
async fn delete_if_removes_only_the_expected_value(store: Store) {
    assert!(
        store
            .put_new_json("lock:x", &"first-holder", MINUTE)
            .await
            .unwrap()
    );
    assert!(!store.delete_if_json("lock:x", &"another").await.unwrap());
    assert_eq!(
        store.get_json::<String>("lock:x").await.unwrap().as_deref(),
        Some("first-holder")
    );
    assert!(
        store
            .delete_if_json("lock:x", &"first-holder")
            .await
            .unwrap()
    );
    assert_eq!(store.get_json::<String>("lock:x").await.unwrap(), None);
    assert!(
        !store
            .delete_if_json("lock:x", &"first-holder")
            .await
            .unwrap()
    );
}

async fn prefixes_isolate(backend: Arc<dyn Backend>) {
    let a = Store::new(backend.clone(), "tenant-a:");
    let b = Store::new(backend, "tenant-b:");
    a.put_json("session:1", &"a", MINUTE).await.unwrap();
    assert_eq!(b.get_json::<String>("session:1").await.unwrap(), None);
    assert_eq!(b.take_json::<String>("session:1").await.unwrap(), None);
    assert!(b.put_new_json("session:1", &"b", MINUTE).await.unwrap());
    assert_eq!(a.incr("rate:x", MINUTE).await.unwrap(), 1);
    assert_eq!(b.incr("rate:x", MINUTE).await.unwrap(), 1);
    b.delete("session:1").await.unwrap();
    assert_eq!(
        a.get_json::<String>("session:1").await.unwrap().as_deref(),
        Some("a")
    );
}

async fn json_round_trip_and_corrupt_values(backend: Arc<dyn Backend>) {
    let store = Store::new(backend.clone(), "json:");
    let value = serde_json::json!({ "nested": { "list": [1, 2.5, null, "ü"] }, "flag": true });
    store.put_json("state:1", &value, MINUTE).await.unwrap();
    assert_eq!(
        store
            .get_json::<serde_json::Value>("state:1")
            .await
            .unwrap(),
        Some(value)
    );

    backend
        .put("json:state:garbage", b"\xff not json".to_vec(), MINUTE)
        .await
        .unwrap();
    let err = store
        .get_json::<Session>("state:garbage")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
    let err = store
        .take_json::<Session>("state:garbage")
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");

    // Valid JSON of another shape (e.g. written by an older version) is corrupt too.
    store
        .put_json("state:2", &"a string", MINUTE)
        .await
        .unwrap();
    let err = store.get_json::<Session>("state:2").await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt(_)), "{err:?}");
}

async fn behaves_as_a_store(backend: Arc<dyn Backend>) {
    let store = Store::new(backend.clone(), "portcullis-test:");
    store.ping().await.unwrap();
    put_then_get(store.clone()).await;
    entries_expire(store.clone()).await;
    take_is_single_use(store.clone()).await;
    put_new_refuses_an_existing_key(store.clone()).await;
    replace_writes_only_a_live_key(store.clone()).await;
    incr_counts_and_sets_ttl_once(store.clone()).await;
    decr_takes_back_without_creating(store.clone()).await;
    delete_if_removes_only_the_expected_value(store.clone()).await;
    delete_removes(store).await;
    prefixes_isolate(backend.clone()).await;
    json_round_trip_and_corrupt_values(backend).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn memory_store_behaves_as_a_store() {
    assert_eq!(Store::memory().backend_name(), "memory");
    behaves_as_a_store(Arc::new(MemoryBackend::new())).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store_behaves_as_a_store() {
    let server = RedisServer::start();
    let store = Store::redis(&server.url, "portcullis:").await.unwrap();
    assert_eq!(store.backend_name(), "redis");
    store.ping().await.unwrap();
    behaves_as_a_store(Arc::new(RedisBackend::new(&server.url).unwrap())).await;
}

/// Calls of one Redis command so far, from `INFO commandstats`.
async fn calls(url: &str, command: &str) -> u64 {
    let mut con = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let info: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut con)
        .await
        .unwrap();
    info.lines()
        .find_map(|l| l.strip_prefix(&format!("cmdstat_{command}:calls=")))
        .and_then(|rest| rest.split(',').next()?.parse().ok())
        .unwrap_or(0)
}

async fn flush_scripts(url: &str) {
    let mut con = redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap();
    let _: () = redis::cmd("SCRIPT")
        .arg("FLUSH")
        .query_async(&mut con)
        .await
        .unwrap();
}

/// The store's scripts (counters, guarded deletes, indexes) go to Redis by
/// their hash, not their source; a Redis that has forgotten them (a restart,
/// `SCRIPT FLUSH`) is sent a script's source once, and every call still works.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_scripts_go_by_hash_and_survive_a_flush() {
    let server = RedisServer::start();
    let store = Store::redis(&server.url, "scripts:").await.unwrap();
    assert_eq!(store.incr("rate:1", MINUTE).await.unwrap(), 1);
    assert_eq!(store.incr("rate:1", MINUTE).await.unwrap(), 2);
    let by_source = calls(&server.url, "eval").await;
    assert_eq!(by_source, 1, "only the first call sends the source");
    assert!(calls(&server.url, "evalsha").await >= 2);

    flush_scripts(&server.url).await;
    assert_eq!(store.incr("rate:1", MINUTE).await.unwrap(), 3);
    assert_eq!(store.decr("rate:1").await.unwrap(), 2);
    assert!(
        store
            .index_add("sessions:u", "session:a", "sid-a", false, MINUTE)
            .await
            .unwrap()
    );
    store
        .put_json("session:a", &session(), MINUTE)
        .await
        .unwrap();
    assert_eq!(
        store.index_entries("sessions:u").await.unwrap(),
        vec![("session:a".to_owned(), "sid-a".to_owned())]
    );
    flush_scripts(&server.url).await;
    assert_eq!(
        store.index_remove_tag("sessions:u", "sid-a").await.unwrap(),
        1
    );
    assert_eq!(store.get_json::<Session>("session:a").await.unwrap(), None);
    assert!(store.put_new_json("guard", &"v", MINUTE).await.unwrap());
    assert!(store.delete_if_json("guard", &"v").await.unwrap());
    assert_eq!(store.index_clear("sessions:u").await.unwrap(), 0);
    // Each script's source went once per time Redis had forgotten it.
    assert_eq!(calls(&server.url, "eval").await, by_source + 7);
}

/// The failure limiter on `store`: a parallel burst over two buckets admits
/// at most the tight one's limit and tells one attempt that it filled it; a
/// refused attempt leaves the buckets after the full one untouched, and one
/// taken back frees its place in both.
async fn limits_hold_in_a_burst(store: Store) {
    use portcullis::auth::limiter::{Bucket, admit};
    let tight = Bucket::new("burst", "alice", 5);
    let roomy = Bucket::new("burst", "roomy", 100);
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (store, buckets) = (store.clone(), [tight.clone(), roomy.clone()]);
            tokio::spawn(async move { admit(&store, &buckets).await.unwrap() })
        })
        .collect();
    let (mut admitted, mut filled) = (0, 0);
    for t in tasks {
        if let Some(a) = t.await.unwrap() {
            admitted += 1;
            assert!(!a.fills(1));
            filled += usize::from(a.fills(0));
            a.failed();
        }
    }
    assert_eq!((admitted, filled), (5, 1));
    assert!(store.ttl("limit:burst:alice").await.unwrap().is_some());

    let other = Bucket::new("burst", "other", 1);
    for _ in 0..3 {
        let refused = admit(&store, &[other.clone(), tight.clone()])
            .await
            .unwrap();
        assert!(refused.is_none());
    }
    let taken = admit(&store, std::slice::from_ref(&other))
        .await
        .unwrap()
        .unwrap();
    taken.take_back().await.unwrap();
    admit(&store, std::slice::from_ref(&other))
        .await
        .unwrap()
        .unwrap()
        .failed();
    assert!(admit(&store, &[other]).await.unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn limits_hold_in_a_burst_on_both_stores() {
    limits_hold_in_a_burst(Store::memory()).await;
    let server = RedisServer::start();
    let store = Store::redis(&server.url, "limits:").await.unwrap();
    limits_hold_in_a_burst(store.clone()).await;
    // With Redis, an attempt over two buckets is one call, and so is its taking back.
    use portcullis::auth::limiter::{Bucket, admit};
    let before = calls(&server.url, "evalsha").await;
    let a = admit(
        &store,
        &[Bucket::new("one", "a", 3), Bucket::new("one", "b", 3)],
    )
    .await
    .unwrap()
    .unwrap();
    a.take_back().await.unwrap();
    assert_eq!(calls(&server.url, "evalsha").await - before, 2);
}

/// Runs a store call and checks it fails as Unavailable, promptly.
macro_rules! assert_unavailable {
    ($call:expr) => {{
        let started = Instant::now();
        let result = tokio::time::timeout(Duration::from_secs(10), $call)
            .await
            .unwrap_or_else(|_| panic!("{} hung while Redis is down", stringify!($call)));
        assert!(
            matches!(result, Err(StoreError::Unavailable(_))),
            "{}: {result:?}",
            stringify!($call)
        );
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{} took {:?}",
            stringify!($call),
            started.elapsed()
        );
    }};
}

async fn wait_until_reachable(store: &Store) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while let Err(e) = store.ping().await {
        assert!(Instant::now() < deadline, "store did not recover: {e}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_outage_fails_fast_as_unavailable_and_recovers() {
    let mut server = RedisServer::start();
    let store = Store::redis(&server.url, "outage:").await.unwrap();
    store
        .put_json("session:1", &session(), MINUTE)
        .await
        .unwrap();

    server.kill();
    assert_unavailable!(store.get_json::<Session>("session:1"));
    assert_unavailable!(store.ping());
    assert_unavailable!(store.put_json("session:2", &session(), MINUTE));
    assert_unavailable!(store.put_new_json("session:3", &session(), MINUTE));
    assert_unavailable!(store.replace_json("session:1", &session(), MINUTE));
    assert_unavailable!(store.take_json::<Session>("session:1"));
    assert_unavailable!(store.incr("rate:1", MINUTE));
    assert_unavailable!(store.ttl("session:1"));
    assert_unavailable!(store.delete("session:1"));

    server.restart();
    wait_until_reachable(&store).await;
    store
        .put_json("session:4", &session(), MINUTE)
        .await
        .unwrap();
    assert_eq!(store.take_json("session:4").await.unwrap(), Some(session()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_frozen_redis_times_out_as_unavailable_and_recovers() {
    // A stopped process keeps its sockets open but never answers: the case that only
    // timeouts catch (a half-open connection, an overloaded or partitioned server).
    let mut server = RedisServer::start();
    let store = Store::redis(&server.url, "frozen:").await.unwrap();
    store
        .put_json("session:1", &session(), MINUTE)
        .await
        .unwrap();

    server.freeze();
    assert_unavailable!(store.get_json::<Session>("session:1"));
    assert_unavailable!(store.ping());

    server.thaw();
    wait_until_reachable(&store).await;
    assert_eq!(store.get_json("session:1").await.unwrap(), Some(session()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_store_starts_while_redis_is_down_and_connects_later() {
    // A bound socket that does not listen: connections to it are refused, and no other
    // test can start a server on it meanwhile.
    let reserved = tokio::net::TcpSocket::new_v4().unwrap();
    reserved.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let port = reserved.local_addr().unwrap().port();

    let url = format!("redis://127.0.0.1:{port}/");
    let store = tokio::time::timeout(Duration::from_secs(10), Store::redis(&url, "late:"))
        .await
        .expect("Store::redis hung on an unreachable server")
        .expect("Store::redis must not need a reachable server");
    assert_unavailable!(store.ping());
    assert_unavailable!(store.get_json::<Session>("session:1"));

    drop(reserved);
    let _server = RedisServer::start_on(port);
    wait_until_reachable(&store).await;
    store
        .put_json("session:1", &session(), MINUTE)
        .await
        .unwrap();
    assert_eq!(store.get_json("session:1").await.unwrap(), Some(session()));
}

#[tokio::test]
async fn redis_errors_never_show_the_password() {
    let url = format!("redis://portcullis:s3cret-pw@127.0.0.1:{}/", free_port());
    let store = Store::redis(&url, "pw:").await.unwrap();
    let err = store.ping().await.unwrap_err();
    assert!(matches!(err, StoreError::Unavailable(_)), "{err:?}");
    assert!(!err.to_string().contains("s3cret-pw"), "{err}");
    assert!(!format!("{store:?}").contains("s3cret-pw"));

    for bad in ["not a url", "redis://:s3cret-pw@127.0.0.1:notaport/"] {
        let err = Store::redis(bad, "pw:").await.unwrap_err();
        assert!(!err.to_string().contains("s3cret-pw"), "{err}");
    }
}
