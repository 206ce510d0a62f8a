//! A username that reads like another is not a second account: "аlice" with a
//! Cyrillic "а", or "ａlice" in fullwidth letters, would show as "alice" in the
//! console, the audit log and a service provider's NameID. Refused when made
//! or renamed, through the API, the command line and a CSV import, and
//! nothing is written.

use reqwest::Method;
use serde_json::json;

use crate::admin_helpers::AdminApi;
use crate::helpers::{cli, spawn_app};

const CYRILLIC_A: &str = "\u{430}lice";
const FULLWIDTH_A: &str = "\u{FF41}lice";

#[tokio::test]
async fn look_alike_usernames_are_refused_everywhere_and_change_nothing() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "look-alikes").await;
    let alice = api.user("alice").await;
    let bob = api.user("bob").await;

    for (name, why) in [
        (CYRILLIC_A, "mixes Latin, Greek or Cyrillic"),
        (FULLWIDTH_A, "plain form"),
    ] {
        let (s, e) = api
            .post(
                "/users",
                json!({"username": name, "email": "other@example.com"}),
            )
            .await;
        assert_eq!(s, 400, "{name}: {e}");
        assert_eq!(e["error"], "invalid_request");
        assert!(
            e["error_description"].as_str().unwrap().contains(why),
            "{e}"
        );

        // Renaming another account to it is refused the same way.
        let path = format!("/users/{}", bob["id"].as_str().unwrap());
        let (s, e) = api
            .json(Method::PATCH, &path, Some(json!({"username": name})))
            .await;
        assert_eq!(s, 400, "{name}: {e}");
        let (_, still) = api.get(&path).await;
        assert_eq!(still["username"], "bob");

        let err = cli(
            &app,
            &[
                "user",
                "create",
                "--username",
                name,
                "--email",
                "cli@example.com",
            ],
        )
        .expect_err("the command line made it");
        assert!(err.contains(why), "{err}");
    }

    // A CSV import names the row and creates no one.
    let (s, report) = api
        .csv(
            "mode=safe",
            &format!("username,email\ncarol,carol@example.com\n{CYRILLIC_A},csv@example.com\n"),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["problems"][0]["row"], 2, "{report}");
    let message = report["problems"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("mixes Latin, Greek or Cyrillic"),
        "{message}"
    );

    // A Cyrillic name and a Cyrillic mailbox at a Latin domain are fine.
    api.user("\u{438}\u{432}\u{430}\u{43D}").await;

    let (_, found) = api.get("/users?q=lice").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["id"], alice["id"]);
}
