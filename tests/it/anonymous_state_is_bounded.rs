//! What an anonymous client can make the provider keep is bounded: parameter
//! sizes on the authorization request, a browser session only where a page needs
//! one, and a cap on the embedded store that fails closed (503) instead of
//! growing or dropping live sessions.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::SET_COOKIE;

use crate::helpers::*;

fn entries(app: &TestApp) -> usize {
    app.state
        .store
        .usage()
        .expect("the embedded store counts")
        .entries
}

/// A browser that follows no redirect, so each request is seen alone.
fn bare() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Whether a response hands the browser a session (a removal does not count).
fn sets_session(resp: &reqwest::Response) -> bool {
    resp.headers().get_all(SET_COOKIE).iter().any(|h| {
        h.to_str()
            .unwrap()
            .strip_prefix("portcullis_session=")
            .is_some_and(|v| !v.starts_with(';') && !v.is_empty())
    })
}

fn claims_of(len: usize) -> String {
    let head = r#"{"id_token":{"acr":{"essential":true,"values":["mfa"]}},"pad":""#;
    format!("{head}{}\"}}", "x".repeat(len - head.len() - 2))
}

#[tokio::test]
async fn over_long_parameters_are_invalid_requests_and_nothing_is_kept() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    // Within the bounds the request goes on to the login page.
    let fits = AuthParams::new(&client)
        .set("claims", &claims_of(4096))
        .set("nonce", &"n".repeat(512))
        .set("state", &"s".repeat(2048))
        .set("login_hint", &"h".repeat(256));
    let page = browser.authorize(&fits).await;
    assert_eq!(page.status(), 200, "{page:?}");
    form_with(page.html(), "password");

    let before = entries(&app);
    let cases = [
        ("claims", claims_of(4097)),
        ("nonce", "n".repeat(513)),
        ("login_hint", "h".repeat(257)),
        ("idp_hint", "i".repeat(257)),
        ("acr_values", "mfa ".repeat(257)),
        ("ui_locales", "de ".repeat(86)),
        ("scope", format!("openid {}", "profile ".repeat(128))),
        // An extension parameter: only the bound on the whole request applies.
        ("x_padding", "p".repeat(16 * 1024)),
    ];
    for (name, value) in &cases {
        let params = AuthParams::new(&client).set(name, value);
        let q = browser.authorize(&params).await.params();
        assert_eq!(q["error"], "invalid_request", "{name}");
        assert!(
            q["error_description"].contains("longer") || q["error_description"].contains("larger")
        );
        assert_eq!(q["state"], params.state, "{name}");
        assert_eq!(q["iss"], app.issuer, "{name}");
        // The same by POST (OIDC Core §3.1.2.1).
        let posted = browser
            .land(
                browser
                    .http
                    .post(app.url("/authorize"))
                    .form(&params.pairs)
                    .send()
                    .await
                    .unwrap(),
            )
            .await
            .params();
        assert_eq!(posted["error"], "invalid_request", "POST {name}");
    }
    assert_eq!(entries(&app), before, "a refused request keeps nothing");

    // No parameter carries control characters; kept, each would take six
    // bytes of JSON. `claims` may be formatted with JSON's whitespace.
    for (name, value) in [
        ("nonce", "n\u{1}n"),
        ("login_hint", "a\u{0}b"),
        ("idp_hint", "corp\u{7f}"),
        ("state", "s\u{1b}[2J"),
        ("claims", "{\"id_token\":{\"acr\":null}}\u{8}"),
    ] {
        let params = AuthParams::new(&client).set(name, value);
        let q = browser.authorize(&params).await.params();
        assert_eq!(q["error"], "invalid_request", "{name}");
        assert!(
            q["error_description"].contains("control character"),
            "{name}"
        );
    }
    assert_eq!(entries(&app), before, "a refused request keeps nothing");
    let formatted = AuthParams::new(&client).set(
        "claims",
        "{\n\t\"id_token\": {\r\n\t\t\"acr\": {\"essential\": true, \"values\": [\"mfa\"]}\n\t}\n}",
    );
    let page = browser.authorize(&formatted).await;
    assert_eq!(page.status(), 200, "{page:?}");
    form_with(page.html(), "password");
    let before = entries(&app);

    // A state too long to echo cannot be answered by redirect; nor can any
    // request whose redirect URI is not registered.
    let too_long_state = AuthParams::new(&client).set("state", &"s".repeat(2049));
    let unregistered = AuthParams::new(&client)
        .set("redirect_uri", "https://evil.example/cb")
        .set("claims", &claims_of(5000));
    for params in [too_long_state, unregistered] {
        match browser.authorize(&params).await {
            Landing::Page { status, .. } => assert_eq!(status, 400),
            Landing::Left { location, .. } => panic!("redirected to {location}"),
        }
    }
    assert_eq!(entries(&app), before);
}

#[tokio::test]
async fn only_a_page_makes_a_browser_session() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    // A browser that keeps cookies (the pending request is bound to it) but
    // follows no redirect.
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let before = entries(&app);
    let silent = [
        AuthParams::new(&client).set("prompt", "none"),
        AuthParams::new(&client).set("response_type", "token"),
        AuthParams::new(&client).set("client_id", "no-such-client"),
        AuthParams::new(&client).set("nonce", &"n".repeat(600)),
    ];
    for params in &silent {
        let resp = http
            .get(format!("{}/authorize?{}", app.issuer, params.query()))
            .send()
            .await
            .unwrap();
        assert!(!sets_session(&resp), "{:?}", params.pairs);
    }
    for path in ["/logout", "/jwks"] {
        let resp = http.get(app.url(path)).send().await.unwrap();
        assert!(!sets_session(&resp), "{path}");
    }
    // The account page and the console start a sign-in through /authorize;
    // what it needs back travels sealed in the browser's cookie.
    for path in ["/account/login", "/admin/login"] {
        let resp = http.get(app.url(path)).send().await.unwrap();
        assert_eq!(resp.status(), 302, "{path}");
        assert!(!sets_session(&resp), "{path}");
    }
    assert_eq!(
        entries(&app),
        before,
        "nothing kept for requests that show no page"
    );
    // A wrong set-password link shows no form, so no session; the guess itself
    // is counted against the address (one counter per address, not per request).
    let resp = http
        .get(app.url("/set-password/not-a-token"))
        .send()
        .await
        .unwrap();
    assert!(!sets_session(&resp));
    let counted = entries(&app);
    let resp = http
        .get(app.url("/set-password/not-a-token-either"))
        .send()
        .await
        .unwrap();
    assert!(!sets_session(&resp));
    assert_eq!(entries(&app), counted);
    let before = counted;

    // A request that needs the user keeps itself (one entry) and still no session:
    // that is made by the login page, which binds its CSRF token to it.
    let resp = http
        .get(format!(
            "{}/authorize?{}",
            app.issuer,
            AuthParams::new(&client).query()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    assert!(!sets_session(&resp));
    assert_eq!(entries(&app), before + 1);
    let page = resp.headers()["location"].to_str().unwrap().to_owned();
    let resp = http.get(app.url(&page)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(sets_session(&resp), "the login page needs a session");
    // Nobody signed in to it: it lives as long as the form's CSRF token, not
    // the 12 hours of a signed-in session.
    let ttl = app
        .state
        .store
        .ttl(&session_key(&resp))
        .await
        .unwrap()
        .unwrap();
    assert!(
        ttl <= Duration::from_secs(30 * 60),
        "anonymous session kept {ttl:?}"
    );
}

/// The store key of the session a response hands out.
fn session_key(resp: &reqwest::Response) -> String {
    let value = resp
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .find_map(|h| h.to_str().unwrap().strip_prefix("portcullis_session="))
        .unwrap();
    let cookie = value.split(';').next().unwrap();
    format!("session:{}", portcullis::secrets::digest(cookie))
}

#[tokio::test]
async fn a_signed_in_session_keeps_its_full_lifetime() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("bob").await;
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());
    let page = browser.authorize(&AuthParams::new(&client)).await;
    browser.login(&page, &user).await.code();
    let key = format!(
        "session:{}",
        portcullis::secrets::digest(&cookie_in(&jar, &app))
    );
    let ttl = app.state.store.ttl(&key).await.unwrap().unwrap();
    assert!(
        ttl > Duration::from_secs(11 * 3600),
        "signed-in session kept {ttl:?}"
    );
}

fn cookie_in(jar: &reqwest::cookie::Jar, app: &TestApp) -> String {
    use reqwest::cookie::CookieStore;
    let header = jar.cookies(&app.issuer.parse().unwrap()).unwrap();
    header
        .to_str()
        .unwrap()
        .split("; ")
        .find_map(|c| c.strip_prefix("portcullis_session="))
        .unwrap()
        .to_owned()
}

/// Anonymous authorization requests fired at a server whose embedded store holds
/// at most `CAP` entries.
const CAP: usize = 2000;
const FLOOD: usize = 20_000;
const WORKERS: usize = 16;

#[tokio::test]
async fn a_flood_of_anonymous_requests_cannot_grow_the_store() {
    let app = spawn_with(Options {
        toml: format!("[store]\nmax_entries = {CAP}\n"),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let user = app.user("alice").await;
    // Alice signed in before the flood.
    let jar = Arc::new(reqwest::cookie::Jar::default());
    let browser = Browser::with_jar(&app, jar.clone());
    let page = browser.authorize(&AuthParams::new(&client)).await;
    browser.login(&page, &user).await.code();
    let cookie = cookie_in(&jar, &app);

    let query = Arc::new(AuthParams::new(&client).query());
    let next = Arc::new(AtomicUsize::new(0));
    let kept = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let mut workers = Vec::new();
    for _ in 0..WORKERS {
        let (query, next, kept, refused, most) = (
            query.clone(),
            next.clone(),
            kept.clone(),
            refused.clone(),
            most.clone(),
        );
        let url = format!("{}/authorize", app.issuer);
        let state = app.state.clone();
        workers.push(tokio::spawn(async move {
            let http = bare();
            while next.fetch_add(1, Ordering::Relaxed) < FLOOD {
                let resp = http.get(format!("{url}?{query}")).send().await.unwrap();
                match resp.status().as_u16() {
                    302 => kept.fetch_add(1, Ordering::Relaxed),
                    503 => refused.fetch_add(1, Ordering::Relaxed),
                    other => panic!("status {other}"),
                };
                let now = state.store.usage().unwrap().entries;
                most.fetch_max(now, Ordering::Relaxed);
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let (kept, refused, most) = (
        kept.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        most.load(Ordering::Relaxed),
    );
    assert_eq!(kept + refused, FLOOD);
    assert!(most <= CAP, "the store held {most} entries, cap {CAP}");
    assert!(entries(&app) <= CAP);
    assert!(kept < CAP, "{kept} requests were kept");
    assert!(
        refused > FLOOD - CAP,
        "only {refused} requests failed closed"
    );
    // Full, it refused new writes rather than dropping what was live.
    let session = app.state.sessions.load(&cookie).await.unwrap();
    assert!(
        session.is_some_and(|s| s.user_id.as_deref() == Some(user.id.as_str())),
        "Alice's session was dropped"
    );
    // And she still signs in to applications: anonymous requests fill only
    // part of the store, so the code of her authorization has room, and it
    // redeems. A new anonymous request is still refused.
    assert!(
        most <= CAP / 4 * 3 + 20,
        "anonymous requests filled {most} entries"
    );
    let params = AuthParams::new(&client);
    let code = browser.authorize(&params).await.code();
    let tokens = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(tokens.status(), 200);
    let anonymous = bare()
        .get(format!("{}/authorize?{}", app.issuer, query))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 503);
    // Her forms work too: the account page's form tokens are her session's,
    // not the anonymous share's.
    let page = browser.get("/account").await;
    assert!(
        page.html().contains("id=\"account-user\""),
        "{}",
        page.html()
    );
    let done = browser
        .submit(&form_to(page.html(), "/account/sessions/end-others"))
        .await;
    assert_eq!(done.status(), 200, "{}", done.html());
    assert!(done.html().contains("class=\"session\""), "{}", done.html());
}

/// A user already past the password whose second step comes after a flood
/// filled the anonymous share still finishes: the attempt counter of a second
/// factor is the signed-in session's, not the anonymous share's.
#[tokio::test]
async fn a_second_factor_after_a_flood_still_finishes() {
    let app = spawn_with(Options {
        toml: "[store]\nmax_entries = 200\n".into(),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let user = app.user("bob").await;
    let secret = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let code_page = browser.login(&page, &user).await;
    let form = form_with(code_page.html(), "code");

    let query = AuthParams::new(&client).query();
    let mut sent = 0;
    loop {
        let resp = bare()
            .get(format!("{}/authorize?{query}", app.issuer))
            .send()
            .await
            .unwrap();
        sent += 1;
        if resp.status() == 503 {
            break;
        }
        assert!(sent < 200, "the anonymous share never filled");
    }
    let back = browser
        .submit(&form.set("code", &totp_code(&secret, 0)))
        .await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
}
