//! Group commit for the audit rows written while users sign in. A request hands
//! its row to one writer task and waits until the row is committed, so an answer
//! never goes out before its audit row is stored, and a database error still
//! fails the request. Committed rows are counted for the metrics (logins,
//! factor checks, policy rule hits). Rows from concurrent requests are inserted together, one
//! statement per batch: under load one commit serves many sign-ins, where each
//! used to pay for its own.

use sea_orm::{DatabaseConnection, EntityTrait};
use tokio::sync::{mpsc, oneshot};

use super::DbError;
use super::audit::{self, AuditEvent};
use entity::audit_events;

/// Rows per statement: 13 columns each stays far below SQLite's and
/// PostgreSQL's limits on bound parameters.
const MAX_BATCH: usize = 64;
/// Rows waiting for the writer; a request waits for room beyond this.
const QUEUE: usize = 1024;
/// How long the writer waits for more rows before a commit, when the last
/// commit carried more than one: PostgreSQL's `commit_delay` with
/// `commit_siblings`. A commit costs about the same for one row or sixty-four
/// (the log pages it writes), so under load fewer, larger commits cost less CPU
/// per sign-in; a lone request never waits.
const COMMIT_DELAY: std::time::Duration = std::time::Duration::from_millis(2);

type Job = (AuditEvent, oneshot::Sender<Result<(), DbError>>);

#[derive(Clone)]
pub struct AuditWriter {
    jobs: mpsc::Sender<Job>,
    db: DatabaseConnection,
}

impl AuditWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        let (jobs, mut queue) = mpsc::channel::<Job>(QUEUE);
        let writer_db = db.clone();
        tokio::spawn(async move {
            let db = writer_db;
            let mut batch = Vec::with_capacity(MAX_BATCH);
            let mut siblings = false;
            while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
                if siblings {
                    // Timing out only ends the wait: what came is committed.
                    let _ = tokio::time::timeout(COMMIT_DELAY, async {
                        while batch.len() < MAX_BATCH {
                            let room = MAX_BATCH - batch.len();
                            if queue.recv_many(&mut batch, room).await == 0 {
                                break;
                            }
                        }
                    })
                    .await;
                }
                siblings = batch.len() > 1;
                let (events, acks): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
                let results = write(&db, &events).await;
                for ((ack, result), event) in acks.into_iter().zip(results).zip(&events) {
                    // Counted once stored: a row that failed failed its request too.
                    if result.is_ok() {
                        crate::metrics::audit_event(event);
                    }
                    // The request may have gone (client hung up): nothing to tell.
                    let _ = ack.send(result);
                }
            }
        });
        Self { jobs, db }
    }

    /// Another writer to the same database, on the current runtime. Each HTTP
    /// worker has one: a request hands its row to a task on its own thread and
    /// is woken there, where a writer on another runtime cost two thread
    /// wake-ups per commit.
    pub fn start_here(&self) -> Self {
        Self::start(self.db.clone())
    }

    /// Stores `event`; returns once it is committed.
    pub async fn record(&self, event: AuditEvent) -> Result<(), DbError> {
        let (ack, done) = oneshot::channel();
        let stopped = || DbError::Unavailable("the audit writer has stopped".into());
        self.jobs.send((event, ack)).await.map_err(|_| stopped())?;
        done.await.map_err(|_| stopped())?
    }

    /// A factor check, as [`audit::factor_event`] describes it.
    pub async fn factor(
        &self,
        user_id: Option<&str>,
        username: &str,
        event: &str,
        outcome: &str,
        ip: Option<std::net::IpAddr>,
    ) -> Result<(), DbError> {
        self.record(audit::factor_event(user_id, username, event, outcome, ip))
            .await
    }
}

/// One result per event, in order. The batch goes in one statement; if that
/// fails for another reason than an unreachable database, each row is tried
/// alone, so one bad row fails only its own request.
async fn write(db: &DatabaseConnection, events: &[AuditEvent]) -> Vec<Result<(), DbError>> {
    let n = events.len();
    let rows: Vec<_> = events.iter().map(audit::active_model).collect();
    match audit_events::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .map_err(DbError::from)
    {
        Ok(_) => (0..n).map(|_| Ok(())).collect(),
        Err(DbError::Unavailable(m)) => (0..n)
            .map(|_| Err(DbError::Unavailable(m.clone())))
            .collect(),
        Err(_) if n > 1 => {
            let mut results = Vec::with_capacity(n);
            for e in events {
                results.push(audit::record(db, e.clone()).await);
            }
            results
        }
        Err(e) => vec![Err(e)],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn sqlite() -> (DatabaseConnection, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("portcullis-audit-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = super::super::connect(&format!("sqlite://{}/a.db?mode=rwc", dir.display()))
            .await
            .unwrap();
        super::super::migrate(&db).await.unwrap();
        (db, dir)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_rows_are_all_committed_before_their_answers() {
        let (db, dir) = sqlite().await;
        let writer = AuditWriter::start(db.clone());
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let w = writer.clone();
                tokio::spawn(async move {
                    w.factor(None, &format!("user{i}"), "password", "success", None)
                        .await
                })
            })
            .collect();
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        // Every answer came after its commit: all rows are there now.
        let rows = audit::list(&db, None, None, 1000).await.unwrap();
        assert_eq!(rows.len(), 200);
        let mut names: Vec<_> = rows.iter().filter_map(|r| r.username.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 200);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_closed_database_fails_the_request() {
        let (db, dir) = sqlite().await;
        let writer = AuditWriter::start(db.clone());
        db.close_by_ref().await.unwrap();
        let r = writer
            .factor(None, "alice", "password", "success", None)
            .await;
        assert!(r.is_err(), "{r:?}");
        std::fs::remove_dir_all(dir).ok();
    }
}
