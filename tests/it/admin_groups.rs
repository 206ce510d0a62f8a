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
