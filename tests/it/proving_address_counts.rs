//! The policy is decided for the address of every request that proves something,
//! not only for the authorization request: a login started inside the office
//! network and whose password comes from outside is held to the outside rule.

use reqwest::header::LOCATION;

use crate::helpers::*;

const OFFICE_IP: &str = "10.20.30.40";
const OUTSIDE_IP: &str = "203.0.113.5";

/// Follows redirects on the provider, each request sent from `ip`.
async fn follow(app: &TestApp, b: &Browser, mut resp: reqwest::Response, ip: &str) -> Landing {
    while resp.status().is_redirection() {
        let location = resp.headers()[LOCATION].to_str().unwrap().to_string();
        let next = if location.starts_with('/') {
            app.url(&location)
        } else {
            location
        };
        if !next.starts_with(&app.issuer) {
            return Landing::Left {
                status: resp.status().as_u16(),
                location: next,
            };
        }
        resp = b
            .http
            .get(&next)
            .header("x-forwarded-for", ip)
            .send()
            .await
            .unwrap();
    }
    Landing::Page {
        status: resp.status().as_u16(),
        html: resp.text().await.unwrap(),
    }
}

async fn submit_from(app: &TestApp, b: &Browser, form: &Form, ip: &str, next_ip: &str) -> Landing {
    let resp = b
        .http
        .post(app.url(&form.action))
        .header("x-forwarded-for", ip)
        .form(&form.fields)
        .send()
        .await
        .unwrap();
    follow(app, b, resp, next_ip).await
}

/// An authorization request from the office; returns the login form filled in.
async fn start_in_office(app: &TestApp, b: &Browser, params: &AuthParams, user: &TestUser) -> Form {
    let start = b
        .http
        .get(app.url(&format!("/authorize?{}", params.query())))
        .header("x-forwarded-for", OFFICE_IP)
        .send()
        .await
        .unwrap();
    let page = follow(app, b, start, OFFICE_IP).await;
    form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password)
}

#[tokio::test]
async fn a_password_posted_from_outside_needs_a_second_factor() {
    let app = spawn_with(Options {
        trusted_proxies: vec!["127.0.0.1/32".into()],
        toml: "[policy]\ndefault = \"mfa\"\n[[policy.rules]]\nname = \"office network: no 2FA\"\nnetworks = [\"10.0.0.0/8\"]\nrequire = \"pwd\"\n".into(),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;

    // Inside the office from start to end: exempt.
    let inside = app.user("inside").await;
    app.give_totp(&inside).await;
    let b = Browser::new(&app);
    let params = AuthParams::new(&client);
    let login = start_in_office(&app, &b, &params, &inside).await;
    let back = submit_from(&app, &b, &login, "10.1.1.1", OFFICE_IP).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");

    // Started in the office; every request but the password's comes from there.
    let user = app.user("roaming").await;
    let secret = app.give_totp(&user).await;
    let b = Browser::new(&app);
    let params = AuthParams::new(&client);
    let login = start_in_office(&app, &b, &params, &user).await;
    let after = submit_from(&app, &b, &login, OUTSIDE_IP, OFFICE_IP).await;
    assert!(
        matches!(&after, Landing::Page { html, .. } if html.contains("name=\"code\"")),
        "the password came from outside: a second factor is asked, {after:?}"
    );

    let code = form_with(after.html(), "code").set("code", &totp_code(&secret, 0));
    let back = submit_from(&app, &b, &code, OFFICE_IP, OFFICE_IP).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "mfa");

    // The audit says which address set the level, and lists every address.
    let rows = portcullis::db::audit::list(&app.state.db, Some("roaming"), None, 50)
        .await
        .unwrap();
    let issued = rows
        .iter()
        .find(|r| r.event == "authorization")
        .expect("an authorization row");
    assert_eq!(issued.outcome, "issued");
    assert_eq!(issued.ip.as_deref(), Some(OUTSIDE_IP));
    assert_eq!(issued.level.as_deref(), Some("mfa"));
    assert_eq!(issued.rule, None, "no rule fired for the outside address");
    let listed = issued.detail["addresses"].to_string();
    assert!(
        listed.contains(OFFICE_IP) && listed.contains(OUTSIDE_IP),
        "{listed}"
    );

    // `policy explain` answers the same for a login from both addresses.
    let explained = cli(
        &app,
        &[
            "policy",
            "explain",
            "--user",
            "roaming",
            "--client",
            &client.client_id,
            "--ip",
            OFFICE_IP,
            "--ip",
            OUTSIDE_IP,
        ],
    )
    .unwrap();
    assert_eq!(explained["level"], "mfa", "{explained}");
    assert_eq!(explained["rule"], serde_json::Value::Null);
    assert_eq!(explained["ip"], OUTSIDE_IP);
    let office_only = cli(
        &app,
        &[
            "policy",
            "explain",
            "--user",
            "roaming",
            "--client",
            &client.client_id,
            "--ip",
            OFFICE_IP,
        ],
    )
    .unwrap();
    assert_eq!(office_only["level"], "pwd");
    assert_eq!(office_only["rule"], "office network: no 2FA");
}
