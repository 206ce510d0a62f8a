//! The audit table carries only the index its queries read. Every sign-in
//! writes a row, so each index is paid for on every commit: one keyed by user
//! put each row at its user's place, a page of its own per user in every
//! commit, and no listing could use it (they filter on the user id or the
//! username). On SQLite the listings are also checked to read newest first
//! through `idx_audit_at`, with no sort of their own.

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::databases::TestDb;

async fn strings(db: &DatabaseConnection, sql: &str, column: &str) -> Vec<String> {
    let mut found: Vec<String> = db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.try_get("", column).unwrap())
        .collect();
    found.sort();
    found
}

#[tokio::test]
async fn only_the_time_index_is_kept_on_sqlite() {
    let db = TestDb::sqlite().await;
    let indexes = strings(
        &db.conn,
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_events' \
         AND sql IS NOT NULL",
        "name",
    )
    .await;
    assert_eq!(indexes, vec!["idx_audit_at"]);

    // The listings of the admin API and the CLI (by user, since a time, all).
    for filter in [
        "WHERE (user_id = 'u' OR username = 'u')",
        "WHERE (user_id = 'u' OR username = 'u') AND at >= 5",
        "WHERE at >= 5",
        "",
    ] {
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT * FROM audit_events {filter} \
             ORDER BY at DESC, id DESC LIMIT 50"
        );
        let plan = strings(&db.conn, &sql, "detail").await.join("; ");
        assert!(
            plan.contains("USING INDEX idx_audit_at"),
            "{filter}: {plan}"
        );
        assert!(!plan.contains("TEMP B-TREE"), "{filter}: {plan}");
    }
}

#[tokio::test]
async fn only_the_time_index_is_kept_on_postgres() {
    let db = TestDb::postgres().await;
    let indexes = strings(
        &db.conn,
        "SELECT indexname FROM pg_indexes WHERE tablename = 'audit_events' \
         AND indexname <> 'audit_events_pkey'",
        "indexname",
    )
    .await;
    assert_eq!(indexes, vec!["idx_audit_at"]);
    db.drop_db().await;
}
