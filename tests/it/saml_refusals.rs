//! Bad SAML requests get an error page: status 400, never a form that posts
//! anywhere, never a 500. One test per kind of refusal.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::{Browser, TestApp, cli, spawn_app, within_contract_delay};

pub const ACS: &str = "https://sp.example/plugins/servlet/samlconsumer?tenant=a";
pub const SP: &str = "https://sp.example/metadata";

pub async fn app_with_sp() -> TestApp {
    let app = spawn_app().await;
    cli(
        &app,
        &["saml", "sp", "add", "--entity-id", SP, "--acs-url", ACS],
    )
    .unwrap();
    app
}

fn request(issuer: &str, acs: &str) -> String {
    format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_r1" Version="2.0" IssueInstant="2026-12-02T10:00:00Z" AssertionConsumerServiceURL="{}"><saml:Issuer>{issuer}</saml:Issuer></samlp:AuthnRequest>"#,
        acs.replace('&', "&amp;")
    )
}

pub fn deflated(xml: &str) -> String {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(xml.as_bytes()).unwrap();
    STANDARD.encode(e.finish().unwrap())
}

/// GETs `/saml/sso` with this SAMLRequest: asserts the refusal page, returns it.
async fn refused(app: &TestApp, saml_request: &str) -> String {
    let url = format!(
        "{}/saml/sso?{}",
        app.issuer,
        serde_urlencoded::to_string([("SAMLRequest", saml_request), ("RelayState", "rs")]).unwrap()
    );
    let page = Browser::new(app).get(&url).await;
    assert_eq!(page.status(), 400, "{}", page.html());
    assert!(!page.html().contains("SAMLResponse"));
    assert!(!page.html().contains("<form"));
    page.html().to_owned()
}

#[tokio::test]
async fn a_registered_request_is_not_refused() {
    let app = app_with_sp().await;
    let url = format!(
        "{}/saml/sso?SAMLRequest={}",
        app.issuer,
        urlencode(&deflated(&request(SP, ACS)))
    );
    let page = Browser::new(&app).get(&url).await;
    assert_eq!(page.status(), 200);
    assert!(page.html().contains("name=\"password\""));
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn an_unknown_service_provider_gets_an_error_page() {
    let app = app_with_sp().await;
    let html = refused(
        &app,
        &deflated(&request("https://evil.example/metadata", ACS)),
    )
    .await;
    assert!(html.contains("not registered"));
}

#[tokio::test]
async fn an_unregistered_acs_url_gets_an_error_page() {
    let app = app_with_sp().await;
    // The registered URL without its query string is another URL.
    refused(
        &app,
        &deflated(&request(
            SP,
            "https://sp.example/plugins/servlet/samlconsumer",
        )),
    )
    .await;
    refused(&app, &deflated(&request(SP, "https://evil.example/acs"))).await;
}

#[tokio::test]
async fn a_malformed_request_gets_an_error_page() {
    let app = app_with_sp().await;
    refused(
        &app,
        &deflated(
            "<samlp:AuthnRequest xmlns:samlp=\"urn:oasis:names:tc:SAML:2.0:protocol\" ID=\"x\"",
        ),
    )
    .await;
}

#[tokio::test]
async fn an_oversized_request_gets_an_error_page() {
    let app = app_with_sp().await;
    let padded = request(SP, ACS).replace(
        "<saml:Issuer>",
        &format!("<!--{}--><saml:Issuer>", "x".repeat(64 * 1024)),
    );
    let html = refused(&app, &deflated(&padded)).await;
    assert!(html.contains("too large"));
}

#[tokio::test]
async fn a_doctype_gets_an_error_page() {
    let app = app_with_sp().await;
    let xml = format!("<!DOCTYPE r [<!ENTITY x \"y\">]>{}", request(SP, ACS));
    let html = refused(&app, &deflated(&xml)).await;
    assert!(html.contains("DOCTYPE"));
}

#[tokio::test]
async fn bad_base64_gets_an_error_page() {
    let app = app_with_sp().await;
    let html = refused(&app, "***not-base64***").await;
    assert!(html.contains("base64"));
}

#[tokio::test]
async fn bad_deflate_gets_an_error_page() {
    let app = app_with_sp().await;
    let html = refused(&app, &STANDARD.encode(b"\xff\xfe definitely not deflate")).await;
    assert!(html.contains("DEFLATE"));
}

#[tokio::test]
async fn a_post_binding_request_with_an_unknown_sp_gets_an_error_page() {
    let app = app_with_sp().await;
    let resp = reqwest::Client::new()
        .post(app.url("/saml/sso"))
        .form(&[(
            "SAMLRequest",
            STANDARD.encode(request("https://evil.example/m", ACS)),
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(!resp.text().await.unwrap().contains("SAMLResponse"));
}

#[tokio::test]
async fn the_sp_registry_cli_prints_json_and_reaches_a_running_server() {
    let app = spawn_app().await;
    let url = format!(
        "{}/saml/sso?SAMLRequest={}",
        app.issuer,
        urlencode(&deflated(&request(SP, ACS)))
    );
    assert_eq!(
        Browser::new(&app).get(&url).await.status(),
        400,
        "not registered yet"
    );
    let added = cli(
        &app,
        &[
            "saml",
            "sp",
            "add",
            "--entity-id",
            SP,
            "--acs-url",
            ACS,
            "--name",
            "Jira",
            "--sign",
            "both",
            "--minimum-acr",
            "mfa",
        ],
    )
    .unwrap();
    assert_eq!(added["entity_id"], SP);
    assert_eq!(added["sign"], "both");
    assert_eq!(added["nameid"], "email");
    let id = added["id"].as_str().unwrap();
    assert!(
        cli(
            &app,
            &["saml", "sp", "add", "--entity-id", SP, "--acs-url", ACS]
        )
        .is_err(),
        "duplicate"
    );
    assert!(
        cli(
            &app,
            &[
                "saml",
                "sp",
                "add",
                "--entity-id",
                "x",
                "--acs-url",
                "not a url"
            ]
        )
        .is_err()
    );
    assert_eq!(
        cli(&app, &["saml", "sp", "list"]).unwrap()["items"][0]["id"],
        id
    );
    assert_eq!(
        cli(&app, &["saml", "sp", "show", id]).unwrap()["acs_urls"][0],
        ACS
    );
    assert!(
        within_contract_delay(|| async { Browser::new(&app).get(&url).await.status() == 200 })
            .await,
        "a new SP reaches the running server"
    );
    assert_eq!(
        cli(&app, &["saml", "sp", "delete", id]).unwrap()["deleted"],
        true
    );
    assert!(cli(&app, &["saml", "sp", "show", id]).is_err());
    assert!(
        within_contract_delay(|| async { Browser::new(&app).get(&url).await.status() == 400 })
            .await,
        "a deleted SP is refused by the running server"
    );
}

#[tokio::test]
async fn the_metadata_names_the_endpoints_and_the_certificate_the_cli_prints() {
    let app = spawn_app().await;
    let resp = reqwest::get(app.url("/saml/metadata")).await.unwrap();
    assert_eq!(resp.status(), 200);
    let xml = resp.text().await.unwrap();
    assert!(xml.contains(&format!("entityID=\"{}/saml/metadata\"", app.issuer)));
    assert!(xml.contains(&format!("Location=\"{}/saml/sso\"", app.issuer)));
    assert!(xml.contains("HTTP-Redirect") && xml.contains("HTTP-POST"));
    assert!(xml.contains("nameid-format:emailAddress"));
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_portcullis"))
        .arg("--config")
        .arg(&app.config_path)
        .args(["saml", "cert"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let pem = String::from_utf8(out.stdout).unwrap();
    let b64: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    assert!(
        xml.contains(&b64),
        "the printed certificate is the published one"
    );
}

/// A failure asked for without a sign-in (here NoPassive) costs a signature:
/// one address gets at most so many per minute, even in one parallel burst,
/// and beyond that an error page with nothing signed.
#[tokio::test]
async fn signed_failures_are_limited_per_address() {
    use portcullis::saml::front::SIGNED_FAILURES_PER_MINUTE;
    let app = app_with_sp().await;
    let passive = request(SP, ACS).replacen(" Version=", " IsPassive=\"true\" Version=", 1);
    let url = format!(
        "{}/saml/sso?SAMLRequest={}",
        app.issuer,
        urlencode(&deflated(&passive))
    );
    let strangers: Vec<Browser> = (0..SIGNED_FAILURES_PER_MINUTE + 10)
        .map(|_| Browser::new(&app))
        .collect();
    let pages = futures_util::future::join_all(strangers.iter().map(|b| b.get(&url))).await;
    let signed = pages
        .iter()
        .filter(|p| p.status() == 200 && p.html().contains("SAMLResponse"))
        .count();
    let refused: Vec<_> = pages.iter().filter(|p| p.status() == 429).collect();
    assert_eq!(signed as u64, SIGNED_FAILURES_PER_MINUTE);
    assert_eq!(refused.len(), 10);
    assert!(refused.iter().all(|p| !p.html().contains("SAMLResponse")));
    assert!(refused[0].html().contains("Too many requests"));
}
