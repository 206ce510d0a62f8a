//! A self-registered client is allowed by the user before it gets anything
//! (OpenID Connect Core §3.1.2.4): the consent page comes once the level is
//! met, is asked again for a new scope or with `prompt=consent`, a denial ends
//! the login with `access_denied`, and `prompt=none` without consent is
//! `consent_required`. An operator's client never asks.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::registration::{REDIRECT, register, spawn_registration};

async fn registered(app: &TestApp, scope: &str) -> TestClient {
    register(
        app,
        json!({"redirect_uris": [REDIRECT], "scope": scope, "client_name": "Wiki Mirror"}),
    )
    .await
}

fn is_consent(page: &Landing) -> bool {
    matches!(page, Landing::Page { status: 200, html } if html.contains("id=\"consent-allow\""))
}

fn decide(page: &Landing, decision: &str) -> Form {
    form_valued(page.html(), "decision", decision)
}

async fn consents_of(app: &TestApp) -> u64 {
    use sea_orm::{EntityTrait, PaginatorTrait};
    entity::consents::Entity::find()
        .count(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_self_registered_client_is_asked_for_once_then_signs_in_silently() {
    let app = spawn_registration("").await;
    let client = registered(&app, "openid profile email").await;
    let user = app.user("cora").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("scope", "openid email");
    let page = browser.authorize(&params).await;
    let asked = browser.login(&page, &user).await;
    assert!(is_consent(&asked), "{asked:?}");
    let html = asked.html();
    assert!(
        html.contains("Wiki Mirror") && html.contains("your email address"),
        "{html}"
    );
    assert!(
        !html.contains("your name, username"),
        "only what it asks for"
    );
    // A self-registered client picks its name and logo, not where the code
    // goes: the page names that host.
    let host = url::Url::parse(crate::registration::REDIRECT).unwrap();
    let host = format!("{}:{}", host.host_str().unwrap(), host.port().unwrap());
    assert!(
        html.contains(&format!("Your answer goes to {host}.")),
        "{html}"
    );
    let back = browser.submit(&decide(&asked, "allow")).await;
    let claims = app.tokens(&client, &params, &back).await;
    assert_eq!(claims["sub"], user.id.as_str());

    // Allowed: the next sign-in is the usual single redirect.
    let params = AuthParams::new(&client).set("scope", "openid email");
    let again = browser.authorize(&params).await;
    assert!(again.params().contains_key("code"), "{again:?}");

    // A scope not allowed before is asked for, and so is everything with
    // prompt=consent.
    let wider = browser
        .authorize(&AuthParams::new(&client).set("scope", "openid email profile"))
        .await;
    assert!(is_consent(&wider), "{wider:?}");
    assert!(wider.html().contains("your name, username"));
    let back = browser.submit(&decide(&wider, "allow")).await;
    assert!(back.params().contains_key("code"), "{back:?}");
    let forced = browser
        .authorize(&AuthParams::new(&client).set("prompt", "consent"))
        .await;
    assert!(is_consent(&forced), "{forced:?}");
}

#[tokio::test]
async fn a_denial_ends_the_login_with_access_denied() {
    let app = spawn_registration("").await;
    let client = registered(&app, "openid").await;
    let user = app.user("dara").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("scope", "openid");
    let page = browser.authorize(&params).await;
    let asked = browser.login(&page, &user).await;
    let back = browser.submit(&decide(&asked, "deny")).await;
    let p = back.params();
    assert_eq!(p["error"], "access_denied");
    assert_eq!(p["state"], params.state);
    assert!(!p.contains_key("code"));
    assert_eq!(consents_of(&app).await, 0);
    // The pending login is gone: its form cannot be posted again.
    let replay = browser.submit(&decide(&asked, "allow")).await;
    assert_eq!(replay.status(), 400, "{replay:?}");
    assert_eq!(consents_of(&app).await, 0);
}

#[tokio::test]
async fn prompt_none_without_consent_is_consent_required() {
    let app = spawn_registration("").await;
    let operators = app.client(false).await;
    let client = registered(&app, "openid").await;
    let user = app.user("eben").await;
    let browser = Browser::new(&app);
    let page = browser.authorize(&AuthParams::new(&operators)).await;
    browser.login(&page, &user).await.code();
    let silent = browser
        .authorize(
            &AuthParams::new(&client)
                .set("scope", "openid")
                .set("prompt", "none"),
        )
        .await;
    assert_eq!(silent.params()["error"], "consent_required", "{silent:?}");
    // The operator's own client never asks, not even with prompt=consent.
    let direct = browser
        .authorize(&AuthParams::new(&operators).set("prompt", "consent"))
        .await;
    assert!(direct.params().contains_key("code"), "{direct:?}");
}

#[tokio::test]
async fn a_consent_post_needs_its_form_token() {
    let app = spawn_registration("").await;
    let client = registered(&app, "openid").await;
    let user = app.user("fenn").await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("scope", "openid"))
        .await;
    let asked = browser.login(&page, &user).await;
    let forged = decide(&asked, "allow").set("csrf_token", "forged");
    assert_eq!(decide(&asked, "deny").get("decision"), Some("deny"));
    let refused = browser.submit(&forged).await;
    assert_eq!(refused.status(), 400, "{refused:?}");
    assert!(is_consent(&Landing::Page {
        status: 200,
        html: refused.html().to_owned()
    }));
    assert_eq!(consents_of(&app).await, 0);
}

#[tokio::test]
async fn the_account_page_takes_back_a_consent_and_its_refresh_tokens() {
    let app = spawn_registration("").await;
    let client = register(
        &app,
        json!({
            "redirect_uris": [REDIRECT],
            "scope": "openid offline_access",
            "grant_types": ["authorization_code", "refresh_token"],
            "client_name": "Wiki Mirror",
        }),
    )
    .await;
    let user = app.user("gwen").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("scope", "openid offline_access");
    let page = browser.authorize(&params).await;
    let asked = browser.login(&page, &user).await;
    assert!(asked.html().contains("id=\"consent-offline\""), "{asked:?}");
    let back = browser.submit(&decide(&asked, "allow")).await;
    let tokens: Value = app.token_response(&client, &params, &back).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    let account = browser.get("/account").await;
    let html = account.html();
    assert!(
        html.contains("id=\"consent-list\"") && html.contains("Wiki Mirror"),
        "{html}"
    );
    let done = browser
        .submit(&form_to(html, "/account/consents/revoke"))
        .await;
    assert!(
        done.html().contains("no longer has access"),
        "{}",
        done.html()
    );
    assert!(!done.html().contains("id=\"consent-list\""));
    assert_eq!(consents_of(&app).await, 0);
    let refused = app.refresh(&client, &refresh, None).await;
    assert_eq!(refused.status(), 400);
    // Its next sign-in asks again.
    let again = browser
        .authorize(&AuthParams::new(&client).set("scope", "openid"))
        .await;
    assert!(is_consent(&again), "{again:?}");
}

/// A claim asked for one by one (`claims`) would release what its scope
/// does: the page shows that scope, and consent to `openid` alone does not
/// cover it.
#[tokio::test]
async fn claims_asked_one_by_one_are_part_of_the_consent() {
    let app = spawn_registration("").await;
    let client = registered(&app, "openid profile email").await;
    let user = app.user("hana").await;
    let browser = Browser::new(&app);
    let page = browser
        .authorize(&AuthParams::new(&client).set("scope", "openid"))
        .await;
    let asked = browser.login(&page, &user).await;
    assert!(!asked.html().contains("your email address"));
    browser.submit(&decide(&asked, "allow")).await.code();

    let claims = r#"{"id_token":{"email":null}}"#;
    let params = AuthParams::new(&client)
        .set("scope", "openid")
        .set("claims", claims);
    let again = browser.authorize(&params).await;
    assert!(is_consent(&again), "{again:?}");
    assert!(again.html().contains("your email address"));
    let back = browser.submit(&decide(&again, "allow")).await;
    let id = app.tokens(&client, &params, &back).await;
    assert_eq!(id["email"], "hana@example.com");
    // Allowed now: the same request is one redirect.
    let silent = browser
        .authorize(
            &AuthParams::new(&client)
                .set("scope", "openid")
                .set("claims", claims)
                .set("prompt", "none"),
        )
        .await;
    assert!(silent.params().contains_key("code"), "{silent:?}");
}

/// The token endpoint asks too: a code redeemed after its consent was taken
/// back, and a refresh token with no consent behind it (one issued before
/// consent was asked for), get nothing.
#[tokio::test]
async fn codes_and_refresh_tokens_need_the_consent_to_stand() {
    let app = spawn_registration("").await;
    let client = register(
        &app,
        json!({
            "redirect_uris": [REDIRECT],
            "scope": "openid offline_access",
            "grant_types": ["authorization_code", "refresh_token"],
        }),
    )
    .await;
    let user = app.user("ines").await;
    let browser = Browser::new(&app);
    let params = AuthParams::new(&client).set("scope", "openid offline_access");
    let page = browser.authorize(&params).await;
    let asked = browser.login(&page, &user).await;
    let back = browser.submit(&decide(&asked, "allow")).await;
    let tokens: Value = app.token_response(&client, &params, &back).await;
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();

    // A code made while consent stood, redeemed after it went.
    let params = AuthParams::new(&client).set("scope", "openid offline_access");
    let code = browser.authorize(&params).await.code();
    portcullis::db::consents::revoke(&app.state.db, &user.id, &client.client_id)
        .await
        .unwrap();
    let late = app.exchange(&client, &code, Some(&params.verifier)).await;
    assert_eq!(late.status(), 400);
    // A refresh token with no consent behind it.
    let refused = app.refresh(&client, &refresh, None).await;
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_grant");
}
