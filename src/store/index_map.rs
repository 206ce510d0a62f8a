//! The indexes of the in-process backend: per index, a map from key (of another
//! entry) to its tag. Kept beside the entries rather than among them, so that
//! the entries' own housekeeping never drops an index while the keys in it are
//! still alive. The caller holds the entries' lock around every call and passes
//! in how to see entries, which makes each operation atomic.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::MAX_TTL;

/// Expired indexes are swept when the map doubles (and holds at least this many).
const MIN_SWEEP_LEN: usize = 256;

#[derive(Debug)]
struct Index {
    /// Key → tag.
    keys: HashMap<String, String>,
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

    pub(super) fn add(
        &mut self,
        now: Instant,
        (index, key, tag): (&str, &str, &str),
        require_tag: bool,
        ttl: Duration,
        exists: impl Fn(&str) -> bool,
    ) -> bool {
        if self.live_mut(index, now).is_none() {
            self.indexes.remove(index);
        }
        let entry = self.indexes.entry(index.to_owned()).or_insert(Index {
            keys: HashMap::new(),
            expires_at: now,
        });
        entry.keys.retain(|k, _| exists(k));
        let added = !require_tag || entry.keys.values().any(|t| t == tag);
        if added {
            entry.keys.insert(key.to_owned(), tag.to_owned());
            let until = now.checked_add(ttl.min(MAX_TTL)).unwrap_or(now);
            entry.expires_at = entry.expires_at.max(until);
        }
        if entry.keys.is_empty() {
            self.indexes.remove(index);
        }
        if self.indexes.len() >= self.sweep_at_len {
            self.indexes.retain(|_, i| i.expires_at > now);
            self.sweep_at_len = (self.indexes.len() * 2).max(MIN_SWEEP_LEN);
        }
        added
    }

    pub(super) fn entries(
        &mut self,
        now: Instant,
        index: &str,
        exists: impl Fn(&str) -> bool,
    ) -> Vec<(String, String)> {
        self.live_mut(index, now)
            .map(|i| {
                i.keys
                    .iter()
                    .filter(|(k, _)| exists(k))
                    .map(|(k, t)| (k.clone(), t.clone()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Removes the keys tagged `tag`; returns them, for the caller to delete.
    pub(super) fn remove_tag(&mut self, now: Instant, index: &str, tag: &str) -> Vec<String> {
        let Some(i) = self.live_mut(index, now) else {
            return Vec::new();
        };
        let gone: Vec<String> = i
            .keys
            .iter()
            .filter(|(_, t)| *t == tag)
            .map(|(k, _)| k.clone())
            .collect();
        for k in &gone {
            i.keys.remove(k);
        }
        gone
    }

    /// Removes an index; returns its keys, for the caller to delete.
    pub(super) fn clear(&mut self, now: Instant, index: &str) -> Vec<String> {
        match self.indexes.remove(index) {
            Some(i) if i.expires_at > now => i.keys.into_keys().collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEC: Duration = Duration::from_secs(1);

    #[test]
    fn a_renewal_needs_its_tag_still_listed() {
        let mut m = IndexMap::default();
        let t0 = Instant::now();
        let all = |_: &str| true;
        assert!(
            !m.add(t0, ("u", "k0", "a"), true, SEC, all),
            "nothing to renew"
        );
        assert!(m.add(t0, ("u", "k1", "a"), false, SEC, all));
        assert!(m.add(t0, ("u", "k2", "a"), true, SEC, all));
        assert!(m.add(t0, ("u", "k3", "b"), false, SEC, all));
        // k1 is gone: listing hides it and the next write prunes it.
        let live = |k: &str| k != "k1";
        let mut e = m.entries(t0, "u", live);
        e.sort();
        assert_eq!(
            e,
            vec![("k2".into(), "a".into()), ("k3".into(), "b".into())]
        );
        let mut gone = m.remove_tag(t0, "u", "a");
        gone.sort();
        assert_eq!(gone, vec!["k1".to_string(), "k2".to_string()]);
        assert!(
            !m.add(t0, ("u", "k4", "a"), true, SEC, live),
            "tag a was ended"
        );
        assert_eq!(m.clear(t0, "u"), vec!["k3".to_string()]);
        assert!(
            !m.add(t0, ("u", "k5", "b"), true, SEC, all),
            "all were ended"
        );
    }

    #[test]
    fn an_index_outlives_its_longest_entry_then_expires() {
        let mut m = IndexMap::default();
        let t0 = Instant::now();
        let all = |_: &str| true;
        m.add(t0, ("u", "k1", "a"), false, 10 * SEC, all);
        m.add(t0, ("u", "k2", "b"), false, SEC, all);
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
            m.add(t, (&format!("u{i}"), "k", "a"), false, SEC, |_| true);
        }
        assert!(m.indexes.len() <= 2 * MIN_SWEEP_LEN, "{}", m.indexes.len());
    }
}
