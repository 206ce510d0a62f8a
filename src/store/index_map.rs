//! The indexes of the in-process backend: per index, a map from field to the key
//! of another entry. Kept beside the entries rather than among them, so that
//! the entries' own housekeeping never drops an index while the keys it names
//! are still alive. The caller holds the entries' lock around every call and
//! passes in how to see and delete entries, which makes each operation atomic.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Expect, MAX_TTL};

/// Expired indexes are swept when the map doubles (and holds at least this many).
const MIN_SWEEP_LEN: usize = 256;

#[derive(Debug)]
struct Index {
    fields: HashMap<String, String>,
    expires_at: Instant,
}

#[derive(Debug)]
pub(super) struct IndexMap {
    indexes: HashMap<String, Index>,
    sweep_at_len: usize,
}

impl Default for IndexMap {
    fn default() -> Self {
        Self {
            indexes: HashMap::new(),
            sweep_at_len: MIN_SWEEP_LEN,
        }
    }
}

impl IndexMap {
    fn live_mut(&mut self, index: &str, now: Instant) -> Option<&mut Index> {
        self.indexes.get_mut(index).filter(|i| i.expires_at > now)
    }

    pub(super) fn set(
        &mut self,
        now: Instant,
        (index, field, key): (&str, &str, &str),
        expect: Expect<'_>,
        ttl: Duration,
        exists: impl Fn(&str) -> bool,
    ) -> bool {
        if self.live_mut(index, now).is_none() {
            self.indexes.remove(index);
        }
        let entry = self.indexes.entry(index.to_owned()).or_insert(Index {
            fields: HashMap::new(),
            expires_at: now,
        });
        entry.fields.retain(|_, k| exists(k));
        let current = entry.fields.get(field).map(String::as_str);
        let matches = match expect {
            Expect::Absent => current.is_none(),
            Expect::Is(k) => current == Some(k),
        };
        if matches {
            entry.fields.insert(field.to_owned(), key.to_owned());
            let until = now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now);
            entry.expires_at = entry.expires_at.max(until);
        }
        if entry.fields.is_empty() {
            self.indexes.remove(index);
        }
        if self.indexes.len() >= self.sweep_at_len {
            self.indexes.retain(|_, i| i.expires_at > now);
            self.sweep_at_len = (self.indexes.len() * 2).max(MIN_SWEEP_LEN);
        }
        matches
    }

    pub(super) fn entries(
        &mut self,
        now: Instant,
        index: &str,
        exists: impl Fn(&str) -> bool,
    ) -> Vec<(String, String)> {
        self.live_mut(index, now)
            .map(|i| {
                i.fields
                    .iter()
                    .filter(|(_, k)| exists(k))
                    .map(|(f, k)| (f.clone(), k.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Removes a field; returns the key it named, for the caller to delete.
    pub(super) fn remove(&mut self, now: Instant, index: &str, field: &str) -> Option<String> {
        self.live_mut(index, now)?.fields.remove(field)
    }

    /// Removes an index; returns the keys it named, for the caller to delete.
    pub(super) fn clear(&mut self, now: Instant, index: &str) -> Vec<String> {
        match self.indexes.remove(index) {
            Some(i) if i.expires_at > now => i.fields.into_values().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn compare_and_set_and_pruning() {
        let mut m = IndexMap::default();
        let t0 = Instant::now();
        let all = |_: &str| true;
        assert!(m.set(t0, ("u", "a", "k1"), Expect::Absent, SEC, all));
        assert!(!m.set(t0, ("u", "a", "k2"), Expect::Absent, SEC, all));
        assert!(!m.set(t0, ("u", "a", "k2"), Expect::Is("k0"), SEC, all));
        assert!(m.set(t0, ("u", "a", "k2"), Expect::Is("k1"), SEC, all));
        assert!(m.set(t0, ("u", "b", "k3"), Expect::Absent, SEC, all));
        // k3 is gone: listing hides it and the next write prunes it.
        let live = |k: &str| k != "k3";
        assert_eq!(m.entries(t0, "u", live), vec![("a".into(), "k2".into())]);
        assert!(!m.set(t0, ("u", "b", "k4"), Expect::Is("k3"), SEC, live));
        assert_eq!(m.remove(t0, "u", "a").as_deref(), Some("k2"));
        assert!(m.clear(t0, "u").is_empty());
    }

    #[test]
    fn an_index_outlives_its_longest_entry_then_expires() {
        let mut m = IndexMap::default();
        let t0 = Instant::now();
        let all = |_: &str| true;
        m.set(t0, ("u", "a", "k1"), Expect::Absent, 10 * SEC, all);
        m.set(t0, ("u", "b", "k2"), Expect::Absent, SEC, all);
        assert_eq!(m.entries(t0 + 5 * SEC, "u", all).len(), 2);
        assert!(m.entries(t0 + 10 * SEC, "u", all).is_empty());
        assert!(m.clear(t0 + 10 * SEC, "u").is_empty());
    }

    #[test]
    fn expired_indexes_are_swept() {
        let mut m = IndexMap::default();
        let t0 = Instant::now();
        for i in 0..10 * MIN_SWEEP_LEN {
            let t = t0 + SEC * (i as u32);
            m.set(t, (&format!("u{i}"), "a", "k"), Expect::Absent, SEC, |_| {
                true
            });
        }
        assert!(m.indexes.len() <= 2 * MIN_SWEEP_LEN, "{}", m.indexes.len());
    }
}
