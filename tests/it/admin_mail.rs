//! User mail: a real SMTP listener receives the onboarding mail, the test reads
//! the set-password link out of it, sets the password on the page and signs in.
//! The link works once, expires, and needs the form's CSRF token.

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::admin_helpers::AdminApi;
use crate::helpers::{
    AuthParams, Browser, Landing, Options, TestApp, TestUser, form_with, spawn_app, spawn_with,
};
use crate::smtp_server::{SmtpServer, decoded, link_token};

/// A server that mails through a real SMTP listener, and an admin API client.
async fn with_smtp() -> (SmtpServer, TestApp, AdminApi) {
    let smtp = SmtpServer::start().await;
    let app = spawn_with(Options {
        smtp_url: Some(smtp.url.clone()),
        ..Options::default()
    })
    .await;
    let api = AdminApi::new(&app, "onboard").await;
    (smtp, app, api)
}

#[tokio::test]
async fn onboarding_link_over_smtp_sets_the_password_once() {
    let (mut smtp, app, api) = with_smtp().await;
    let (s, u) = api
        .post(
            "/users",
            json!({"username": "dana", "email": "dana@example.com", "first_name": "Dana", "last_name": "Scully"}),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    assert_eq!(u["mail"], json!({"kind": "onboarding", "sent": true}));
    let msg = smtp.next_message().await;
    assert!(
        msg.contains("To: \"Dana Scully\" <dana@example.com>")
            || msg.contains("To: Dana Scully <dana@example.com>"),
        "{msg}"
    );
    assert!(msg.contains("Subject: Set your Portcullis password"));
    let token = link_token(&msg).expect("a set-password link in the mail");

    // The page: inputs password and password_confirm plus a hidden CSRF token.
    let browser = Browser::new(&app);
    let page = browser.get(&format!("/set-password/{token}")).await;
    assert_eq!(page.status(), 200);
    let form = form_with(page.html(), "password");
    assert!(form.get("password_confirm").is_some());
    assert!(form.get("csrf_token").is_some_and(|t| !t.is_empty()));

    // Without the hidden CSRF input it fails and changes nothing.
    let pw = "dana's new password";
    let done = browser
        .submit(
            &form
                .clone()
                .without("csrf_token")
                .set("password", pw)
                .set("password_confirm", pw),
        )
        .await;
    assert_eq!(done.status(), 400);
    // Mismatched confirmation, then a short password: re-rendered with a message.
    let form = form_with(done.html(), "password");
    let again = browser
        .submit(
            &form
                .set("password", pw)
                .set("password_confirm", "something else"),
        )
        .await;
    assert_eq!(again.status(), 400);
    assert!(again.html().contains("differ"));
    let form = form_with(again.html(), "password");
    let again = browser
        .submit(
            &form
                .set("password", "short")
                .set("password_confirm", "short"),
        )
        .await;
    assert_eq!(again.status(), 400);

    let form = form_with(again.html(), "password");
    let ok = browser
        .submit(&form.set("password", pw).set("password_confirm", pw))
        .await;
    assert_eq!(ok.status(), 200, "{}", ok.html());
    assert!(ok.html().contains("password-set"));

    // Single use: the link is dead now, for GET and POST.
    let reuse = browser.get(&format!("/set-password/{token}")).await;
    assert_eq!(reuse.status(), 400);
    let replay = browser
        .submit(
            &form_with(page.html(), "password")
                .set("password", "another password!")
                .set("password_confirm", "another password!"),
        )
        .await;
    assert_eq!(replay.status(), 400);

    // And the new password signs in through the normal flow.
    let client = app.client(false).await;
    let params = AuthParams::new(&client);
    let user = TestUser {
        id: u["id"].as_str().unwrap().to_owned(),
        username: "dana".into(),
        password: pw.into(),
    };
    let landing = Browser::new(&app);
    let page = landing.authorize(&params).await;
    let left = landing.login(&page, &user).await;
    assert!(matches!(left, Landing::Left { .. }), "{left:?}");
    let claims = app.tokens(&client, &params, &left).await;
    assert_eq!(claims["acr"], "pwd");

    // With a password: the welcome mail, no link.
    api.user("erin").await;
    let welcome = decoded(&smtp.next_message().await);
    assert!(welcome.contains("Subject: Welcome to Portcullis"));
    assert!(link_token(&welcome).is_none());
    let (_, audit) = api.get("/audit?user=dana").await;
    let events: Vec<(&str, &str)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["actor"].as_str().unwrap()))
        .collect();
    assert!(
        events.contains(&("password_set", "user:dana")),
        "{events:?}"
    );
    assert!(events.contains(&("mail_sent", "admin:onboard")));
}

#[tokio::test]
async fn expired_links_and_the_outbox_folder() {
    let app = spawn_app().await;
    let api = AdminApi::new(&app, "outbox").await;
    let (s, _) = api
        .post(
            "/users",
            json!({"username": "frank", "email": "frank@example.com"}),
        )
        .await;
    assert_eq!(s, 201);
    // Without mail.smtp_url the mail is an .eml file in mail.outbox_dir.
    let dir = &app.state.settings.mail.outbox_dir;
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let msg = std::fs::read_to_string(&files[0]).unwrap();
    assert!(msg.contains("frank@example.com"));
    let token = link_token(&msg).unwrap();
    let browser = Browser::new(&app);
    assert_eq!(
        browser
            .get(&format!("/set-password/{token}"))
            .await
            .status(),
        200
    );

    // Past its expiry the same link is refused.
    app.state
        .db
        .execute_unprepared("UPDATE password_tokens SET expires_at = expires_at - 1000000")
        .await
        .unwrap();
    let page = browser.get(&format!("/set-password/{token}")).await;
    assert_eq!(page.status(), 400);
    assert!(page.html().contains("expired"));
    assert_eq!(browser.get("/set-password/not-a-token").await.status(), 400);
    let creds = portcullis::db::users::credentials(&app.state.db, "frank")
        .await
        .unwrap()
        .unwrap();
    assert!(creds.password_hash.is_none());
}

/// A corrected address takes the old one's set-password link with it: whoever
/// reads the old mailbox cannot set the password after the change.
#[tokio::test]
async fn a_new_email_address_revokes_the_links_mailed_to_the_old_one() {
    let (mut smtp, app, api) = with_smtp().await;
    let (s, u) = api
        .post(
            "/users",
            json!({"username": "tess", "email": "tess@exmaple.com"}),
        )
        .await;
    assert_eq!(s, 201, "{u}");
    let token = link_token(&smtp.next_message().await).expect("a set-password link");
    let id = u["id"].as_str().unwrap();
    let (s, body) = api
        .json(
            reqwest::Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"first_name": "Tess"})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let browser = Browser::new(&app);
    assert_eq!(
        browser
            .get(&format!("/set-password/{token}"))
            .await
            .status(),
        200,
        "another change keeps the link"
    );
    let (s, body) = api
        .json(
            reqwest::Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"email": "tess@example.com"})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let page = browser.get(&format!("/set-password/{token}")).await;
    assert_eq!(page.status(), 400, "{}", page.html());

    // The log says what the address was and became, and which groups changed.
    let (s, body) = api
        .json(
            reqwest::Method::PATCH,
            &format!("/users/{id}"),
            Some(json!({"groups": ["staff"]})),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let updates: Vec<serde_json::Value> =
        portcullis::db::audit::list(&app.state.db, Some(id), None, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.event == "user_updated")
            .map(|e| e.detail)
            .collect();
    assert_eq!(
        updates[0]["groups"],
        json!({"added": ["staff"], "removed": []})
    );
    assert_eq!(
        updates[1]["email"],
        json!({"from": "tess@exmaple.com", "to": "tess@example.com"})
    );
    assert!(updates[2].get("email").is_none(), "{}", updates[2]);
}
