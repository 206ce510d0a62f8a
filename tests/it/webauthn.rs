//! WebAuthn over the real HTTP endpoints with a software authenticator: enroll,
//! step up to `phr`, replay, wrong origin, counter regression, several keys.

use serde_json::Value;
use webauthn_authenticator_rs::softpasskey::SoftPasskey;
use webauthn_authenticator_rs::{AuthenticatorBackend, WebauthnAuthenticator};
use webauthn_rs::prelude::{CreationChallengeResponse, RequestChallengeResponse};

use crate::helpers::*;

pub(crate) fn attr(html: &str, name: &str) -> String {
    first_attr(html, name).unwrap_or_else(|| panic!("no {name} in {html}"))
}

pub(crate) fn meta_csrf(html: &str) -> String {
    let start = html.find("name=\"csrf-token\" content=\"").unwrap() + 27;
    html[start..].split('"').next().unwrap().to_string()
}

pub(crate) struct KeyPage {
    pub begin: String,
    pub finish: String,
    pub csrf: String,
}

pub(crate) fn key_page(landing: &Landing) -> KeyPage {
    let html = landing.html();
    KeyPage {
        begin: attr(html, "data-webauthn-begin"),
        finish: attr(html, "data-webauthn-finish"),
        csrf: meta_csrf(html),
    }
}

pub(crate) async fn post_json(
    app: &TestApp,
    browser: &Browser,
    url: &str,
    csrf: &str,
    origin: &str,
    body: &Value,
) -> reqwest::Response {
    browser
        .http
        .post(app.url(url))
        .header("Origin", origin)
        .header("X-CSRF-Token", csrf)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub(crate) fn origin(app: &TestApp) -> url::Url {
    url::Url::parse(&app.issuer).unwrap()
}

/// Runs a registration ceremony on a page; returns the finish response body.
pub(crate) async fn register(
    app: &TestApp,
    browser: &Browser,
    page: &KeyPage,
    key: &mut SoftPasskey,
) -> (u16, Value, Value) {
    let opts = post_json(
        app,
        browser,
        &page.begin,
        &page.csrf,
        &app.issuer,
        &Value::Null,
    )
    .await;
    assert_eq!(opts.status(), 200);
    let opts: CreationChallengeResponse = opts.json().await.unwrap();
    let cred = key.do_registration(origin(app), opts).unwrap();
    let body = serde_json::to_value(&cred).unwrap();
    let resp = post_json(app, browser, &page.finish, &page.csrf, &app.issuer, &body).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap(), body)
}

pub(crate) async fn authenticate(
    app: &TestApp,
    browser: &Browser,
    page: &KeyPage,
    key: &mut SoftPasskey,
) -> (u16, Value, Value) {
    let opts = post_json(
        app,
        browser,
        &page.begin,
        &page.csrf,
        &app.issuer,
        &Value::Null,
    )
    .await;
    assert_eq!(opts.status(), 200);
    let opts: RequestChallengeResponse = opts.json().await.unwrap();
    let cred = key.do_authentication(origin(app), opts).unwrap();
    let body = serde_json::to_value(&cred).unwrap();
    let resp = post_json(app, browser, &page.finish, &page.csrf, &app.issuer, &body).await;
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap(), body)
}

/// Posts an assertion to a key page's finish endpoint, expects it refused
/// (400), and returns why.
async fn finish_refused(
    app: &TestApp,
    browser: &Browser,
    kp: &KeyPage,
    assertion: &impl serde::Serialize,
) -> String {
    let resp = post_json(
        app,
        browser,
        &kp.finish,
        &kp.csrf,
        &app.issuer,
        &serde_json::to_value(assertion).unwrap(),
    )
    .await;
    assert_eq!(resp.status(), 400);
    let body: Value = resp.json().await.unwrap();
    body["error_description"].as_str().unwrap().to_owned()
}

pub(crate) fn amr(claims: &Value) -> Vec<String> {
    claims["amr"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect()
}

/// Signs in at a phr request and lands on the key page.
pub(crate) async fn phr_key_page(
    _app: &TestApp,
    browser: &Browser,
    client: &TestClient,
    user: &TestUser,
) -> (AuthParams, Landing) {
    let params = AuthParams::new(client).set("acr_values", "phr");
    let page = browser.authorize(&params).await;
    let page = browser.login(&page, user).await;
    assert!(
        page.html().contains("data-webauthn-begin"),
        "{}",
        page.html()
    );
    (params, page)
}

#[tokio::test]
async fn enroll_a_key_then_step_up_to_phr_and_replays_are_refused() {
    let app = spawn_on(Backend::Redis).await;
    let user = app.user("kate").await;
    let client = app.client(false).await;
    let mut key = SoftPasskey::new(true);

    let browser = Browser::new(&app);
    let (params, page) = phr_key_page(&app, &browser, &client, &user).await;
    assert!(page.html().contains("data-mode=\"register\""));
    let kp = key_page(&page);
    let (status, body, sent) = register(&app, &browser, &kp, &mut key).await;
    assert_eq!(status, 200, "{body}");
    let back = browser.get(body["redirect"].as_str().unwrap()).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "phr");
    assert_eq!(amr(&claims), vec!["pwd", "hwk", "user", "mfa"]);
    // Administrators see the key among the user's factors.
    let admin = crate::admin_helpers::AdminApi::new(&app, "ops").await;
    let (status, shown) = admin.get(&format!("/users/{}", user.id)).await;
    assert_eq!(status, 200);
    assert_eq!(shown["factors"], serde_json::json!(["webauthn"]));
    // Replaying the registration finish is refused (the session moved on, and the
    // ceremony state is gone).
    let again = post_json(&app, &browser, &kp.finish, &kp.csrf, &app.issuer, &sent).await;
    assert!(again.status().is_client_error(), "{}", again.status());

    // A new browser: password, then the key (no choice: phr accepts only WebAuthn).
    let later = Browser::new(&app);
    let (params, page) = phr_key_page(&app, &later, &client, &user).await;
    assert!(page.html().contains("data-mode=\"authenticate\""));
    let kp = key_page(&page);
    let (status, body, sent) = authenticate(&app, &later, &kp, &mut key).await;
    assert_eq!(status, 200, "{body}");
    let back = later.get(body["redirect"].as_str().unwrap()).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "phr");
    let replay = post_json(&app, &later, &kp.finish, &kp.csrf, &app.issuer, &sent).await;
    assert!(
        replay.status().is_client_error(),
        "a replayed assertion is refused"
    );
    let claims_again = later
        .authorize(
            &AuthParams::new(&client)
                .set("acr_values", "phr")
                .set("prompt", "none"),
        )
        .await;
    assert!(
        claims_again.params().contains_key("code"),
        "the session itself still holds phr"
    );
}

#[tokio::test]
async fn wrong_origin_missing_csrf_and_counter_regression_are_refused() {
    let app = spawn_app().await;
    let user = app.user("liam").await;
    let client = app.client(false).await;
    let mut key = SoftPasskey::new(true);
    let browser = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &browser, &client, &user).await;
    let kp = key_page(&page);
    // Cross-origin calls and calls without the CSRF header never start a ceremony.
    let cross = post_json(
        &app,
        &browser,
        &kp.begin,
        &kp.csrf,
        "http://evil.example",
        &Value::Null,
    )
    .await;
    assert_eq!(cross.status(), 403);
    let no_csrf = post_json(&app, &browser, &kp.begin, "", &app.issuer, &Value::Null).await;
    assert_eq!(no_csrf.status(), 403);
    let (status, _, _) = register(&app, &browser, &kp, &mut key).await;
    assert_eq!(status, 200);

    // An assertion made for another origin (phishing site) is refused by the server.
    let b2 = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &b2, &client, &user).await;
    let kp = key_page(&page);
    let opts: RequestChallengeResponse =
        post_json(&app, &b2, &kp.begin, &kp.csrf, &app.issuer, &Value::Null)
            .await
            .json()
            .await
            .unwrap();
    let phish = url::Url::parse("http://localhost.evil.example:1").unwrap();
    let cred = key
        .perform_auth(phish, opts.public_key.clone(), 60_000)
        .unwrap();
    let resp = post_json(
        &app,
        &b2,
        &kp.finish,
        &kp.csrf,
        &app.issuer,
        &serde_json::to_value(&cred).unwrap(),
    )
    .await;
    assert_eq!(resp.status(), 400);
    // That failed attempt consumed the ceremony: a genuine assertion for the same
    // challenge is refused too (single-use ceremony state).
    let genuine = key.do_authentication(origin(&app), opts).unwrap();
    let why = finish_refused(&app, &b2, &kp, &genuine).await;
    assert!(why.contains("no security key check in progress"));

    // A signature counter that does not move forward (a cloned key) is refused.
    counter_moved_elsewhere(&app, &user, 1_000_000).await;
    let b3 = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &b3, &client, &user).await;
    let (status, body, _) = authenticate(&app, &b3, &key_page(&page), &mut key).await;
    assert_eq!(status, 400, "{body}");
}

/// Moves the stored signature counter of the user's only key to `to`, as a
/// use of the key (or of its clone) somewhere else would.
async fn counter_moved_elsewhere(app: &TestApp, user: &TestUser, to: u32) {
    let creds = portcullis::db::webauthn::list(&app.state.db, &user.id)
        .await
        .unwrap();
    let mut pk = serde_json::to_value(&creds[0].passkey).unwrap();
    pk["cred"]["counter"] = Value::from(to);
    let moved = serde_json::from_value(pk).unwrap();
    assert!(
        portcullis::db::webauthn::record_use(&app.state.db, &creds[0], &moved)
            .await
            .unwrap()
    );
}

async fn stored_counter(app: &TestApp, user: &TestUser) -> u32 {
    let creds = portcullis::db::webauthn::list(&app.state.db, &user.id)
        .await
        .unwrap();
    portcullis::db::webauthn::signature_counter(&creds[0].passkey).unwrap()
}

#[tokio::test]
async fn an_assertion_behind_a_use_made_since_its_ceremony_began_is_refused() {
    let app = spawn_app().await;
    let user = app.user("maeve").await;
    let client = app.client(false).await;
    let mut key = SoftPasskey::new(true);
    let browser = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &browser, &client, &user).await;
    let (status, _, _) = register(&app, &browser, &key_page(&page), &mut key).await;
    assert_eq!(status, 200);

    // A ceremony begins in a second browser; the key is then used elsewhere
    // and the stored counter moves past the one this ceremony began with.
    let b2 = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &b2, &client, &user).await;
    let kp = key_page(&page);
    let opts: RequestChallengeResponse =
        post_json(&app, &b2, &kp.begin, &kp.csrf, &app.issuer, &Value::Null)
            .await
            .json()
            .await
            .unwrap();
    counter_moved_elsewhere(&app, &user, 1_000_000).await;
    let cred = key.do_authentication(origin(&app), opts).unwrap();
    let why = finish_refused(&app, &b2, &kp, &cred).await;
    assert!(why.contains("did not move forward"), "{why}");
    // The newer counter stays: nothing older was stored over it.
    assert_eq!(stored_counter(&app, &user).await, 1_000_000);
}

#[tokio::test]
async fn of_two_uses_read_from_the_same_stored_key_only_one_is_stored() {
    let app = spawn_app().await;
    let user = app.user("nuala").await;
    let client = app.client(false).await;
    let mut key = SoftPasskey::new(true);
    let browser = Browser::new(&app);
    let (_, page) = phr_key_page(&app, &browser, &client, &user).await;
    let (status, _, _) = register(&app, &browser, &key_page(&page), &mut key).await;
    assert_eq!(status, 200);
    let read = portcullis::db::webauthn::list(&app.state.db, &user.id)
        .await
        .unwrap()
        .remove(0);
    let with_counter = |to: u32| {
        let mut pk = serde_json::to_value(&read.passkey).unwrap();
        pk["cred"]["counter"] = Value::from(to);
        serde_json::from_value(pk).unwrap()
    };
    let db = &app.state.db;
    assert!(
        portcullis::db::webauthn::record_use(db, &read, &with_counter(7))
            .await
            .unwrap()
    );
    // A second assertion checked against the same read would store an older
    // counter over the newer one: it is refused instead.
    assert!(
        !portcullis::db::webauthn::record_use(db, &read, &with_counter(5))
            .await
            .unwrap()
    );
    assert_eq!(stored_counter(&app, &user).await, 7);
}

#[tokio::test]
async fn a_second_key_works_and_both_factors_offer_a_choice() {
    let app = spawn_app().await;
    let user = app.user("mona").await;
    let secret = app.give_totp(&user).await;
    let client = app.client(false).await;

    // Two keys registered through two sign-ins' enrollment… the second through the
    // relying-party API directly, as an administrator tool would.
    let mut first = SoftPasskey::new(true);
    let browser = Browser::new(&app);
    // Mona has TOTP: a key is added only after her TOTP code in this sign-in.
    let page = browser
        .authorize(&AuthParams::new(&client).set("acr_values", "phr"))
        .await;
    let page = browser.login(&page, &user).await;
    let page = browser
        .submit(&form_with(page.html(), "code").set("code", &totp_code(&secret, 0)))
        .await;
    assert_eq!(
        register(&app, &browser, &key_page(&page), &mut first)
            .await
            .0,
        200
    );
    let rp = app.state.webauthn.as_deref().unwrap();
    let mut second = SoftPasskey::new(true);
    let handle = uuid::Uuid::parse_str(&user.id).unwrap();
    let (ccr, reg) = rp
        .start_passkey_registration(handle, "mona", "Mona", None)
        .unwrap();
    let cred = second.do_registration(origin(&app), ccr).unwrap();
    let passkey = rp.finish_passkey_registration(&cred, &reg).unwrap();
    portcullis::db::webauthn::add(&app.state.db, &user.id, "Backup key", &passkey)
        .await
        .unwrap();
    assert_eq!(
        portcullis::db::webauthn::infos(&app.state.db, &user.id)
            .await
            .unwrap()
            .len(),
        2
    );

    let b = Browser::new(&app);
    let (params, page) = phr_key_page(&app, &b, &client, &user).await;
    let (status, body, _) = authenticate(&app, &b, &key_page(&page), &mut second).await;
    assert_eq!(status, 200, "{body}");
    let back = b.get(body["redirect"].as_str().unwrap()).await;
    assert_eq!(app.tokens(&client, &params, &back).await["acr"], "phr");

    // mfa with TOTP and a key: a choice page with method= links.
    let c = Browser::new(&app);
    let params = AuthParams::new(&client).set("acr_values", "mfa");
    let page = c.authorize(&params).await;
    let choice = c.login(&page, &user).await;
    let html = choice.html();
    assert!(
        html.contains("method=totp") && html.contains("method=webauthn"),
        "{html}"
    );
    let totp_href = attr(html, "href");
    let totp_href = if totp_href.contains("method=totp") {
        totp_href
    } else {
        html.split("href=\"")
            .nth(2)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .to_string()
    };
    let form_page = c.get(&totp_href).await;
    let back = c
        .submit(&form_with(form_page.html(), "code").set("code", &totp_code(&secret, 1)))
        .await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["acr"], "mfa");
    assert_eq!(amr(&claims), vec!["pwd", "otp", "mfa"]);
}

#[tokio::test]
async fn phr_without_a_key_and_without_enrollment_is_unmet() {
    let app = spawn_with(Options {
        toml: "[enrollment]\nallowed = false\n".into(),
        ..Options::default()
    })
    .await;
    let user = app.user("nina").await;
    app.give_totp(&user).await;
    let client = app.client(false).await;
    let browser = Browser::new(&app);
    let essential = r#"{"id_token":{"acr":{"essential":true,"values":["phr"]}}}"#;
    let page = browser
        .authorize(&AuthParams::new(&client).set("claims", essential))
        .await;
    let back = browser.login(&page, &user).await;
    assert_eq!(back.params()["error"], "unmet_authentication_requirements");
}
