//! SAML logins under the server's policy (rules naming SP entity IDs), the
//! HTTP-POST binding (including the cross-site re-post that lets our
//! SameSite cookies come along) and the audit trail.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::{
    Browser, Options, cli, form_with, spawn_with, totp_code, within_contract_delay,
};
use crate::saml_helpers::{REFEDS_MFA, SamlSp, response_form};

const SP: &str = "https://jira.example.com";

#[tokio::test]
async fn a_policy_rule_naming_the_sp_entity_id_requires_mfa() {
    let app = spawn_with(Options {
        toml: format!(
            "[policy]\n[[policy.rules]]\nname = \"jira needs 2fa\"\nclients = [\"{SP}\"]\nrequire = \"mfa\"\n"
        ),
        ..Options::default()
    })
    .await;
    let sp = SamlSp::start_as(&app, SP, &[], false).await;
    let other = SamlSp::start(&app, &[]).await;
    let user = app.user("ivy").await;
    let seed = app.give_totp(&user).await;
    // Another SP is not named by the rule: the password is enough.
    let browser = Browser::new(&app);
    let page = browser.get(&other.login_url("").await).await;
    let verdict = other
        .acs(&response_form(&browser.login(&page, &user).await))
        .await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    // The named SP asks for the code on top of that session.
    let step = browser.get(&sp.login_url("").await).await;
    let form = form_with(step.html(), "code").set("code", &totp_code(&seed, 0));
    let verdict = sp.acs(&response_form(&browser.submit(&form).await)).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
    assert_eq!(verdict["authn_contexts"][0], REFEDS_MFA);
    // Audited like an OpenID Connect login, under the SP's entity ID (rows
    // are written in batches, so within the CLI's delay).
    let audited = within_contract_delay(|| async {
        let audit = cli(&app, &["audit", "list", "--user", "ivy"]).unwrap();
        audit["items"].as_array().unwrap().iter().any(|r| {
            r["client_id"] == SP && r["rule"] == "jira needs 2fa" && r["outcome"] == "issued"
        })
    })
    .await;
    assert!(audited, "the SAML login is in the audit log");
}

#[tokio::test]
async fn the_post_binding_works_from_another_site() {
    let app = spawn_with(Options::default()).await;
    let sp = SamlSp::start(&app, &[]).await;
    let user = app.user("jack").await;
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_post1" Version="2.0" IssueInstant="2026-12-02T10:00:00Z" AssertionConsumerServiceURL="{}"><saml:Issuer>{}</saml:Issuer></samlp:AuthnRequest>"#,
        sp.acs_url, sp.entity_id
    );
    let browser = Browser::new(&app);
    let resp = browser
        .http
        .post(app.url("/saml/sso"))
        .header("sec-fetch-site", "cross-site")
        .form(&[
            ("SAMLRequest", STANDARD.encode(&xml)),
            ("RelayState", "rs-post".into()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let repost = form_with(&resp.text().await.unwrap(), "SAMLRequest");
    assert_eq!(
        repost.action, "/saml/sso",
        "posted again to ourselves, same-site"
    );
    let login = browser.submit(&repost).await;
    let form = response_form(&browser.login(&login, &user).await);
    assert_eq!(form.get("RelayState"), Some("rs-post"));
    let verdict = sp.acs(&form).await;
    assert_eq!(verdict["authenticated"], true, "{verdict}");
}

#[tokio::test]
async fn mfa_that_this_user_cannot_reach_gets_no_authn_context_after_the_password() {
    let app = spawn_with(Options {
        toml: "[enrollment]\nallowed = false\n".into(),
        ..Options::default()
    })
    .await;
    let sp = SamlSp::start(&app, &[]).await;
    // No second factor, and none may be added during login.
    let user = app.user("kim").await;
    let browser = Browser::new(&app);
    let page = browser
        .get(&sp.login_url(&format!("acr={REFEDS_MFA}")).await)
        .await;
    let form = response_form(&browser.login(&page, &user).await);
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
