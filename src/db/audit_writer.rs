//! Group commit for the audit rows written while users sign in. A request hands
//! its row to one writer task and waits until the row is committed, so an answer
//! never goes out before its audit row is stored, and a database error still
//! fails the request. Committed rows are counted for the metrics (logins,
//! factor checks, policy rule hits). Rows from concurrent requests are inserted together, one
//! statement per batch: under load one commit serves many sign-ins, where each
//! used to pay for its own. Within one request, a row may also be held back to
//! go with the request's next one ([`AuditWriter::for_request`]): a password
//! that finishes the login stores its row and the authorization's together.

use sea_orm::{DatabaseConnection, EntityTrait};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot};

use super::DbError;
use super::audit::{self, AuditEvent};
use entity::audit_events;

/// Requests per statement, each with a row or two (its held one): 13 columns
/// each stays far below SQLite's and PostgreSQL's limits on bound parameters.
const MAX_BATCH: usize = 64;
/// Rows waiting for the writer; a request waits for room beyond this.
const QUEUE: usize = 1024;
/// How long the writer waits for more rows before a commit, when the last
/// commit carried more than one: PostgreSQL's `commit_delay` with
/// `commit_siblings`. A commit costs about the same for one row or sixty-four
/// (the log pages it writes), so under load fewer, larger commits cost less CPU
/// per sign-in; a lone request never waits. Tokio's timers tick every
/// millisecond, so the wait ends at the first tick at least this far away:
/// 0.5 to 1.5 ms. Waiting 2 ms (2 to 3) cost more CPU per SSO hit, not less:
/// the HTTP worker sat idle for the timer with work to do behind it (measured
/// with 32 browsers: 0.104 against 0.115 ms of CPU per hit, 4.0 against
/// 5.8 ms of latency), and not waiting at all cost more too (0.113 to 0.125
/// ms).
const COMMIT_DELAY: std::time::Duration = std::time::Duration::from_micros(500);

/// One request's rows, committed together, and where to say so.
type Job = (Vec<AuditEvent>, oneshot::Sender<Result<(), DbError>>);

#[derive(Clone)]
pub struct AuditWriter {
    jobs: mpsc::Sender<Job>,
    db: DatabaseConnection,
    /// A request's rows held back to go with its next one; None for the
    /// shared writer, which stores every row at once.
    held: Option<Arc<Held>>,
    /// Rows stored only after their request had ended, shared by every writer
    /// started from this one: always zero unless a handler forgot its flush.
    late: Arc<AtomicU64>,
}

/// Rows held by one request. Its handler flushes them before it answers; a
/// request that ends without doing so (a bug) still has them stored, late.
struct Held {
    rows: Mutex<Vec<AuditEvent>>,
    jobs: mpsc::Sender<Job>,
    late: Arc<AtomicU64>,
}

impl Held {
    fn take(&self) -> Vec<AuditEvent> {
        std::mem::take(&mut *self.rows.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

impl Drop for Held {
    fn drop(&mut self) {
        let rows = self.take();
        if rows.is_empty() {
            return;
        }
        tracing::error!(
            rows = rows.len(),
            "a request ended with audit rows not flushed"
        );
        self.late.fetch_add(rows.len() as u64, Ordering::Relaxed);
        let jobs = self.jobs.clone();
        match tokio::runtime::Handle::try_current() {
            Ok(rt) => {
                rt.spawn(async move {
                    let (ack, done) = oneshot::channel();
                    if jobs.send((rows, ack)).await.is_ok() {
                        let _ = done.await;
                    }
                });
            }
            Err(_) => tracing::error!("audit rows lost: no runtime to store them on"),
        }
    }
}

impl AuditWriter {
    /// Starts the writer task on the current runtime.
    pub fn start(db: DatabaseConnection) -> Self {
        Self::start_counting(db, Arc::default())
    }

    fn start_counting(db: DatabaseConnection, late: Arc<AtomicU64>) -> Self {
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
                let mut counts = Vec::with_capacity(batch.len());
                let mut acks = Vec::with_capacity(batch.len());
                let mut events = Vec::with_capacity(batch.len());
                for (rows, ack) in batch.drain(..) {
                    counts.push(rows.len());
                    acks.push(ack);
                    events.extend(rows);
                }
                let mut results = write(&db, &events).await.into_iter();
                let mut rows = events.iter();
                for (ack, n) in acks.into_iter().zip(counts) {
                    let mut outcome = Ok(());
                    for (result, event) in results.by_ref().take(n).zip(rows.by_ref()) {
                        match result {
                            // Counted once stored: a row that failed failed its request too.
                            Ok(()) => crate::metrics::audit_event(event),
                            Err(e) => outcome = Err(e),
                        }
                    }
                    // The request may have gone (client hung up): nothing to tell.
                    let _ = ack.send(outcome);
                }
            }
        });
        Self {
            jobs,
            db,
            held: None,
            late,
        }
    }

    /// Another writer to the same database, on the current runtime. Each HTTP
    /// worker has one: a request hands its row to a task on its own thread and
    /// is woken there, where a writer on another runtime cost two thread
    /// wake-ups per commit.
    pub fn start_here(&self) -> Self {
        Self::start_counting(self.db.clone(), self.late.clone())
    }

    /// How many held rows were stored only after their request had ended.
    pub fn late_rows(&self) -> u64 {
        self.late.load(Ordering::Relaxed)
    }

    /// This writer for one request: [`Self::hold`] keeps a row back until the
    /// request's next [`Self::record`] or its [`Self::flush`], which the
    /// request's handler calls before it answers.
    pub fn for_request(&self) -> Self {
        Self {
            jobs: self.jobs.clone(),
            db: self.db.clone(),
            held: Some(Arc::new(Held {
                rows: Mutex::new(Vec::new()),
                jobs: self.jobs.clone(),
                late: self.late.clone(),
            })),
            late: self.late.clone(),
        }
    }

    /// Stores `event` with any rows held back; returns once they are committed.
    pub async fn record(&self, event: AuditEvent) -> Result<(), DbError> {
        let mut rows = self.held.as_ref().map(|h| h.take()).unwrap_or_default();
        rows.push(event);
        self.commit(rows).await
    }

    /// Holds `event` back to go with the request's next row: stored with it,
    /// or at the [`Self::flush`] before the answer. A writer that is not for
    /// a request stores it now.
    pub async fn hold(&self, event: AuditEvent) -> Result<(), DbError> {
        match &self.held {
            Some(held) => {
                held.rows
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(event);
                Ok(())
            }
            None => self.commit(vec![event]).await,
        }
    }

    /// Stores the rows held back, if any; returns once they are committed.
    pub async fn flush(&self) -> Result<(), DbError> {
        let rows = self.held.as_ref().map(|h| h.take()).unwrap_or_default();
        if rows.is_empty() {
            return Ok(());
        }
        self.commit(rows).await
    }

    async fn commit(&self, rows: Vec<AuditEvent>) -> Result<(), DbError> {
        let (ack, done) = oneshot::channel();
        let stopped = || DbError::Unavailable("the audit writer has stopped".into());
        self.jobs.send((rows, ack)).await.map_err(|_| stopped())?;
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

    fn row(name: &str, outcome: &str) -> AuditEvent {
        audit::factor_event(None, name, "password", outcome, None)
    }

    async fn outcomes(db: &DatabaseConnection) -> Vec<String> {
        let mut rows = audit::list(db, None, None, 100).await.unwrap();
        rows.reverse();
        rows.into_iter().map(|r| r.outcome).collect()
    }

    #[tokio::test]
    async fn a_held_row_goes_with_the_requests_next_one_in_order() {
        let (db, dir) = sqlite().await;
        let writer = AuditWriter::start(db.clone());
        let request = writer.for_request();
        request.hold(row("alice", "held")).await.unwrap();
        // Another request's row does not take it along.
        writer.record(row("bob", "other")).await.unwrap();
        assert_eq!(outcomes(&db).await, ["other"], "held back");
        request.record(row("alice", "next")).await.unwrap();
        assert_eq!(outcomes(&db).await, ["other", "held", "next"]);
        request.flush().await.unwrap();
        drop(request);
        assert_eq!(outcomes(&db).await.len(), 3, "nothing twice");
        assert_eq!(writer.late_rows(), 0);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn held_rows_are_stored_at_the_flush_or_at_once_without_a_request() {
        let (db, dir) = sqlite().await;
        let writer = AuditWriter::start(db.clone());
        writer.hold(row("alice", "at-once")).await.unwrap();
        assert_eq!(outcomes(&db).await, ["at-once"]);
        let request = writer.for_request();
        request.hold(row("bob", "flushed")).await.unwrap();
        request.flush().await.unwrap();
        assert_eq!(outcomes(&db).await, ["at-once", "flushed"]);
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_request_that_forgets_its_flush_still_has_its_rows_stored() {
        let (db, dir) = sqlite().await;
        let writer = AuditWriter::start(db.clone());
        let request = writer.for_request();
        request.hold(row("carol", "forgotten")).await.unwrap();
        drop(request);
        let mut stored = false;
        for _ in 0..100 {
            if outcomes(&db).await == ["forgotten"] {
                stored = true;
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(stored, "the dropped request's row was lost");
        assert_eq!(writer.late_rows(), 1, "and it was counted as late");
        std::fs::remove_dir_all(dir).ok();
    }

    #[tokio::test]
    async fn a_held_row_fails_with_the_row_it_went_with() {
        let (db, dir) = sqlite().await;
        let writer = AuditWriter::start(db.clone());
        let request = writer.for_request();
        request.hold(row("dave", "held")).await.unwrap();
        db.close_by_ref().await.unwrap();
        assert!(request.record(row("dave", "next")).await.is_err());
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
