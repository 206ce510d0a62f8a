use super::*;

const SEC: Duration = Duration::from_secs(1);

fn len(backend: &MemoryBackend) -> usize {
    backend.usage().entries
}

fn capped(max_entries: usize, max_bytes: usize) -> MemoryBackend {
    MemoryBackend::with_limits(Limits {
        max_entries,
        max_bytes,
    })
}

#[test]
fn entries_vanish_at_their_deadline() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "k", b"v".to_vec(), 10 * SEC).unwrap();
    assert_eq!(b.get_at(t0 + 9 * SEC, "k"), Some(b"v".to_vec()));
    assert_eq!(b.ttl_at(t0 + 9 * SEC, "k"), Some(SEC));
    assert_eq!(b.get_at(t0 + 10 * SEC, "k"), None);
    assert_eq!(b.ttl_at(t0 + 10 * SEC, "k"), None);
    assert_eq!(b.take_at(t0 + 11 * SEC, "k"), None);
}

#[test]
fn put_replaces_value_and_deadline() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "k", b"old".to_vec(), SEC).unwrap();
    b.put_at(t0, "k", b"new".to_vec(), 5 * SEC).unwrap();
    assert_eq!(b.get_at(t0 + 2 * SEC, "k"), Some(b"new".to_vec()));
    assert_eq!(len(&b), 1);
}

#[test]
fn put_new_succeeds_over_an_expired_entry() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    assert!(b.put_new_at(t0, "k", b"a".to_vec(), SEC).unwrap());
    assert!(!b.put_new_at(t0, "k", b"b".to_vec(), SEC).unwrap());
    assert!(b.put_new_at(t0 + SEC, "k", b"c".to_vec(), SEC).unwrap());
    assert_eq!(b.get_at(t0 + SEC, "k"), Some(b"c".to_vec()));
}

#[test]
fn counter_keeps_its_first_deadline_and_restarts_after_it() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    assert_eq!(b.incr_at(t0, "n", 10 * SEC).ok(), Some(1));
    assert_eq!(b.incr_at(t0 + 5 * SEC, "n", 60 * SEC).ok(), Some(2));
    assert_eq!(b.ttl_at(t0 + 5 * SEC, "n"), Some(5 * SEC));
    assert_eq!(b.get_at(t0 + 5 * SEC, "n"), Some(b"2".to_vec()));
    assert_eq!(b.incr_at(t0 + 10 * SEC, "n", 10 * SEC).ok(), Some(1));
}

#[test]
fn incr_on_a_non_counter_is_corrupt() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "n", b"{}".to_vec(), SEC).unwrap();
    assert!(matches!(
        b.incr_at(t0, "n", SEC),
        Err(StoreError::Corrupt(_))
    ));
}

#[test]
fn zero_ttl_is_never_visible_and_takes_no_room() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "k", b"v".to_vec(), SEC).unwrap();
    b.put_at(t0, "k", b"v".to_vec(), Duration::ZERO).unwrap();
    assert_eq!(b.get_at(t0, "k"), None);
    assert_eq!(b.usage(), Usage::default());
}

#[test]
fn huge_ttl_does_not_overflow() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "k", b"v".to_vec(), Duration::MAX).unwrap();
    assert_eq!(b.ttl_at(t0, "k"), Some(MAX_TTL));
}

#[test]
fn expired_entries_are_evicted_by_later_writes() {
    let b = MemoryBackend::new();
    let mut now = Instant::now();
    // Ten rounds of short-lived writes, each round outliving the previous one.
    for round in 0..10 {
        for i in 0..1000 {
            b.put_at(now, &format!("r{round}:{i}"), vec![0], SEC)
                .unwrap();
        }
        now += 2 * SEC;
    }
    // Each write evicts several expired entries, so at most the last round and a
    // remnant of the one before are left.
    assert!(len(&b) <= 2000, "map holds {} entries", len(&b));
}

#[test]
fn eviction_keeps_live_entries() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "keep", b"v".to_vec(), 60 * SEC).unwrap();
    for i in 0..4000 {
        b.put_at(t0, &format!("short:{i}"), vec![0], SEC).unwrap();
    }
    for i in 0..1000 {
        b.put_at(t0 + 2 * SEC, &format!("later:{i}"), vec![0], 60 * SEC)
            .unwrap();
    }
    // 1000 writes evict up to 8000 expired entries: all 4000 are gone.
    assert_eq!(len(&b), 1001);
    assert_eq!(b.get_at(t0 + 2 * SEC, "keep"), Some(b"v".to_vec()));
}

#[test]
fn the_map_gives_its_room_back_after_a_burst() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    for i in 0..50_000 {
        b.put_at(t0, &format!("burst:{i}"), vec![0], SEC).unwrap();
    }
    let grown = b.lock().entries.capacity();
    assert!(grown >= 50_000);
    // Later writes evict the burst; the map then shrinks to what it holds.
    for i in 0..10_000 {
        b.put_at(t0 + 2 * SEC, &format!("later:{i}"), vec![0], 60 * SEC)
            .unwrap();
    }
    assert_eq!(len(&b), 10_000);
    let after = b.lock().entries.capacity();
    assert!(after < grown / 2, "capacity {grown} -> {after}");
    assert_eq!(b.get_at(t0 + 2 * SEC, "later:9999"), Some(vec![0]));
}

#[test]
fn a_full_store_refuses_new_keys_and_keeps_the_live_ones() {
    let b = capped(3, usize::MAX);
    let t0 = Instant::now();
    for k in ["a", "b", "c"] {
        b.put_at(t0, k, b"v".to_vec(), 60 * SEC).unwrap();
    }
    assert!(matches!(
        b.put_at(t0, "d", b"v".to_vec(), 60 * SEC),
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        b.put_new_at(t0, "d", b"v".to_vec(), 60 * SEC),
        Err(StoreError::Unavailable(_))
    ));
    assert!(matches!(
        b.incr_at(t0, "n", 60 * SEC),
        Err(StoreError::Unavailable(_))
    ));
    // Nothing live was dropped to make room, and existing keys can still change.
    for k in ["a", "b", "c"] {
        assert_eq!(b.get_at(t0, k), Some(b"v".to_vec()));
    }
    b.put_at(t0, "a", b"w".to_vec(), 60 * SEC).unwrap();
    assert_eq!(b.get_at(t0, "a"), Some(b"w".to_vec()));
    // Deleting makes room again.
    b.delete_at("b");
    b.put_at(t0, "d", b"v".to_vec(), 60 * SEC).unwrap();
}

#[test]
fn a_full_store_first_evicts_what_has_expired() {
    let b = capped(100, usize::MAX);
    let t0 = Instant::now();
    b.put_at(t0, "live", b"v".to_vec(), 60 * SEC).unwrap();
    for i in 0..99 {
        b.put_at(t0, &format!("short:{i}"), b"v".to_vec(), SEC)
            .unwrap();
    }
    assert!(b.put_at(t0, "x", b"v".to_vec(), 60 * SEC).is_err());
    // Once they expired, a write evicts a few of them and fits.
    b.put_at(t0 + SEC, "x", b"v".to_vec(), 60 * SEC).unwrap();
    assert_eq!(len(&b), 100 - EVICT_PER_WRITE + 1);
    assert_eq!(b.get_at(t0 + SEC, "live"), Some(b"v".to_vec()));
}

#[test]
fn a_write_that_needs_more_room_drains_every_expired_entry() {
    let small = cost("short:00", b"v");
    let b = capped(usize::MAX, 100 * small);
    let t0 = Instant::now();
    for i in 0..100 {
        b.put_at(t0, &format!("short:{i:02}"), b"v".to_vec(), SEC)
            .unwrap();
    }
    let big = vec![0; 50 * small];
    assert!(b.put_at(t0, "big", big.clone(), 60 * SEC).is_err());
    b.put_at(t0 + SEC, "big", big, 60 * SEC).unwrap();
    assert_eq!(len(&b), 1);
}

#[test]
fn the_byte_cap_counts_keys_values_and_overhead() {
    let room = 2 * (ENTRY_OVERHEAD + 1 + 100);
    let b = capped(usize::MAX, room);
    let t0 = Instant::now();
    b.put_at(t0, "a", vec![0; 100], 60 * SEC).unwrap();
    b.put_at(t0, "b", vec![0; 100], 60 * SEC).unwrap();
    assert_eq!(b.usage().bytes, room);
    assert!(b.put_at(t0, "c", vec![0], 60 * SEC).is_err());
    // A bigger value under an existing key does not fit either; a smaller one does.
    assert!(b.put_at(t0, "a", vec![0; 101], 60 * SEC).is_err());
    b.put_at(t0, "a", vec![0; 10], 60 * SEC).unwrap();
    b.put_at(t0, "c", vec![0; 10], 60 * SEC).unwrap_err();
    b.put_at(t0, "c", vec![], 60 * SEC).unwrap_err();
    b.take_at(t0, "a");
    b.delete_at("b");
    assert_eq!(b.usage(), Usage::default());
}

#[test]
fn accounting_follows_counters_and_replacements() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    for _ in 0..12 {
        b.incr_at(t0, "n", 60 * SEC).unwrap();
    }
    assert_eq!(b.usage().bytes, cost("n", b"12"));
    b.put_at(t0, "n", b"abc".to_vec(), 60 * SEC).unwrap();
    assert_eq!(b.usage().bytes, cost("n", b"abc"));
    b.put_at(t0 + 61 * SEC, "other", vec![], 60 * SEC).unwrap();
    assert_eq!(b.usage().entries, 1);
    assert_eq!(b.usage().bytes, cost("other", b""));
}

#[test]
fn census_counts_live_entries_by_kind() {
    let b = MemoryBackend::new();
    let t0 = Instant::now();
    b.put_at(t0, "portcullis:session:a", b"{}".to_vec(), 10 * SEC)
        .unwrap();
    b.put_at(t0, "portcullis:session:b", b"{}".to_vec(), 2 * SEC)
        .unwrap();
    // Replacing an entry does not count it twice.
    b.put_at(t0, "portcullis:session:a", b"{1}".to_vec(), 10 * SEC)
        .unwrap();
    b.put_at(t0, "portcullis:login:x", b"{}".to_vec(), 10 * SEC)
        .unwrap();
    b.incr_at(t0, "portcullis:limit:ip:1", 10 * SEC).unwrap();
    b.put_at(t0, "bare", b"".to_vec(), 10 * SEC).unwrap();
    let kinds = |c: Census| c.by_kind;
    assert_eq!(
        kinds(b.census_at(t0)),
        vec![
            ("limit".to_owned(), 1),
            ("login".to_owned(), 1),
            ("other".to_owned(), 1),
            ("session".to_owned(), 2)
        ]
    );
    // Expired entries are not counted, even before a write evicts them.
    let later = b.census_at(t0 + 3 * SEC);
    assert_eq!(later.entries, 4);
    assert!(later.by_kind.contains(&("session".to_owned(), 1)));
    assert_eq!(later.bytes, b.usage().bytes);
    // Taken and deleted entries leave the count; a kind seen stays, at 0.
    b.take_at(t0 + 3 * SEC, "portcullis:session:a");
    b.delete_at("portcullis:login:x");
    assert_eq!(
        b.decr_at(t0 + 3 * SEC, "portcullis:limit:ip:1").ok(),
        Some(0)
    );
    let after = b.census_at(t0 + 3 * SEC);
    assert!(after.by_kind.contains(&("session".to_owned(), 0)));
    assert!(after.by_kind.contains(&("login".to_owned(), 0)));
    assert!(after.by_kind.contains(&("limit".to_owned(), 0)));
    assert_eq!(after.entries, 1);
}

#[test]
fn a_key_kind_is_the_name_after_the_prefix() {
    assert_eq!(census::kind("portcullis:session:abc"), "session");
    assert_eq!(census::kind("portcullis:webauthn:reg:1:2"), "webauthn");
    assert_eq!(census::kind("portcullis:session"), "other");
    assert_eq!(census::kind("portcullis::x"), "other");
    assert_eq!(census::kind("n"), "other");
}

/// Anonymous writes fill three quarters of each cap; the last quarter stays
/// for the others, and replacing an anonymous entry needs no new room.
#[test]
fn anonymous_writes_leave_a_quarter_of_the_room() {
    let t0 = Instant::now();
    let anonymous = |b: &MemoryBackend, key: &str, value: Vec<u8>| {
        b.lock()
            .insert_in(key, value, deadline(t0, 60 * SEC), t0, Room::Anonymous)
    };
    let b = capped(100, 1 << 30);
    let mut kept = 0;
    while anonymous(&b, &format!("a{kept}"), b"v".to_vec()).is_ok() {
        kept += 1;
    }
    assert_eq!(kept, 75);
    assert!(anonymous(&b, "a0", b"w".to_vec()).is_ok(), "a replacement");
    for i in 0..25 {
        b.put_at(t0, &format!("s{i}"), b"v".to_vec(), 60 * SEC)
            .unwrap();
    }
    assert!(b.put_at(t0, "s25", b"v".to_vec(), 60 * SEC).is_err());
    // The same for bytes.
    let b = capped(1000, 4 * cost("a00", &[0u8; 600]));
    assert!(anonymous(&b, "a00", vec![0; 600]).is_ok());
    assert!(anonymous(&b, "a01", vec![0; 600]).is_ok());
    assert!(anonymous(&b, "a02", vec![0; 600]).is_ok());
    assert!(anonymous(&b, "a03", vec![0; 600]).is_err());
    assert!(b.put_at(t0, "s00", vec![0; 600], 60 * SEC).is_ok());
}

/// Failure counters are made by anyone (a wrong password, a reset request from
/// a new address each time): new ones fill only the anonymous share, so a
/// flood of them leaves the last quarter to signed-in users, whose own
/// counters (a second factor's attempts) still fit, while counters already
/// kept still count.
#[test]
fn anonymous_failure_counters_take_only_the_anonymous_share() {
    fn counter(key: &str) -> crate::store::Counter<'_> {
        crate::store::Counter {
            key,
            window: 60 * SEC,
            max: 10,
        }
    }
    let t0 = Instant::now();
    let b = capped(100, 1 << 30);
    let anonymous = |key: &str| b.incr_within_at(t0, &[counter(key)], Room::Anonymous);
    let mut made = 0;
    while anonymous(&format!("rl:{made}")).is_ok() {
        made += 1;
    }
    assert_eq!(made, 75);
    assert_eq!(anonymous("rl:0").unwrap(), Ok(vec![2]));
    // A pair whose second counter finds no room takes the first back.
    assert!(
        b.incr_within_at(t0, &[counter("rl:1"), counter("rl:new")], Room::Anonymous)
            .is_err()
    );
    assert_eq!(b.get_at(t0, "rl:1"), Some(b"1".to_vec()));
    // The last quarter is still there for a signed-in user's counter and
    // everything else.
    assert_eq!(
        b.incr_within_at(t0, &[counter("second-factor:u1")], Room::All)
            .unwrap(),
        Ok(vec![1])
    );
    for i in 0..24 {
        b.put_at(t0, &format!("code{i}"), b"v".to_vec(), 60 * SEC)
            .unwrap();
    }
}

/// A once-a-minute mark that anyone may make (a refusal under a lock-out from
/// a new address) takes room only from the anonymous share.
#[test]
fn anonymous_marks_take_only_the_anonymous_share() {
    let t0 = Instant::now();
    let b = capped(100, 1 << 30);
    let mut made = 0;
    while b
        .put_new_anonymous_at(t0, &format!("audited:{made}"), b"1".to_vec(), 60 * SEC)
        .is_ok()
    {
        made += 1;
    }
    assert_eq!(made, 75);
    assert_eq!(
        b.put_new_anonymous_at(t0, "audited:0", b"1".to_vec(), 60 * SEC)
            .ok(),
        Some(false),
        "a mark already kept is no first"
    );
    for i in 0..25 {
        b.put_at(t0, &format!("code{i}"), b"v".to_vec(), 60 * SEC)
            .unwrap();
    }
}
