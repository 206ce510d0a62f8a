//! OpenID Provider metadata (OIDC Discovery 1.0 §3, RFC 8414).

use serde_json::{Value, json};

use super::authorize::SUPPORTED_SCOPES;
use crate::config::Settings;

pub fn metadata(settings: &Settings) -> Value {
    let e = |p: &str| settings.endpoint(p);
    let mut doc = json!({
        "issuer": settings.issuer_str(),
        "authorization_endpoint": e("/authorize"),
        "token_endpoint": e("/token"),
        "userinfo_endpoint": e("/userinfo"),
        "jwks_uri": e("/jwks"),
        "scopes_supported": SUPPORTED_SCOPES,
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token", "client_credentials"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256", "ES256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "code_challenge_methods_supported": ["S256"],
        "acr_values_supported": settings.acr.supported(),
        "claims_parameter_supported": true,
        "ui_locales_supported": crate::i18n::Lang::ALL.map(crate::i18n::Lang::tag),
        "request_parameter_supported": false,
        "request_uri_parameter_supported": false,
        "pushed_authorization_request_endpoint": e(super::par::PATH),
        "require_pushed_authorization_requests": false,
        "authorization_response_iss_parameter_supported": true,
        "prompt_values_supported": ["none", "login", "consent", "select_account"],
        "claims_supported": super::claims::supported(),
        "claim_types_supported": ["normal"],
        "userinfo_signing_alg_values_supported": ["RS256", "ES256"],
    });
    // Only when registration is enabled: without an initial access token the
    // endpoint refuses every request, so it is not offered.
    if let Some(url) = super::registration::endpoint(settings) {
        doc["registration_endpoint"] = url.into();
    }
    merge(&mut doc, token_lifecycle(settings));
    doc
}

/// Revocation (RFC 7009), introspection (RFC 7662) and RP-initiated logout.
fn token_lifecycle(settings: &Settings) -> Value {
    let e = |p: &str| settings.endpoint(p);
    json!({
        "revocation_endpoint": e("/revoke"),
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post", "none"],
        "introspection_endpoint": e("/introspect"),
        "introspection_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "end_session_endpoint": e("/logout"),
        // Back-Channel Logout 1.0 §2.1: logout tokens carry sid (and sub).
        "backchannel_logout_supported": true,
        "backchannel_logout_session_supported": true,
    })
}

fn merge(doc: &mut Value, more: Value) {
    if let (Some(doc), Value::Object(more)) = (doc.as_object_mut(), more) {
        doc.extend(more);
    }
}
