//! In-process backend: one mutex-guarded map with expiry instants. For development,
//! single-instance deployments and tests; state is lost on restart and not shared
//! between processes.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::index_map::IndexMap;
use super::{Backend, MAX_TTL, StoreError};

/// The map is swept of expired entries whenever it reaches twice the size it had after
/// the previous sweep (and at least this many), so memory stays proportional to the live
/// entries while the cost of sweeping stays amortized O(1) per write.
const MIN_SWEEP_LEN: usize = 1024;

#[derive(Debug)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
    /// Locked after `inner`, never before: index operations see and delete entries.
    indexes: Mutex<IndexMap>,
}

#[derive(Debug)]
struct Inner {
    entries: HashMap<String, Entry>,
    sweep_at_len: usize,
}

#[derive(Debug)]
struct Entry {
    value: Vec<u8>,
    expires_at: Instant,
}

impl Entry {
    fn live(&self, now: Instant) -> bool {
        self.expires_at > now
    }
}

impl Default for MemoryBackend {
    fn default() -> Self {
        Self::new()
    }
}

fn deadline(now: Instant, ttl: Duration) -> Instant {
    now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now)
}

fn parse_counter(value: &[u8]) -> Result<u64, StoreError> {
    std::str::from_utf8(value)
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .ok_or_else(|| StoreError::Corrupt("counter is not an integer".to_owned()))
}

impl Inner {
    fn live(&self, key: &str, now: Instant) -> Option<&Entry> {
        self.entries.get(key).filter(|e| e.live(now))
    }

    fn insert(&mut self, key: &str, value: Vec<u8>, expires_at: Instant, now: Instant) {
        self.entries
            .insert(key.to_owned(), Entry { value, expires_at });
        if self.entries.len() >= self.sweep_at_len {
            self.entries.retain(|_, e| e.live(now));
            self.sweep_at_len = (self.entries.len() * 2).max(MIN_SWEEP_LEN);
        }
    }
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                sweep_at_len: MIN_SWEEP_LEN,
            }),
            indexes: Mutex::new(IndexMap::default()),
        }
    }

    fn lock_indexes(&self) -> MutexGuard<'_, IndexMap> {
        self.indexes.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // Every critical section leaves the map consistent, so a panic elsewhere while
        // holding the lock does not make the data unusable.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    // The `*_at` methods take the current instant so unit tests can move time forward.

    fn put_at(&self, now: Instant, key: &str, value: Vec<u8>, ttl: Duration) {
        self.lock().insert(key, value, deadline(now, ttl), now);
    }

    fn put_new_at(&self, now: Instant, key: &str, value: Vec<u8>, ttl: Duration) -> bool {
        let mut inner = self.lock();
        if inner.live(key, now).is_some() {
            return false;
        }
        inner.insert(key, value, deadline(now, ttl), now);
        true
    }

    fn get_at(&self, now: Instant, key: &str) -> Option<Vec<u8>> {
        self.lock().live(key, now).map(|e| e.value.clone())
    }

    fn take_at(&self, now: Instant, key: &str) -> Option<Vec<u8>> {
        self.lock()
            .entries
            .remove(key)
            .filter(|e| e.live(now))
            .map(|e| e.value)
    }

    fn delete_at(&self, key: &str) {
        self.lock().entries.remove(key);
    }

    fn incr_at(&self, now: Instant, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        if let Some(entry) = inner.entries.get_mut(key).filter(|e| e.live(now)) {
            let next = parse_counter(&entry.value)?
                .checked_add(1)
                .ok_or_else(|| StoreError::Corrupt("counter overflow".to_owned()))?;
            // Stored as decimal text, like Redis, so `get` reads the same on both backends.
            entry.value = next.to_string().into_bytes();
            return Ok(next);
        }
        inner.insert(key, b"1".to_vec(), deadline(now, ttl), now);
        Ok(1)
    }

    fn decr_at(&self, now: Instant, key: &str) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let Some(entry) = inner.entries.get_mut(key).filter(|e| e.live(now)) else {
            return Ok(0);
        };
        let next = parse_counter(&entry.value)?.saturating_sub(1);
        if next == 0 {
            inner.entries.remove(key);
        } else {
            entry.value = next.to_string().into_bytes();
        }
        Ok(next)
    }

    fn ttl_at(&self, now: Instant, key: &str) -> Option<Duration> {
        self.lock()
            .live(key, now)
            .map(|e| e.expires_at.duration_since(now))
    }
}

#[async_trait::async_trait]
impl Backend for MemoryBackend {
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), StoreError> {
        self.put_at(Instant::now(), key, value, ttl);
        Ok(())
    }

    async fn put_new(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError> {
        Ok(self.put_new_at(Instant::now(), key, value, ttl))
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.get_at(Instant::now(), key))
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.take_at(Instant::now(), key))
    }

    async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.delete_at(key);
        Ok(())
    }

    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        self.incr_at(Instant::now(), key, ttl)
    }

    async fn decr(&self, key: &str) -> Result<u64, StoreError> {
        self.decr_at(Instant::now(), key)
    }

    async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        Ok(self.ttl_at(Instant::now(), key))
    }

    async fn ping(&self) -> Result<(), StoreError> {
        Ok(())
    }

    async fn index_add(
        &self,
        index: &str,
        key: &str,
        tag: &str,
        require_tag: bool,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let now = Instant::now();
        let inner = self.lock();
        let added = self
            .lock_indexes()
            .add(now, (index, key, tag), require_tag, ttl, |k| {
                inner.live(k, now).is_some()
            });
        Ok(added)
    }

    async fn index_entries(&self, index: &str) -> Result<Vec<(String, String)>, StoreError> {
        let now = Instant::now();
        let inner = self.lock();
        let entries = self
            .lock_indexes()
            .entries(now, index, |k| inner.live(k, now).is_some());
        Ok(entries)
    }

    async fn index_remove_tag(&self, index: &str, tag: &str) -> Result<u64, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let keys = self.lock_indexes().remove_tag(now, index, tag);
        let live = keys
            .iter()
            .filter_map(|k| inner.entries.remove(k))
            .filter(|e| e.live(now))
            .count();
        Ok(live as u64)
    }

    async fn index_clear(&self, index: &str) -> Result<u64, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let keys = self.lock_indexes().clear(now, index);
        let live = keys
            .iter()
            .filter_map(|k| inner.entries.remove(k))
            .filter(|e| e.live(now))
            .count();
        Ok(live as u64)
    }

    fn name(&self) -> &'static str {
        "memory"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    fn len(backend: &MemoryBackend) -> usize {
        backend.lock().entries.len()
    }

    #[test]
    fn entries_vanish_at_their_deadline() {
        let b = MemoryBackend::new();
        let t0 = Instant::now();
        b.put_at(t0, "k", b"v".to_vec(), 10 * SEC);
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
        b.put_at(t0, "k", b"old".to_vec(), SEC);
        b.put_at(t0, "k", b"new".to_vec(), 5 * SEC);
        assert_eq!(b.get_at(t0 + 2 * SEC, "k"), Some(b"new".to_vec()));
    }

    #[test]
    fn put_new_succeeds_over_an_expired_entry() {
        let b = MemoryBackend::new();
        let t0 = Instant::now();
        assert!(b.put_new_at(t0, "k", b"a".to_vec(), SEC));
        assert!(!b.put_new_at(t0, "k", b"b".to_vec(), SEC));
        assert!(b.put_new_at(t0 + SEC, "k", b"c".to_vec(), SEC));
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
        b.put_at(t0, "n", b"{}".to_vec(), SEC);
        assert!(matches!(
            b.incr_at(t0, "n", SEC),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn zero_ttl_is_never_visible() {
        let b = MemoryBackend::new();
        let t0 = Instant::now();
        b.put_at(t0, "k", b"v".to_vec(), Duration::ZERO);
        assert_eq!(b.get_at(t0, "k"), None);
    }

    #[test]
    fn huge_ttl_does_not_overflow() {
        let b = MemoryBackend::new();
        let t0 = Instant::now();
        b.put_at(t0, "k", b"v".to_vec(), Duration::MAX);
        assert_eq!(b.ttl_at(t0, "k"), Some(MAX_TTL));
    }

    #[test]
    fn expired_entries_are_swept_so_memory_stays_bounded() {
        let b = MemoryBackend::new();
        let mut now = Instant::now();
        // Ten rounds of short-lived writes, each round outliving the previous one.
        for round in 0..10 {
            for i in 0..MIN_SWEEP_LEN {
                b.put_at(now, &format!("r{round}:{i}"), vec![0], SEC);
            }
            now += 2 * SEC;
        }
        assert!(
            len(&b) <= 2 * MIN_SWEEP_LEN,
            "map holds {} entries after 10 rounds of {MIN_SWEEP_LEN}",
            len(&b)
        );
    }

    #[test]
    fn sweeping_keeps_live_entries() {
        let b = MemoryBackend::new();
        let t0 = Instant::now();
        b.put_at(t0, "keep", b"v".to_vec(), 60 * SEC);
        for i in 0..4 * MIN_SWEEP_LEN {
            b.put_at(t0, &format!("gone:{i}"), vec![0], Duration::ZERO);
        }
        assert!(len(&b) <= MIN_SWEEP_LEN, "{} entries left", len(&b));
        assert_eq!(b.get_at(t0, "keep"), Some(b"v".to_vec()));
    }
}
