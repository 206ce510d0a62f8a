//! The ephemeral store: sessions, authorization codes, WebAuthn ceremony state,
//! rate-limit counters. Everything in it expires; nothing in it is the system of record.
//!
//! [`Backend`] is the byte-level contract (Redis or in-process); [`Store`] is what the
//! application holds: a backend, a key prefix and JSON helpers.

mod index_map;
pub mod memory;
pub mod redis;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use self::memory::{Census, Limits as MemoryLimits, MemoryBackend};
pub use self::redis::RedisBackend;

/// The prefix [`Store::memory`] uses.
pub const DEFAULT_PREFIX: &str = "portcullis:";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Redis down or too slow: callers turn this into HTTP 503.
    #[error("the session store is unavailable: {0}")]
    Unavailable(String),
    /// A stored value could not be decoded (or encoded) as expected.
    #[error("stored value is corrupt: {0}")]
    Corrupt(String),
}

/// How much a backend holds, where it counts (the embedded store does; Redis
/// answers for itself through its own `INFO`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    pub entries: usize,
    pub bytes: usize,
}

/// The share (numerator, denominator) of a capped store's entries and bytes
/// that anonymous writes may fill.
pub const ANONYMOUS_SHARE: (usize, usize) = (3, 4);

/// A failure counter for [`Backend::incr_within`]: its key, the window it
/// lives for from its first count, and the most it may hold.
#[derive(Debug, Clone, Copy)]
pub struct Counter<'a> {
    pub key: &'a str,
    pub window: Duration,
    pub max: u64,
}

#[async_trait::async_trait]
pub trait Backend: Send + Sync + 'static {
    async fn put(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), StoreError>;
    /// As `put`, for what anyone may make us keep without signing in (a
    /// pending sign-in, an anonymous session, a form's token): a store with
    /// caps lets these fill only [`ANONYMOUS_SHARE`] of them, so a flood of
    /// sign-in pages leaves room for what signed-in users need (their codes
    /// and sessions). Without caps, as `put`.
    async fn put_anonymous(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        self.put(key, value, ttl).await
    }
    /// Stores only if the key is absent (Redis SET NX PX); true when stored.
    async fn put_new(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError>;
    /// As `put_new`, for what anyone may make us keep: within
    /// [`ANONYMOUS_SHARE`] of a capped store, as [`Backend::put_anonymous`].
    async fn put_new_anonymous(
        &self,
        key: &str,
        value: Vec<u8>,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.put_new(key, value, ttl).await
    }
    /// Stores only while the key is live (Redis SET XX PX), with `ttl` from
    /// now; true when stored. A value read, changed and written back this way
    /// never brings back a key that was deleted in between.
    async fn replace(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<bool, StoreError>;
    async fn get(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    /// Atomic get-and-delete (Redis GETDEL): at most one caller ever gets Some for a stored value.
    async fn take(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError>;
    async fn delete(&self, key: &str) -> Result<(), StoreError>;
    /// Deletes `key` only while it holds `expected` (a lock's owner token):
    /// true when deleted. Atomic, so an owner whose lock expired and was taken
    /// by another never removes the other's.
    async fn delete_if(&self, key: &str, expected: &[u8]) -> Result<bool, StoreError>;
    /// Atomically increments a counter; the TTL is set when the counter is created (and not
    /// extended after). Returns the new value.
    async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, StoreError>;
    /// Atomically takes one back from a live counter, keeping its TTL; never goes
    /// below zero and never creates a counter. Returns the new value (0 when absent).
    async fn decr(&self, key: &str) -> Result<u64, StoreError>;
    /// Counts one more in each of `counters` in turn, as [`Backend::incr`]
    /// does, up to the first that goes over its limit: that one and those
    /// before it are taken back, those after it are not touched, and its
    /// index is the `Err`. Else the new values, in order. A store failure
    /// takes back, at best, what was counted. Redis does it in one atomic
    /// step; this default, one counter at a time.
    async fn incr_within(
        &self,
        counters: &[Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        let mut values = Vec::with_capacity(counters.len());
        for (i, c) in counters.iter().enumerate() {
            match self.incr(c.key, c.window).await {
                Ok(n) if n > c.max => {
                    for counted in &counters[..=i] {
                        self.decr(counted.key).await?;
                    }
                    return Ok(Err(i));
                }
                Ok(n) => values.push(n),
                Err(e) => {
                    // Best effort: the error already fails this request.
                    for counted in &counters[..i] {
                        let _ = self.decr(counted.key).await;
                    }
                    return Err(e);
                }
            }
        }
        Ok(Ok(values))
    }
    /// As [`Backend::incr_within`], for counters anyone makes us keep without
    /// signing in (a wrong password, a reset request from each new address):
    /// a store with caps makes new ones only within [`ANONYMOUS_SHARE`], like
    /// [`Backend::put_anonymous`]. Without caps, as `incr_within`.
    async fn incr_within_anonymous(
        &self,
        counters: &[Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        self.incr_within(counters).await
    }
    /// [`Backend::decr`] on each of `keys`; Redis in one step.
    async fn decr_all(&self, keys: &[&str]) -> Result<(), StoreError> {
        for key in keys {
            self.decr(key).await?;
        }
        Ok(())
    }
    /// Remaining lifetime of a key, None when absent.
    async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError>;
    async fn ping(&self) -> Result<(), StoreError>;

    // An index is a small set of keys of this same store, each with a tag (for
    // example one user's sessions, tagged with the session they belong to), so
    // that the keys can be listed and ended together, or by tag. Each operation
    // is atomic with respect to the keys it names.

    /// Adds `key` with `tag`; true when added. Keys that have gone (expired,
    /// deleted) are dropped first. With `require_tag`, the key is added only if a
    /// key with the same tag is still listed (what it renews was not ended). The
    /// index then lives at least `ttl`.
    async fn index_add(
        &self,
        index: &str,
        key: &str,
        tag: &str,
        require_tag: bool,
        ttl: Duration,
    ) -> Result<bool, StoreError>;
    /// The keys that still exist, with their tags.
    async fn index_entries(&self, index: &str) -> Result<Vec<(String, String)>, StoreError>;
    /// Deletes the keys tagged `tag` and drops them from the index; returns how many.
    async fn index_remove_tag(&self, index: &str, tag: &str) -> Result<u64, StoreError>;
    /// Deletes the index and every key in it; returns how many keys existed.
    async fn index_clear(&self, index: &str) -> Result<u64, StoreError>;

    /// A short name for logs and health reports.
    fn name(&self) -> &'static str {
        "custom"
    }
    /// Entries and bytes held, when the backend keeps count.
    fn usage(&self) -> Option<Usage> {
        None
    }
    /// Live entries by kind, when counting them is cheap (the embedded store
    /// keeps count; Redis would have to scan its keyspace).
    fn census(&self) -> Option<Census> {
        None
    }
}

/// What the application holds: a backend plus a key prefix, with JSON helpers.
#[derive(Clone)]
pub struct Store {
    backend: Arc<dyn Backend>,
    prefix: Arc<str>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend_name())
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl Store {
    pub fn new(backend: Arc<dyn Backend>, prefix: impl Into<String>) -> Self {
        Self {
            backend,
            prefix: Arc::from(prefix.into()),
        }
    }

    /// The embedded backend, for development and tests; prefix `portcullis:`.
    pub fn memory() -> Self {
        Self::memory_with(MemoryLimits::default())
    }

    /// The embedded backend with caps on its size (`store.max_entries`, `store.max_bytes`).
    pub fn memory_with(limits: MemoryLimits) -> Self {
        Self::new(Arc::new(MemoryBackend::with_limits(limits)), DEFAULT_PREFIX)
    }

    /// A Redis-backed store. Fails only on a malformed URL: an unreachable server is
    /// logged and the store connects on first use, so the provider starts (and answers
    /// 503 on flows that need the store) while Redis is down.
    pub async fn redis(url: &str, prefix: impl Into<String>) -> Result<Self, StoreError> {
        let backend = RedisBackend::new(url)?;
        if let Err(error) = backend.ping().await {
            tracing::warn!(%error, "Redis is not reachable yet; will retry on each request");
        }
        Ok(Self::new(Arc::new(backend), prefix))
    }

    pub fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    pub fn usage(&self) -> Option<Usage> {
        self.backend.usage()
    }

    pub fn census(&self) -> Option<Census> {
        self.backend.census()
    }

    fn key(&self, key: &str) -> String {
        let mut full = String::with_capacity(self.prefix.len() + key.len());
        full.push_str(&self.prefix);
        full.push_str(key);
        full
    }

    pub async fn put_json<T: Serialize + Sync>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let bytes = encode(key, value)?;
        self.backend.put(&self.key(key), bytes, ttl).await
    }

    /// [`Backend::put_anonymous`] of `value` as JSON.
    pub async fn put_json_anonymous<T: Serialize + Sync>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<(), StoreError> {
        let bytes = encode(key, value)?;
        self.backend.put_anonymous(&self.key(key), bytes, ttl).await
    }

    pub async fn put_new_json<T: Serialize + Sync>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let bytes = encode(key, value)?;
        self.backend.put_new(&self.key(key), bytes, ttl).await
    }

    /// See [`Backend::replace`].
    pub async fn replace_json<T: Serialize + Sync>(
        &self,
        key: &str,
        value: &T,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        let bytes = encode(key, value)?;
        self.backend.replace(&self.key(key), bytes, ttl).await
    }

    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        decode_found(key, self.backend.get(&self.key(key)).await?)
    }

    /// Whether a live entry exists under `key`.
    pub async fn contains(&self, key: &str) -> Result<bool, StoreError> {
        Ok(self.backend.get(&self.key(key)).await?.is_some())
    }

    pub async fn take_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StoreError> {
        decode_found(key, self.backend.take(&self.key(key)).await?)
    }

    pub async fn delete(&self, key: &str) -> Result<(), StoreError> {
        self.backend.delete(&self.key(key)).await
    }

    /// True for the first call under `key` in each `window`, false for the
    /// others: for what is done at most once in a while (an audit row, a
    /// mail), however often it is asked for.
    pub async fn first_in(&self, key: &str, window: Duration) -> Result<bool, StoreError> {
        self.put_new_json(key, &1u8, window).await
    }

    /// As [`Self::first_in`], for a mark anyone may make us keep (a refusal
    /// audited once a minute per address): it takes room only from the
    /// anonymous share.
    pub async fn first_in_anonymous(
        &self,
        key: &str,
        window: Duration,
    ) -> Result<bool, StoreError> {
        let bytes = encode(key, &1u8)?;
        self.backend
            .put_new_anonymous(&self.key(key), bytes, window)
            .await
    }

    /// [`Backend::delete_if`] for a value stored as JSON by [`Self::put_json`]
    /// or [`Self::put_new_json`].
    pub async fn delete_if_json<T: Serialize + Sync>(
        &self,
        key: &str,
        expected: &T,
    ) -> Result<bool, StoreError> {
        let bytes = encode(key, expected)?;
        self.backend.delete_if(&self.key(key), &bytes).await
    }

    pub async fn incr(&self, key: &str, ttl: Duration) -> Result<u64, StoreError> {
        self.backend.incr(&self.key(key), ttl).await
    }

    pub async fn decr(&self, key: &str) -> Result<u64, StoreError> {
        self.backend.decr(&self.key(key)).await
    }

    /// See [`Backend::incr_within`]; the keys are keys of this store.
    pub async fn incr_within(
        &self,
        counters: &[Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        self.count_within(counters, false).await
    }

    /// See [`Backend::incr_within_anonymous`]; the keys are keys of this store.
    pub async fn incr_within_anonymous(
        &self,
        counters: &[Counter<'_>],
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        self.count_within(counters, true).await
    }

    async fn count_within(
        &self,
        counters: &[Counter<'_>],
        anonymous: bool,
    ) -> Result<Result<Vec<u64>, usize>, StoreError> {
        let keys: Vec<String> = counters.iter().map(|c| self.key(c.key)).collect();
        let full: Vec<Counter<'_>> = counters
            .iter()
            .zip(&keys)
            .map(|(c, key)| Counter { key, ..*c })
            .collect();
        if anonymous {
            self.backend.incr_within_anonymous(&full).await
        } else {
            self.backend.incr_within(&full).await
        }
    }

    /// See [`Backend::decr_all`].
    pub async fn decr_all(&self, keys: &[&str]) -> Result<(), StoreError> {
        let keys: Vec<String> = keys.iter().map(|k| self.key(k)).collect();
        let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
        self.backend.decr_all(&refs).await
    }

    pub async fn ttl(&self, key: &str) -> Result<Option<Duration>, StoreError> {
        self.backend.ttl(&self.key(key)).await
    }

    pub async fn ping(&self) -> Result<(), StoreError> {
        self.backend.ping().await
    }

    /// See [`Backend::index_add`]; `key` is a key of this store.
    pub async fn index_add(
        &self,
        index: &str,
        key: &str,
        tag: &str,
        require_tag: bool,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.backend
            .index_add(&self.key(index), &self.key(key), tag, require_tag, ttl)
            .await
    }

    /// Live keys (of this store) of an index, with their tags.
    pub async fn index_entries(&self, index: &str) -> Result<Vec<(String, String)>, StoreError> {
        let entries = self.backend.index_entries(&self.key(index)).await?;
        Ok(entries
            .into_iter()
            .filter_map(|(key, tag)| key.strip_prefix(&*self.prefix).map(|k| (k.to_owned(), tag)))
            .collect())
    }

    pub async fn index_remove_tag(&self, index: &str, tag: &str) -> Result<u64, StoreError> {
        self.backend.index_remove_tag(&self.key(index), tag).await
    }

    pub async fn index_clear(&self, index: &str) -> Result<u64, StoreError> {
        self.backend.index_clear(&self.key(index)).await
    }
}

// Error messages name the key's kind (`session`, `code`, ...) but never the whole key:
// keys embed bearer secrets such as authorization codes.
fn key_kind(key: &str) -> &str {
    key.split_once(':').map_or("value", |(kind, _)| kind)
}

fn encode<T: Serialize>(key: &str, value: &T) -> Result<Vec<u8>, StoreError> {
    serde_json::to_vec(value)
        .map_err(|e| StoreError::Corrupt(format!("cannot encode {}: {e}", key_kind(key))))
}

fn decode<T: DeserializeOwned>(key: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Corrupt(format!("cannot decode {}: {e}", key_kind(key))))
}

/// What a read found under `key`, decoded; None when nothing was there.
fn decode_found<T: DeserializeOwned>(
    key: &str,
    found: Option<Vec<u8>>,
) -> Result<Option<T>, StoreError> {
    found.map(|bytes| decode(key, &bytes)).transpose()
}

/// Longer lifetimes are shortened to this, so expiry arithmetic cannot overflow
/// (in Redis or on an `Instant`); nothing ephemeral lives that long anyway.
pub const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);
