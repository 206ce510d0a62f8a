//! Conditional 2FA: one test per use case of the seed documents, the floor rule,
//! header spoofing, the per-user switch, enforce-for-all, dry-run and audit.

use crate::helpers::*;

fn asks_code(l: &Landing) -> bool {
    matches!(l, Landing::Page { .. }) && l.html().contains("name=\"code\"")
}

/// Password login at `client`; true when a second factor (or enrollment) is asked.
async fn second_factor_asked(
    app: &TestApp,
    browser: &Browser,
    client: &TestClient,
    user: &TestUser,
) -> bool {
    let page = browser.authorize(&AuthParams::new(client)).await;
    let after = browser.login(&page, user).await;
    match &after {
        Landing::Left { .. } => {
            after.code();
            false
        }
        Landing::Page { .. } => {
            assert!(asks_code(&after), "{}", after.html());
            let _ = app;
            true
        }
    }
}

async fn fresh(app: &TestApp, client: &TestClient, user: &TestUser) -> bool {
    second_factor_asked(app, &Browser::new(app), client, user).await
}

fn rules(toml: &str) -> Options {
    Options {
        toml: toml.into(),
        ..Options::default()
    }
}

/// The office rules, behind a proxy at 127.0.0.1 that the server trusts.
fn behind_proxy() -> Options {
    Options {
        trusted_proxies: vec!["127.0.0.1/32".into()],
        ..rules(OFFICE)
    }
}

#[tokio::test]
async fn two_fa_for_all_users() {
    let app = spawn_with(rules("[policy]\ndefault = \"mfa\"\n")).await;
    let client = app.client(false).await;
    let employee = app.user_in("emp1", &["employees"]).await;
    let customer = app.user_in("cust1", &["customers"]).await;
    assert!(fresh(&app, &client, &employee).await);
    assert!(fresh(&app, &client, &customer).await);
}

#[tokio::test]
async fn two_fa_only_for_some_groups() {
    let app = spawn_with(rules(
        "[[policy.rules]]\nname = \"jira users\"\ngroups = [\"jira-users\", \"confluence-users\"]\nrequire = \"mfa\"\n",
    ))
    .await;
    let client = app.client(false).await;
    assert!(
        fresh(
            &app,
            &client,
            &app.user_in("in-group", &["confluence-users"]).await
        )
        .await
    );
    assert!(!fresh(&app, &client, &app.user_in("outside", &["others"]).await).await);
}

#[tokio::test]
async fn two_fa_for_all_except_some_users() {
    let app = spawn_with(rules(
        "[policy]\ndefault = \"mfa\"\n[[policy.rules]]\nname = \"break-glass accounts\"\nusers = [\"svc-backup\"]\nrequire = \"pwd\"\n",
    ))
    .await;
    let client = app.client(false).await;
    assert!(!fresh(&app, &client, &app.user("svc-backup").await).await);
    assert!(fresh(&app, &client, &app.user("alice").await).await);
}

#[tokio::test]
async fn two_fa_only_for_service_desk_agents_on_the_service_desk() {
    let app = spawn_app().await;
    let desk = app.client(false).await;
    let wiki = app.client(false).await;
    let toml = format!(
        "[[policy.rules]]\nname = \"agents on the service desk\"\ngroups = [\"service-desk-agents\"]\nclients = [\"{}\"]\nrequire = \"mfa\"\n",
        desk.client_id
    );
    // Rules name clients by id: restart with the same database and the rule.
    let app2 = spawn_with(Options {
        toml,
        database_url: Some(app.state.settings.database_url.expose().to_string()),
        ..Options::default()
    })
    .await;
    let agent = app2.user_in("agent", &["service-desk-agents"]).await;
    let customer = app2.user_in("customer", &["customers"]).await;
    assert!(fresh(&app2, &desk, &agent).await);
    assert!(
        !fresh(&app2, &wiki, &agent).await,
        "the agent is not asked on other apps"
    );
    assert!(!fresh(&app2, &desk, &customer).await);
}

#[tokio::test]
async fn two_fa_for_customers_while_employees_are_exempt() {
    let app = spawn_with(rules(
        "[[policy.rules]]\nname = \"employees: 2FA at their own IdP\"\ngroups = [\"employees\"]\nrequire = \"pwd\"\n[[policy.rules]]\nname = \"customers always 2FA\"\ngroups = [\"customers\"]\nrequire = \"mfa\"\n",
    ))
    .await;
    let client = app.client(false).await;
    assert!(
        fresh(
            &app,
            &client,
            &app.user_in("acme-buyer", &["customers"]).await
        )
        .await
    );
    assert!(!fresh(&app, &client, &app.user_in("staff", &["employees"]).await).await);
}

const OFFICE: &str = "[policy]\ndefault = \"mfa\"\n[[policy.rules]]\nname = \"office network: no 2FA\"\nnetworks = [\"10.0.0.0/8\", \"fd00::/8\"]\nrequire = \"pwd\"\n";

#[tokio::test]
async fn skip_2fa_in_the_office_but_ask_from_home() {
    let app = spawn_with(behind_proxy()).await;
    let client = app.client(false).await;
    let user = app.user("remote").await;
    let office = Browser::forwarded_for(&app, "10.20.30.40");
    assert!(!second_factor_asked(&app, &office, &client, &user).await);
    let home = Browser::forwarded_for(&app, "203.0.113.5");
    assert!(second_factor_asked(&app, &home, &client, &user).await);
    let office6 = Browser::forwarded_for(&app, "fd00::1234");
    assert!(!second_factor_asked(&app, &office6, &client, &user).await);
}

#[tokio::test]
async fn a_spoofed_forwarded_header_from_an_untrusted_peer_changes_nothing() {
    // Same rules, but the test client (127.0.0.1) is not a trusted proxy.
    let app = spawn_with(rules(OFFICE)).await;
    let client = app.client(false).await;
    let user = app.user("mallory").await;
    let spoofing = Browser::forwarded_for(&app, "10.20.30.40");
    assert!(
        second_factor_asked(&app, &spoofing, &client, &user).await,
        "the header is ignored"
    );
}

#[tokio::test]
async fn an_explicit_request_is_a_floor_the_office_network_cannot_lower() {
    let app = spawn_with(behind_proxy()).await;
    let client = app.client(false).await;
    let user = app.user("floor").await;
    let secret = app.give_totp(&user).await;
    let office = Browser::forwarded_for(&app, "10.20.30.40");
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = office.authorize(&params).await;
    let page = office.login(&page, &user).await;
    assert!(
        asks_code(&page),
        "acr_values=mfa is met even inside the office"
    );
    let back = office
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "mfa");

    // And the per-user switch does not lower it either.
    let exempt = app.user("exempt").await;
    cli(&app, &["user", "two-factor", "exempt", "off"]).unwrap();
    let b = Browser::forwarded_for(&app, "203.0.113.5");
    assert!(
        !second_factor_asked(&app, &b, &client, &exempt).await,
        "switch off: no policy 2FA from home"
    );
    let page = b
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    assert!(
        asks_code(&page),
        "but an explicit mfa request still steps up"
    );
}

#[tokio::test]
async fn enforce_for_all_enrolls_users_without_a_factor_at_next_login() {
    let app = spawn_with(rules(
        "[policy]\nmode = \"enforced\"\n[[policy.rules]]\nname = \"lenient\"\nrequire = \"pwd\"\n",
    ))
    .await;
    let client = app.client(false).await;
    let user = app.user("newbie").await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let enroll = browser.login(&page, &user).await;
    assert!(
        enroll.html().contains("data-otpauth"),
        "enrollment at next login"
    );

    let exempt = app.user("exempt-user").await;
    cli(&app, &["user", "two-factor", "exempt-user", "off"]).unwrap();
    assert!(
        !fresh(&app, &client, &exempt).await,
        "the switch exempts from policy-driven 2FA"
    );
    assert!(
        cli(&app, &["user", "two-factor", "nobody", "off"])
            .unwrap_err()
            .contains("unknown user")
    );
}

#[tokio::test]
async fn policy_explain_dry_run_and_audit_log() {
    let app = spawn_with(behind_proxy()).await;
    let client = app.client(false).await;
    let user = app.user_in("debbie", &["customers"]).await;

    let out = cli(
        &app,
        &[
            "policy",
            "explain",
            "--user",
            "debbie",
            "--client",
            &client.client_id,
            "--ip",
            "10.1.1.1",
        ],
    )
    .unwrap();
    assert_eq!(out["level"], "pwd");
    assert_eq!(out["rule"], "office network: no 2FA");
    let out = cli(
        &app,
        &[
            "policy",
            "explain",
            "--user",
            "debbie",
            "--client",
            &client.client_id,
            "--ip",
            "198.51.100.1",
        ],
    )
    .unwrap();
    assert_eq!(out["level"], "mfa");
    assert_eq!(out["rule"], serde_json::Value::Null);
    assert!(
        out["rules"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("not in networks")
    );
    let out = cli(
        &app,
        &[
            "policy",
            "explain",
            "--user",
            "debbie",
            "--client",
            &client.client_id,
            "--ip",
            "10.1.1.1",
            "--acr",
            "phr",
        ],
    )
    .unwrap();
    assert_eq!(out["level"], "phr", "the floor rule in the dry-run too");
    assert!(
        cli(
            &app,
            &[
                "policy",
                "explain",
                "--user",
                "debbie",
                "--client",
                &client.client_id,
                "--ip",
                "x"
            ]
        )
        .is_err()
    );

    // A stored rule, added at run time, applies after the configured ones.
    cli(
        &app,
        &[
            "policy",
            "rules",
            "add",
            "--name",
            "customers phr",
            "--group",
            "customers",
            "--require",
            "phr",
        ],
    )
    .unwrap();
    let out = cli(
        &app,
        &[
            "policy",
            "explain",
            "--user",
            "debbie",
            "--client",
            &client.client_id,
            "--ip",
            "198.51.100.1",
        ],
    )
    .unwrap();
    assert_eq!(
        (out["level"].as_str(), out["rule"].as_str()),
        (Some("phr"), Some("customers phr"))
    );
    assert!(
        cli(
            &app,
            &[
                "policy",
                "rules",
                "add",
                "--name",
                "bad",
                "--require",
                "gold"
            ]
        )
        .is_err()
    );
    cli(&app, &["policy", "rules", "delete", "customers phr"]).unwrap();

    // Decisions and factor results are audited, newest first.
    let office = Browser::forwarded_for(&app, "10.9.9.9");
    let page = office.authorize(&AuthParams::new(&client)).await;
    let bad = form_with(page.html(), "password")
        .set("username", "debbie")
        .set("password", "wrong-password");
    let page = office.submit(&bad).await;
    office.login(&page, &user).await.code();
    let log = cli(&app, &["audit", "list", "--user", "debbie"]).unwrap();
    let items = log["items"].as_array().unwrap();
    let events: Vec<(&str, &str)> = items
        .iter()
        .map(|e| (e["event"].as_str().unwrap(), e["outcome"].as_str().unwrap()))
        .collect();
    assert_eq!(
        events[..3],
        [
            ("authorization", "issued"),
            ("password", "success"),
            ("password", "failure")
        ],
        "{log}"
    );
    assert_eq!(items[0]["rule"], "office network: no 2FA");
    assert_eq!(items[0]["ip"], "10.9.9.9");
    assert_eq!(items[0]["level"], "pwd");
    assert_eq!(items[0]["client_id"], client.client_id);
    let future = (chrono::Utc::now().timestamp() + 3600).to_string();
    assert!(
        cli(&app, &["audit", "list", "--since", &future]).unwrap()["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

/// A client's minimum acr that no longer names a level (its alias removed from
/// the configuration since) fails the login with 503 after the password,
/// rather than fall to a password alone.
#[tokio::test]
async fn a_minimum_acr_that_names_no_level_fails_closed() {
    use portcullis::db::clients::ClientProfile;

    let app = spawn_app().await;
    let user = app.user("mona").await;
    let client = app.client_made(&[], ClientProfile::default()).await;
    let mut c = portcullis::db::clients::find(&app.state.db, &client.client_id)
        .await
        .unwrap()
        .unwrap();
    c.minimum_acr = Some("urn:example:removed-alias".into());
    portcullis::db::clients::save(&app.state.db, &c)
        .await
        .unwrap();
    app.state.cache.forget_client(&client.client_id);
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let after = browser.login(&page, &user).await;
    match after {
        Landing::Page { status, .. } => assert_eq!(status, 503),
        Landing::Left { location, .. } => panic!("signed in with a password alone: {location}"),
    }
}
