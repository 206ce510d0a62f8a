//! Membership of `admin.group` opens the admin console. An admin API call or a
//! CSV import that would put someone into it is refused (400; for CSV a problem
//! per row) unless it says `allow_admin_group=true` (`--allow-admin-group` on
//! the command line); with it, the grant happens and is audited.

use reqwest::Method;
use serde_json::{Value, json};

use crate::admin_helpers::AdminApi;
use crate::helpers::{cli, spawn_app};

fn refused(status: u16, body: &Value) {
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"], "invalid_request");
    let d = body["error_description"].as_str().unwrap();
    assert!(
        d.contains("admins") && d.contains("allow_admin_group"),
        "{d}"
    );
}

async fn groups_of(api: &AdminApi, id: &str) -> Value {
    api.get(&format!("/users/{id}")).await.1["groups"].clone()
}

/// The `admin_group_granted` events, newest first, as (username, via).
async fn grants(api: &AdminApi) -> Vec<(String, String)> {
    let (_, audit) = api.get("/audit?limit=200").await;
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "admin_group_granted")
        .map(|e| {
            assert!(e["actor"].as_str().unwrap().starts_with("admin:"), "{e}");
            (
                e["username"].as_str().unwrap_or_default().to_owned(),
                e["detail"]["via"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn api_calls_grant_the_admin_group_only_when_told_so() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "provisioning").await;
    let new_user = |name: &str, groups: Value| {
        json!({"username": name, "email": format!("{name}@example.com"),
               "password": "long enough password", "groups": groups})
    };

    // Create.
    let (s, b) = api
        .post("/users", new_user("mallory", json!(["staff", " admins "])))
        .await;
    refused(s, &b);
    let (s, b) = api.get("/users?q=mallory").await;
    assert_eq!((s, &b["total"]), (200, &json!(0)), "nothing was created");
    let (s, b) = api
        .post(
            "/users?allow_admin_group=true",
            new_user("alice", json!(["admins"])),
        )
        .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["groups"], json!(["admins"]));
    // Other groups need no flag.
    let (s, bob) = api.post("/users", new_user("bob", json!(["staff"]))).await;
    assert_eq!(s, 201, "{bob}");
    let bob = bob["id"].as_str().unwrap().to_owned();

    // PATCH: adding the admin group is refused, keeping it is not a grant.
    let patch = |id: &str, q: &str| format!("/users/{id}{q}");
    let (s, b) = api
        .json(
            Method::PATCH,
            &patch(&bob, ""),
            Some(json!({"groups": ["staff", "admins"]})),
        )
        .await;
    refused(s, &b);
    assert_eq!(groups_of(&api, &bob).await, json!(["staff"]));
    let (s, b) = api
        .json(
            Method::PATCH,
            &patch(&bob, "?allow_admin_group=true"),
            Some(json!({"groups": ["staff", "admins"]})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    let (s, b) = api
        .json(
            Method::PATCH,
            &patch(&bob, ""),
            Some(json!({"groups": ["admins"], "first_name": "Robert"})),
        )
        .await;
    assert_eq!((s, &b["groups"]), (200, &json!(["admins"])), "{b}");

    // Group endpoints: adding a member, and renaming a group onto the name.
    let (_, carol) = api.post("/users", new_user("carol", json!(["ops"]))).await;
    let carol = carol["id"].as_str().unwrap().to_owned();
    let (s, b) = api
        .post("/groups/admins/members", json!({"user_id": carol}))
        .await;
    refused(s, &b);
    let (s, b) = api
        .json(
            Method::PATCH,
            "/groups/ops",
            Some(json!({"name": "admins"})),
        )
        .await;
    assert!(s == 400 || s == 409, "{s} {b}");
    assert_eq!(groups_of(&api, &carol).await, json!(["ops"]));
    let (s, b) = api
        .post(
            "/groups/admins/members?allow_admin_group=true",
            json!({"user_id": carol}),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    // With the admin group renamed away, a group with members renamed onto it.
    // (The API keeps an administrator: renaming the group away is the CLI's.)
    let (_, dave) = api.post("/users", new_user("dave", json!(["ops2"]))).await;
    let (s, _) = api
        .json(
            Method::PATCH,
            "/groups/admins",
            Some(json!({"name": "former-admins"})),
        )
        .await;
    assert_eq!(s, 409);
    cli(&app, &["group", "rename", "admins", "former-admins"]).unwrap();
    let (s, b) = api
        .json(
            Method::PATCH,
            "/groups/ops2",
            Some(json!({"name": "admins"})),
        )
        .await;
    refused(s, &b);
    let (s, b) = api
        .json(
            Method::PATCH,
            "/groups/ops2?allow_admin_group=true",
            Some(json!({"name": "admins"})),
        )
        .await;
    assert_eq!(s, 200, "{b}");
    assert_eq!(
        groups_of(&api, dave["id"].as_str().unwrap()).await,
        json!(["admins"])
    );

    let mut got = grants(&api).await;
    got.sort();
    assert_eq!(
        got,
        vec![
            ("alice".to_owned(), "user_created".to_owned()),
            ("bob".to_owned(), "user_updated".to_owned()),
            ("carol".to_owned(), "group_member_added".to_owned()),
            ("dave".to_owned(), "group_renamed".to_owned()),
        ]
    );
}

#[tokio::test]
async fn imports_grant_the_admin_group_only_when_told_so() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "importer").await;
    let csv = "username,email,groups\nerin,erin@example.com,staff;admins\nfrank,frank@example.com,staff\n";

    // Without the flag: the admin row is a problem and is not created.
    let (s, v) = api.csv("mode=safe", csv).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["problems"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["problems"][0]["row"], 1);
    assert!(
        v["problems"][0]["message"]
            .as_str()
            .unwrap()
            .contains("allow_admin_group")
    );
    let id = v["id"].as_str().unwrap();
    let (s, r) = api
        .post(&format!("/imports/{id}/batches/1"), json!(null))
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, found) = api.get("/users?q=erin").await;
    assert_eq!(found["total"], 0);
    let (_, found) = api.get("/users?q=frank").await;
    assert_eq!(found["total"], 1);

    // With it: created in the group, and audited.
    let (s, v) = api.csv("mode=safe&allow_admin_group=true", csv).await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["problems"], json!([]));
    let id = v["id"].as_str().unwrap();
    let (s, r) = api
        .post(&format!("/imports/{id}/batches/1"), json!(null))
        .await;
    assert_eq!(s, 200, "{r}");
    let (_, found) = api.get("/users?q=erin").await;
    assert_eq!(found["items"][0]["groups"], json!(["admins", "staff"]));
    assert_eq!(
        grants(&api).await,
        vec![("erin".to_owned(), "import".to_owned())]
    );

    // The command line: refused per row without --allow-admin-group.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("admins.csv");
    std::fs::write(
        &path,
        "username,email,groups\ngrace,grace@example.com,admins\n",
    )
    .unwrap();
    let path = path.to_str().unwrap();
    let out = cli(&app, &["user", "import", "--csv", path, "--no-mail"]).unwrap();
    assert_eq!(out["problems"].as_array().unwrap().len(), 1, "{out}");
    assert_eq!(api.get("/users?q=grace").await.1["total"], 0);
    let out = cli(
        &app,
        &[
            "user",
            "import",
            "--csv",
            path,
            "--no-mail",
            "--allow-admin-group",
        ],
    )
    .unwrap();
    assert_eq!(out["counts"]["created"], 1, "{out}");
    let (_, audit) = api.get("/audit?user=grace").await;
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "admin_group_granted" && e["actor"] == "cli"),
        "{audit}"
    );
}

/// `user create` on the command line is how the first administrator is made,
/// so it needs no flag; but its grant is audited like any other, with the
/// creation itself, so that the audit log shows every way in.
#[tokio::test]
async fn the_command_line_audits_the_users_it_creates_and_their_grants() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "provisioning").await;
    for (name, group) in [("heidi", "admins"), ("ivan", "staff")] {
        let out = cli(
            &app,
            &[
                "user",
                "create",
                "--username",
                name,
                "--email",
                &format!("{name}@example.com"),
                "--group",
                group,
            ],
        )
        .unwrap();
        assert_eq!(out["groups"], json!([group]), "{out}");
    }
    let events = |user: &'static str| {
        let api = &api;
        async move {
            let (_, audit) = api.get(&format!("/audit?user={user}")).await;
            audit["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| e["actor"] == "cli")
                .map(|e| e["event"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    let heidi = events("heidi").await;
    assert!(heidi.contains(&"user_created".to_owned()), "{heidi:?}");
    assert!(
        heidi.contains(&"admin_group_granted".to_owned()),
        "{heidi:?}"
    );
    let ivan = events("ivan").await;
    assert_eq!(ivan, vec!["user_created".to_owned()]);
}
