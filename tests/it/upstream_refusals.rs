//! Every upstream answer that must not sign anyone in: a swapped or replayed
//! state, an answer at another upstream's callback, a mixed-up `iss`, an
//! unverified or unlisted email, an upstream that is down. Each gets a page
//! saying so and an audit event, and nothing is created or linked.

use serde_json::json;

use crate::helpers::*;
use crate::upstream_op::*;

struct Setup {
    app: TestApp,
    corp: UpstreamOp,
}

async fn setup(extra: &str) -> Setup {
    let port = op_port();
    let toml = format!(
        "{}{}{extra}",
        upstream_toml(
            "corp",
            port,
            "corp-secret",
            "domains = [\"corp.example\"]\ntrust = \"amr\"\ncreate_users = true"
        ),
        // A second upstream whose callback the first one's answers must not reach.
        upstream_toml("other", op_port(), "x", "")
    );
    let app = spawn_with(Options {
        toml,
        ..Options::default()
    })
    .await;
    let corp = UpstreamOp::start(OpSpec {
        port,
        client_secret: "corp-secret",
        redirect_uri: format!("{}/upstream/corp/callback", app.issuer),
        amr: "pwd,otp",
        accounts: json!({
            "alice": {"email": "alice@corp.example", "email_verified": true},
            "mallory": {"email": "mallory@corp.example", "email_verified": false},
            "eve": {"email": "eve@elsewhere.example", "email_verified": true},
        }),
        ..OpSpec::default()
    })
    .await;
    Setup { app, corp }
}

/// A browser at the upstream for a new login of `client`.
async fn at_corp(app: &TestApp, client: &TestClient) -> (Browser, Landing) {
    let browser = Browser::new(app);
    let start = browser
        .authorize(&AuthParams::new(client).set("idp_hint", "corp"))
        .await;
    (browser, start)
}

/// The upstream's answer with its `iss` changed to `iss`, or left out.
fn with_iss(answer: &str, iss: Option<&str>) -> String {
    let mut url = url::Url::parse(answer).unwrap();
    let mut pairs: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(k, _)| k != "iss")
        .collect();
    if let Some(iss) = iss {
        pairs.push(("iss".into(), iss.into()));
    }
    url.query_pairs_mut().clear().extend_pairs(&pairs);
    url.into()
}

async fn nobody_created(app: &TestApp) {
    assert!(
        portcullis::db::users::list_all(&app.state.db)
            .await
            .unwrap()
            .is_empty(),
        "a refused upstream sign-in created a user"
    );
}

async fn refusals(app: &TestApp) -> Vec<String> {
    portcullis::db::audit::list(&app.state.db, None, None, 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.event == "upstream_login" && e.outcome == "refused")
        .map(|e| e.detail["reason"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn a_swapped_or_replayed_state_is_refused() {
    let s = setup("").await;
    let app = &s.app;
    let client = app.client(false).await;
    let (victim, v_start) = at_corp(app, &client).await;
    let (attacker, _a_start) = at_corp(app, &client).await;
    // The victim's answer, opened in the attacker's browser (login CSRF / code
    // injection): the state belongs to another browser.
    let answer = upstream_answer(&victim, &app.issuer, &v_start, "alice").await;
    let page = attacker.get(&answer).await;
    assert_eq!(page.status(), 400);
    assert!(page.html().contains("does not belong"), "{}", page.html());
    // Spent by that first use: the victim's own browser cannot replay it either.
    let again = victim.get(&answer).await;
    assert_eq!(again.status(), 400);
    // Made-up states, many of them: each refused, and audited once a minute
    // (the replay above was the first), since anyone can send them.
    for i in 0..20 {
        let forged = victim
            .get(&format!(
                "{}/upstream/corp/callback?code=x&state=forged-{i}",
                app.issuer
            ))
            .await;
        assert_eq!(forged.status(), 400);
    }
    // An upstream that is not configured: refused, and no audit row whose
    // actor names whatever the URL said.
    let nowhere = victim
        .get(&format!(
            "{}/upstream/made-up-idp/callback?code=x&state=forged",
            app.issuer
        ))
        .await;
    assert!(nowhere.status() >= 400, "{}", nowhere.html());
    nobody_created(app).await;
    // The swapped state (it named a sign-in) and the replay.
    assert_eq!(refusals(app).await, vec!["bad_state"; 2]);
}

#[tokio::test]
async fn an_answer_at_another_upstreams_callback_or_naming_another_issuer_is_refused() {
    let s = setup("").await;
    let app = &s.app;
    let client = app.client(false).await;
    let (browser, start) = at_corp(app, &client).await;
    let answer = upstream_answer(&browser, &app.issuer, &start, "alice").await;
    let elsewhere = answer.replace("/upstream/corp/callback", "/upstream/other/callback");
    let page = browser.get(&elsewhere).await;
    assert_eq!(page.status(), 400);
    assert!(
        page.html().contains("another identity provider"),
        "{}",
        page.html()
    );

    // RFC 9207: an `iss` naming someone else (a mix-up) is refused.
    let (browser, start) = at_corp(app, &client).await;
    let answer = upstream_answer(&browser, &app.issuer, &start, "alice").await;
    assert!(answer.contains("iss="), "the upstream sends iss");
    let page = browser
        .get(&with_iss(&answer, Some("http://evil.example")))
        .await;
    assert_eq!(page.status(), 400);
    assert!(page.html().contains("another issuer"), "{}", page.html());
    nobody_created(app).await;
    let reasons = refusals(app).await;
    assert!(
        reasons.contains(&"other_upstream".to_owned()),
        "{reasons:?}"
    );
    assert!(reasons.contains(&"wrong_issuer".to_owned()), "{reasons:?}");
}

/// RFC 9207 §2.4: the upstream's discovery document promises `iss` in its
/// answers (node-oidc-provider's does), so an answer without it is refused
/// like one naming another issuer: it may come from a mixed-up provider.
#[tokio::test]
async fn an_answer_without_the_promised_iss_is_refused() {
    let s = setup("").await;
    let app = &s.app;
    let client = app.client(false).await;
    let discovery: serde_json::Value = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        s.corp.issuer
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(
        discovery["authorization_response_iss_parameter_supported"],
        true
    );
    let (browser, start) = at_corp(app, &client).await;
    let answer = upstream_answer(&browser, &app.issuer, &start, "alice").await;
    let page = browser.get(&with_iss(&answer, None)).await;
    assert_eq!(page.status(), 400, "{}", page.html());
    assert!(page.html().contains("another issuer"), "{}", page.html());
    nobody_created(app).await;
    assert!(
        refusals(app).await.contains(&"wrong_issuer".to_owned()),
        "audited"
    );
}

#[tokio::test]
async fn an_unverified_or_unlisted_email_gets_no_account() {
    let s = setup("").await;
    let app = &s.app;
    let client = app.client(false).await;
    for who in ["mallory", "eve"] {
        let (browser, start) = at_corp(app, &client).await;
        let page = through_upstream(&browser, &app.issuer, &start, who).await;
        assert_eq!(page.status(), 400);
        assert!(page.html().contains("none can be made"), "{}", page.html());
    }
    nobody_created(app).await;
    assert_eq!(refusals(app).await, vec!["no_account"; 2]);
}

#[tokio::test]
async fn an_existing_account_is_not_taken_over_by_email_without_link_by_email() {
    let s = setup("").await;
    let app = &s.app;
    let local = portcullis::db::users::create(
        &app.state.db,
        portcullis::db::users::NewUser {
            username: "alice".into(),
            email: "alice@corp.example".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = app.client(false).await;
    let (browser, start) = at_corp(app, &client).await;
    let page = through_upstream(&browser, &app.issuer, &start, "alice").await;
    assert_eq!(page.status(), 400);
    assert!(page.html().contains("not linked"), "{}", page.html());
    let links = portcullis::db::upstream_links::of_user(&app.state.db, &local.id)
        .await
        .unwrap();
    assert!(links.is_empty());
}

#[tokio::test]
async fn an_upstream_that_is_down_gives_a_503_page_not_a_hang() {
    let port = op_port();
    let app = spawn_with(Options {
        toml: upstream_toml("down", port, "x", ""),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let started = std::time::Instant::now();
    let page = browser
        .authorize(&AuthParams::new(&client).set("idp_hint", "down"))
        .await;
    assert_eq!(page.status(), 503);
    assert!(page.html().contains("cannot be reached"), "{}", page.html());
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert_eq!(refusals(&app).await, vec!["unreachable"]);
}

#[tokio::test]
async fn an_upstream_that_accepts_but_never_answers_gives_a_503_page_within_its_timeout() {
    // The kernel completes connections into the backlog; nothing ever reads
    // the request or answers it.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let app = spawn_with(Options {
        toml: upstream_toml("silent", port, "x", "timeout = 1"),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let started = std::time::Instant::now();
    let page = browser
        .authorize(&AuthParams::new(&client).set("idp_hint", "silent"))
        .await;
    let took = started.elapsed();
    assert_eq!(page.status(), 503);
    assert!(page.html().contains("cannot be reached"), "{}", page.html());
    // Ended by the configured second, not by the default ten.
    assert!(took >= std::time::Duration::from_secs(1), "{took:?}");
    assert!(took < std::time::Duration::from_secs(8), "{took:?}");
    assert_eq!(refusals(&app).await, vec!["unreachable"]);
    drop(silent);
}

/// While an upstream does not answer, sign-ins started there at the same
/// moment wait for one discovery, and those that follow within a few seconds
/// are answered 503 at once: a stranger starting sign-ins does not make the
/// server open a connection and hold a request for each.
#[tokio::test]
async fn an_upstream_that_does_not_answer_is_asked_once_for_a_burst_of_sign_ins() {
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = accepted.clone();
    let holder = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = silent.accept().await {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(sock);
        }
    });
    let app = spawn_with(Options {
        toml: upstream_toml("silent", port, "x", "timeout = 1"),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let start = || async {
        Browser::new(&app)
            .authorize(&AuthParams::new(&client).set("idp_hint", "silent"))
            .await
            .status()
    };
    let burst = futures_util::future::join_all((0..4).map(|_| start())).await;
    assert_eq!(burst, vec![503; 4]);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    // The next one, right after: answered from the remembered failure.
    assert_eq!(start().await, 503);
    assert_eq!(accepted.load(std::sync::atomic::Ordering::SeqCst), 1);
    holder.abort();
}

#[tokio::test]
async fn an_upstream_that_stays_down_is_audited_once_however_often_it_is_tried() {
    let port = op_port();
    let app = spawn_with(Options {
        toml: upstream_toml("down", port, "x", ""),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    // Anyone can start logins at the upstream: every one gets the 503 page,
    // but they do not fill the audit log.
    for _ in 0..4 {
        let browser = Browser::new(&app);
        let page = browser
            .authorize(&AuthParams::new(&client).set("idp_hint", "down"))
            .await;
        assert_eq!(page.status(), 503);
        assert!(page.html().contains("cannot be reached"), "{}", page.html());
    }
    assert_eq!(refusals(&app).await, vec!["unreachable"]);
    nobody_created(&app).await;
}

/// `link_by_email` reaches only accounts in the upstream's own domains, and
/// never a disabled one: an IdP routed for corp.example that asserts an
/// address elsewhere, or a disabled account's, links nothing. An account in
/// its domain is linked (the control).
#[tokio::test]
async fn link_by_email_stays_in_the_upstreams_domains_and_skips_disabled_accounts() {
    let (app, _corp) = with_corp(
        "link_by_email = true",
        OpSpec {
            accounts: json!({
                "eve": {"email": "eve@elsewhere.example", "email_verified": true},
                "dora": {"email": "dora@corp.example", "email_verified": true},
                "alice": {"email": "alice@corp.example", "email_verified": true},
            }),
            ..OpSpec::default()
        },
    )
    .await;
    let mut local = std::collections::HashMap::new();
    for (name, email) in [
        ("eve", "eve@elsewhere.example"),
        ("dora", "dora@corp.example"),
        ("alice", "alice@corp.example"),
    ] {
        let user = portcullis::db::users::create(
            &app.state.db,
            portcullis::db::users::NewUser {
                username: name.into(),
                email: email.into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        local.insert(name, user.id);
    }
    portcullis::db::revocation::set_active(&app.state.db, &local["dora"], false)
        .await
        .unwrap();
    let links_of = |name: &'static str| {
        let id = local[name].clone();
        let db = app.state.db.clone();
        async move {
            portcullis::db::upstream_links::of_user(&db, &id)
                .await
                .unwrap()
        }
    };
    let client = app.client(false).await;
    for (who, says) in [
        ("eve", "may not sign in to accounts in that domain"),
        ("dora", "disabled"),
    ] {
        let (browser, start) = at_corp(&app, &client).await;
        let page = through_upstream(&browser, &app.issuer, &start, who).await;
        assert_eq!(page.status(), 400, "{who}: {}", page.html());
        assert!(page.html().contains(says), "{who}: {}", page.html());
        assert!(links_of(who).await.is_empty(), "{who} was linked");
    }
    assert_eq!(refusals(&app).await, vec!["no_account"; 2]);

    let params = AuthParams::new(&client).set("idp_hint", "corp");
    let browser = Browser::new(&app);
    let start = browser.authorize(&params).await;
    let back = through_upstream(&browser, &app.issuer, &start, "alice").await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], local["alice"].as_str());
    assert_eq!(links_of("alice").await.len(), 1);
}
