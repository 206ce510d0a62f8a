//! In-process backend: one mutex-guarded map with expiry instants. For development,
//! single-instance deployments and tests; state is lost on restart and not shared
//! between processes.
//!
//! Anyone can make the provider write here without signing in (every authorization
//! request that leads to a page leaves a pending request for 15 minutes), so the map
//! is bounded twice: expired entries are evicted in deadline order as writes come in,
//! and the live entries are capped ([`Limits`]). A write that finds the store full
//! after eviction fails as [`StoreError::Unavailable`] (HTTP 503): failing closed
//! keeps the sessions already signed in, where evicting live entries would sign
//! users out on an anonymous client's say-so.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::index_map::IndexMap;
use super::{ANONYMOUS_SHARE, Backend, MAX_TTL, StoreError, Usage};

mod census;
mod limits;
pub use census::Census;
use census::KindCounts;
use limits::cost;
pub use limits::{ENTRY_OVERHEAD, Limits};

/// How many expired entries a write evicts besides its own work: more than the one
/// entry a write can add, so expired entries never pile up, while no single request
/// pays for a whole backlog unless the store is full.
const EVICT_PER_WRITE: usize = 8;

#[derive(Debug)]
pub struct MemoryBackend {
    inner: Mutex<Inner>,
    /// Locked after `inner`, never before: index operations see and delete entries.
    indexes: Mutex<IndexMap>,
}

/// How much of the caps a write may fill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Room {
    All,
    Anonymous,
}

#[derive(Debug)]
struct Inner {
    entries: HashMap<Arc<str>, Entry>,
    /// Every entry by (deadline, insertion number): the expired ones are at the front,
    /// so eviction never scans the live ones.
    by_deadline: BTreeMap<(Instant, u64), Arc<str>>,
    next_seq: u64,
    bytes: usize,
    kinds: KindCounts,
    limits: Limits,
    /// Set while writes are refused, so a flood logs one line, not one per request.
    full: bool,
}

#[derive(Debug)]
struct Entry {
    /// Exactly as long as the value: what the callers encode carries spare
    /// capacity (a JSON encoder starts at 128 bytes), which would stay resident
    /// for the entry's whole lifetime.
    value: Box<[u8]>,
    expires_at: Instant,
    seq: u64,
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

    fn remove(&mut self, key: &str) -> Option<Entry> {
        let (k, e) = self.entries.remove_entry(key)?;
        self.by_deadline.remove(&(e.expires_at, e.seq));
        self.bytes -= cost(&k, &e.value);
        self.kinds.removed(&k);
        Some(e)
    }

    /// Evicts up to `budget` expired entries, oldest deadline first.
    fn evict_expired(&mut self, now: Instant, budget: usize) {
        for _ in 0..budget {
            let Some(entry) = self.by_deadline.first_entry() else {
                return;
            };
            if entry.key().0 > now {
                return;
            }
            let ((_, seq), key) = entry.remove_entry();
            // The index and the map change together, so the entry is this one;
            // checked anyway, as evicting a live entry would sign someone out.
            if self.entries.get(&key).is_some_and(|e| e.seq == seq)
                && let Some(e) = self.entries.remove(&key)
            {
                self.bytes -= cost(&key, &e.value);
                self.kinds.removed(&key);
            }
        }
        self.shrink_when_sparse();
    }

    /// Gives back the map's slots once most of them are empty: a burst (a load
    /// test, a flood of anonymous requests) would otherwise keep its table
    /// resident after its entries have expired. Shrinking to twice the live
    /// entries leaves room to grow, so the rehash comes again only after the
    /// store has halved again.
    fn shrink_when_sparse(&mut self) {
        const SMALLEST: usize = 4096;
        let (len, capacity) = (self.entries.len(), self.entries.capacity());
        if capacity > SMALLEST && capacity / 4 > len {
            self.entries.shrink_to((len * 2).max(SMALLEST));
        }
    }

    /// Whether `key` may take `new_cost` bytes: replacing an entry adds none.
    /// An anonymous write may fill only [`ANONYMOUS_SHARE`] of the caps.
    fn admits(&self, key: &str, new_cost: usize, room: Room) -> bool {
        let (max_entries, max_bytes) = match room {
            Room::All => (self.limits.max_entries, self.limits.max_bytes),
            Room::Anonymous => {
                let (n, d) = ANONYMOUS_SHARE;
                (
                    self.limits.max_entries / d * n,
                    self.limits.max_bytes / d * n,
                )
            }
        };
        let old = self.entries.get(key).map(|e| cost(key, &e.value));
        (old.is_some() || self.entries.len() < max_entries)
            && self.bytes - old.unwrap_or(0) + new_cost <= max_bytes
    }

    fn insert(
        &mut self,
        key: &str,
        value: Vec<u8>,
        expires_at: Instant,
        now: Instant,
    ) -> Result<(), StoreError> {
        self.insert_in(key, value, expires_at, now, Room::All)
    }

    fn insert_in(
        &mut self,
        key: &str,
        value: Vec<u8>,
        expires_at: Instant,
        now: Instant,
        room: Room,
    ) -> Result<(), StoreError> {
        self.evict_expired(now, EVICT_PER_WRITE);
        if expires_at <= now {
            // Never visible: storing it would only take room.
            self.remove(key);
            return Ok(());
        }
        let new_cost = cost(key, &value);
        if !self.admits(key, new_cost, room) {
            // Each entry is evicted once, so draining the whole backlog here is still
            // amortised over the writes that made it.
            self.evict_expired(now, usize::MAX);
            if !self.admits(key, new_cost, room) {
                if !self.full {
                    self.full = true;
                    tracing::warn!(
                        entries = self.entries.len(),
                        bytes = self.bytes,
                        "the embedded store is full (store.max_entries, store.max_bytes): \
                         new writes fail with 503 until entries expire"
                    );
                }
                return Err(StoreError::Unavailable(
                    "the embedded store is full".to_owned(),
                ));
            }
        }
        if self.full {
            self.full = false;
            tracing::info!(
                entries = self.entries.len(),
                "the embedded store accepts writes again"
            );
        }
        self.remove(key);
        let seq = self.next_seq;
        self.next_seq += 1;
        let key: Arc<str> = Arc::from(key);
        self.bytes += new_cost;
        self.kinds.added(&key);
        self.by_deadline.insert((expires_at, seq), key.clone());
        self.entries.insert(
            key,
            Entry {
                value: value.into_boxed_slice(),
                expires_at,
                seq,
            },
        );
        Ok(())
    }
}

impl MemoryBackend {
    pub fn new() -> Self {
        Self::with_limits(Limits::default())
    }

    pub fn with_limits(limits: Limits) -> Self {
        Self {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                by_deadline: BTreeMap::new(),
                next_seq: 0,
                bytes: 0,
                kinds: KindCounts::default(),
                limits,
                full: false,
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

    fn put_at(
        &self,
        now: Instant,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.lock().insert(key, value, deadline(now, ttl), now)
    }

    fn put_new_at(
        &self,
        now: Instant,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.put_if_at(now, key, value, ttl, (false, Room::All))
    }

    fn put_new_anonymous_at(
        &self,
        now: Instant,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.put_if_at(now, key, value, ttl, (false, Room::Anonymous))
    }

    /// Stores only when the key is live (`live`) or absent (not `live`),
    /// taking room from `room`; true when stored. The look and the write hold
    /// one lock.
    fn put_if_at(
        &self,
        now: Instant,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
        (live, room): (bool, Room),
    ) -> Result<bool, StoreError> {
        let mut inner = self.lock();
        if inner.live(key, now).is_some() != live {
            return Ok(false);
        }
        inner.insert_in(key, value, deadline(now, ttl), now, room)?;
        Ok(true)
    }

    fn get_at(&self, now: Instant, key: &str) -> Option<Vec<u8>> {
        self.lock().live(key, now).map(|e| e.value.to_vec())
    }

    fn take_at(&self, now: Instant, key: &str) -> Option<Vec<u8>> {
        self.lock()
            .remove(key)
            .filter(|e| e.live(now))
            .map(|e| e.value.into_vec())
    }

    fn delete_at(&self, key: &str) {
        self.lock().remove(key);
    }

    fn delete_if_at(&self, now: Instant, key: &str, expected: &[u8]) -> bool {
        let mut inner = self.lock();
        let holds = inner.live(key, now).is_some_and(|e| *e.value == *expected);
        if holds {
            inner.remove(key);
        }
        holds
    }

    fn incr_at(&self, now: Instant, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        self.incr_in(now, key, ttl, Room::All)
    }

    /// As [`Self::incr_at`], a new counter taking room from `room`.
    fn incr_in(
        &self,
        now: Instant,
        key: &str,
        ttl: Duration,
        room: Room,
    ) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        if let Some(entry) = inner.entries.get_mut(key).filter(|e| e.live(now)) {
            let next = parse_counter(&entry.value)?
                .checked_add(1)
                .ok_or_else(|| StoreError::Corrupt("counter overflow".to_owned()))?;
            // Stored as decimal text, like Redis, so `get` reads the same on both backends.
            let text = next.to_string().into_bytes().into_boxed_slice();
            inner.bytes = inner.bytes - entry.value.len() + text.len();
            entry.value = text;
            return Ok(next);
        }
        inner.insert_in(key, b"1".to_vec(), deadline(now, ttl), now, room)?;
        Ok(1)
    }

    /// [`Backend::incr_within`] with new counters taking room from `room`:
    /// failure counters that anyone makes us keep without signing in (a wrong
    /// password, a reset request, each from a new address) take it only from
    /// [`ANONYMOUS_SHARE`], so a flood of them cannot take the room signed-in
    /// users' codes, sessions and own counters (a second factor's attempts)
    /// need. Counters already kept count on in place.
    fn incr_within_at(
        &self,
        now: Instant,
        counters: &[super::Counter<'_>],
        room: Room,
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        let mut values = Vec::with_capacity(counters.len());
        for (i, c) in counters.iter().enumerate() {
            match self.incr_in(now, c.key, c.window, room) {
                Ok(n) if n > c.max => {
                    for counted in &counters[..=i] {
                        self.decr_at(now, counted.key)?;
                    }
                    return Ok(Err(i));
                }
                Ok(n) => values.push(n),
                Err(e) => {
                    for counted in &counters[..i] {
                        self.decr_at(now, counted.key)?;
                    }
                    return Err(e);
                }
            }
        }
        Ok(Ok(values))
    }

    fn decr_at(&self, now: Instant, key: &str) -> Result<u64, StoreError> {
        let mut inner = self.lock();
        let inner = &mut *inner;
        let Some(entry) = inner.entries.get_mut(key).filter(|e| e.live(now)) else {
            return Ok(0);
        };
        let next = parse_counter(&entry.value)?.saturating_sub(1);
        if next == 0 {
            inner.remove(key);
        } else {
            let text = next.to_string().into_bytes().into_boxed_slice();
            inner.bytes = inner.bytes - entry.value.len() + text.len();
            entry.value = text;
        }
        Ok(next)
    }

    /// Deletes the keys an index operation let go of; how many were live.
    fn delete_listed(&self, inner: &mut Inner, keys: &[String], now: Instant) -> u64 {
        keys.iter()
            .filter_map(|k| inner.remove(k))
            .filter(|e| e.live(now))
            .count() as u64
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
        self.put_at(Instant::now(), key, value, ttl)
    }

    async fn put_new(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError> {
        self.put_new_at(Instant::now(), key, value, ttl)
    }

    async fn put_new_anonymous(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.put_new_anonymous_at(Instant::now(), key, value, ttl)
    }

    async fn replace(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError> {
        self.put_if_at(Instant::now(), key, value, ttl, (true, Room::All))
    }

    async fn put_anonymous(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let now = Instant::now();
        self.lock()
            .insert_in(key, value, deadline(now, ttl), now, Room::Anonymous)
    }

    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.get_at(Instant::now(), key))
    }

    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.take_at(Instant::now(), key))
    }

    async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError> {
        Ok(self.delete_if_at(Instant::now(), key, expected))
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

    async fn incr_within(
        &self,
        counters: &[super::Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        self.incr_within_at(Instant::now(), counters, Room::All)
    }

    async fn incr_within_anonymous(
        &self,
        counters: &[super::Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        self.incr_within_at(Instant::now(), counters, Room::Anonymous)
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
        Ok(self.delete_listed(&mut inner, &keys, now))
    }

    async fn index_clear(&self, index: &str) -> Result<u64, StoreError> {
        let now = Instant::now();
        let mut inner = self.lock();
        let keys = self.lock_indexes().clear(now, index);
        Ok(self.delete_listed(&mut inner, &keys, now))
    }

    fn name(&self) -> &'static str {
        "memory"
    }

    fn usage(&self) -> Option<Usage> {
        Some(MemoryBackend::usage(self))
    }

    fn census(&self) -> Option<Census> {
        Some(MemoryBackend::census(self))
    }
}

#[cfg(test)]
mod tests;
