//! Entries by kind, kept as they come and go, so that a metrics scrape reads
//! the counts without walking the map. A key's kind is the name our code gives
//! it after the store prefix (`portcullis:session:…` is a `session`), so the
//! kinds are a small fixed set, never anything a client chose.

use std::collections::HashMap;
use std::time::Instant;

use super::{MemoryBackend, Usage};

/// What the embedded store holds, as a scrape reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Census {
    pub entries: usize,
    pub bytes: usize,
    /// Live entries by kind, sorted by kind; a kind once seen stays, at 0.
    pub by_kind: Vec<(String, usize)>,
}

/// The kind of `{prefix}{kind}:{rest}` with a one-segment prefix such as
/// `portcullis:`; `other` for a key of another shape.
pub(super) fn kind(key: &str) -> &str {
    let mut parts = key.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(_), Some(kind), Some(_)) if !kind.is_empty() => kind,
        _ => "other",
    }
}

#[derive(Debug, Default)]
pub(super) struct KindCounts(HashMap<String, usize>);

impl KindCounts {
    pub(super) fn added(&mut self, key: &str) {
        let kind = kind(key);
        match self.0.get_mut(kind) {
            Some(n) => *n += 1,
            None => {
                self.0.insert(kind.to_owned(), 1);
            }
        }
    }

    pub(super) fn removed(&mut self, key: &str) {
        if let Some(n) = self.0.get_mut(kind(key)) {
            *n = n.saturating_sub(1);
        }
    }

    pub(super) fn sorted(&self) -> Vec<(String, usize)> {
        let mut all: Vec<(String, usize)> = self.0.iter().map(|(k, n)| (k.clone(), *n)).collect();
        all.sort();
        all
    }
}

impl MemoryBackend {
    /// Entries held (live or not yet evicted) and their accounted bytes.
    pub fn usage(&self) -> Usage {
        let inner = self.lock();
        Usage {
            entries: inner.entries.len(),
            bytes: inner.bytes,
        }
    }

    /// Live entries by kind, for a metrics scrape. Expired entries are evicted
    /// first: each entry once, as a write would have, so the cost is paid by
    /// the writes that made them.
    pub fn census(&self) -> Census {
        self.census_at(Instant::now())
    }

    pub(super) fn census_at(&self, now: Instant) -> Census {
        let mut inner = self.lock();
        inner.evict_expired(now, usize::MAX);
        Census {
            entries: inner.entries.len(),
            bytes: inner.bytes,
            by_kind: inner.kinds.sorted(),
        }
    }
}
