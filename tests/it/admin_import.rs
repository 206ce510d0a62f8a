//! CSV import: validation with per-row problems, safe-mode batches,
//! auto mode in the background, idempotent re-runs, results.csv, and the CLI.

use std::time::Duration;

use serde_json::{Value, json};

use crate::admin_helpers::AdminApi;
use crate::helpers::{cli, spawn_app};

const MIXED: &str = "username,email,first_name,last_name,password,groups\n\
ann,ann@example.com,Ann,Lee,,customers\n\
bad name,bad@example.com,,,,\n\
ben,ben@example.com,Ben,Ng,a fine password,customers;vip\n\
cat,not-an-email,,,,\n\
dan,dan@example.com,Dan,Oz,,\n";

async fn wait_done(api: &AdminApi, id: &str) -> Value {
    // Generous: the test machine may be busy with other suites.
    for _ in 0..900 {
        let (s, st) = api.get(&format!("/imports/{id}")).await;
        assert_eq!(s, 200);
        if st["status"] == "done" {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("import {id} did not finish");
}

#[tokio::test]
async fn safe_mode_validates_then_runs_batch_by_batch() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "importer").await;
    let (s, v) = api.csv("mode=safe&batch_size=2", MIXED).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["total_rows"], 5);
    assert_eq!(v["batches"], 3);
    let rows: Vec<u64> = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["row"].as_u64().unwrap())
        .collect();
    assert_eq!(rows, vec![2, 4], "rows count data rows from 1: {v}");
    assert!(
        v["problems"][1]["message"]
            .as_str()
            .unwrap()
            .contains("email")
    );
    let id = v["id"].as_str().unwrap().to_owned();
    let (_, st) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(
        (st["status"].as_str(), st["batches_done"].as_u64()),
        (Some("ready"), Some(0))
    );
    let (_, users) = api.get("/users").await;
    assert_eq!(users["total"], 0, "validation creates nobody");

    // Batch 1 (rows 1-2): one created, one invalid; the bad row stops nothing.
    let (s, b1) = api
        .post(&format!("/imports/{id}/batches/1"), json!({}))
        .await;
    assert_eq!(s, 200, "{b1}");
    let statuses: Vec<&str> = b1["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["created", "invalid"]);
    let (_, st) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(st["status"], "running");
    assert_eq!(st["processed"], 2);
    assert_eq!(st["counts"]["created"], 1);
    let (s, _) = api
        .post(&format!("/imports/{id}/batches/1"), json!({}))
        .await;
    assert_eq!(s, 409, "a batch runs once");
    for n in ["0", "4", "x"] {
        let (s, _) = api
            .post(&format!("/imports/{id}/batches/{n}"), json!({}))
            .await;
        assert_eq!(s, 404, "batch {n}");
    }
    let (s, _) = api.post("/imports/unknown/batches/1", json!({})).await;
    assert_eq!(s, 404);
    for n in [2, 3] {
        let (s, _) = api
            .post(&format!("/imports/{id}/batches/{n}"), json!({}))
            .await;
        assert_eq!(s, 200);
    }
    let (_, st) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(st["status"], "done");
    assert_eq!(st["progress"], 1.0);
    assert_eq!(st["counts"]["created"], 3);
    assert_eq!(st["counts"]["invalid"], 2);

    // ben got his password and groups; ann and dan get onboarding links.
    let (_, ben) = api.get("/users?q=ben").await;
    assert_eq!(ben["items"][0]["groups"], json!(["customers", "vip"]));
    let creds = portcullis::db::users::credentials(&app.state.db, "ben")
        .await
        .unwrap()
        .unwrap();
    assert!(portcullis::auth::password::verify(
        "a fine password",
        creds.password_hash.as_deref().unwrap()
    ));
    let mails = std::fs::read_dir(&app.state.settings.mail.outbox_dir)
        .unwrap()
        .count();
    assert_eq!(mails, 3);
    // The sealed password is erased once its row ran.
    use sea_orm::ConnectionTrait;
    let left = app
        .state
        .db
        .query_one_raw(sea_orm::Statement::from_string(
            app.state.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM import_rows WHERE password_sealed IS NOT NULL",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    assert_eq!(left, 0);

    // results.csv: one line per data row.
    let resp = api
        .http
        .get(format!("{}/imports/{id}/results.csv", api.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let text = resp.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "row,batch,username,email,status,message,user_id");
    assert_eq!(lines.len(), 6);
    assert!(lines[1].starts_with("1,1,ann,ann@example.com,created,,"));
    assert!(lines[4].contains(",invalid,"));

    // The same file again: nobody twice; existing users are "exists".
    let (_, v2) = api.csv("mode=auto&batch_size=2", MIXED).await;
    let st = wait_done(&api, v2["id"].as_str().unwrap()).await;
    assert_eq!(st["counts"]["created"], 0, "{st}");
    assert_eq!(st["counts"]["exists"], 3);
    let (_, users) = api.get("/users").await;
    assert_eq!(users["total"], 3);

    let (_, audit) = api.get("/audit").await;
    let created = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "user_created" && e["actor"] == "admin:importer")
        .count();
    assert_eq!(created, 3);
}

#[tokio::test]
async fn auto_mode_imports_a_thousand_rows_in_the_background() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "auto").await;
    let mut csv = String::from("Email,Full name,Organizations\n");
    for i in 0..1000 {
        csv.push_str(&format!(
            "person{i}@example.com,Person Number{i},customers\n"
        ));
    }
    csv.push_str("broken,Nobody,\n");
    let (s, v) = api.csv("mode=auto&batch_size=100&notify=false", &csv).await;
    assert_eq!(s, 200);
    assert_eq!(
        (v["total_rows"].as_u64(), v["batches"].as_u64()),
        (Some(1001), Some(11))
    );
    assert_eq!(
        v["problems"],
        json!([{"row": 1001, "message": "invalid email \"broken\""}])
    );
    let st = wait_done(&api, v["id"].as_str().unwrap()).await;
    assert_eq!(st["counts"]["created"], 1000, "{st}");
    assert_eq!(st["batches_done"], 11);
    let (_, found) = api.get("/users?q=number999").await;
    assert_eq!(found["items"][0]["username"], "person999@example.com");
    assert_eq!(found["items"][0]["first_name"], "Person");
    assert_eq!(found["items"][0]["groups"], json!(["customers"]));
    assert!(
        std::fs::read_dir(&app.state.settings.mail.outbox_dir).is_err(),
        "notify=false mails nobody"
    );
}

#[tokio::test]
async fn bad_files_and_parameters_are_400() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "bad").await;
    for (q, body) in [
        ("mode=safe", ""),
        ("mode=safe", "username,first_name\nx,y\n"),
        ("mode=turbo", MIXED),
        ("batch_size=0", MIXED),
        ("batch_size=5000", MIXED),
        ("batch_size=many", MIXED),
    ] {
        let (s, e) = api.csv(q, body).await;
        assert_eq!(s, 400, "{q}: {e}");
        assert_eq!(e["error"], "invalid_request");
    }
    let (s, _) = api.get("/imports/nope").await;
    assert_eq!(s, 404);
    let r = reqwest::Client::new()
        .post(app.url("/admin/api/v1/imports"))
        .body(MIXED)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
}

#[tokio::test]
async fn cli_import_prints_a_summary_and_is_idempotent() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("users.csv");
    std::fs::write(&file, MIXED).unwrap();
    let path = file.to_str().unwrap();
    let out = cli(
        &app,
        &["user", "import", "--csv", path, "--batch-size", "2"],
    )
    .unwrap();
    assert_eq!(out["status"], "done");
    assert_eq!(out["total_rows"], 5);
    assert_eq!(out["counts"]["created"], 3);
    assert_eq!(out["problems"].as_array().unwrap().len(), 2);
    let again = cli(&app, &["user", "import", "--csv", path]).unwrap();
    assert_eq!(again["counts"]["created"], 0);
    assert_eq!(again["counts"]["exists"], 3);
    assert!(cli(&app, &["user", "import", "--csv", "/no/such/file.csv"]).is_err());
    let events = portcullis::db::audit::list(&app.state.db, Some("ann"), None, 10)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "user_created" && e.actor == "cli")
    );
}

#[tokio::test]
async fn an_auto_import_cut_short_by_a_restart_resumes() {
    // An auto import stored by a server that stopped before running it …
    let db = crate::databases::TestDb::sqlite().await;
    let keys = tempfile::tempdir().unwrap();
    let settings = portcullis::config::Settings::defaults().unwrap();
    let ctx = portcullis::admin::AdminCtx {
        db: db.conn.clone(),
        mailer: portcullis::mail::Mailer::from_settings(&settings.mail).unwrap(),
        settings: std::sync::Arc::new(settings),
        sealer: portcullis::auth::sealing::SecretBox::load_or_create(keys.path()).unwrap(),
        actor: "admin:night-shift".into(),
        store: None,
        background: Default::default(),
        logout: None,
    };
    // Its author's token is still good.
    portcullis::db::admin_tokens::create(&db.conn, "night-shift")
        .await
        .unwrap();
    // (No passwords: they are sealed under keys.dir, and this server has its own.)
    let csv = MIXED.replace("a fine password", "");
    let v = portcullis::admin::import_run::validate_and_store(
        &ctx,
        csv.as_bytes(),
        portcullis::admin::import_run::Mode::Auto,
        2,
        false,
    )
    .await
    .unwrap();
    // … is finished by the next server on the same database, as its actor.
    let app = crate::helpers::spawn_with(crate::helpers::Options {
        database_url: Some(db.url.clone()),
        ..Default::default()
    })
    .await;
    let api = AdminApi::new(&app, "morning").await;
    let st = wait_done(&api, &v.id).await;
    assert_eq!(st["counts"]["created"], 3);
    let events = portcullis::db::audit::list(&app.state.db, Some("dan"), None, 5)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "user_created" && e.actor == "admin:night-shift")
    );
}

/// An import's batches can be cancelled before they run: the ones waiting are
/// marked `cancelled`, the import reads `cancelled`, a cancelled batch is
/// refused (409), and a second cancel finds nothing to cancel.
#[tokio::test]
async fn an_import_is_cancelled_between_batches() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "importer").await;
    let (s, v) = api.csv("mode=safe&batch_size=2", MIXED).await;
    assert_eq!(s, 200, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    let (s, one) = api
        .post(&format!("/imports/{id}/batches/1"), json!({}))
        .await;
    assert_eq!(s, 200, "{one}");

    // Batch 2's runner died long ago: it is cancelled too, never taken over.
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE import_batches SET status = 'running', started_at = 1 \
             WHERE import_id = '{id}' AND batch_no = 2"
        ))
        .await
        .unwrap();
    let (s, c) = api.post(&format!("/imports/{id}/cancel"), json!({})).await;
    assert_eq!(s, 200, "{c}");
    assert_eq!(c["cancelled_batches"], 2);
    assert_eq!(c["status"], "cancelled");
    let (_, st) = api.get(&format!("/imports/{id}")).await;
    assert_eq!(st["status"], "cancelled");
    assert_eq!(
        st["batch_status"],
        json!([
            {"batch": 1, "status": "done"},
            {"batch": 2, "status": "cancelled"},
            {"batch": 3, "status": "cancelled"}
        ])
    );
    assert_eq!(st["counts"]["pending"], 0, "{st}");
    assert_eq!(
        st["counts"]["cancelled"], 2,
        "rows 3 and 5 (row 4 was invalid): {st}"
    );
    let (s, refused) = api
        .post(&format!("/imports/{id}/batches/2"), json!({}))
        .await;
    assert_eq!(s, 409, "{refused}");
    let (_, users) = api.get("/users").await;
    assert_eq!(users["total"], 1, "only batch 1 ran: {users}");
    let (s, _) = api.post(&format!("/imports/{id}/cancel"), json!({})).await;
    assert_eq!(s, 409, "nothing is left to cancel");
    let (s, _) = api.post("/imports/no-such-import/cancel", json!({})).await;
    assert_eq!(s, 404);
    let cancelled: Vec<_> = portcullis::db::audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "import_cancelled")
        .collect();
    assert_eq!(cancelled.len(), 1);
    assert_eq!(cancelled[0].actor, "admin:importer");
    assert_eq!(cancelled[0].detail["batches"], 2);
}

/// An automatic import runs as the token that started it: once that token is
/// revoked, the batches still to run are cancelled instead (audited); a
/// console administrator who left the admin group stops theirs the same way.
#[tokio::test]
async fn an_import_stops_when_its_author_may_no_longer_administer() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "leaver").await;
    let (s, v) = api.csv("mode=safe&batch_size=2", MIXED).await;
    assert_eq!(s, 200, "{v}");
    let id = v["id"].as_str().unwrap().to_owned();
    portcullis::db::admin_tokens::revoke(&app.state.db, "leaver")
        .await
        .unwrap();
    // What the background runner of an automatic import does, as its author.
    let as_author = app.state.admin_ctx("admin:leaver");
    portcullis::admin::import_run::run_all(&as_author, &id, |_, _| {})
        .await
        .unwrap();
    let states = portcullis::db::imports::batch_states(&app.state.db, &id)
        .await
        .unwrap();
    assert!(states.iter().all(|(_, s)| s == "cancelled"), "{states:?}");
    assert!(
        portcullis::db::users::find_by_username(&app.state.db, "ann")
            .await
            .unwrap()
            .is_none(),
        "nobody was created"
    );
    let events: Vec<_> = portcullis::db::audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "import_cancelled")
        .collect();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].actor, "admin:leaver");
    assert!(
        events[0].detail["reason"]
            .as_str()
            .unwrap()
            .contains("no longer administer")
    );

    // A new token under the revoked one's name is not the import's author.
    let reborn = AdminApi::new(&app, "leaver").await;
    let (s, v) = reborn.csv("mode=safe&batch_size=2", MIXED).await;
    assert_eq!(s, 200, "{v}");
    let (_, st) = reborn
        .get(&format!("/imports/{}", v["id"].as_str().unwrap()))
        .await;
    let made_at = st["created_at"].as_i64().unwrap();
    let allowed_since = |actor: &str, since: i64| {
        let ctx = app.state.admin_ctx(actor);
        async move {
            portcullis::admin::import_run::actor_still_allowed(&ctx, since)
                .await
                .unwrap()
        }
    };
    assert!(allowed_since("admin:leaver", made_at).await);
    assert!(
        !allowed_since("admin:leaver", made_at - 3600).await,
        "an import begun before this token was made"
    );

    // The other kinds of author.
    let allowed = |actor: &str| allowed_since(actor, i64::MAX);
    assert!(allowed("cli").await);
    let _live = AdminApi::new(&app, "stayer").await;
    assert!(allowed("admin:stayer").await);
    assert!(!allowed("admin:never-made").await);
    let admin = app.user_in("root", &["admins"]).await;
    assert!(allowed("console:root").await);
    portcullis::admin::sign_out::set_active(&app.state.admin_ctx("cli"), &admin.id, false)
        .await
        .unwrap();
    assert!(!allowed("console:root").await, "a disabled administrator");
    assert!(!allowed("console:nobody").await);
    assert!(!allowed("someone").await, "an unknown kind of author");
}
