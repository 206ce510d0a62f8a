//! Lock-outs count an attempt before checking it, so a burst of parallel guesses
//! gets no more checks than the limit; and a flood of logins beyond what the
//! password threads can take waits in a bounded queue, then gets 503 at once.

use futures_util::future::join_all;

use crate::helpers::*;

/// `n` browsers, each on the login page of its own sign-in, with the form filled.
async fn login_forms(
    app: &TestApp,
    client: &TestClient,
    n: usize,
    credentials: impl Fn(usize) -> (String, String),
) -> Vec<(Browser, Form)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let b = Browser::new(app);
        let page = b.authorize(&AuthParams::new(client)).await;
        let (username, password) = credentials(i);
        let form = form_with(page.html(), "password")
            .set("username", &username)
            .set("password", &password);
        out.push((b, form));
    }
    out
}

/// Failed attempts counted against the test client's address.
async fn address_failures(app: &TestApp) -> u64 {
    let failures: Option<u64> = app
        .state
        .store
        .get_json("limit:addr:127.0.0.1")
        .await
        .unwrap();
    failures.unwrap_or(0)
}

async fn audited(app: &TestApp, username: &str, event: &str, outcome: &str) -> usize {
    portcullis::db::audit::list(&app.state.db, Some(username), None, 1000)
        .await
        .unwrap()
        .iter()
        .filter(|r| r.event == event && r.outcome == outcome)
        .count()
}

#[tokio::test]
async fn parallel_wrong_passwords_for_one_user_verify_at_most_the_limit() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("guessed").await;
    let forms = login_forms(&app, &client, 60, |i| {
        ("guessed".into(), format!("guess number {i}"))
    })
    .await;
    let before = app.state.passwords.runs();
    let answers = join_all(forms.iter().map(|(b, f)| b.submit(f))).await;
    let verified = app.state.passwords.runs() - before;

    let rejected = answers.iter().filter(|a| a.status() == 401).count();
    let locked = answers.iter().filter(|a| a.status() == 429).count();
    assert_eq!(rejected + locked, 60, "only 401 and 429");
    assert!(verified <= 10, "{verified} argon2 runs for a limit of 10");
    assert_eq!(rejected as u64, verified, "every check was a failure");
    assert!(audited(&app, "guessed", "password", "failure").await <= 10);

    // The username is locked now, even for the right password.
    let b = Browser::new(&app);
    let page = b.authorize(&AuthParams::new(&client)).await;
    assert_eq!(b.login(&page, &user).await.status(), 429);
}

#[tokio::test]
async fn parallel_totp_guesses_check_at_most_the_limit() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("otp-guessed").await;
    let secret = app.give_totp(&user).await;
    let b = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = b.authorize(&params).await;
    let first = form_with(b.login(&page, &user).await.html(), "code");
    let valid: Vec<String> = (-1..=1).map(|s| totp_code(&secret, s)).collect();
    let wrong = (0..)
        .map(|n| format!("{:06}", 123_456 + n))
        .find(|c| !valid.contains(c))
        .unwrap();
    // One form per guess, each with its own single-use CSRF token.
    let page_url = first.action.trim_end_matches("/totp").to_string();
    let mut forms = vec![first.set("code", &wrong)];
    for _ in 1..50 {
        let again = b.get(&page_url).await;
        forms.push(form_with(again.html(), "code").set("code", &wrong));
    }
    let answers = join_all(forms.iter().map(|f| b.submit(f))).await;
    let statuses: Vec<u16> = answers.iter().map(Landing::status).collect();
    assert!(
        statuses.iter().all(|s| [401, 429].contains(s)),
        "{statuses:?}"
    );
    let checked = audited(&app, "otp-guessed", "totp", "failure").await;
    assert!(checked <= 5, "{checked} codes checked for a limit of 5");
    assert_eq!(
        statuses.iter().filter(|s| **s == 401).count(),
        checked,
        "every check was a failure"
    );

    // Locked now: the right code is refused too, and nothing is issued.
    let again = b.get(&page_url).await;
    let right = form_with(again.html(), "code").set("code", &totp_code(&secret, 0));
    assert_eq!(b.submit(&right).await.status(), 429);
}

#[tokio::test]
async fn a_flood_beyond_the_verification_queue_gets_503() {
    let app = spawn_with(Options {
        toml: "[passwords]\nmax_queued = 1\n".into(),
        ..Options::default()
    })
    .await;
    let client = app.client(false).await;
    let forms = login_forms(&app, &client, 60, |i| {
        (format!("nobody-{i}"), "not a password".into())
    })
    .await;
    let answers = join_all(forms.iter().map(|(b, f)| b.submit(f))).await;
    let statuses: Vec<u16> = answers.iter().map(Landing::status).collect();
    assert!(
        statuses.iter().all(|s| [401, 503].contains(s)),
        "{statuses:?}"
    );
    let busy: Vec<&Landing> = answers.iter().filter(|a| a.status() == 503).collect();
    assert!(!busy.is_empty(), "{statuses:?}");
    // The login form again, with a message, ready to retry.
    assert!(busy[0].html().contains("name=\"password\""));
    assert!(busy[0].html().contains("Too many sign-ins"));

    // A refused login was never checked: it is not a failure of this address.
    let rejected = statuses.iter().filter(|s| **s == 401).count() as u64;
    assert_eq!(address_failures(&app).await, rejected);

    // Once the flood is over, logins go through.
    let user = app.user("after-the-flood").await;
    let b = Browser::new(&app);
    let page = b.authorize(&AuthParams::new(&client)).await;
    b.login(&page, &user).await.code();
}

#[tokio::test]
async fn a_password_check_without_its_memory_fails_closed_and_counts_no_failure() {
    let app = spawn_app().await;
    let client = app.client(false).await;
    let user = app.user("greedy").await;
    // A stored hash whose argon2 memory (256 GiB) a verification may not take.
    let greedy = "$argon2id$v=19$m=268435455,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";
    portcullis::db::users::set_password_hash(&app.state.db, &user.id, greedy.into())
        .await
        .unwrap();
    let runs = app.state.passwords.runs();
    let forms = login_forms(&app, &client, 1, |_| {
        (user.username.clone(), user.password.clone())
    })
    .await;
    let (b, form) = &forms[0];
    let answer = b.submit(form).await;
    assert_eq!(answer.status(), 503, "{}", answer.html());
    assert!(answer.html().contains("name=\"password\""));
    assert_eq!(app.state.passwords.runs(), runs + 1);
    // Nothing was checked: no failure of this address or this user.
    assert_eq!(address_failures(&app).await, 0);
    assert_eq!(audited(&app, "greedy", "password", "failure").await, 0);
}
