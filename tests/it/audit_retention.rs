//! `audit.retention_days`: rows older than the retention are deleted, oldest
//! first and in batches, on SQLite and PostgreSQL; the server does it on its
//! own and says so in the audit log.

use std::time::Duration;

use portcullis::db::audit::{self, AuditEvent};
use sea_orm::DatabaseConnection;

use crate::databases::TestDb;
use crate::helpers::{Options, spawn_with};

const DAY: i64 = 24 * 3600;

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn row(username: &str, at: i64) -> AuditEvent {
    AuditEvent {
        at,
        actor: format!("user:{username}"),
        event: "password".into(),
        username: Some(username.into()),
        ip: Some("192.0.2.7".into()),
        outcome: "success".into(),
        ..AuditEvent::default()
    }
}

/// One row of `username`'s, written at `at`.
async fn put(db: &DatabaseConnection, username: &str, at: i64) {
    audit::record(db, row(username, at)).await.unwrap();
}

async fn usernames(db: &DatabaseConnection) -> Vec<String> {
    let mut names: Vec<String> = audit::list(db, None, None, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|e| e.username)
        .collect();
    names.sort();
    names
}

async fn purges_only_what_is_older(db: &DatabaseConnection) {
    for i in 0..5 {
        put(db, &format!("old{i}"), now() - 40 * DAY - i).await;
    }
    put(db, "recent", now() - DAY).await;
    // Right at the cut-off: not older, so kept.
    let before = now() - 30 * DAY;
    put(db, "edge", before).await;

    // Two rows per statement: five old rows take three statements.
    assert_eq!(audit::purge_before(db, before, 2).await.unwrap(), 5);
    assert_eq!(usernames(db).await, vec!["edge", "recent"]);
    assert_eq!(audit::purge_before(db, before, 2).await.unwrap(), 0);
    assert_eq!(usernames(db).await, vec!["edge", "recent"]);
}

#[tokio::test]
async fn purge_deletes_only_rows_past_the_cut_off_on_sqlite() {
    let db = TestDb::sqlite().await;
    purges_only_what_is_older(&db.conn).await;
}

#[tokio::test]
async fn purge_deletes_only_rows_past_the_cut_off_on_postgres() {
    let db = TestDb::postgres().await;
    purges_only_what_is_older(&db.conn).await;
    db.drop_db().await;
}

#[tokio::test]
async fn a_server_with_a_retention_deletes_old_rows_and_audits_that_it_did() {
    let db = TestDb::sqlite().await;
    put(&db.conn, "stale", now() - 91 * DAY).await;
    put(&db.conn, "kept", now() - 89 * DAY).await;
    let _app = spawn_with(Options {
        database_url: Some(db.url.clone()),
        toml: "[audit]\nretention_days = 90\n".into(),
        ..Options::default()
    })
    .await;
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while usernames(&db.conn).await.contains(&"stale".to_owned()) {
        assert!(
            std::time::Instant::now() < deadline,
            "the row past its retention is still there"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(usernames(&db.conn).await, vec!["kept"]);
    let purged = audit::list(&db.conn, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.event == "audit_purged")
        .expect("the deletion is audited");
    assert_eq!(purged.actor, "system");
    assert_eq!(purged.detail["rows"], 1);
}

#[tokio::test]
async fn without_a_retention_every_row_is_kept() {
    let db = TestDb::sqlite().await;
    put(&db.conn, "ancient", now() - 3650 * DAY).await;
    audit::purge_on_schedule(&db.conn, None).await;
    assert_eq!(usernames(&db.conn).await, vec!["ancient"]);
    // With one, the same call deletes it and leaves its own row.
    audit::purge_on_schedule(&db.conn, Some(Duration::from_secs(30 * DAY as u64))).await;
    let left: Vec<String> = audit::list(&db.conn, None, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(left, vec!["audit_purged"]);
}
