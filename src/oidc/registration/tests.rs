use serde_json::json;

use super::metadata::{MetadataError, parse};
use super::*;
use crate::auth::acr::{AcrRegistry, Level};
use crate::config::Secret;
use crate::db::clients::{ApplicationType, AuthMethod};
use crate::keys::SigningAlg;

fn registry() -> AcrRegistry {
    let mut r = AcrRegistry::default();
    r.add_alias("urn:example:jira:2fa", Level::Mfa).unwrap();
    r
}

fn ok(body: Value) -> metadata::Metadata {
    parse(&body, &registry()).unwrap()
}

fn err(body: Value) -> MetadataError {
    parse(&body, &registry()).unwrap_err()
}

fn redirect_err(uri: &str, app: &str) -> String {
    match err(json!({"redirect_uris": [uri], "application_type": app})) {
        MetadataError::InvalidRedirectUri(d) => d,
        other => panic!("{uri}: expected invalid_redirect_uri, got {other:?}"),
    }
}

fn metadata_err(body: Value) -> String {
    match err(body) {
        MetadataError::InvalidClientMetadata(d) => d,
        other => panic!("expected invalid_client_metadata, got {other:?}"),
    }
}

#[test]
fn defaults_follow_the_specs() {
    let m = ok(json!({"redirect_uris": ["https://rp.example/cb"], "something_new": [1, 2]}));
    assert_eq!(
        m.auth_method,
        AuthMethod::ClientSecretBasic,
        "RFC 7591 §2 default"
    );
    assert_eq!(m.grant_types, vec!["authorization_code"]);
    assert_eq!(
        m.id_token_alg,
        SigningAlg::RS256,
        "OIDC Registration §2 default"
    );
    assert_eq!(m.application_type, ApplicationType::Web);
    assert_eq!(m.client_name, "rp.example");
    assert_eq!(
        m.scopes,
        metadata::DEFAULT_SCOPES.map(String::from).to_vec()
    );
    assert!(!m.require_auth_time && m.default_max_age.is_none());
}

#[test]
fn every_supported_member_is_read() {
    let m = ok(json!({
        "redirect_uris": ["https://rp.example/cb", "http://127.0.0.1:8765/cb"],
        "client_name": " Jira ",
        "token_endpoint_auth_method": "none",
        "grant_types": ["authorization_code", "refresh_token"],
        "response_types": ["code"],
        "scope": "openid email phone email groups",
        "default_acr_values": ["urn:example:jira:2fa", "pwd"],
        "default_max_age": 3600,
        "require_auth_time": true,
        "id_token_signed_response_alg": "ES256",
        "post_logout_redirect_uris": ["https://rp.example/bye"],
        "logo_uri": "https://rp.example/logo.png",
        "policy_uri": "https://rp.example/policy",
        "tos_uri": "https://rp.example/tos",
        "contacts": ["ops@rp.example"],
        "subject_type": "public",
    }));
    assert_eq!(m.client_name, "Jira");
    assert_eq!(m.auth_method, AuthMethod::None);
    assert_eq!(
        m.scopes,
        vec!["openid", "email", "groups"],
        "unknown scopes left out"
    );
    assert_eq!(m.default_acr_values, vec!["urn:example:jira:2fa", "pwd"]);
    assert_eq!(m.default_max_age, Some(3600));
    assert!(m.require_auth_time);
    assert_eq!(m.id_token_alg, SigningAlg::ES256);
    assert_eq!(m.contacts, vec!["ops@rp.example"]);
    assert_eq!(m.tos_uri.as_deref(), Some("https://rp.example/tos"));
}

#[test]
fn redirect_uris_are_checked() {
    assert!(matches!(
        err(json!({})),
        MetadataError::InvalidRedirectUri(_)
    ));
    assert!(matches!(
        err(json!({"redirect_uris": []})),
        MetadataError::InvalidRedirectUri(_)
    ));
    assert!(redirect_err("https://rp.example/cb#frag", "web").contains("fragment"));
    assert!(redirect_err("/relative/cb", "web").contains("absolute"));
    assert!(redirect_err("http://rp.example/cb", "web").contains("https"));
    assert!(redirect_err("https://user:pw@rp.example/cb", "web").contains("credentials"));
    assert!(redirect_err("com.example.app:/cb", "web").contains("native"));
    assert!(redirect_err("myapp:/cb", "native").contains("reverse-domain"));
    assert!(redirect_err("javascript:alert(1)", "native").contains("reverse-domain"));
    assert!(redirect_err("http://10.0.0.1/cb", "native").contains("loopback"));
    // Loopback http for apps on the user's machine; private-use schemes for native apps.
    for (uri, app) in [
        ("http://127.0.0.1:9/cb", "web"),
        ("http://[::1]:9/cb", "native"),
        ("http://localhost/cb", "web"),
        ("com.example.app:/oauth2redirect", "native"),
    ] {
        ok(json!({"redirect_uris": [uri], "application_type": app}));
    }
    let e = err(json!({
        "redirect_uris": ["https://rp.example/cb"],
        "post_logout_redirect_uris": ["http://rp.example/bye"],
    }));
    assert!(
        e.description().contains("post_logout_redirect_uris"),
        "{e:?}"
    );
    assert_eq!(e.code(), "invalid_redirect_uri");
}

#[test]
fn grant_and_response_types_must_agree() {
    let base = |g: Value, r: Value| json!({"redirect_uris": ["https://rp.example/cb"], "grant_types": g, "response_types": r});
    assert!(metadata_err(base(json!(["implicit"]), json!(["code"]))).contains("implicit"));
    assert!(metadata_err(base(json!(["authorization_code"]), json!(["token"]))).contains("token"));
    assert!(
        metadata_err(base(
            json!(["authorization_code"]),
            json!(["code id_token"])
        ))
        .contains("only code")
    );
    assert!(metadata_err(base(json!(["refresh_token"]), json!(["code"]))).contains("disagree"));
    assert!(metadata_err(base(json!(["authorization_code"]), json!([]))).contains("disagree"));
    assert!(metadata_err(base(json!(["refresh_token"]), json!([]))).contains("authorization_code"));
    assert!(metadata_err(base(json!("authorization_code"), json!(["code"]))).contains("array"));
    ok(base(
        json!(["authorization_code", "refresh_token"]),
        json!(["code"]),
    ));
}

#[test]
fn bad_metadata_values_are_refused() {
    let with = |k: &str, v: Value| {
        let mut b = json!({"redirect_uris": ["https://rp.example/cb"]});
        b[k] = v;
        metadata_err(b)
    };
    assert!(with("token_endpoint_auth_method", json!("private_key_jwt")).contains("not supported"));
    assert!(with("default_acr_values", json!(["gold"])).contains("gold"));
    assert!(with("default_max_age", json!(-1)).contains("non-negative"));
    assert!(with("default_max_age", json!("60")).contains("non-negative"));
    assert!(with("id_token_signed_response_alg", json!("none")).contains("RS256"));
    assert!(with("id_token_encrypted_response_alg", json!("RSA-OAEP")).contains("encryption"));
    assert!(with("userinfo_signed_response_alg", json!("HS256")).contains("RS256 or ES256"));
    assert!(with("backchannel_logout_uri", json!("http://rp.example/bcl")).contains("https"));
    assert!(with("backchannel_logout_uri", json!("https://rp.example/b#x")).contains("fragment"));
    assert!(
        with("backchannel_logout_session_required", json!(true)).contains("backchannel_logout_uri")
    );
    assert!(with("require_pushed_authorization_requests", json!(1)).contains("true or false"));
    assert!(with("subject_type", json!("pairwise")).contains("public"));
    assert!(with("application_type", json!("desktop")).contains("web or native"));
    assert!(with("client_name", json!("   ")).contains("blank"));
    assert!(with("client_name", json!(42)).contains("string"));
    assert!(with("require_auth_time", json!("yes")).contains("true or false"));
    assert!(with("logo_uri", json!("javascript:alert(1)")).contains("logo_uri"));
    assert!(with("tos_uri", json!("not a url")).contains("tos_uri"));
    assert!(with("contacts", json!(["not-an-address"])).contains("e-mail"));
    assert!(with("contacts", json!(["a@b", ""])).contains("non-empty"));
    assert!(metadata_err(json!(["https://rp.example/cb"])).contains("JSON object"));
}

#[test]
fn initial_access_token() {
    let mut s = Settings::defaults().unwrap();
    // Every refusal is a 401 `invalid_token` (mapped in the HTTP layer); the
    // challenge names the error only when a token was sent.
    let sent = |e: RegistrationError| match e {
        RegistrationError::Bearer(BearerError::InvalidToken { token_sent, .. }) => token_sent,
        other => panic!("expected invalid_token, got {other:?}"),
    };
    let e = check_initial_access_token(&s, Some("anything")).unwrap_err();
    assert!(sent(e), "disabled: refused");
    s.initial_access_token = Some(Secret::new("let-me-in"));
    assert!(check_initial_access_token(&s, Some("let-me-in")).is_ok());
    let e = check_initial_access_token(&s, Some("let-me-i")).unwrap_err();
    assert!(sent(e));
    let e = check_initial_access_token(&s, None).unwrap_err();
    assert!(!sent(e), "no token: a bare challenge");
    assert_eq!(endpoint(&s).unwrap(), "http://localhost:8080/register");
}
