//! Short-lived copies of what every authorization reads and operators rarely
//! change: registered clients and the stored policy rules. Each entry is reused
//! for `database.cache_ttl` seconds (CLI changes may take up to ten seconds),
//! and this server's own writes drop the entry at once. Only clients that exist
//! are kept, so probing random client ids grows nothing.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use super::DbError;
use super::clients::{self, Client};
use super::policy_rules;
use super::saml_sps::{self, ServiceProvider};
use crate::auth::acr::AcrRegistry;
use crate::auth::policy::Rule;

/// Above this many entries, expired ones are swept on the next insert.
const SWEEP_ABOVE: usize = 4096;

/// A map whose entries are trusted for a fixed time after they were read.
struct Expiring<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, (Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Expiring<K, V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, (Instant, V)>> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.lock();
        let (read_at, value) = entries.get(key)?;
        (read_at.elapsed() < self.ttl).then(|| value.clone())
    }

    /// Keeps `value` unless a local write happened while it was read
    /// (`generation`, taken before the read, differs from `current`).
    fn put(&self, key: K, value: V, read_at: Instant, generation: u64, current: u64) {
        if self.ttl.is_zero() || generation != current {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= SWEEP_ABOVE {
            let ttl = self.ttl;
            entries.retain(|_, (at, _)| at.elapsed() < ttl);
        }
        entries.insert(key, (read_at, value));
    }

    fn remove<Q: Eq + Hash + ?Sized>(&self, key: &Q)
    where
        K: Borrow<Q>,
    {
        self.lock().remove(key);
    }
}

/// The cached reads, shared by every worker of one server.
pub struct ReadCache {
    clients: Expiring<String, Arc<Client>>,
    rules: Expiring<(), Arc<Vec<Rule>>>,
    /// SAML service providers by entity ID.
    sps: Expiring<String, Arc<ServiceProvider>>,
    /// Bumped by every local write, so a read that raced with it is not kept.
    generation: AtomicU64,
}

impl ReadCache {
    /// `ttl` zero: every read goes to the database.
    pub fn new(ttl: Duration) -> Self {
        Self {
            clients: Expiring::new(ttl),
            rules: Expiring::new(ttl),
            sps: Expiring::new(ttl),
            generation: AtomicU64::new(0),
        }
    }

    fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    fn bump(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// The registered client `client_id`, from the cache when fresh.
    pub async fn client(
        &self,
        db: &DatabaseConnection,
        client_id: &str,
    ) -> Result<Option<Client>, DbError> {
        if let Some(c) = self.clients.get(client_id) {
            return Ok(Some(Client::clone(&c)));
        }
        let (generation, read_at) = (self.generation(), Instant::now());
        let found = clients::find(db, client_id).await?;
        if let Some(c) = &found {
            self.clients.put(
                client_id.to_owned(),
                Arc::new(c.clone()),
                read_at,
                generation,
                self.generation(),
            );
        }
        Ok(found)
    }

    /// Call after this server changed or deleted the client.
    pub fn forget_client(&self, client_id: &str) {
        self.bump();
        self.clients.remove(client_id);
    }

    /// The SAML service provider `entity_id`, from the cache when fresh.
    pub async fn service_provider(
        &self,
        db: &DatabaseConnection,
        entity_id: &str,
    ) -> Result<Option<ServiceProvider>, DbError> {
        if let Some(sp) = self.sps.get(entity_id) {
            return Ok(Some(ServiceProvider::clone(&sp)));
        }
        let (generation, read_at) = (self.generation(), Instant::now());
        let found = saml_sps::find_by_entity_id(db, entity_id).await?;
        if let Some(sp) = &found {
            self.sps.put(
                entity_id.to_owned(),
                Arc::new(sp.clone()),
                read_at,
                generation,
                self.generation(),
            );
        }
        Ok(found)
    }

    /// The stored policy rules in evaluation order, from the cache when fresh.
    pub async fn policy_rules(
        &self,
        db: &DatabaseConnection,
        registry: &AcrRegistry,
    ) -> Result<Arc<Vec<Rule>>, DbError> {
        if let Some(r) = self.rules.get(&()) {
            return Ok(r);
        }
        let (generation, read_at) = (self.generation(), Instant::now());
        let rules = Arc::new(policy_rules::list(db, registry).await?);
        self.rules
            .put((), rules.clone(), read_at, generation, self.generation());
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire() {
        let m: Expiring<u8, u8> = Expiring::new(Duration::from_millis(30));
        m.put(1, 10, Instant::now(), 0, 0);
        assert_eq!(m.get(&1), Some(10));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(m.get(&1), None);
    }

    #[test]
    fn a_read_that_raced_with_a_write_is_not_kept() {
        let m: Expiring<u8, u8> = Expiring::new(Duration::from_secs(5));
        m.put(1, 10, Instant::now(), 3, 4);
        assert_eq!(m.get(&1), None);
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let m: Expiring<u8, u8> = Expiring::new(Duration::ZERO);
        m.put(1, 10, Instant::now(), 0, 0);
        assert_eq!(m.get(&1), None);
    }

    #[test]
    fn sweeping_drops_only_expired_entries() {
        let m: Expiring<u16, u16> = Expiring::new(Duration::from_millis(50));
        for k in 0..SWEEP_ABOVE as u16 {
            m.put(k, k, Instant::now(), 0, 0);
        }
        std::thread::sleep(Duration::from_millis(60));
        m.put(9999, 1, Instant::now(), 0, 0);
        assert_eq!(m.lock().len(), 1);
        assert_eq!(m.get(&9999), Some(1));
    }
}
