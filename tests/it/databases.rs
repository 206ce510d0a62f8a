//! Fresh databases for repository tests: a SQLite file, and a new database on the
//! local PostgreSQL server (never a mock), dropped afterwards.

use sea_orm::{ConnectionTrait, DatabaseConnection};

pub fn pg_admin_url() -> String {
    std::env::var("PORTCULLIS_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres:postgres@127.0.0.1:5432/postgres".into())
}

pub struct TestDb {
    pub conn: DatabaseConnection,
    pub url: String,
    pg_name: Option<String>,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
        let conn = portcullis::db::connect(&url).await.unwrap();
        portcullis::db::migrate(&conn).await.unwrap();
        TestDb {
            conn,
            url,
            pg_name: None,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let admin_url = pg_admin_url();
        let admin = portcullis::db::connect(&admin_url).await.unwrap_or_else(|e| {
            panic!("PostgreSQL is not reachable at {admin_url} ({e}); `make test` installs and starts it")
        });
        let name = format!("portcullis_test_{}", uuid::Uuid::new_v4().simple());
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .unwrap();
        let url = match admin_url.rsplit_once('/') {
            Some((base, _)) => format!("{base}/{name}"),
            None => panic!("bad PORTCULLIS_TEST_PG"),
        };
        let conn = portcullis::db::connect(&url).await.unwrap();
        portcullis::db::migrate(&conn).await.unwrap();
        TestDb {
            conn,
            url,
            pg_name: Some(name),
            _dir: None,
        }
    }

    pub async fn drop_db(self) {
        let TestDb { conn, pg_name, .. } = self;
        conn.close().await.ok();
        if let Some(name) = pg_name {
            let admin = portcullis::db::connect(&pg_admin_url()).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .await
                .unwrap();
        }
    }
}
