//! The admin API: bearer tokens, users, groups, bulk actions,
//! errors and the audit trail with the acting token's name.

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_helpers::AdminApi;
use crate::helpers::{cli, spawn_app};

#[tokio::test]
async fn no_bad_or_revoked_token_is_401() {
    let app = spawn_app().await;
    let url = app.url("/admin/api/v1/users");
    let http = reqwest::Client::new();
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 401);
    assert!(
        r.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Bearer")
    );
    assert_eq!(r.json::<Value>().await.unwrap()["error"], "invalid_token");
    for bad in ["nope", "pcat_0000000000000000.x", "Basic abc"] {
        let r = http.get(&url).bearer_auth(bad).send().await.unwrap();
        assert_eq!(r.status(), 401, "{bad}");
    }

    // Through the real CLI: create prints {"token"}, and revoke makes it useless.
    let made = cli(&app, &["admin", "token", "create", "--name", "ops"]).unwrap();
    let token = made["token"].as_str().unwrap().to_owned();
    let ok = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    let wrong_secret = format!("{}x", &token);
    let r = http
        .get(&url)
        .bearer_auth(&wrong_secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let listed = cli(&app, &["admin", "token", "list"]).unwrap();
    assert!(!listed.to_string().contains(&token), "secrets never listed");
    assert!(cli(&app, &["admin", "token", "create", "--name", "ops"]).is_err());
    cli(&app, &["admin", "token", "revoke", "ops"]).unwrap();
    let r = http.get(&url).bearer_auth(&token).send().await.unwrap();
    assert_eq!(r.status(), 401);
    // Only a digest is stored.
    let stored = portcullis::db::admin_tokens::list(&app.state.db)
        .await
        .unwrap();
    assert!(stored[0].revoked_at.is_some());
    // Who could act as an administrator is in the audit log, without secrets.
    let events: Vec<_> = portcullis::db::audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event.starts_with("admin_token_"))
        .collect();
    let seen: Vec<(&str, &str)> = events
        .iter()
        .map(|e| {
            (
                e.event.as_str(),
                e.detail["token_name"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            ("admin_token_revoked", "ops"),
            ("admin_token_created", "ops")
        ]
    );
    assert!(events.iter().all(|e| e.actor == "cli"));
    assert!(
        !format!("{:?}", events).contains(&token),
        "a secret in the audit log"
    );
}

#[tokio::test]
async fn users_crud_with_errors() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "crud").await;
    let (s, u) = api
        .post(
            "/users",
            json!({"username": "Alice", "email": "alice@example.com", "first_name": "Alice",
                   "last_name": "Liddell", "groups": ["customers"]}),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["username"], "alice");
    assert_eq!(u["two_factor"], true, "a new user has 2FA on");
    assert_eq!(u["factors"], json!([]), "and no factors");
    assert_eq!(u["groups"], json!(["customers"]));
    assert!(u["last_login"].is_null());
    assert_eq!(u["mail"]["kind"], "onboarding");
    let id = u["id"].as_str().unwrap().to_owned();

    // 409 on a duplicate username or email, 400 on bad input.
    let (s, e) = api
        .post(
            "/users",
            json!({"username": "ALICE", "email": "x@example.com"}),
        )
        .await;
    assert_eq!((s, e["error"].as_str()), (409, Some("conflict")));
    let (s, _) = api
        .post(
            "/users",
            json!({"username": "x", "email": "Alice@example.com"}),
        )
        .await;
    assert_eq!(s, 409);
    for bad in [
        json!({"email": "a@example.com"}),
        json!({"username": "has space", "email": "b@example.com"}),
        json!({"username": "b", "email": "nope"}),
        json!({"username": "b", "email": "b@example.com", "password": "short"}),
        json!({"username": "b", "email": "b@example.com", "colour": "red"}),
        json!({"username": 5, "email": "b@example.com"}),
    ] {
        let (s, e) = api.post("/users", bad.clone()).await;
        assert_eq!(s, 400, "{bad}: {e}");
        assert_eq!(e["error"], "invalid_request");
        assert!(e["error_description"].is_string());
    }
    let resp = api
        .http
        .post(format!("{}/users", api.base))
        .bearer_auth(&api.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["error"],
        "invalid_request"
    );

    // GET, PATCH (absent and empty fields stay), DELETE; 404 for unknown ids.
    let (s, got) = api.get(&format!("/users/{id}")).await;
    assert_eq!((s, &got["email"]), (200, &json!("alice@example.com")));
    let (s, p) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"first_name": "Alicia", "last_name": "", "display_name": "Al"})),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["first_name"], "Alicia");
    assert_eq!(p["last_name"], "Liddell", "an empty field stays unchanged");
    assert_eq!(p["email"], "alice@example.com");
    assert_eq!(p["display_name"], "Al");
    api.user("bob").await;
    let (s, _) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"email": "bob@example.com"})),
        )
        .await;
    assert_eq!(s, 409);
    let (s, _) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"email": "bad"})),
        )
        .await;
    assert_eq!(s, 400);
    for (m, path, body) in [
        (Method::GET, "/users/missing", None),
        (
            Method::PATCH,
            "/users/missing",
            Some(json!({"first_name": "x"})),
        ),
        (Method::DELETE, "/users/missing", None),
        (
            Method::POST,
            "/users/missing/password",
            Some(json!({"password": "long enough pw"})),
        ),
        (Method::POST, "/users/missing/reset-mfa", None),
        (
            Method::PUT,
            "/users/missing/two-factor",
            Some(json!({"enabled": true})),
        ),
        (Method::GET, "/nothing-here", None),
    ] {
        let (s, e) = api.json(m.clone(), path, body).await;
        assert_eq!(s, 404, "{m} {path}: {e}");
        assert_eq!(e["error"], "not_found");
    }

    // Password: 400 when too short, then it works for sign-in.
    let (s, _) = api
        .post(
            &format!("/users/{id}/password"),
            json!({"password": "short"}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = api
        .post(
            &format!("/users/{id}/password"),
            json!({"password": "a brand new password"}),
        )
        .await;
    assert_eq!(s, 204);
    let creds = portcullis::db::users::credentials(&app.state.db, "alice")
        .await
        .unwrap()
        .unwrap();
    assert!(portcullis::auth::password::verify(
        "a brand new password",
        creds.password_hash.as_deref().unwrap()
    ));

    // Two-factor switch and reset MFA.
    let (s, u) = api
        .json(
            Method::PUT,
            &format!("/users/{id}/two-factor"),
            Some(json!({"enabled": false})),
        )
        .await;
    assert_eq!((s, &u["two_factor"]), (200, &json!(false)));
    let (s, _) = api
        .json(
            Method::PUT,
            &format!("/users/{id}/two-factor"),
            Some(json!({"enabled": "no"})),
        )
        .await;
    assert_eq!(s, 400);
    let secret = portcullis::auth::totp::generate_secret();
    portcullis::db::factors::set_totp(&app.state.db, &app.state.sealer, &id, &secret, 0)
        .await
        .unwrap();
    portcullis::db::factors::new_recovery_codes(&app.state.db, &app.state.sealer, &id)
        .await
        .unwrap();
    let (_, u) = api.get(&format!("/users/{id}")).await;
    assert_eq!(u["factors"], json!(["totp", "recovery_codes"]));
    assert_eq!(u["recovery_codes_left"], 10);
    let (s, u) = api.post(&format!("/users/{id}/reset-mfa"), json!({})).await;
    assert_eq!((s, &u["factors"]), (200, &json!([])));
    assert!(
        !portcullis::db::factors::has_totp(&app.state.db, &id)
            .await
            .unwrap()
    );

    let (s, _) = api
        .json(Method::DELETE, &format!("/users/{id}"), None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = api.get(&format!("/users/{id}")).await;
    assert_eq!(s, 404);

    // Every action is in the audit log with the token's name, newest first.
    let (s, a) = api.get("/audit?user=alice").await;
    assert_eq!(s, 200);
    let events: Vec<&str> = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events.first(), Some(&"user_deleted"), "{events:?}");
    for e in [
        "user_created",
        "user_updated",
        "password_set",
        "two_factor_switch",
        "mfa_reset",
    ] {
        assert!(events.contains(&e), "{e} in {events:?}");
    }
    assert!(
        a["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["actor"] == "admin:crud")
    );
    let ats: Vec<i64> = a["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["at"].as_i64().unwrap())
        .collect();
    assert!(ats.windows(2).all(|w| w[0] >= w[1]), "newest first");
    let (s, a) = api.get("/audit?since=4102444800").await;
    assert_eq!((s, a["items"].as_array().unwrap().len()), (200, 0));
    let (s, _) = api.get("/audit?since=yesterday").await;
    assert_eq!(s, 400);
}

#[tokio::test]
async fn listing_pages_from_one_searches_and_filters_on_the_switch() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "list").await;
    for i in 0..7 {
        let (s, _) = api
            .post(
                "/users",
                json!({"username": format!("user{i}"), "email": format!("u{i}@corp.example"),
                       "first_name": if i == 3 { "Zelda" } else { "Plain" }, "last_name": "Person",
                       "password": "long enough password"}),
            )
            .await;
        assert_eq!(s, 201);
    }
    let (s, p1) = api.get("/users?page=1&per_page=3").await;
    assert_eq!(s, 200);
    assert_eq!(p1["total"], 7);
    let names = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["username"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(&p1), vec!["user0", "user1", "user2"]);
    let (_, p3) = api.get("/users?page=3&per_page=3").await;
    assert_eq!(names(&p3), vec!["user6"]);
    let (_, p4) = api.get("/users?page=4&per_page=3").await;
    assert_eq!((names(&p4).len(), &p4["total"]), (0, &json!(7)));
    let (_, default) = api.get("/users").await;
    assert_eq!(names(&default).len(), 7);
    for bad in [
        "page=0",
        "page=x",
        "per_page=0",
        "per_page=501",
        "two_factor=maybe",
    ] {
        let (s, _) = api.get(&format!("/users?{bad}")).await;
        assert_eq!(s, 400, "{bad}");
    }

    // q matches username, email and names, case-insensitively; % is literal.
    let (_, r) = api.get("/users?q=ZELD").await;
    assert_eq!(names(&r), vec!["user3"]);
    let (_, r) = api.get("/users?q=u5%40corp").await;
    assert_eq!(names(&r), vec!["user5"]);
    let (_, r) = api.get("/users?q=%25").await;
    assert_eq!(r["total"], 0);

    // The tabs: the switch is the filter.
    let ids: Vec<String> = default["items"].as_array().unwrap()[..2]
        .iter()
        .map(|u| u["id"].as_str().unwrap().to_owned())
        .collect();
    let (s, b) = api
        .post("/users/bulk", json!({"action": "disable_2fa", "ids": ids}))
        .await;
    assert_eq!((s, &b["succeeded"]), (200, &json!(2)));
    let (_, off) = api.get("/users?two_factor=disabled").await;
    assert_eq!(names(&off), vec!["user0", "user1"]);
    assert!(
        off["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|u| u["two_factor"] == false)
    );
    let (_, on) = api.get("/users?two_factor=enabled&q=user").await;
    assert_eq!(on["total"], 5);
    let (_, all) = api.get("/users?two_factor=all").await;
    assert_eq!(all["total"], 7);
}

#[tokio::test]
async fn bulk_actions_report_a_result_per_id() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "bulk").await;
    let a = api.user("a1").await["id"].as_str().unwrap().to_owned();
    let b = api.user("b1").await["id"].as_str().unwrap().to_owned();
    let secret = portcullis::auth::totp::generate_secret();
    portcullis::db::factors::set_totp(&app.state.db, &app.state.sealer, &a, &secret, 0)
        .await
        .unwrap();

    let (s, r) = api
        .post(
            "/users/bulk",
            json!({"action": "reset_mfa", "ids": [a, "ghost", b]}),
        )
        .await;
    assert_eq!(s, 200, "{r}");
    let statuses: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["ok", "not_found", "ok"]);
    assert_eq!(
        (r["succeeded"].as_u64(), r["failed"].as_u64()),
        (Some(2), Some(1))
    );
    assert!(
        !portcullis::db::factors::has_totp(&app.state.db, &a)
            .await
            .unwrap()
    );

    let (_, r) = api
        .post(
            "/users/bulk",
            json!({"action": "disable_2fa", "ids": [a, b]}),
        )
        .await;
    assert_eq!(r["succeeded"], 2);
    let (_, r) = api
        .post("/users/bulk", json!({"action": "enable_2fa", "ids": [a]}))
        .await;
    assert_eq!(r["results"][0]["id"], json!(a));
    let (_, u) = api.get(&format!("/users/{a}")).await;
    assert_eq!(u["two_factor"], true);
    let (_, u) = api.get(&format!("/users/{b}")).await;
    assert_eq!(u["two_factor"], false);

    for bad in [
        json!({"action": "explode", "ids": [a]}),
        json!({"action": "delete", "ids": []}),
        json!({"action": "delete"}),
    ] {
        let (s, _) = api.post("/users/bulk", bad.clone()).await;
        assert_eq!(s, 400, "{bad}");
    }
    let (_, r) = api
        .post("/users/bulk", json!({"action": "delete", "ids": [a, b]}))
        .await;
    assert_eq!(r["succeeded"], 2);
    let (_, all) = api.get("/users").await;
    assert_eq!(all["total"], 0);
    let (_, audit) = api.get("/audit").await;
    let deleted = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "user_deleted")
        .count();
    assert_eq!(deleted, 2);
}

/// Names go into pages and mails: a line break or other control character in
/// one is refused (400) by the API, on create and on change, and nothing is
/// written; one in a CSV cell becomes a space.
#[tokio::test]
async fn names_with_control_characters_are_refused() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "names").await;
    let (s, e) = api
        .post(
            "/users",
            json!({"username": "nia", "email": "nia@example.com",
                   "first_name": "Nia\r\n\r\nYour account is locked: call +1 555 0100"}),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    assert!(
        e["error_description"]
            .as_str()
            .unwrap()
            .contains("control characters"),
        "{e}"
    );
    let (s, _) = api.get("/users?q=nia").await;
    assert_eq!(s, 200);
    let u = api.user("nia").await;
    let id = u["id"].as_str().unwrap();
    let (s, e) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"display_name": "Nia\u{0007}"})),
        )
        .await;
    assert_eq!(s, 400, "{e}");
    let (_, now) = api.get(&format!("/users/{id}")).await;
    assert_eq!(now["display_name"], u["display_name"]);
    // A name stored under older rules, sent back as it is (the console sends
    // every field), does not block an edit of something else.
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE users SET display_name = 'Nia\tOld' WHERE id = '{id}'"
        ))
        .await
        .unwrap();
    let (s, e) = api
        .json(
            Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"display_name": "Nia\tOld", "email": "nia.new@example.com"})),
        )
        .await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["email"], "nia.new@example.com");

    // A CSV export may hold a line break inside a quoted name: it is a space.
    let (s, v) = api
        .csv(
            "mode=safe",
            "username,email,first_name\nola,ola@example.com,\"Ola\nBcc: x\"\n",
        )
        .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["problems"], json!([]), "{v}");
    assert_eq!(v["preview"][0]["first_name"], "Ola Bcc: x", "{v}");
}
