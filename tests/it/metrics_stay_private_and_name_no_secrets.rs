//! The Prometheus endpoint lives on its own listener (`metrics.bind`), never on
//! the public one; its series count sign-ins and factor failures, and its labels
//! name route patterns, never a path with an interaction id or a token in it.

use crate::helpers::*;

async fn scrape(app: &TestApp) -> String {
    let port = app.metrics_port.expect("the metrics listener is on");
    let resp = reqwest::get(format!("http://127.0.0.1:{port}/metrics"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ct = resp.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/plain"), "{ct}");
    resp.text().await.unwrap()
}

/// A server with its metrics listener on.
async fn spawn_metered() -> TestApp {
    spawn_with(Options {
        metrics: true,
        ..Options::default()
    })
    .await
}

/// The value of the series whose line starts with `name{` and has every label
/// in `labels` (0 when absent: a counter not yet incremented).
fn value(text: &str, name: &str, labels: &[&str]) -> f64 {
    text.lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .filter(|l| labels.iter().all(|want| l.contains(want)))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The embedded store's live entries of one kind, as a scrape reports them.
fn store_entries(text: &str, kind: &str) -> f64 {
    value(
        text,
        "portcullis_store_entries",
        &[&format!("kind=\"{kind}\"")],
    )
}

#[tokio::test]
async fn metrics_are_served_apart_and_count_sign_ins() {
    let app = spawn_with(Options {
        metrics: true,
        toml: "[policy]\ndefault = \"mfa\"\n".into(),
        ..Options::default()
    })
    .await;
    let public = reqwest::get(app.url("/metrics")).await.unwrap();
    assert_eq!(public.status(), 404, "never on the public listener");

    let before = scrape(&app).await;
    let user = app.user("mira").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let totp = browser.login(&page, &user).await;
    let form = form_with(totp.html(), "code");
    let wrong = format!(
        "{:06}",
        (totp_code(&secret, 0).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    let refused = browser.submit(&form.clone().set("code", &wrong)).await;
    assert!(
        matches!(refused.status(), 400 | 401),
        "{}",
        refused.status()
    );

    let after = scrape(&app).await;
    let moved =
        |name: &str, labels: &[&str]| value(&after, name, labels) - value(&before, name, labels);
    assert!(moved("portcullis_logins_total", &["outcome=\"success\""]) >= 1.0);
    assert!(
        moved(
            "portcullis_factor_checks_total",
            &["method=\"totp\"", "outcome=\"failure\""]
        ) >= 1.0
    );
    assert!(
        moved(
            "portcullis_http_requests_total",
            &["route=\"/interaction/{id}/login\"", "method=\"POST\""]
        ) >= 1.0
    );
    assert!(after.contains("portcullis_http_request_duration_seconds_bucket{"));
}

#[tokio::test]
async fn route_labels_carry_no_ids_or_tokens() {
    let app = spawn_metered().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let action = form_with(page.html(), "password").action.clone();
    let id = action
        .split("/interaction/")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("an interaction id in the login form's action")
        .to_owned();
    assert!(id.len() >= 16, "{id}");
    assert_eq!(
        browser.get(&format!("/interaction/{id}")).await.status(),
        200
    );
    let token = "Zk3vQ9-secret-set-password-token-T2xw";
    browser.get(&format!("/set-password/{token}")).await;
    browser.get(&format!("/no-such-page/{token}")).await;

    let text = scrape(&app).await;
    assert!(text.contains("route=\"/interaction/{id}\""), "{text}");
    assert!(text.contains("route=\"/set-password/{token}\""), "{text}");
    assert!(
        !text.contains(&id),
        "the interaction id leaked into /metrics"
    );
    assert!(!text.contains(token), "the token leaked into /metrics");
}

/// The embedded store counts what it holds by kind, read at each scrape: a
/// pending sign-in while the login page is open, one browser session once
/// signed in (the anonymous one that bound the form is replaced, not kept).
#[tokio::test]
async fn the_embedded_store_reports_sessions_and_pending_sign_ins() {
    let app = spawn_metered().await;
    let fresh = scrape(&app).await;
    assert_eq!(store_entries(&fresh, "session"), 0.0, "{fresh}");
    let user = app.user("noor").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    let open = scrape(&app).await;
    assert_eq!(store_entries(&open, "login"), 1.0, "{open}");
    assert_eq!(store_entries(&open, "session"), 1.0, "{open}");
    browser.login(&page, &user).await;
    let signed_in = scrape(&app).await;
    assert_eq!(store_entries(&signed_in, "session"), 1.0, "{signed_in}");
    assert_eq!(store_entries(&signed_in, "login"), 0.0, "{signed_in}");
    assert!(
        signed_in.contains("\nportcullis_store_bytes "),
        "{signed_in}"
    );
}

/// A redeemed code leaves nothing in the store: its entry is taken and no mark
/// is kept for it, so memory does not grow with the sign-ins of the last
/// minute. A replay within the code's lifetime writes only what revokes the
/// code's grant; a made-up code writes nothing.
#[tokio::test]
async fn a_redeemed_code_leaves_nothing_behind() {
    let app = spawn_metered().await;
    let all = |text: &str| value(text, "portcullis_store_entries", &[]);
    let user = app.user("ines").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let back = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    let code = back.code();
    let issued = scrape(&app).await;
    assert_eq!(store_entries(&issued, "code"), 1.0, "{issued}");

    let first = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(first.status(), 200);
    let redeemed = scrape(&app).await;
    assert_eq!(store_entries(&redeemed, "code"), 0.0, "{redeemed}");
    assert_eq!(all(&redeemed), all(&issued) - 1.0, "{redeemed}");

    let mut altered = code.clone().into_bytes();
    let last = altered.len() - 1;
    altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).unwrap();
    let made_up = "x".repeat(code.len());
    for fake in [altered.as_str(), made_up.as_str()] {
        let r = app.exchange(&client, fake, Some(&params.verifier)).await;
        assert_eq!(r.status(), 400, "{fake}");
    }
    let after_fakes = scrape(&app).await;
    assert_eq!(all(&after_fakes), all(&redeemed), "{after_fakes}");

    let replay = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(replay.status(), 400);
    let replayed = scrape(&app).await;
    assert_eq!(store_entries(&replayed, "replayedcode"), 1.0, "{replayed}");
    assert_eq!(
        store_entries(&replayed, "atrev"),
        store_entries(&redeemed, "atrev") + 1.0,
        "the grant is denied: {replayed}"
    );
}

/// The user directory counts how it answered: a signed-in browser's
/// authorization and its token request from this server's snapshot, the first
/// lookup after a change moved the mark from the database.
#[tokio::test]
async fn directory_lookups_are_counted_by_answer() {
    let app = spawn_metered().await;
    let lookups = |text: &str, answer: &str| {
        value(
            text,
            "portcullis_directory_lookups_total",
            &["kind=\"user\"", &format!("answer=\"{answer}\"")],
        )
    };
    let user = app.user("odile").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client);
    let back = browser
        .login(&browser.authorize(&params).await, &user)
        .await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");

    let before = scrape(&app).await;
    let params = AuthParams::new(&client);
    let back = browser.authorize(&params).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "pwd");
    let hit = scrape(&app).await;
    assert!(
        lookups(&hit, "snapshot") - lookups(&before, "snapshot") >= 2.0,
        "{hit}"
    );

    portcullis::directory::changed(&app.state.store)
        .await
        .unwrap();
    let back = browser.authorize(&AuthParams::new(&client)).await;
    back.code();
    let changed = scrape(&app).await;
    assert!(
        lookups(&changed, "database") - lookups(&hit, "database") >= 1.0,
        "{changed}"
    );
}

/// A client may send any token as its method; the metrics name the standard
/// methods and count every other as `other`, so made-up methods cannot add a
/// series each to what the registry keeps for the life of the process.
#[tokio::test]
async fn made_up_methods_add_no_series() {
    let app = spawn_metered().await;
    // The registry is the process's: other tests count requests beside these.
    let discovery = [
        "route=\"/.well-known/openid-configuration\"",
        "method=\"GET\"",
        "status=\"200\"",
    ];
    let before = scrape(&app).await;
    let http = reqwest::Client::new();
    for i in 0..5 {
        let method = reqwest::Method::from_bytes(format!("PROBE{i}").as_bytes()).unwrap();
        let resp = http
            .request(method, app.url("/authorize"))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_client_error(), "{}", resp.status());
    }
    http.get(app.url("/.well-known/openid-configuration"))
        .send()
        .await
        .unwrap();
    let after = scrape(&app).await;
    let moved = |labels: &[&str]| {
        value(&after, "portcullis_http_requests_total", labels)
            - value(&before, "portcullis_http_requests_total", labels)
    };
    assert!(!after.contains("PROBE"), "{after}");
    assert!(moved(&["method=\"other\""]) >= 5.0, "{after}");
    assert!(moved(&discovery) >= 1.0, "{after}");
}
