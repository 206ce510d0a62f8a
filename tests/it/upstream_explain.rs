//! `portcullis upstream explain`: the level and groups an upstream ID token
//! would give, from the same rules the sign-in applies; bad input is refused.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::upstream_op::*;

async fn setup() -> (TestApp, u16, u16) {
    let (corp_port, cust_port) = (op_port(), op_port());
    let toml = format!(
        "{}{}[groups.by_email_domain]\n\"corp.example\" = [\"staff\"]\n\"acme.example\" = [\"org-acme\"]\n",
        upstream_toml(
            "corp",
            corp_port,
            "corp-secret",
            "domains = [\"corp.example\"]\ntrust = \"acr\"\nacr_map = { \"urn:corp:mfa\" = \"mfa\" }\ncreate_users = true\ngroups = [\"employees\"]"
        ),
        upstream_toml(
            "cust",
            cust_port,
            "cust-secret",
            "domains = [\"acme.example\"]\ntrust = \"none\"\nlink_by_email = true"
        ),
    );
    let app = spawn_with(Options {
        toml,
        ..Options::default()
    })
    .await;
    (app, corp_port, cust_port)
}

fn claims_file(claims: &Value) -> tempfile::NamedTempFile {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), claims.to_string()).unwrap();
    file
}

fn token(port: u16, extra: Value) -> Value {
    let mut c = json!({
        "iss": format!("http://127.0.0.1:{port}"),
        "sub": "s-1",
        "aud": "portcullis",
        "exp": 4_000_000_000u64,
        "iat": 1_700_000_000u64,
    });
    c.as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    c
}

fn explain(app: &TestApp, upstream: &str, claims: &Value) -> Result<Value, String> {
    let file = claims_file(claims);
    cli(
        app,
        &[
            "upstream",
            "explain",
            "--upstream",
            upstream,
            "--claims",
            file.path().to_str().unwrap(),
        ],
    )
}

#[tokio::test]
async fn explain_prints_level_step_up_and_groups() {
    let (app, corp, cust) = setup().await;
    let out = explain(
        &app,
        "corp",
        &token(
            corp,
            json!({"acr": "urn:corp:mfa", "auth_time": 1_700_000_000u64,
                   "email": "Alice@corp.example", "email_verified": true}),
        ),
    )
    .unwrap();
    assert_eq!(out["level"], "mfa");
    assert_eq!(out["met"], json!(["pwd", "mfa"]));
    assert_eq!(out["stepped_up"], json!(["phr"]));
    assert_eq!(out["auth_time"], 1_700_000_000u64);
    assert_eq!(out["email"], "alice@corp.example");
    assert_eq!(out["creates_user"], true);
    assert_eq!(out["groups"], json!(["employees", "staff"]));

    // An acr the map does not name proves the first factor only.
    let out = explain(
        &app,
        "corp",
        &token(corp, json!({"acr": "urn:other", "amr": ["pwd", "otp"]})),
    )
    .unwrap();
    assert_eq!(out["level"], "pwd");
    assert_eq!(out["stepped_up"], json!(["mfa", "phr"]));
    assert_eq!(out["creates_user"], false);
    assert_eq!(out["groups"], json!([]));

    // Unverified corp address: no account, no groups.
    let out = explain(
        &app,
        "corp",
        &token(
            corp,
            json!({"email": "mallory@corp.example", "email_verified": false}),
        ),
    )
    .unwrap();
    assert_eq!(out["creates_user"], false);
    assert!(out["refusal"].as_str().unwrap().contains("not verified"));

    // trust = none: two factors upstream still count as one here.
    let out = explain(
        &app,
        "cust",
        &token(
            cust,
            json!({"amr": ["pwd", "otp"], "email": "carl@acme.example", "email_verified": true}),
        ),
    )
    .unwrap();
    assert_eq!(out["level"], "pwd");
    assert_eq!(out["stepped_up"], json!(["mfa", "phr"]));
    assert_eq!(out["creates_user"], false, "create_users is off");
    assert_eq!(out["links_by_email"], true);
}

#[tokio::test]
async fn explain_refuses_bad_input() {
    let (app, corp, cust) = setup().await;
    let unknown = explain(&app, "nope", &token(corp, json!({}))).unwrap_err();
    assert!(unknown.contains("unknown upstream"), "{unknown}");
    assert!(unknown.contains("corp, cust"), "{unknown}");

    let other = explain(&app, "corp", &token(cust, json!({}))).unwrap_err();
    assert!(other.contains("issuer"), "{other}");

    let bad = explain(&app, "corp", &json!({"sub": "s-1"})).unwrap_err();
    assert!(bad.contains("not an ID token"), "{bad}");

    let missing = cli(
        &app,
        &[
            "upstream",
            "explain",
            "--upstream",
            "corp",
            "--claims",
            "/nonexistent/claims.json",
        ],
    )
    .unwrap_err();
    assert!(missing.contains("cannot read"), "{missing}");
}
