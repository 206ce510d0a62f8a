//! The relational database: connection, migrations, and repositories that map
//! sea-orm models to domain types. Nothing outside this module sees an entity.

pub mod admin_tokens;
pub mod audit;
pub mod audit_writer;
pub mod auth_method;
pub mod cache;
pub mod client_options;
pub mod client_rules;
pub mod clients;
pub mod consents;
pub mod factors;
pub mod groups;
pub mod imports;
pub mod login_stamps;
pub mod password_tokens;
pub mod policy_rules;
pub mod refresh_tokens;
pub mod revocation;
pub mod saml_sps;
pub mod upstream_links;
pub mod user_admin;
pub mod user_factors;
pub mod usernames;
pub mod users;
pub mod webauthn;

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DbErr, RuntimeErr, SqliteTransactionMode,
    SqlxError, TransactionOptions, TransactionTrait,
};

/// How long a SQLite connection waits for another writer (this process or
/// another one, such as `portcullis user import` next to a running server) before
/// giving up with "database is locked". The longest write transaction is one
/// import batch (at most 1,000 rows, passwords hashed beforehand), which commits in
/// well under a second.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Pages in SQLite's write-ahead log before it is checkpointed (4 KiB each).
const WAL_AUTOCHECKPOINT: u32 = 4000;

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("the database is unavailable: {0}")]
    Unavailable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("invalid input: {0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Other(String),
}

impl From<DbErr> for DbError {
    fn from(e: DbErr) -> Self {
        if let Some(sea_orm::SqlErr::UniqueConstraintViolation(m)) = e.sql_err() {
            return DbError::Conflict(m);
        }
        let unreachable = match &e {
            DbErr::Conn(_) | DbErr::ConnectionAcquire(_) => true,
            DbErr::Exec(RuntimeErr::SqlxError(x)) | DbErr::Query(RuntimeErr::SqlxError(x)) => {
                connection_lost(x)
            }
            _ => false,
        };
        if unreachable {
            DbError::Unavailable(e.to_string())
        } else {
            DbError::Other(e.to_string())
        }
    }
}

/// Errors that mean "the server is not there", as opposed to a bad statement.
fn connection_lost(e: &SqlxError) -> bool {
    match e {
        SqlxError::Io(_)
        | SqlxError::Tls(_)
        | SqlxError::Protocol(_)
        | SqlxError::PoolTimedOut
        | SqlxError::PoolClosed
        | SqlxError::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception), 57P0x (shutdown), 3D000 (no such database).
        SqlxError::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "3D000"),
        _ => false,
    }
}

/// Opens the pool. For a SQLite file, its folder is created first so the
/// zero-configuration default works on a fresh machine.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbError> {
    let connections = if url.starts_with("sqlite:") {
        sqlite_connections()
    } else {
        20
    };
    connect_with(url, connections, None).await
}

/// A connection of its own for the audit writer on a SQLite file. SQLite keeps
/// a page cache per connection and drops it when another connection wrote since:
/// drawn from the shared pool, each of the writer's commits came to a cold
/// cache and read its pages again. With one connection that does all the
/// sign-in writing, the cache stays warm. That cache is kept to
/// [`AUDIT_WRITER_CACHE_KIB`]: the audit table only grows at its end, so every
/// page a batch added stayed in SQLite's default 2 MB cache, never to be read
/// again, and a server under load held 1.6 MB of such pages. Elsewhere
/// (PostgreSQL, an in-memory SQLite database, which is private to each
/// connection) the shared pool.
pub async fn connect_audit_writer(
    url: &str,
    shared: &DatabaseConnection,
) -> Result<DatabaseConnection, DbError> {
    if sqlite_file(url).is_some() {
        connect_with(url, 1, Some(AUDIT_WRITER_CACHE_KIB)).await
    } else {
        Ok(shared.clone())
    }
}

/// The audit writer's SQLite page cache: the last pages of the audit table
/// and the paths down its indexes, with room to spare.
const AUDIT_WRITER_CACHE_KIB: u32 = 512;

/// `cache_kib`: SQLite's page cache per connection, when not its default.
async fn connect_with(
    url: &str,
    connections: u32,
    cache_kib: Option<u32>,
) -> Result<DatabaseConnection, DbError> {
    if let Some(path) = sqlite_file(url)
        && let Some(parent) = std::path::Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent).map_err(|e| {
            DbError::Unavailable(format!("cannot create {}: {e}", parent.display()))
        })?;
    }
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        .max_connections(connections)
        .sqlx_logging(false);
    if url.starts_with("sqlite:") {
        // An embedded database cannot drop a connection: skip the ping that would
        // otherwise precede every query (a round trip to the connection's thread).
        opts.test_before_acquire(false);
    }
    if sqlite_file(url).is_some() {
        // Write-ahead log: readers never wait for the writer. In the default
        // rollback-journal mode every authorization's audit insert made the
        // concurrent reads of other requests sleep in SQLite's busy handler, which
        // capped the SSO hot path at a few dozen flows per second.
        // `synchronous = NORMAL`, SQLite's setting for WAL: a commit survives the
        // process crashing; only a power cut or kernel crash can lose the last
        // commits before a checkpoint. FULL would fsync on every commit, i.e. on
        // every authorization's audit row. Deployments that need every audit row
        // on disk before the answer run PostgreSQL (`database.url`).
        // The log is copied back into the database file (and synced) every
        // WAL_AUTOCHECKPOINT pages rather than SQLite's 1,000: the pages every
        // commit touches (the tail of the audit table and its indexes, the
        // refresh tokens) are copied once per checkpoint, so fewer checkpoints
        // copy fewer pages in all; the log file grows to about 16 MiB between them.
        opts.map_sqlx_sqlite_opts(move |o| {
            let o = o
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(SQLITE_BUSY_TIMEOUT)
                .pragma("wal_autocheckpoint", WAL_AUTOCHECKPOINT.to_string());
            match cache_kib {
                // Negative: a size in KiB rather than a number of pages.
                Some(kib) => o.pragma("cache_size", format!("-{kib}")),
                None => o,
            }
        });
    } else if url.starts_with("sqlite:") {
        opts.map_sqlx_sqlite_opts(|o| o.busy_timeout(SQLITE_BUSY_TIMEOUT));
    }
    Database::connect(opts)
        .await
        .map_err(|e| DbError::Unavailable(redact(&e.to_string(), url)))
}

/// Each SQLite connection is a thread of its own that every query is handed
/// to. Two per core, at least four: with eight on two cores the SSO hit cost 10%
/// more CPU (queries spread over more, colder threads), with fewer a long
/// import transaction could hold up sign-ins.
fn sqlite_connections() -> u32 {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    u32::try_from(cores * 2).unwrap_or(u32::MAX).clamp(4, 32)
}

/// Begins a transaction that will write. On SQLite it is `BEGIN IMMEDIATE`: the
/// write lock is taken at the start, waiting up to [`SQLITE_BUSY_TIMEOUT`] for
/// another writer. A plain (deferred) transaction that reads first and then writes
/// cannot wait: if another connection committed in between, SQLite refuses the
/// upgrade at once with "database is locked" (SQLITE_BUSY_SNAPSHOT in WAL mode),
/// whatever the busy timeout. Elsewhere the options are ignored; nested calls are
/// savepoints.
pub async fn begin_write<C: TransactionTrait>(db: &C) -> Result<C::Transaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}

pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbError> {
    Migrator::up(db, None).await.map_err(DbError::from)
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or_default();
    (!path.is_empty() && path != ":memory:").then(|| path.to_owned())
}

/// Error texts from the driver may quote the URL; never let a password through.
fn redact(text: &str, url: &str) -> String {
    match url::Url::parse(url)
        .ok()
        .and_then(|u| u.password().map(str::to_owned))
    {
        Some(pw) if !pw.is_empty() => text.replace(&pw, "***"),
        _ => text.to_owned(),
    }
}

pub(crate) fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

pub(crate) fn to_json_list(v: &[String]) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn from_json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_file("sqlite://data/p.db?mode=rwc").as_deref(),
            Some("data/p.db")
        );
        assert_eq!(sqlite_file("sqlite::memory:"), None);
        assert_eq!(sqlite_file("postgres://x/y"), None);
    }

    #[tokio::test]
    async fn sqlite_files_use_the_write_ahead_log() {
        let dir = tempfile_dir();
        let url = format!("sqlite://{}/p.db?mode=rwc", dir.display());
        let db = connect(&url).await.unwrap();
        let mode: String = one_value(&db, "PRAGMA journal_mode", "journal_mode").await;
        assert_eq!(mode, "wal");
        // The audit writer's own connection is set up the same way.
        let writer = connect_audit_writer(&url, &db).await.unwrap();
        let pages: i64 =
            one_value(&writer, "PRAGMA wal_autocheckpoint", "wal_autocheckpoint").await;
        assert_eq!(pages, i64::from(WAL_AUTOCHECKPOINT));
        // Its page cache is small; the shared pool keeps SQLite's default.
        let cache: i64 = one_value(&writer, "PRAGMA cache_size", "cache_size").await;
        assert_eq!(cache, -i64::from(AUDIT_WRITER_CACHE_KIB));
        let cache: i64 = one_value(&db, "PRAGMA cache_size", "cache_size").await;
        assert_eq!(cache, -2000);
        drop((db, writer));
        std::fs::remove_dir_all(dir).ok();
    }

    /// Built with the query planner stability guarantee (`.cargo/config.toml`):
    /// without it every statement with a `LIMIT ?` is parsed again each time.
    #[tokio::test]
    async fn cached_statements_are_planned_once() {
        let db = connect("sqlite::memory:").await.unwrap();
        let n: i64 = one_value(
            &db,
            "SELECT count(*) AS n FROM pragma_compile_options WHERE compile_options = 'ENABLE_QPSG'",
            "n",
        )
        .await;
        assert_eq!(n, 1, "SQLite built without SQLITE_ENABLE_QPSG");
    }

    /// `column` of the one row that `sql` returns.
    async fn one_value<T: sea_orm::TryGetable>(
        db: &DatabaseConnection,
        sql: &str,
        column: &str,
    ) -> T {
        use sea_orm::{ConnectionTrait, Statement};
        db.query_one_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
            .unwrap()
            .try_get("", column)
            .unwrap()
    }

    fn tempfile_dir() -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("portcullis-db-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact(
                "failed postgres://u:s3cret@h/db",
                "postgres://u:s3cret@h/db"
            ),
            "failed postgres://u:***@h/db"
        );
    }
}
