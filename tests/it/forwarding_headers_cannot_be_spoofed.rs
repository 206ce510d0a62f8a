//! The client address behind a trusted proxy comes from the one header that proxy
//! sets, read as a whole and from the right; a trusted peer that names no client
//! is an unknown address, never the proxy's own. Otherwise a client could earn
//! the office network's exemption from 2FA.

use crate::helpers::*;

fn office(networks: &str) -> String {
    format!(
        "[policy]\ndefault = \"mfa\"\n[[policy.rules]]\nname = \"office network: no 2FA\"\nnetworks = [\"{networks}\"]\nrequire = \"pwd\"\n"
    )
}

/// The office rules behind a proxy at 127.0.0.1 (the test client) that sets `header`.
async fn behind_proxy(header: &str, networks: &str) -> TestApp {
    spawn_with(Options {
        trusted_proxies: vec!["127.0.0.1/32".into()],
        forwarded_header: Some(header.into()),
        toml: office(networks),
        ..Options::default()
    })
    .await
}

#[tokio::test]
async fn a_client_cannot_send_the_other_header_through_the_proxy() {
    // The proxy sets X-Forwarded-For (appending the real address); the client
    // adds a Forwarded header of its own, which the proxy passes on.
    let app = behind_proxy("x-forwarded-for", "10.0.0.0/8").await;
    let client = app.client(false).await;
    let user = app.user("xff-spoofer").await;
    let spoofing = Browser::with_headers(
        &app,
        &[
            ("forwarded", "for=10.20.30.40"),
            ("x-forwarded-for", "203.0.113.5"),
        ],
    );
    assert!(
        asks_for_a_code(&spoofing, &client, &user).await,
        "Forwarded is not the configured header: it is ignored"
    );
    let really_inside = Browser::with_headers(&app, &[("x-forwarded-for", "10.20.30.40")]);
    assert!(!asks_for_a_code(&really_inside, &client, &user).await);

    // The same with the roles swapped: a proxy that sets Forwarded.
    let app = behind_proxy("forwarded", "10.0.0.0/8").await;
    let client = app.client(false).await;
    let user = app.user("fwd-spoofer").await;
    let spoofing = Browser::with_headers(
        &app,
        &[
            ("x-forwarded-for", "10.20.30.40"),
            ("forwarded", "for=203.0.113.5"),
        ],
    );
    assert!(asks_for_a_code(&spoofing, &client, &user).await);
    let really_inside = Browser::with_headers(&app, &[("forwarded", "for=10.20.30.40")]);
    assert!(!asks_for_a_code(&really_inside, &client, &user).await);
}

#[tokio::test]
async fn every_line_of_the_header_is_read_from_the_right() {
    // The client sends a line of its own; the proxy adds its line after it.
    let app = behind_proxy("x-forwarded-for", "10.0.0.0/8").await;
    let client = app.client(false).await;
    let user = app.user("two-lines").await;
    let b = Browser::new(&app);
    let two_lines = |r: reqwest::RequestBuilder| {
        r.header("x-forwarded-for", "10.20.30.40")
            .header("x-forwarded-for", "203.0.113.5")
    };
    let params = AuthParams::new(&client);
    let r = two_lines(
        b.http
            .get(app.url(&format!("/authorize?{}", params.query()))),
    )
    .send()
    .await
    .unwrap();
    let page = two_lines(
        b.http
            .get(app.url(r.headers()["location"].to_str().unwrap())),
    )
    .send()
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let form = form_with(&page, "password")
        .set("username", &user.username)
        .set("password", &user.password);
    let r = two_lines(b.http.post(app.url(&form.action)).form(&form.fields))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let next = two_lines(
        b.http
            .get(app.url(r.headers()["location"].to_str().unwrap())),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(next.status(), 200, "no code for the client: a page");
    assert!(next.text().await.unwrap().contains("name=\"code\""));
}

#[tokio::test]
async fn a_trusted_peer_that_names_no_client_earns_no_exemption() {
    // The proxy's own address is inside the office network; a request it passes
    // on without naming the client must not borrow that address.
    let app = behind_proxy("x-forwarded-for", "127.0.0.0/8").await;
    let client = app.client(false).await;
    let user = app.user("nameless").await;
    assert!(asks_for_a_code(&Browser::new(&app), &client, &user).await);
    let app = behind_proxy("forwarded", "127.0.0.0/8").await;
    let client = app.client(false).await;
    let user = app.user("nameless").await;
    assert!(asks_for_a_code(&Browser::new(&app), &client, &user).await);
    let no_for = Browser::with_headers(&app, &[("forwarded", "proto=https;host=id.example.com")]);
    assert!(asks_for_a_code(&no_for, &client, &user).await);

    // The audit does not name the proxy's address as the client's.
    let rows = portcullis::db::audit::list(&app.state.db, Some("nameless"), None, 50)
        .await
        .unwrap();
    let password = rows
        .iter()
        .find(|r| r.event == "password")
        .expect("a password row");
    assert_eq!(password.ip, None, "{password:?}");
}

/// A proxy and an office network written in their IPv4-mapped IPv6 form (as a
/// listener on `[::]` prints them) mean the IPv4 ones: the proxy is trusted,
/// and only a client inside the office is exempt.
#[tokio::test]
async fn mapped_forms_of_the_proxy_and_the_office_network_hold() {
    let app = spawn_with(Options {
        trusted_proxies: vec!["::ffff:127.0.0.1".into()],
        forwarded_header: Some("x-forwarded-for".into()),
        toml: office("::ffff:10.0.0.0/104"),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let user = app.user("mapped").await;
    let inside = Browser::with_headers(&app, &[("x-forwarded-for", "10.20.30.40")]);
    assert!(!asks_for_a_code(&inside, &client, &user).await);
    let outside = Browser::with_headers(&app, &[("x-forwarded-for", "203.0.113.5")]);
    assert!(asks_for_a_code(&outside, &client, &user).await);
}
