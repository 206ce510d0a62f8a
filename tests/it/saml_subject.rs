//! A SAML request that names its subject (SAML core §3.4.1) is answered for
//! that principal only: a browser signed in as someone else is asked to sign
//! in, and a name nobody has gets the same page.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::{Browser, TestApp};
use crate::saml_refusals::{ACS, SP, app_with_sp, deflated, urlencode};

/// `/saml/sso` with an AuthnRequest naming `subject` when given (a NameID
/// without a Format).
fn sso(app: &TestApp, subject: Option<&str>) -> String {
    sso_as(app, subject.map(|s| (s, None)))
}

/// The same, with the NameID's Format when given.
fn sso_as(app: &TestApp, subject: Option<(&str, Option<&str>)>) -> String {
    let subject = subject
        .map(|(s, format)| {
            let format = format
                .map(|f| format!(" Format=\"{f}\""))
                .unwrap_or_default();
            format!("<saml:Subject><saml:NameID{format}>{s}</saml:NameID></saml:Subject>")
        })
        .unwrap_or_default();
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_s1" Version="2.0" IssueInstant="2026-12-02T10:00:00Z" AssertionConsumerServiceURL="{}"><saml:Issuer>{SP}</saml:Issuer>{subject}</samlp:AuthnRequest>"#,
        ACS.replace('&', "&amp;")
    );
    format!(
        "{}/saml/sso?SAMLRequest={}",
        app.issuer,
        urlencode(&deflated(&xml))
    )
}

/// The Response a post page carries, decoded.
fn response_of(html: &str) -> String {
    let value = html
        .split("name=\"SAMLResponse\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no SAMLResponse in {html}"));
    String::from_utf8(STANDARD.decode(value).unwrap()).unwrap()
}

#[tokio::test]
async fn a_request_naming_its_subject_is_answered_for_that_user_only() {
    let app = app_with_sp().await;
    let (alice, bob) = (app.user("alice").await, app.user("bob").await);
    let browser = Browser::new(&app);
    let page = browser.get(&sso(&app, None)).await;
    let done = browser.login(&page, &alice).await;
    assert!(response_of(done.html()).contains("alice@example.com"));

    // Naming the signed-in user: answered at once.
    let again = browser.get(&sso(&app, Some("alice@example.com"))).await;
    assert!(response_of(again.html()).contains("alice@example.com"));

    // By username in the unspecified format, or by email in the email
    // format: the same user, answered at once.
    for (name, format) in [
        (
            "alice",
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"),
        ),
        (
            "alice@example.com",
            Some("urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"),
        ),
    ] {
        let again = browser.get(&sso_as(&app, Some((name, format)))).await;
        assert!(
            response_of(again.html()).contains("alice@example.com"),
            "{name}"
        );
    }
    // A format not resolved here: a failure Response, whatever the name.
    let persistent = browser
        .get(&sso_as(
            &app,
            Some((
                "alice@example.com",
                Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent"),
            )),
        ))
        .await;
    let xml = response_of(persistent.html());
    assert!(
        xml.contains("UnknownPrincipal") && !xml.contains("<saml:Assertion"),
        "{xml}"
    );

    // Naming someone else, or a name nobody has: the login page, the same for both.
    for name in ["bob@example.com", "nobody@example.com"] {
        let other = browser.get(&sso(&app, Some(name))).await;
        assert_eq!(other.status(), 200, "{name}");
        assert!(
            other.html().contains("name=\"password\"") && !other.html().contains("SAMLResponse"),
            "{name}: {}",
            other.html()
        );
    }
    // Alice's password does not answer for Bob; Bob's does.
    let other = browser.get(&sso(&app, Some("bob@example.com"))).await;
    let wrong = browser.login(&other, &alice).await;
    assert!(!wrong.html().contains("SAMLResponse"), "{}", wrong.html());
    let right = browser.login(&wrong, &bob).await;
    let xml = response_of(right.html());
    assert!(
        xml.contains("bob@example.com") && !xml.contains("alice@example.com"),
        "{xml}"
    );
}
