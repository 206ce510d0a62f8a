use super::*;
use crate::auth::acr::Level;
use crate::db::clients::AuthMethod;
use crate::keys::SigningAlg;

fn client(public: bool, default_acr: &[&str]) -> Client {
    Client {
        client_id: "c1".into(),
        name: "RP".into(),
        secret_hash: None,
        auth_method: if public {
            AuthMethod::None
        } else {
            AuthMethod::ClientSecretBasic
        },
        redirect_uris: vec!["https://rp.example/cb".into()],
        post_logout_redirect_uris: vec![],
        grant_types: vec!["authorization_code".into()],
        scopes: vec!["openid".into(), "profile".into(), "email".into()],
        default_acr_values: default_acr.iter().map(|s| s.to_string()).collect(),
        minimum_acr: None,
        id_token_alg: SigningAlg::RS256,
        created_at: 0,
        profile: Default::default(),
    }
}

fn params(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    let mut m: HashMap<String, String> = [
        ("response_type", "code"),
        ("client_id", "c1"),
        ("redirect_uri", "https://rp.example/cb"),
        ("scope", "openid profile"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    for (k, v) in pairs {
        m.insert(k.to_string(), v.to_string());
    }
    m
}

fn registry() -> AcrRegistry {
    let mut r = AcrRegistry::default();
    r.add_alias("urn:example:jira:2fa", Level::Mfa).unwrap();
    r
}

fn parse_ok(pairs: &[(&str, &str)], c: &Client) -> AuthRequest {
    let p = params(pairs);
    let to = return_to(&p, Some(c)).unwrap();
    parse(&p, c, to, &registry(), 1_000_000).unwrap()
}

fn parse_err(pairs: &[(&str, &str)], c: &Client) -> AuthzError {
    let p = params(pairs);
    let to = return_to(&p, Some(c)).unwrap();
    parse(&p, c, to, &registry(), 1_000_000).unwrap_err()
}

#[test]
fn redirect_uri_must_match_exactly() {
    let c = client(false, &[]);
    assert!(
        return_to(
            &params(&[("redirect_uri", "https://rp.example/cb/")]),
            Some(&c)
        )
        .is_err()
    );
    assert!(return_to(&params(&[]), None).is_err());
    assert!(return_to(&params(&[]), Some(&c)).is_ok());
}

#[test]
fn acr_values_keep_rp_order_and_drop_unknown() {
    let r = parse_ok(
        &[("acr_values", "gold urn:example:jira:2fa mfa")],
        &client(false, &[]),
    );
    assert_eq!(r.acr.values, vec!["urn:example:jira:2fa", "mfa"]);
    assert!(!r.acr.essential);
}

#[test]
fn claims_parameter_with_essential_acr() {
    let claims = r#"{"id_token":{"acr":{"essential":true,"values":["phr","mfa"]}}}"#;
    let r = parse_ok(
        &[("claims", claims), ("acr_values", "pwd")],
        &client(false, &[]),
    );
    assert_eq!(r.acr.values, vec!["phr", "mfa"]);
    assert!(r.acr.essential);
    let single = r#"{"userinfo":{"acr":{"value":"mfa"}}}"#;
    assert_eq!(
        parse_ok(&[("claims", single)], &client(false, &[]))
            .acr
            .values,
        vec!["mfa"]
    );
}

#[test]
fn essential_unknown_only_is_unmet() {
    let claims = r#"{"id_token":{"acr":{"essential":true,"values":["gold"]}}}"#;
    assert_eq!(
        parse_err(&[("claims", claims)], &client(false, &[])).code,
        AuthzErrorCode::UnmetAuthenticationRequirements
    );
    // Voluntary unknown only: as if none were named.
    assert!(
        parse_ok(&[("acr_values", "gold")], &client(false, &[]))
            .acr
            .values
            .is_empty()
    );
}

#[test]
fn client_defaults_apply_only_when_nothing_is_named() {
    let c = client(false, &["mfa"]);
    let r = parse_ok(&[], &c);
    assert_eq!(r.acr.values, vec!["mfa"]);
    assert!(r.acr.from_client_default);
    assert_eq!(
        parse_ok(&[("acr_values", "pwd")], &c).acr.values,
        vec!["pwd"]
    );
}

#[test]
fn an_acr_claims_member_without_values_leaves_acr_values_in_force() {
    // Asking for the claim to be returned must not drop the level asked for.
    for member in [r#"{"essential":true}"#, "null", "{}"] {
        let claims = format!(r#"{{"id_token":{{"acr":{member}}}}}"#);
        let r = parse_ok(
            &[("claims", &claims), ("acr_values", "urn:example:jira:2fa")],
            &client(false, &[]),
        );
        assert_eq!(r.acr.values, vec!["urn:example:jira:2fa"], "{member}");
        assert!(!r.acr.essential, "{member}");
    }
    // Nor does it hide the userinfo member's values.
    let claims = r#"{"id_token":{"acr":{"essential":true}},"userinfo":{"acr":{"values":["phr"],"essential":true}}}"#;
    let r = parse_ok(
        &[("claims", claims), ("acr_values", "pwd")],
        &client(false, &[]),
    );
    assert_eq!(r.acr.values, vec!["phr"]);
    assert!(r.acr.essential);
}

#[test]
fn malformed_claims_is_invalid_request() {
    assert_eq!(
        parse_err(&[("claims", "{nope")], &client(false, &[])).code,
        AuthzErrorCode::InvalidRequest
    );
}

#[test]
fn max_age_and_prompt_login_set_not_before() {
    let r = parse_ok(&[("max_age", "60")], &client(false, &[]));
    assert_eq!(r.not_before_ms, 1_000_000 - 60_000);
    let r = parse_ok(&[("prompt", "login")], &client(false, &[]));
    assert_eq!(r.not_before_ms, 1_000_000);
}

#[test]
fn client_default_max_age_applies_unless_the_request_names_one() {
    let mut c = client(false, &[]);
    c.profile.default_max_age = Some(30);
    let r = parse_ok(&[], &c);
    assert_eq!(r.max_age, Some(30));
    assert_eq!(r.not_before_ms, 1_000_000 - 30_000);
    let r = parse_ok(&[("max_age", "600")], &c);
    assert_eq!(r.not_before_ms, 1_000_000 - 600_000);
}

#[test]
fn scopes_are_filtered_to_what_the_client_may_use() {
    let r = parse_ok(
        &[("scope", "openid email offline_access weird")],
        &client(false, &[]),
    );
    assert_eq!(r.scopes, vec!["openid", "email"]);
}

#[test]
fn public_clients_need_s256_pkce() {
    assert_eq!(
        parse_err(&[], &client(true, &[])).code,
        AuthzErrorCode::InvalidRequest
    );
    let ok = parse_ok(
        &[
            (
                "code_challenge",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
            ),
            ("code_challenge_method", "S256"),
        ],
        &client(true, &[]),
    );
    assert!(ok.code_challenge.is_some());
}

#[test]
fn over_long_parameters_are_invalid_requests() {
    let c = client(false, &[]);
    for (name, max) in limits::MAX_PARAM {
        let at_max = "a".repeat(max);
        let p = params(&[(name, &at_max)]);
        let to = return_to(&p, Some(&c)).unwrap();
        if let Err(e) = parse(&p, &c, to.clone(), &registry(), 0) {
            // At the bound the value may still be wrong, but not for its size.
            assert!(!e.description.contains("longer"), "{name}: {e:?}");
        }
        let over = "a".repeat(max + 1);
        let e = parse_err(&[(name, &over)], &c);
        assert_eq!(e.code, AuthzErrorCode::InvalidRequest, "{name}");
        assert!(e.description.contains(name), "{name}: {e:?}");
    }
}

#[test]
fn an_over_long_state_cannot_be_answered_by_redirect() {
    let c = client(false, &[]);
    let ok = "s".repeat(limits::MAX_STATE);
    assert!(return_to(&params(&[("state", &ok)]), Some(&c)).is_ok());
    let over = "s".repeat(limits::MAX_STATE + 1);
    assert!(return_to(&params(&[("state", &over)]), Some(&c)).is_err());
}

#[test]
fn the_whole_request_is_bounded() {
    let c = client(false, &[]);
    let filler = "x".repeat(1000);
    let many: Vec<(String, String)> = (0..20)
        .map(|i| (format!("ext{i}"), filler.clone()))
        .collect();
    let pairs: Vec<(&str, &str)> = many.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(parse_err(&pairs, &c).code, AuthzErrorCode::InvalidRequest);
    let names: Vec<String> = (0..limits::MAX_PARAMS).map(|i| format!("p{i}")).collect();
    let pairs: Vec<(&str, &str)> = names.iter().map(|k| (k.as_str(), "1")).collect();
    assert_eq!(parse_err(&pairs, &c).code, AuthzErrorCode::InvalidRequest);
}
