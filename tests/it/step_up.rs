//! acr-driven step-up with TOTP: only what is missing is asked,
//! and the ID token never names a level that was not met.

use serde_json::Value;

use crate::helpers::*;

const JIRA: &str = "[acr.aliases]\n\"urn:example:jira:2fa\" = \"mfa\"\n";

fn amr(claims: &Value) -> Vec<String> {
    claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

fn is_totp_form(l: &Landing) -> bool {
    let h = l.html();
    h.contains("name=\"code\"") && !h.contains("name=\"password\"") && !h.contains("data-otpauth")
}

async fn submit_code(browser: &Browser, page: &Landing, code: &str) -> Landing {
    browser
        .submit(&form_with(page.html(), "code").set("code", code))
        .await
}

/// Asks for `mfa` at `client` and signs in with the password; returns the request
/// and the page that follows (the TOTP form, enrollment, or a redirect).
async fn password_at_mfa(
    browser: &Browser,
    client: &TestClient,
    user: &TestUser,
) -> (AuthParams, Landing) {
    let params = AuthParams::new(client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let next = browser.login(&page, user).await;
    (params, next)
}

async fn password_then_mfa(backend: Backend) {
    let app = spawn_with(Options {
        backend,
        toml: JIRA.into(),
        ..Options::default()
    })
    .await;
    let user = app.user("paula").await;
    let secret = app.give_totp(&user).await;
    let wiki = app.client(false).await;
    let jira = app.client(false).await;
    let browser = Browser::new(&app);

    // An app that asks for nothing: password only.
    let params = AuthParams::new(&wiki);
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &user).await;
    let claims = app.tokens(&wiki, &params, &back).await;
    assert_eq!(claims["acr"], "pwd");
    assert_eq!(amr(&claims), vec!["pwd"]);

    // Jira asks for its custom acr: only the TOTP code is asked, not the password.
    let params = AuthParams::new(&jira).set("acr_values", "urn:example:jira:2fa");
    let page = browser.authorize(&params).await;
    assert!(is_totp_form(&page), "{}", page.html());
    let back = submit_code(&browser, &page, &totp_code(&secret, 0)).await;
    let claims = app.tokens(&jira, &params, &back).await;
    assert_eq!(
        claims["acr"], "urn:example:jira:2fa",
        "the alias is echoed as asked"
    );
    assert_eq!(amr(&claims), vec!["pwd", "otp", "mfa"]);

    // Another relying party asking mfa in the same session: no prompt at all.
    let other = app.client(false).await;
    let params = AuthParams::new(&other).set("acr_values", "mfa");
    let back = browser.authorize(&params).await;
    assert!(matches!(back, Landing::Left { .. }), "{back:?}");
    let claims = app.tokens(&other, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");

    // The wiki still asks nothing and now gets what the session has proven for it.
    let params = AuthParams::new(&wiki);
    let back = browser.authorize(&params).await;
    assert_eq!(app.tokens(&wiki, &params, &back).await["acr"], "pwd");
}

#[tokio::test]
async fn password_session_steps_up_with_totp_only_embedded() {
    password_then_mfa(Backend::Memory).await;
}

#[tokio::test]
async fn password_session_steps_up_with_totp_only_redis() {
    password_then_mfa(Backend::Redis).await;
}

#[tokio::test]
async fn max_age_exceeded_asks_for_password_and_totp_again() {
    let app = spawn_app().await;
    let user = app.user("quinn").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let (_, page) = password_at_mfa(&browser, &client, &user).await;
    assert!(is_totp_form(&page));
    submit_code(&browser, &page, &totp_code(&secret, 0))
        .await
        .code();

    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let params = AuthParams::new(&client)
        .set("acr_values", "mfa")
        .set("max_age", "1");
    let page = browser.authorize(&params).await;
    assert!(page.html().contains("name=\"password\""), "password again");
    let page = browser.login(&page, &user).await;
    assert!(is_totp_form(&page), "and the second factor again");
    let back = submit_code(&browser, &page, &totp_code(&secret, 1)).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
    assert!(chrono::Utc::now().timestamp() - claims["auth_time"].as_i64().unwrap() <= 2);
}

#[tokio::test]
async fn prompt_none_that_needs_a_step_up_is_interaction_required() {
    let app = spawn_app().await;
    let user = app.user("rita").await;
    app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&client)).await;
    browser.login(&page, &user).await.code();
    let q = browser
        .authorize(
            &AuthParams::new(&client)
                .set("acr_values", "mfa")
                .set("prompt", "none"),
        )
        .await
        .params();
    assert_eq!(q["error"], "interaction_required");
}

#[tokio::test]
async fn unknown_acr_voluntary_is_ignored_essential_is_unmet() {
    let app = spawn_app().await;
    let user = app.user("sam").await;
    app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "urn:example:gold");
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &user).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(
        claims["acr"], "pwd",
        "honest acr: only the password was used"
    );

    let claims_param = r#"{"id_token":{"acr":{"essential":true,"values":["urn:example:gold"]}}}"#;
    let q = browser
        .authorize(&AuthParams::new(&client).set("claims", claims_param))
        .await
        .params();
    assert_eq!(q["error"], "unmet_authentication_requirements");

    // An essential, known level through the claims parameter steps up.
    let claims_param = r#"{"id_token":{"acr":{"essential":true,"values":["mfa"]}}}"#;
    let page = browser
        .authorize(&AuthParams::new(&client).set("claims", claims_param))
        .await;
    assert!(is_totp_form(&page));
}

#[tokio::test]
async fn a_used_totp_code_is_refused_the_second_time() {
    let app = spawn_app().await;
    let user = app.user("tina").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    let code = totp_code(&secret, 0);
    let first = Browser::new(&app);
    let page = first
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let page = first.login(&page, &user).await;
    submit_code(&first, &page, &code).await.code();

    let second = Browser::new(&app);
    let page = second
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let page = second.login(&page, &user).await;
    let replay = submit_code(&second, &page, &code).await;
    assert_eq!(replay.status(), 401);
    assert!(is_totp_form(&replay), "the form is shown again");
}

#[tokio::test]
async fn repeated_wrong_codes_lock_the_second_factor() {
    let app = spawn_app().await;
    let user = app.user("uma").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let mut page = browser.login(&page, &user).await;
    for _ in 0..5 {
        page = submit_code(&browser, &page, "000000").await;
        assert_eq!(page.status(), 401);
    }
    let locked = submit_code(&browser, &page, &totp_code(&secret, 0)).await;
    assert_eq!(
        locked.status(),
        429,
        "the right code is refused while locked"
    );
    // Another browser of the same user is locked too (per-user limit).
    let other = Browser::new(&app);
    let page = other
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let page = other.login(&page, &user).await;
    assert_eq!(
        submit_code(&other, &page, &totp_code(&secret, 1))
            .await
            .status(),
        429
    );
}

#[tokio::test]
async fn enrollment_during_login_then_a_recovery_code() {
    let app = spawn_on(Backend::Redis).await;
    let user = app.user("vera").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let enroll = browser.login(&page, &user).await;
    let html = enroll.html().to_string();
    assert!(html.contains("<svg"), "QR code drawn inline");
    let otpauth = otpauth_uri(&html);
    assert!(otpauth.starts_with("otpauth://totp/"));
    let secret_b32 = otpauth_secret_b32(&otpauth);
    assert!(html.contains(&secret_b32[..4]), "secret shown as text");
    let secret = portcullis::auth::totp::from_base32(&secret_b32).unwrap();

    // A reload shows the same secret, so a scanned code stays valid.
    let again = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    assert_eq!(otpauth_uri(again.html()), otpauth);

    let wrong = submit_code(&browser, &enroll, "123456").await;
    assert_eq!(wrong.status(), 401);
    let codes_page = submit_code(&browser, &wrong, &totp_code(&secret, 0)).await;
    let codes: Vec<String> = codes_page
        .html()
        .split("<li><code>")
        .skip(1)
        .map(|s| s.split("</code>").next().unwrap().to_string())
        .collect();
    assert_eq!(codes.len(), 10);
    let cont = codes_page
        .html()
        .split("class=\"button\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let back = browser.get(&cont).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
    assert_eq!(amr(&claims), vec!["pwd", "otp", "mfa"]);
    assert_eq!(
        portcullis::db::factors::remaining_recovery_codes(&app.state.db, &user.id)
            .await
            .unwrap(),
        10
    );

    // Later, without the phone: a recovery code replaces the TOTP code, once.
    let later = Browser::new(&app);
    let (params, page) = password_at_mfa(&later, &client, &user).await;
    assert!(is_totp_form(&page));
    let used = submit_code(&later, &page, &codes[3]).await;
    assert!(
        used.html()
            .contains("<strong id=\"recovery-remaining\">9</strong>"),
        "{}",
        used.html()
    );
    let cont = used
        .html()
        .split("class=\"button\" href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_string();
    let back = later.get(&cont).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
    assert_eq!(
        amr(&claims),
        vec!["pwd", "rc", "mfa"],
        "a recovery code is not claimed as otp"
    );

    let third = Browser::new(&app);
    let page = third
        .authorize(&AuthParams::new(&client).set("acr_values", "mfa"))
        .await;
    let page = third.login(&page, &user).await;
    assert_eq!(
        submit_code(&third, &page, &codes[3]).await.status(),
        401,
        "single use"
    );
}

#[tokio::test]
async fn without_enrollment_an_essential_mfa_is_unmet_and_a_voluntary_one_is_honest() {
    let app = spawn_with(Options {
        toml: "[enrollment]\nallowed = false\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("walt").await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    let back = browser.login(&page, &user).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(
        claims["acr"], "pwd",
        "voluntary mfa that cannot be met: pwd, honestly"
    );

    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["mfa"]}}}"#;
    let q = browser
        .authorize(&AuthParams::new(&client).set("claims", essential))
        .await
        .params();
    assert_eq!(q["error"], "unmet_authentication_requirements");
}

/// Rounds of the two-tab race: each renewal of the session id can be overtaken
/// by the other tab's requests still carrying the old cookie.
const TAB_RACE_ROUNDS: usize = 30;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_stepping_up_the_same_session() {
    two_tabs_race(spawn_app().await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_tabs_stepping_up_the_same_session_on_redis() {
    two_tabs_race(spawn_on(Backend::Redis).await).await;
}

async fn two_tabs_race(app: TestApp) {
    let a = app.client(false).await;
    let b = app.client(false).await;
    for round in 0..TAB_RACE_ROUNDS {
        // A new browser and user each round: a session that needs the step-up,
        // and codes no earlier round has spent.
        let user = app.user(&format!("xena{round}")).await;
        let secret = app.give_totp(&user).await;
        let browser = Browser::new(&app);
        let page = browser.authorize(&AuthParams::new(&a)).await;
        browser.login(&page, &user).await.code();

        let pa = AuthParams::new(&a).set("acr_values", "mfa");
        let pb = AuthParams::new(&b).set("acr_values", "mfa");
        let tab1 = browser.authorize(&pa).await;
        let tab2 = browser.authorize(&pb).await;
        assert!(is_totp_form(&tab1) && is_totp_form(&tab2));
        let (c1, c2) = (totp_code(&secret, 0), totp_code(&secret, 1));
        // Each tab posts its code and follows its own answer as soon as it lands,
        // while the other tab's answer (and the renewed cookie it carries) may
        // still be on its way: a request sent with the cookie the other tab just
        // renewed must not hand the browser a cookie that replaces the new one.
        let (r1, r2) = tokio::join!(
            submit_code(&browser, &tab1, &c1),
            submit_code(&browser, &tab2, &c2)
        );
        // Whichever way the race goes, each tab ends at its client with mfa met,
        // or the losing tab is shown a page and, asking again, is answered at
        // once from the step-up the browser kept.
        for (landing, params, client) in [(r1, &pa, &a), (r2, &pb, &b)] {
            let landing = match landing {
                l @ Landing::Left { .. } => l,
                Landing::Page { .. } => browser.authorize(params).await,
            };
            assert!(
                matches!(landing, Landing::Left { .. }),
                "round {round}: the browser lost its step-up"
            );
            assert_eq!(app.tokens(client, params, &landing).await["acr"], "mfa");
        }
    }
}

#[tokio::test]
async fn no_reordering_of_requests_yields_mfa_without_a_second_factor() {
    let app = spawn_app().await;
    let user = app.user("yuri").await;
    app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);

    // A pwd request completed: its interaction URL is spent.
    let pwd = AuthParams::new(&client);
    let login = browser.authorize(&pwd).await;
    let old_form = form_with(login.html(), "password");
    let back = browser.login(&login, &user).await;
    back.code();

    // An mfa request is pending; replaying the old login form (same action, old CSRF
    // token) does not complete it.
    let mfa = AuthParams::new(&client).set("acr_values", "mfa");
    let totp_page = browser.authorize(&mfa).await;
    assert!(is_totp_form(&totp_page));
    let replayed = browser
        .submit(
            &old_form
                .clone()
                .set("username", &user.username)
                .set("password", &user.password),
        )
        .await;
    assert!(
        matches!(replayed, Landing::Page { .. }),
        "old form must not redirect to the client"
    );

    // The TOTP form posted with a stale or missing CSRF token: refused.
    let form = form_with(totp_page.html(), "code");
    let stale = browser
        .submit(
            &form
                .clone()
                .set("csrf_token", old_form.get("csrf_token").unwrap())
                .set("code", "000000"),
        )
        .await;
    assert_eq!(stale.status(), 400);
    let missing = browser
        .submit(&form.clone().without("csrf_token").set("code", "000000"))
        .await;
    assert_eq!(missing.status(), 400);

    // A fresh password login (back button to the login page) still does not satisfy mfa.
    let page = browser.authorize(&mfa.set("prompt", "login")).await;
    let after = browser.login(&page, &user).await;
    assert!(
        is_totp_form(&after),
        "password again never substitutes for the second factor"
    );

    // Re-sending the pending request's own URL is answered with the TOTP form again.
    let mfa2 = AuthParams::new(&client).set("acr_values", "mfa");
    assert!(is_totp_form(&browser.authorize(&mfa2).await));
    let q = browser
        .authorize(
            &AuthParams::new(&client)
                .set("acr_values", "mfa")
                .set("prompt", "none"),
        )
        .await
        .params();
    assert_eq!(q["error"], "interaction_required");
}

#[tokio::test]
async fn cli_provisioned_totp_secret_works_at_login() {
    let app = spawn_with(Options {
        toml: JIRA.into(),
        ..Options::default()
    })
    .await;
    let user = app.user("zoe").await;
    let secret = portcullis::auth::totp::generate_secret();
    let b32 = portcullis::auth::totp::to_base32(&secret);
    let args = [
        "portcullis",
        "--config",
        app.config_path.to_str().unwrap(),
        "user",
        "totp-set",
        "zoe",
        "--secret",
        &b32,
    ];
    portcullis::cli::run(args.iter().map(std::ffi::OsString::from))
        .await
        .unwrap();
    let bad = [
        "portcullis",
        "--config",
        app.config_path.to_str().unwrap(),
        "user",
        "totp-set",
        "nobody",
        "--secret",
        &b32,
    ];
    assert!(
        portcullis::cli::run(bad.iter().map(std::ffi::OsString::from))
            .await
            .is_err()
    );

    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "urn:example:jira:2fa");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, &user).await;
    let back = submit_code(&browser, &page, &totp_code(&secret, 0)).await;
    assert_eq!(
        app.tokens(&client, &params, &back).await["acr"],
        "urn:example:jira:2fa"
    );
}

#[tokio::test]
async fn an_elevated_level_expires_with_step_up_ttl_while_the_session_stays() {
    let app = spawn_with(Options {
        toml: "[acr]\nstep_up_ttl = 1\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("tess").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let (_, page) = password_at_mfa(&browser, &client, &user).await;
    submit_code(&browser, &page, &totp_code(&secret, 0))
        .await
        .code();

    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    // The password still counts: pwd requests pass without a prompt …
    let plain = browser.authorize(&AuthParams::new(&client)).await;
    assert!(matches!(plain, Landing::Left { .. }));
    // … but mfa asks for the second factor again, and only for it.
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = browser.authorize(&params).await;
    assert!(is_totp_form(&page), "{}", page.html());
    let back = submit_code(&browser, &page, &totp_code(&secret, 1)).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "mfa");
}
