//! SQLite with two writing processes: `portcullis user import` runs while the
//! server writes to the same file (its own automatic import, sign-ins with their
//! audit rows and last-login updates). Each waits its turn; neither fails with
//! "database is locked", and every row lands.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

use crate::admin_helpers::AdminApi;
use crate::helpers::*;

const ROWS: usize = 1500;
const BATCH: &str = "20";

fn csv(prefix: &str) -> String {
    let mut csv = String::from("username,email,first_name,last_name,groups\n");
    for i in 0..ROWS {
        csv.push_str(&format!(
            "{prefix}{i},{prefix}{i}@example.com,Row,Number{i},{prefix}\n"
        ));
    }
    csv
}

#[tokio::test]
async fn a_cli_import_and_a_busy_server_share_the_sqlite_file() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "importer").await;
    let client = app.client(false).await;
    let user = app.user("walker").await;

    // The server imports in the background …
    let (s, v) = api
        .csv(
            &format!("mode=auto&batch_size={BATCH}&notify=false"),
            &csv("srv"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let server_import = v["id"].as_str().unwrap().to_owned();

    // … and signs users in, each sign-in writing audit rows and the last login …
    let stop = Arc::new(AtomicBool::new(false));
    let signed_in = Arc::new(AtomicUsize::new(0));
    let mut walkers = Vec::new();
    for _ in 0..2 {
        let (stop, signed_in) = (stop.clone(), signed_in.clone());
        let app_issuer = app.issuer.clone();
        let (client, user) = (
            TestClient {
                client_id: client.client_id.clone(),
                secret: client.secret.clone(),
                redirect_uri: client.redirect_uri.clone(),
            },
            TestUser {
                id: user.id.clone(),
                username: user.username.clone(),
                password: user.password.clone(),
            },
        );
        walkers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let jar = Arc::new(reqwest::cookie::Jar::default());
                let browser = Browser::for_issuer(&app_issuer, jar);
                let page = browser.authorize(&AuthParams::new(&client)).await;
                let landing = browser.login(&page, &user).await;
                assert!(
                    matches!(landing, Landing::Left { .. }),
                    "a sign-in failed while the import ran: {landing:?}"
                );
                landing.code();
                signed_in.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }

    // … while the CLI imports another file into the same database.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.csv");
    std::fs::write(&file, csv("cli")).unwrap();
    let config = app.config_path.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_portcullis"))
            .arg("--config")
            .arg(&config)
            .args(["user", "import", "--csv"])
            .arg(&file)
            .args(["--batch-size", BATCH, "--no-mail"])
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "the CLI import failed: {stderr}");
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["status"], "done", "{summary}");
    assert_eq!(summary["counts"]["created"], ROWS, "{summary}");

    // The server's import completes too, every row created.
    let mut status = Value::Null;
    for _ in 0..1200 {
        status = api.get(&format!("/imports/{server_import}")).await.1;
        if status["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for w in walkers {
        w.await.unwrap();
    }
    assert_eq!(status["status"], "done", "{status}");
    assert_eq!(status["counts"]["created"], ROWS, "{status}");
    assert!(signed_in.load(Ordering::Relaxed) > 0);
    let (_, list) = api.get("/users?per_page=1").await;
    assert_eq!(list["total"], 2 * ROWS + 1, "{list}");
}
