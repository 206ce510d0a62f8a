//! Groups through the admin API and the CLI, and the OpenAPI document.

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_helpers::AdminApi;
use crate::helpers::{cli, spawn_app};

#[tokio::test]
async fn groups_api_and_cli() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "groups").await;
    let uid = api.user("carol").await["id"].as_str().unwrap().to_owned();
    let (s, g) = api.post("/groups", json!({"name": "support"})).await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_owned();
    let (s, _) = api.post("/groups", json!({"name": "support"})).await;
    assert_eq!(s, 409);
    let (s, _) = api.post("/groups", json!({"name": "  "})).await;
    assert_eq!(s, 400);
    let (s, g) = api
        .post(&format!("/groups/{gid}/members"), json!({"user_id": uid}))
        .await;
    assert_eq!((s, &g["members"]), (200, &json!(1)));
    let (s, _) = api
        .post(
            &format!("/groups/{gid}/members"),
            json!({"user_id": "ghost"}),
        )
        .await;
    assert_eq!(s, 404);
    let (_, u) = api.get(&format!("/users/{uid}")).await;
    assert_eq!(u["groups"], json!(["support"]));
    let (s, g) = api
        .json(
            Method::PATCH,
            &format!("/groups/{gid}"),
            Some(json!({"name": "helpdesk"})),
        )
        .await;
    assert_eq!((s, &g["name"]), (200, &json!("helpdesk")));
    let (_, u) = api.get(&format!("/users/{uid}")).await;
    assert_eq!(u["groups"], json!(["helpdesk"]));
    let (s, m) = api.get(&format!("/groups/{gid}/members")).await;
    assert_eq!((s, &m["items"][0]["username"]), (200, &json!("carol")));
    let (s, _) = api
        .json(
            Method::DELETE,
            &format!("/groups/{gid}/members/{uid}"),
            None,
        )
        .await;
    assert_eq!(s, 204);
    let (s, _) = api
        .json(
            Method::DELETE,
            &format!("/groups/{gid}/members/{uid}"),
            None,
        )
        .await;
    assert_eq!(s, 404, "not a member any more");
    let (s, _) = api
        .json(Method::DELETE, &format!("/groups/{gid}"), None)
        .await;
    assert_eq!(s, 204);
    let (s, _) = api.get(&format!("/groups/{gid}")).await;
    assert_eq!(s, 404);

    // The same through the CLI, audited as `cli`.
    cli(&app, &["group", "create", "ops"]).unwrap();
    cli(&app, &["group", "add", "ops", "carol"]).unwrap();
    assert!(cli(&app, &["group", "add", "ops", "nobody"]).is_err());
    cli(&app, &["group", "rename", "ops", "operations"]).unwrap();
    let listed = cli(&app, &["group", "list"]).unwrap();
    assert_eq!(listed["items"][0]["name"], "operations");
    assert_eq!(listed["items"][0]["members"], 1);
    cli(&app, &["group", "remove", "operations", "carol"]).unwrap();
    cli(&app, &["group", "delete", "operations"]).unwrap();
    let (_, audit) = api.get("/audit").await;
    let by_cli = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["actor"] == "cli")
        .count();
    assert_eq!(by_cli, 5);
}

#[tokio::test]
async fn openapi_describes_every_route() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(app.url("/admin/api/v1/openapi.json"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for (method, path) in [
        ("get", "/users"),
        ("post", "/users"),
        ("post", "/users/bulk"),
        ("get", "/users/{id}"),
        ("patch", "/users/{id}"),
        ("delete", "/users/{id}"),
        ("post", "/users/{id}/password"),
        ("post", "/users/{id}/reset-mfa"),
        ("put", "/users/{id}/two-factor"),
        ("get", "/groups"),
        ("post", "/groups"),
        ("get", "/groups/{id}"),
        ("patch", "/groups/{id}"),
        ("delete", "/groups/{id}"),
        ("get", "/groups/{id}/members"),
        ("post", "/groups/{id}/members"),
        ("delete", "/groups/{id}/members/{user_id}"),
        ("post", "/imports"),
        ("get", "/imports/{id}"),
        ("post", "/imports/{id}/batches/{n}"),
        ("post", "/imports/{id}/cancel"),
        ("get", "/imports/{id}/results.csv"),
        ("get", "/audit"),
        ("get", "/openapi.json"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
    // Every $ref resolves.
    let text = doc.to_string();
    for part in text.split("\"$ref\":\"#/components/").skip(1) {
        let target: Vec<&str> = part.split('"').next().unwrap().split('/').collect();
        assert!(
            doc["components"][target[0]][target[1]].is_object(),
            "{target:?}"
        );
    }
}

/// Nobody could open the console if `admin.group` lost its last active
/// member: the admin API refuses (409) every change that would do that, and
/// allows it once someone else is an administrator; the CLI, which needs no
/// console and is how an operator recovers, may.
#[tokio::test]
async fn the_last_active_administrator_stays() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "ops").await;
    let boss = app.user_in("boss", &["admins"]).await;
    let (_, groups) = api.get("/groups").await;
    let admins = groups
        .as_array()
        .or(groups["items"].as_array())
        .unwrap()
        .iter()
        .find(|g| g["name"] == "admins")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let user = format!("/users/{}", boss.id);
    let refused = [
        (Method::PATCH, user.clone(), Some(json!({"active": false}))),
        (
            Method::PATCH,
            user.clone(),
            Some(json!({"groups": ["support"]})),
        ),
        (Method::DELETE, user.clone(), None),
        (
            Method::DELETE,
            format!("/groups/{admins}/members/{}", boss.id),
            None,
        ),
        (Method::DELETE, format!("/groups/{admins}"), None),
        (
            Method::PATCH,
            format!("/groups/{admins}"),
            Some(json!({"name": "former-admins"})),
        ),
    ];
    for (method, path, body) in &refused {
        let (s, e) = api.json(method.clone(), path, body.clone()).await;
        assert_eq!(s, 409, "{method} {path}: {e}");
        assert!(
            e["error_description"]
                .as_str()
                .unwrap()
                .contains("without an active member"),
            "{e}"
        );
    }
    let (_, now) = api.get(&user).await;
    assert_eq!(now["active"], true);
    assert_eq!(now["groups"], json!(["admins"]));

    // With a second active administrator, the first may go.
    let second = app.user_in("deputy", &["admins"]).await;
    let (s, e) = api
        .json(Method::PATCH, &user, Some(json!({"active": false})))
        .await;
    assert_eq!(s, 200, "{e}");
    // The deputy is now the last one; the CLI may still disable them.
    let (s, _) = api
        .json(Method::DELETE, &format!("/users/{}", second.id), None)
        .await;
    assert_eq!(s, 409);
    cli(&app, &["user", "disable", &second.id]).unwrap();
    let (_, deputy) = api.get(&format!("/users/{}", second.id)).await;
    assert_eq!(deputy["active"], false);
}

/// Two administrators taken away at the same moment, by two calls that each
/// see the other still active: the checks and changes run one at a time, so
/// one of the two is refused and an active administrator always remains.
#[tokio::test]
async fn two_administrators_taken_away_at_once_leave_one() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "ops").await;
    let boss = app.user_in("boss", &["admins"]).await;
    let deputy = app.user_in("deputy", &["admins"]).await;
    let (boss_path, deputy_path) = (
        format!("/users/{}", boss.id),
        format!("/users/{}", deputy.id),
    );
    for round in 0..6 {
        // Disabling one and taking the other out of the group.
        let ((a, ea), (b, eb)) = tokio::join!(
            api.json(Method::PATCH, &boss_path, Some(json!({"active": false}))),
            api.json(
                Method::PATCH,
                &deputy_path,
                Some(json!({"groups": ["support"]}))
            ),
        );
        let mut statuses = [a, b];
        statuses.sort_unstable();
        assert_eq!(statuses, [200, 409], "round {round}: {ea} {eb}");
        let (_, boss_now) = api.get(&boss_path).await;
        let (_, deputy_now) = api.get(&deputy_path).await;
        let boss_admin = boss_now["active"] == true && boss_now["groups"] == json!(["admins"]);
        let deputy_admin = deputy_now["groups"] == json!(["admins"]);
        assert!(
            boss_admin ^ deputy_admin,
            "round {round}: {boss_now} {deputy_now}"
        );
        // Both administrators again for the next round.
        for (path, body) in [
            (&boss_path, json!({"active": true})),
            (&deputy_path, json!({"groups": ["admins"]})),
        ] {
            let (s, e) = api
                .json(
                    Method::PATCH,
                    &format!("{path}?allow_admin_group=true"),
                    Some(body),
                )
                .await;
            assert_eq!(s, 200, "{e}");
        }
    }
}
