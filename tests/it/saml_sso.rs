//! SAML single sign-on driven end to end by a real service provider library
//! (OneLogin's python3-saml in strict mode): it makes the AuthnRequests and
//! judges our Responses, signatures included.

use crate::helpers::{AuthParams, Browser, Landing, TestUser, form_with, spawn_app, totp_code};
use crate::saml_helpers::{PPT, REFEDS_MFA, SamlSp, response_form, response_xml, sign_in};

fn contexts(verdict: &serde_json::Value) -> Vec<String> {
    verdict["authn_contexts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_password_login_is_accepted_by_a_strict_sp_with_every_attribute() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &["--name", "Service desk"]).await;
    let user = app.user_in("alice", &["customers"]).await;
    let browser = Browser::new(&app);
    let page = browser.get(&sp.login_url("").await).await;
    assert!(
        page.html().contains("Service desk"),
        "the SP's name on the login page"
    );
    let after = browser.login(&page, &user).await;
    let form = response_form(&after);
    assert!(form.get("RelayState").is_some());
    let verdict = sp.acs(&form).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    assert!(
        verdict["relay_state_known"].as_bool().unwrap(),
        "InResponseTo was checked"
    );
    assert_eq!(verdict["nameid"], "alice@example.com");
    let attrs = &verdict["attributes"];
    assert_eq!(attrs["email"][0], "alice@example.com");
    assert_eq!(attrs["firstName"][0], "Test");
    assert_eq!(attrs["lastName"][0], "alice");
    assert_eq!(attrs["displayName"][0], "Test alice");
    assert_eq!(attrs["groups"][0], "customers");
    assert_eq!(contexts(&verdict), vec![PPT.to_owned()]);
    // The answer page posts by script and by its button, to the ACS only.
    assert!(after.html().contains("<script nonce="));
    assert!(after.html().contains("<button type=\"submit\""));
}

#[tokio::test]
async fn mfa_asked_by_the_sp_is_proven_with_totp() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let user = app.user("bob").await;
    let seed = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    let page = browser
        .get(&sp.login_url(&format!("acr={REFEDS_MFA}")).await)
        .await;
    let code_page = browser.login(&page, &user).await;
    let form = form_with(code_page.html(), "code").set("code", &totp_code(&seed, 0));
    let done = browser.submit(&form).await;
    let verdict = sp.acs(&response_form(&done)).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    assert_eq!(contexts(&verdict), vec![REFEDS_MFA.to_owned()]);
}

#[tokio::test]
async fn an_oidc_password_session_steps_up_for_saml_with_the_code_only() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let client = app.client(false).await;
    let user = app.user("carol").await;
    let seed = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    // Signed in through OpenID Connect with the password only.
    let page = browser.authorize(&AuthParams::new(&client)).await;
    assert!(matches!(
        browser.login(&page, &user).await,
        Landing::Left { .. }
    ));
    // A SAML request for pwd: no prompt at all, one session across protocols.
    let direct = browser
        .get(&sp.login_url(&format!("acr={PPT}")).await)
        .await;
    let verdict = sp.acs(&response_form(&direct)).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    // For mfa: only the code is asked, never the password again.
    let step = browser
        .get(&sp.login_url(&format!("acr={REFEDS_MFA}")).await)
        .await;
    assert!(!step.html().contains("name=\"password\""));
    let form = form_with(step.html(), "code").set("code", &totp_code(&seed, 0));
    let verdict = sp.acs(&response_form(&browser.submit(&form).await)).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    assert_eq!(contexts(&verdict), vec![REFEDS_MFA.to_owned()]);
}

#[tokio::test]
async fn an_sp_minimum_of_mfa_holds_when_the_sp_asks_for_nothing() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &["--minimum-acr", "mfa"]).await;
    let user = app.user("dave").await;
    let seed = app.give_totp(&user).await;
    let browser = Browser::new(&app);
    let page = browser.get(&sp.login_url("").await).await;
    let code_page = browser.login(&page, &user).await;
    let form = form_with(code_page.html(), "code").set("code", &totp_code(&seed, 0));
    let verdict = sp.acs(&response_form(&browser.submit(&form).await)).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    assert_eq!(contexts(&verdict), vec![REFEDS_MFA.to_owned()]);
}

#[tokio::test]
async fn a_context_that_cannot_be_met_gets_no_authn_context() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let browser = Browser::new(&app);
    let page = browser
        .get(&sp.login_url("acr=urn:example:unknown-class").await)
        .await;
    let form = response_form(&page);
    assert!(response_xml(&form).contains("urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"));
    let verdict = sp.acs(&form).await;
    assert_eq!(verdict["authenticated"], false);
    assert!(
        verdict["reason"]
            .as_str()
            .unwrap()
            .contains("NoAuthnContext"),
        "{verdict}"
    );
}

#[tokio::test]
async fn is_passive_without_a_session_gets_no_passive() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let browser = Browser::new(&app);
    let page = browser.get(&sp.login_url("passive=1").await).await;
    let verdict = sp.acs(&response_form(&page)).await;
    assert_eq!(verdict["authenticated"], false);
    assert!(
        verdict["reason"].as_str().unwrap().contains("NoPassive"),
        "{verdict}"
    );
}

#[tokio::test]
async fn force_authn_asks_for_the_password_again() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let user = app.user("erin").await;
    let browser = Browser::new(&app);
    assert_eq!(
        sign_in(&browser, &sp, "", &user).await["authenticated"],
        true
    );
    let again = browser.get(&sp.login_url("force=1").await).await;
    assert!(
        again.html().contains("name=\"password\""),
        "{}",
        again.html()
    );
    let verdict = sp
        .acs(&response_form(&browser.login(&again, &user).await))
        .await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
}

#[tokio::test]
async fn a_tampered_response_is_refused_by_the_sp() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let user = app.user("frank").await;
    let browser = Browser::new(&app);
    let page = browser.get(&sp.login_url("").await).await;
    let form = response_form(&browser.login(&page, &user).await);
    let forged = response_xml(&form).replace("frank@example.com", "admin@example.com");
    use base64::Engine;
    let forged = base64::engine::general_purpose::STANDARD.encode(forged);
    let verdict = sp.acs(&form.set("SAMLResponse", &forged)).await;
    assert_eq!(verdict["authenticated"], false, "{verdict}");
}

#[tokio::test]
async fn a_response_signed_twice_satisfies_an_sp_that_wants_both() {
    let app = spawn_app().await;
    let sp = SamlSp::start_with(&app, &["--sign", "both", "--nameid", "username"], true).await;
    let user = app.user("gina").await;
    let verdict = sign_in(&Browser::new(&app), &sp, "", &user).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    assert_eq!(verdict["nameid"], "gina");
}

/// Starts a login at `sp` and posts `user`'s password, without following
/// the answer.
async fn password_post(browser: &Browser, sp: &SamlSp, user: &TestUser) -> reqwest::Response {
    let page = browser.get(&sp.login_url("").await).await;
    let form = form_with(page.html(), "password")
        .set("username", &user.username)
        .set("password", &user.password);
    browser
        .http
        .post(browser.absolute(&form.action))
        .form(&form.fields)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_response_page_serves_only_its_own_browser_and_only_once() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let user = app.user("hank").await;
    let browser = Browser::new(&app);
    let resp = password_post(&browser, &sp, &user).await;
    // Follow to the post page by hand, keeping its URL (without opening it).
    let mut location = resp.headers()["location"].to_str().unwrap().to_owned();
    while !location.contains("/saml/post/") {
        let r = browser
            .http
            .get(browser.absolute(&location))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_redirection(), "{location}: {}", r.status());
        location = r.headers()["location"].to_str().unwrap().to_owned();
    }
    let stranger = Browser::new(&app).get(&location).await;
    assert_eq!(stranger.status(), 400);
    assert!(!stranger.html().contains("SAMLResponse"));
    let mine = browser.get(&location).await;
    assert!(mine.html().contains("SAMLResponse"));
    let twice = browser.get(&location).await;
    assert_eq!(twice.status(), 400, "a response is handed out once");
}

/// A response made before its user was signed out everywhere is not handed
/// out after: the new session epoch ends it, as it ends a code. Here only the
/// epoch and the change mark move, and the browser session stays in the
/// store, as when the command line cannot reach the store.
#[tokio::test]
async fn a_response_page_is_not_served_after_its_users_sessions_ended() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let user = app.user("ines").await;
    let browser = Browser::new(&app);
    let resp = password_post(&browser, &sp, &user).await;
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.contains("/saml/post/"), "{location}");
    portcullis::db::revocation::end_everything(&app.state.db, &user.id)
        .await
        .unwrap();
    portcullis::directory::changed(&app.state.store)
        .await
        .unwrap();
    let page = browser.get(&location).await;
    assert_eq!(page.status(), 400);
    assert!(!page.html().contains("SAMLResponse"));
}

/// An address stored before noncharacters were refused, here one ending in
/// U+FFFE (which XML forbids), is never asserted without that character:
/// nothing is signed, so no service provider reads `alice@example.com` for
/// another account.
#[tokio::test]
async fn an_address_xml_cannot_carry_gets_no_assertion() {
    let app = spawn_app().await;
    let sp = SamlSp::start(&app, &[]).await;
    let mallory = app.user("mallory").await;
    use sea_orm::ConnectionTrait;
    app.state
        .db
        .execute_unprepared(&format!(
            "UPDATE users SET email = 'alice@example.com\u{FFFE}' WHERE id = '{}'",
            mallory.id
        ))
        .await
        .unwrap();
    let browser = Browser::new(&app);
    let page = browser.get(&sp.login_url("").await).await;
    let after = browser.login(&page, &mallory).await;
    assert!(!after.html().contains("SAMLResponse"), "{after:?}");
    assert_eq!(after.status(), 500, "{after:?}");
}
