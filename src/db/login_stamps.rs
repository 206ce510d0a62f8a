//! When each user last signed in (`users.last_login`), written a moment late
//! and in groups. A sign-in only notes the time here; every
//! [`FLUSH_EVERY`] (and once more at shutdown) the noted times go to the
//! database, one statement for all the users of the same second. The stamp is
//! shown to administrators and decides nothing, so it may lag a second; a
//! sign-in no longer waits for a write of its own, which under a wave of
//! logins was one statement (and on PostgreSQL one commit) per login.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use entity::users;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

use super::DbError;

/// How late a stamp reaches the database at most (and how often it is tried
/// again while the database is away).
pub const FLUSH_EVERY: Duration = Duration::from_secs(1);

/// Users per statement: far below SQLite's and PostgreSQL's limits on bound
/// parameters.
const IDS_PER_STATEMENT: usize = 500;

/// The sign-in times noted since the last flush: at most one per user (the
/// latest), so the map is bounded by the number of accounts, however long the
/// database stays away.
#[derive(Default)]
pub struct LoginStamps {
    pending: Mutex<HashMap<String, i64>>,
}

impl LoginStamps {
    /// Notes that `user_id` signed in at `at` (unix seconds).
    pub fn stamp(&self, user_id: &str, at: i64) {
        let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        let kept = pending.entry(user_id.to_owned()).or_insert(at);
        *kept = (*kept).max(at);
    }

    /// How many stamps wait for the next flush.
    pub fn pending(&self) -> usize {
        self.pending.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Writes the noted stamps; returns how many. A stamp never moves a
    /// `last_login` back (another instance, or a sign-in that also changed
    /// the user's language, may have written a later one). A stamp leaves the
    /// notes only once written, so one not written (an error, or a flush
    /// stopped half way at shutdown) waits for the next flush.
    pub async fn flush(&self, db: &DatabaseConnection) -> Result<usize, DbError> {
        let mut by_time: HashMap<i64, Vec<String>> = HashMap::new();
        for (id, at) in self
            .pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
        {
            by_time.entry(*at).or_default().push(id.clone());
        }
        let mut written = 0;
        for (at, ids) in by_time {
            write(db, at, &ids).await?;
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for id in &ids {
                // A later sign-in noted meanwhile stays for the next flush.
                if pending.get(id) == Some(&at) {
                    pending.remove(id);
                }
            }
            written += ids.len();
        }
        Ok(written)
    }

    /// Flushes every [`FLUSH_EVERY`] until the task is stopped.
    pub async fn flush_periodically(&self, db: &DatabaseConnection) {
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = self.flush(db).await {
                tracing::warn!(error = %e, waiting = self.pending(), "sign-in times not written yet");
            }
        }
    }
}

async fn write(db: &DatabaseConnection, at: i64, ids: &[String]) -> Result<(), DbError> {
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        users::Entity::update_many()
            .col_expr(users::Column::LastLogin, Expr::value(at))
            .filter(users::Column::Id.is_in(chunk.iter().map(String::as_str)))
            .filter(
                Condition::any()
                    .add(users::Column::LastLogin.is_null())
                    .add(users::Column::LastLogin.lt(at)),
            )
            .exec(db)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::users::{self as repo, NewUser};

    async fn database() -> (DatabaseConnection, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/s.db?mode=rwc", dir.path().display());
        let db = crate::db::connect(&url).await.unwrap();
        crate::db::migrate(&db).await.unwrap();
        (db, dir)
    }

    async fn user(db: &DatabaseConnection, name: &str) -> String {
        repo::create(
            db,
            NewUser {
                username: name.into(),
                email: format!("{name}@example.com"),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .id
    }

    async fn last_login(db: &DatabaseConnection, id: &str) -> Option<i64> {
        repo::find_by_id(db, id).await.unwrap().unwrap().last_login
    }

    #[tokio::test]
    async fn noted_times_reach_the_users_at_the_flush_and_never_go_back() {
        let (db, _dir) = database().await;
        let (alice, bob, carol) = (
            user(&db, "alice").await,
            user(&db, "bob").await,
            user(&db, "carol").await,
        );
        let stamps = LoginStamps::default();
        stamps.stamp(&alice, 1_000);
        stamps.stamp(&alice, 1_005);
        stamps.stamp(&alice, 1_002);
        stamps.stamp(&bob, 1_005);
        stamps.stamp("no-such-user", 1_005);
        assert_eq!(last_login(&db, &alice).await, None, "noted, not written");
        assert_eq!(stamps.flush(&db).await.unwrap(), 3);
        assert_eq!(stamps.pending(), 0);
        assert_eq!(
            last_login(&db, &alice).await,
            Some(1_005),
            "the latest of her sign-ins"
        );
        assert_eq!(last_login(&db, &bob).await, Some(1_005));
        assert_eq!(last_login(&db, &carol).await, None);
        // A later time already stored (another instance) is kept.
        stamps.stamp(&alice, 1_001);
        stamps.flush(&db).await.unwrap();
        assert_eq!(last_login(&db, &alice).await, Some(1_005));
        assert_eq!(stamps.flush(&db).await.unwrap(), 0, "nothing twice");
    }

    #[tokio::test]
    async fn stamps_not_written_wait_for_the_next_flush() {
        let (db, _dir) = database().await;
        let alice = user(&db, "alice").await;
        let stamps = LoginStamps::default();
        stamps.stamp(&alice, 2_000);
        let closed = db.clone();
        closed.close_by_ref().await.unwrap();
        assert!(stamps.flush(&closed).await.is_err());
        assert_eq!(stamps.pending(), 1, "kept for the next try");
        let (db, _dir2) = database().await;
        let alice_again = user(&db, "alice").await;
        stamps.stamp(&alice_again, 2_001);
        assert_eq!(stamps.flush(&db).await.unwrap(), 2);
        assert_eq!(last_login(&db, &alice_again).await, Some(2_001));
    }
}
