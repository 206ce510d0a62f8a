//! The admin console, driven like a browser over HTTP: sign-in through our own
//! /authorize with the TOTP step-up, the admin-group check, the users table with
//! its tabs and bulk rules, per-user actions, and the import endpoints.

use std::time::Duration;

use serde_json::Value;

use crate::helpers::{Browser, Form, Landing, TestApp, form_with, spawn_app, totp_code};

/// Signs `name` (with a TOTP authenticator, in `groups`) into the console.
pub async fn sign_in(app: &TestApp, name: &str, groups: &[&str]) -> (Browser, Landing) {
    let user = app.user_in(name, groups).await;
    let secret = app.give_totp(&user).await;
    let b = Browser::new(app);
    let login = b.get("/admin").await;
    assert!(
        login.html().contains("name=\"password\""),
        "the console sends us to our own login"
    );
    let step = b.login(&login, &user).await;
    let form = form_with(step.html(), "code").set("code", &totp_code(&secret, 0));
    let landing = b.submit(&form).await;
    (b, landing)
}

fn meta_csrf(html: &str) -> String {
    let at = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    html[at..].split('"').next().unwrap().to_owned()
}

fn row_id(html: &str, username: &str) -> String {
    let at = html.find(&format!("data-user=\"{username}\"")).unwrap();
    let rest = &html[at..];
    let v = rest.find("value=\"").unwrap() + 7;
    rest[v..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn admins_sign_in_with_step_up_and_others_are_refused() {
    let app = spawn_app().await;
    let (_, page) = sign_in(&app, "boss", &["admins"]).await;
    assert_eq!(page.status(), 200);
    let html = page.html();
    assert!(html.contains("<h1>Users</h1>"), "{html}");
    for tab in ["tab-enabled", "tab-disabled", "tab-all"] {
        assert!(html.contains(tab));
    }
    let (_, refused) = sign_in(&app, "joe", &["customers"]).await;
    assert_eq!(refused.status(), 403);
    assert!(refused.html().contains("not a member of group admins"));
    // Without a console session every page leads to sign-in, every API call is 401.
    let stranger = Browser::new(&app);
    let r = stranger
        .http
        .get(app.url("/admin/users"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let r = stranger
        .http
        .get(app.url("/admin/import/x"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let events = portcullis::db::audit::list(&app.state.db, None, None, 50)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "console_login" && e.actor == "console:boss")
    );
}

#[tokio::test]
async fn users_table_tabs_bulk_rules_and_actions() {
    let app = spawn_app().await;
    let (b, page) = sign_in(&app, "boss", &["admins"]).await;
    // Add a user without a password: onboarding mail.
    let add = form_with(page.html(), "username")
        .set("username", "newbie")
        .set("email", "newbie@example.com")
        .set("first_name", "New")
        .set("last_name", "Bie");
    let created = b.submit(&add).await;
    assert!(
        created.html().contains("id=\"flash\""),
        "{}",
        created.html()
    );
    assert!(created.html().contains("newbie@example.com"));
    let csrf = meta_csrf(created.html());
    let all = b.get("/admin/users?tab=all").await;
    let id = row_id(all.html(), "newbie");

    // Switch 2FA off on the user's page, then find it on the disabled tab.
    let off = form_with(created.html(), "op").set("op", "2fa-off");
    b.submit(&off).await;
    let disabled = b.get("/admin/users?tab=disabled").await;
    assert!(disabled.html().contains("data-user=\"newbie\""));
    assert!(!disabled.html().contains("data-user=\"boss\""));
    assert!(
        !disabled.html().contains("value=\"disable_2fa\""),
        "the disabled tab offers only enable"
    );
    let enabled = b.get("/admin/users?tab=enabled").await;
    assert!(
        !enabled.html().contains("value=\"enable_2fa\""),
        "the enabled tab offers only disable"
    );

    // The tab rule holds on the server too.
    let bulk = |tab: &str, action: &str| Form {
        action: "/admin/users/bulk".into(),
        fields: vec![
            ("csrf_token".into(), csrf.clone()),
            ("tab".into(), tab.into()),
            ("action".into(), action.into()),
            ("ids".into(), id.clone()),
        ],
    };
    let refused = b.submit(&bulk("disabled", "disable_2fa")).await;
    assert!(refused.html().contains("not available on this tab"));
    let done = b.submit(&bulk("disabled", "enable_2fa")).await;
    assert!(done.html().contains("Bulk action done"));
    let u = portcullis::db::users::find_by_id(&app.state.db, &id)
        .await
        .unwrap()
        .unwrap();
    assert!(u.two_factor);
    // Without the CSRF token nothing happens.
    let forged = b.submit(&bulk("all", "delete").without("csrf_token")).await;
    assert_eq!(forged.status(), 403);

    // Search, reset MFA and delete on the user's page.
    let found = b.get("/admin/users?tab=all&q=BIE").await;
    assert!(
        found.html().contains("data-user=\"newbie\"")
            && !found.html().contains("data-user=\"boss\"")
    );
    let user_page = b.get(&format!("/admin/users/{id}")).await;
    // Each sign-in method, enrolled or not; codes by email are off by default.
    let methods = user_page.html();
    assert!(
        methods.contains("data-method=\"totp\"><span class=\"muted\">not enrolled (available)")
    );
    assert!(methods.contains("data-method=\"email_otp\"><span class=\"muted\">switched off"));
    let reset = b
        .submit(&form_with(user_page.html(), "op").set("op", "reset-mfa"))
        .await;
    assert!(reset.html().contains("Second factors removed"));
    let edit = b
        .submit(&form_with(user_page.html(), "first_name").set("first_name", "Renamed"))
        .await;
    assert!(edit.html().contains("Renamed"));
    let gone = b
        .submit(&form_with(user_page.html(), "op").set("op", "delete"))
        .await;
    assert!(gone.html().contains("User deleted"));
    assert!(
        portcullis::db::users::find_by_id(&app.state.db, &id)
            .await
            .unwrap()
            .is_none()
    );
    let events = portcullis::db::audit::list(&app.state.db, Some(&id), None, 50)
        .await
        .unwrap();
    assert!(events.iter().all(|e| e.actor == "console:boss"));
    assert!(events.iter().any(|e| e.event == "user_deleted"));
}

#[tokio::test]
async fn console_import_with_progress() {
    let app = spawn_app().await;
    let (b, page) = sign_in(&app, "boss", &["admins"]).await;
    let csrf = meta_csrf(page.html());
    let import = b.get("/admin/import").await;
    assert!(import.html().contains("id=\"csv-file\""));
    let mut csv = String::from("email,first_name,last_name\n");
    for i in 0..250 {
        csv.push_str(&format!("c{i}@example.com,C,{i}\n"));
    }
    let post = |with_csrf: bool| {
        let mut r = b
            .http
            .post(app.url("/admin/import?mode=auto&batch_size=50"))
            .header("content-type", "text/csv")
            .body(csv.clone());
        if with_csrf {
            r = r.header("x-csrf-token", &csrf);
        }
        r.send()
    };
    assert_eq!(post(false).await.unwrap().status(), 403);
    let v: Value = post(true).await.unwrap().json().await.unwrap();
    assert_eq!(v["batches"], 5);
    let id = v["id"].as_str().unwrap();
    let mut st = Value::Null;
    for _ in 0..200 {
        st = b
            .http
            .get(app.url(&format!("/admin/import/{id}")))
            .header("x-csrf-token", &csrf)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if st["status"] == "done" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(st["counts"]["created"], 250, "{st}");
    let csv = b.get(&format!("/admin/import/{id}/results.csv")).await;
    assert_eq!(csv.html().lines().count(), 251);
}

/// The console cancels the batches of an import still waiting, with its CSRF
/// token only, as the signed-in administrator.
#[tokio::test]
async fn console_cancels_an_import() {
    let app = spawn_app().await;
    let (b, page) = sign_in(&app, "boss", &["admins"]).await;
    let csrf = meta_csrf(page.html());
    let import = b.get("/admin/import").await;
    assert!(import.html().contains("id=\"cancel-import\""));
    let csv = "email,first_name,last_name\na@example.com,A,A\nb@example.com,B,B\n";
    let v: Value = b
        .http
        .post(app.url("/admin/import?mode=safe&batch_size=1"))
        .header("content-type", "text/csv")
        .header("x-csrf-token", &csrf)
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = v["id"].as_str().unwrap();
    let cancel = |with_csrf: bool| {
        let mut r = b.http.post(app.url(&format!("/admin/import/{id}/cancel")));
        if with_csrf {
            r = r.header("x-csrf-token", &csrf);
        }
        r.send()
    };
    assert_eq!(cancel(false).await.unwrap().status(), 403);
    let done = cancel(true).await.unwrap();
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["cancelled_batches"], 2);
    assert_eq!(done["status"], "cancelled");
    let events = portcullis::db::audit::list(&app.state.db, None, None, 50)
        .await
        .unwrap();
    assert!(
        events
            .iter()
            .any(|e| e.event == "import_cancelled" && e.actor == "console:boss")
    );
}

/// The console cannot disable or delete its last active administrator (nobody
/// could sign in to it after), and says why.
#[tokio::test]
async fn the_console_keeps_its_last_administrator() {
    let app = spawn_app().await;
    let (b, _) = sign_in(&app, "boss", &["admins"]).await;
    let boss = portcullis::db::users::find_by_username(&app.state.db, "boss")
        .await
        .unwrap()
        .unwrap();
    let page = b.get(&format!("/admin/users/{}", boss.id)).await;
    for op in ["disable", "delete"] {
        let answer = b.submit(&form_with(page.html(), "op").set("op", op)).await;
        assert!(
            answer
                .html()
                .contains("This is the last active administrator"),
            "{op}: {}",
            answer.html()
        );
    }
    let still = portcullis::db::users::find_by_id(&app.state.db, &boss.id)
        .await
        .unwrap()
        .unwrap();
    assert!(still.active);
}
