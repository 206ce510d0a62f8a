//! The user directory of one server: snapshots of users with their factors and
//! groups, so that a signed-in browser's next authorization, and the token
//! request after it, read nothing from the database.
//!
//! A snapshot counts only while the store's change mark is the one it was read
//! under. Every path that changes a user, a factor or a group membership moves
//! the mark ([`changed`]) after its write, and every lookup reads the mark first:
//! one GET in the store the request already uses (the embedded store in this
//! process, or the Redis that every instance shares). A user disabled or a factor
//! reset here or on another instance therefore counts at the next request.
//! The CLI beside an embedded store cannot reach that store: it moves a mark
//! file in `keys.dir` instead, which such a server also looks at on every
//! lookup ([`mark_file`]: one read of an inotify watch on Linux, a `stat`
//! elsewhere). An edit made straight in the database is bounded by
//! `database.cache_ttl`, after which every snapshot is read again.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;

use crate::db::user_factors::credentials_with_factors;
use crate::db::users::{self, Credentials, FactorsPresent, User};
use crate::error::Failure;
use crate::metrics::{self, Lookup};
use crate::store::{Store, StoreError};

mod mark_file;
use mark_file::{MarkFile, Stamp};

/// The store key of the change mark.
const MARK_KEY: &str = "directory:mark";
/// The mark outlives any snapshot by far; when it expires, a new one is drawn,
/// which only makes every snapshot be read again.
const MARK_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);
/// Snapshots kept at most; past this, the expired ones are swept, then all.
const MAX_ENTRIES: usize = 65_536;

/// The mark file in `keys.dir`, moved by writers that cannot reach an embedded store.
pub const MARK_FILE: &str = "directory.mark";

/// One value of the change mark: random, so that a store that lost it (a Redis
/// restart) can never give an older mark back; with the mark file's stamp
/// where a server looks at one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mark(String, Option<Stamp>);

/// The current change mark; draws the first one when the store has none.
pub async fn mark(store: &Store) -> Result<Mark, StoreError> {
    if let Some(m) = store.get_json::<String>(MARK_KEY).await? {
        return Ok(Mark(m, None));
    }
    let fresh = crate::secrets::random_token(16);
    if store.put_new_json(MARK_KEY, &fresh, MARK_TTL).await? {
        return Ok(Mark(fresh, None));
    }
    // Another request drew one first.
    match store.get_json::<String>(MARK_KEY).await? {
        Some(m) => Ok(Mark(m, None)),
        None => Err(StoreError::Unavailable(
            "the directory's change mark cannot be kept".into(),
        )),
    }
}

/// Moves the change mark: every snapshot, on every instance sharing `store`,
/// is read again at its next lookup. Call after the change is committed.
pub async fn changed(store: &Store) -> Result<(), StoreError> {
    store
        .put_json(MARK_KEY, &crate::secrets::random_token(16), MARK_TTL)
        .await
}

/// Moves the mark file in `dir` (the CLI beside an embedded store): a new file
/// written and renamed into place, so its inode and time change together.
pub fn changed_file(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let path = dir.join(MARK_FILE);
    let tmp = dir.join(format!("{MARK_FILE}.{}", crate::secrets::random_token(8)));
    std::fs::write(&tmp, crate::secrets::random_token(16))?;
    std::fs::rename(&tmp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

struct Entry<V> {
    mark: Mark,
    read_at: Instant,
    value: V,
}

/// Snapshots by key, each valid under one mark and for a bounded time.
struct Snapshots<K, V> {
    ttl: Duration,
    entries: Mutex<HashMap<K, Entry<V>>>,
}

impl<K: Eq + Hash, V: Clone> Snapshots<K, V> {
    fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<K, Entry<V>>> {
        // A panic while holding the lock leaves only a cache behind: keep using it.
        self.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q, mark: &Mark) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.lock();
        let e = entries.get(key)?;
        (e.mark == *mark && e.read_at.elapsed() < self.ttl).then(|| e.value.clone())
    }

    /// Keeps `value`, read under `mark` (taken before the read) at `read_at`.
    fn put(&self, key: K, mark: Mark, read_at: Instant, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        let mut entries = self.lock();
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, e| e.mark == mark && e.read_at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                mark,
                read_at,
                value,
            },
        );
    }

    /// Changes the value kept for `key` in place, under the mark and time it
    /// was read at: what no longer counts still does not.
    fn update<Q: Eq + Hash + ?Sized>(&self, key: &Q, change: impl FnOnce(&mut V))
    where
        K: Borrow<Q>,
    {
        if let Some(e) = self.lock().get_mut(key) {
            change(&mut e.value);
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.lock().len()
    }
}

/// A sign-in's read of a user by username, which becomes the user's snapshot
/// once the password proved right ([`Directory::keep`]).
pub struct SignInRead {
    pub credentials: Credentials,
    factors: FactorsPresent,
    mark: Mark,
    read_at: Instant,
}

/// The snapshots of one server, shared by its workers.
pub struct Directory {
    users: Snapshots<String, (Arc<User>, FactorsPresent)>,
    groups: Snapshots<String, Arc<Vec<String>>>,
    /// Looked at on every lookup beside an embedded store ([`MARK_FILE`]).
    mark_file: Option<MarkFile>,
}

impl Directory {
    /// `ttl` zero: every lookup reads the database. `mark_file`: the file that
    /// processes which cannot reach this server's store move ([`changed_file`]).
    pub fn new(ttl: Duration, mark_file: Option<PathBuf>) -> Self {
        Self {
            users: Snapshots::new(ttl),
            groups: Snapshots::new(ttl),
            mark_file: mark_file.map(MarkFile::new),
        }
    }

    /// The mark snapshots must have been read under to count now.
    async fn current(&self, store: &Store) -> Result<Mark, Failure> {
        let mut m = mark(store).await?;
        if let Some(file) = &self.mark_file {
            m.1 = Some(file.stamp()?);
        }
        Ok(m)
    }

    /// The user `id` with which factors they have, as of the current mark.
    pub async fn user(
        &self,
        db: &DatabaseConnection,
        store: &Store,
        id: &str,
    ) -> Result<Option<(User, FactorsPresent)>, Failure> {
        let mark = self.current(store).await?;
        if let Some((u, f)) = self.users.get(id, &mark) {
            metrics::directory_lookup(Lookup::User, true);
            return Ok(Some((User::clone(&u), f)));
        }
        metrics::directory_lookup(Lookup::User, false);
        let read_at = Instant::now();
        let found = users::find_with_factors(db, id).await?;
        // Only users that exist are kept, so probing random ids grows nothing.
        if let Some((u, f)) = &found {
            self.users
                .put(id.to_owned(), mark, read_at, (Arc::new(u.clone()), *f));
        }
        Ok(found)
    }

    /// The user `id`, as of the current mark.
    pub async fn find_user(
        &self,
        db: &DatabaseConnection,
        store: &Store,
        id: &str,
    ) -> Result<Option<User>, Failure> {
        Ok(self.user(db, store, id).await?.map(|(u, _)| u))
    }

    /// The user named `username` with their password hash and factors, read
    /// under the current mark: a password sign-in's one read of its user.
    pub async fn credentials(
        &self,
        db: &DatabaseConnection,
        store: &Store,
        username: &str,
    ) -> Result<Option<SignInRead>, Failure> {
        let mark = self.current(store).await?;
        let read_at = Instant::now();
        let found = credentials_with_factors(db, username).await?;
        Ok(found.map(|(credentials, factors)| SignInRead {
            credentials,
            factors,
            mark,
            read_at,
        }))
    }

    /// Keeps the user of `read` as their snapshot, so that the login's next
    /// step decides on the row the password was checked against instead of
    /// reading it again. Called once the password proved right: the names a
    /// stranger tries are never kept. A change made since the read has moved
    /// the mark, and the snapshot then never counts.
    pub fn keep(&self, read: &SignInRead) {
        let user = Arc::new(read.credentials.user.clone());
        self.users.put(
            user.id.clone(),
            read.mark.clone(),
            read.read_at,
            (user, read.factors),
        );
    }

    /// Notes in this server's snapshot of user `id` the language their mails
    /// are now written in. The language decides nothing about a sign-in, so
    /// its change does not move the mark: a first sign-in (every account after
    /// an import has one) would otherwise outdate every user's snapshot on
    /// every instance. Another instance's snapshot names the old language for
    /// `database.cache_ttl` at most.
    pub fn note_language(&self, id: &str, lang: crate::i18n::Lang) {
        self.users.update(id, |(user, _)| {
            if user.locale != Some(lang) {
                let mut changed = User::clone(user);
                changed.locale = Some(lang);
                *user = Arc::new(changed);
            }
        });
    }

    /// The names of the groups of user `id`, sorted, as of the current mark.
    pub async fn groups(
        &self,
        db: &DatabaseConnection,
        store: &Store,
        id: &str,
    ) -> Result<Arc<Vec<String>>, Failure> {
        let mark = self.current(store).await?;
        if let Some(hit) = self.groups.get(id, &mark) {
            metrics::directory_lookup(Lookup::Groups, true);
            return Ok(hit);
        }
        metrics::directory_lookup(Lookup::Groups, false);
        let read_at = Instant::now();
        let found = Arc::new(users::groups_of(db, id).await?);
        self.groups.put(id.to_owned(), mark, read_at, found.clone());
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A migrated SQLite file with one active user, alice.
    async fn one_user() -> (DatabaseConnection, tempfile::TempDir, User) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/d.db?mode=rwc", dir.path().display());
        let db = crate::db::connect(&url).await.unwrap();
        crate::db::migrate(&db).await.unwrap();
        let alice = users::create(
            &db,
            users::NewUser {
                username: "alice".into(),
                email: "alice@example.com".into(),
                password_hash: Some("stored-hash".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        (db, dir, alice)
    }

    /// Whether the directory answers for alice with an active account. Her
    /// row is disabled behind its back before each lookup, so "active" means
    /// a snapshot answered and "inactive" that the row was read.
    async fn answers_from_a_snapshot(
        d: &Directory,
        db: &DatabaseConnection,
        store: &Store,
        id: &str,
    ) -> bool {
        crate::db::revocation::set_active(db, id, false)
            .await
            .unwrap();
        let (user, _) = d.user(db, store, id).await.unwrap().unwrap();
        crate::db::revocation::set_active(db, id, true)
            .await
            .unwrap();
        user.active
    }

    #[tokio::test]
    async fn a_sign_in_read_is_kept_only_when_asked() {
        let (db, _dir, alice) = one_user().await;
        let store = Store::memory();
        let d = Directory::new(Duration::from_secs(5), None);
        let read = d.credentials(&db, &store, "Alice").await.unwrap().unwrap();
        assert_eq!(read.credentials.user, alice);
        assert_eq!(
            read.credentials.password_hash.as_deref(),
            Some("stored-hash")
        );
        assert!(d.credentials(&db, &store, "bob").await.unwrap().is_none());
        // A read alone keeps nothing: a name tried with a wrong password.
        assert!(!answers_from_a_snapshot(&d, &db, &store, &alice.id).await);
        // Kept, the next lookup answers with the row the password was checked
        // against, without reading it again.
        let read = d.credentials(&db, &store, "alice").await.unwrap().unwrap();
        d.keep(&read);
        assert!(answers_from_a_snapshot(&d, &db, &store, &alice.id).await);
    }

    #[tokio::test]
    async fn a_change_after_the_sign_in_read_outdates_what_is_kept() {
        let (db, _dir, alice) = one_user().await;
        let store = Store::memory();
        let d = Directory::new(Duration::from_secs(5), None);
        let read = d.credentials(&db, &store, "alice").await.unwrap().unwrap();
        // An administrator's change lands while the password is checked.
        changed(&store).await.unwrap();
        d.keep(&read);
        assert!(!answers_from_a_snapshot(&d, &db, &store, &alice.id).await);
    }

    #[tokio::test]
    async fn a_new_language_is_noted_in_the_snapshot_without_moving_the_mark() {
        let (db, _dir, alice) = one_user().await;
        let store = Store::memory();
        let d = Directory::new(Duration::from_secs(5), None);
        let read = d.credentials(&db, &store, "alice").await.unwrap().unwrap();
        d.keep(&read);
        let before = mark(&store).await.unwrap();
        d.note_language(&alice.id, crate::i18n::Lang::Fr);
        assert_eq!(mark(&store).await.unwrap(), before);
        let (seen, _) = d.user(&db, &store, &alice.id).await.unwrap().unwrap();
        assert_eq!(seen.locale, Some(crate::i18n::Lang::Fr));
        // Still the kept snapshot, not a new read.
        assert!(answers_from_a_snapshot(&d, &db, &store, &alice.id).await);
        // A snapshot that no longer counts does not count for being noted.
        changed(&store).await.unwrap();
        d.note_language(&alice.id, crate::i18n::Lang::De);
        let (seen, _) = d.user(&db, &store, &alice.id).await.unwrap().unwrap();
        assert_eq!(seen.locale, None);
        // Nor is a user without a snapshot given one.
        d.note_language("nobody", crate::i18n::Lang::De);
        assert_eq!(d.users.len(), 1);
    }

    #[tokio::test]
    async fn the_mark_stays_until_a_change_moves_it() {
        let store = Store::memory();
        let first = mark(&store).await.unwrap();
        assert_eq!(mark(&store).await.unwrap(), first);
        changed(&store).await.unwrap();
        assert_ne!(mark(&store).await.unwrap(), first);
    }

    #[tokio::test]
    async fn a_lost_mark_is_never_drawn_again() {
        let store = Store::memory();
        let first = mark(&store).await.unwrap();
        store.delete(MARK_KEY).await.unwrap();
        assert_ne!(mark(&store).await.unwrap(), first);
    }

    #[tokio::test]
    async fn a_moved_mark_file_moves_the_mark() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::memory();
        let d = Directory::new(Duration::from_secs(5), Some(dir.path().join(MARK_FILE)));
        let before = d.current(&store).await.unwrap();
        changed_file(dir.path()).unwrap();
        let after = d.current(&store).await.unwrap();
        assert_ne!(after, before);
        changed_file(dir.path()).unwrap();
        assert_ne!(d.current(&store).await.unwrap(), after);
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_snapshot_counts_only_under_its_mark() {
        let s: Snapshots<u8, u8> = Snapshots::new(Duration::from_secs(5));
        let (a, b) = (Mark("a".into(), None), Mark("b".into(), None));
        s.put(1, a.clone(), Instant::now(), 10);
        assert_eq!(s.get(&1, &a), Some(10));
        assert_eq!(s.get(&1, &b), None);
    }

    #[test]
    fn a_snapshot_expires() {
        let s: Snapshots<u8, u8> = Snapshots::new(Duration::from_millis(30));
        let a = Mark("a".into(), None);
        s.put(1, a.clone(), Instant::now(), 10);
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(s.get(&1, &a), None);
    }

    #[test]
    fn zero_ttl_keeps_nothing() {
        let s: Snapshots<u8, u8> = Snapshots::new(Duration::ZERO);
        s.put(1, Mark("a".into(), None), Instant::now(), 10);
        assert_eq!(s.len(), 0);
    }

    #[test]
    fn a_full_directory_drops_what_no_longer_counts_first() {
        let s: Snapshots<u32, u32> = Snapshots::new(Duration::from_secs(5));
        let (old, new) = (Mark("old".into(), None), Mark("new".into(), None));
        for k in 0..MAX_ENTRIES as u32 - 1 {
            s.put(k, old.clone(), Instant::now(), k);
        }
        s.put(u32::MAX - 1, new.clone(), Instant::now(), 1);
        s.put(u32::MAX, new.clone(), Instant::now(), 2);
        assert_eq!(s.len(), 2);
        assert_eq!(s.get(&(u32::MAX - 1), &new), Some(1));
    }
}
