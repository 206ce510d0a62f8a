//! The OpenID Connect and OAuth inputs: the authorization request with its
//! `claims` parameter, the token request, and registration metadata.

use std::collections::HashMap;

use portcullis::db::clients::AuthMethod;
use portcullis::oidc::authorize::{self, SUPPORTED_SCOPES};
use portcullis::oidc::error::AuthzErrorCode;
use portcullis::oidc::registration::metadata;
use portcullis::oidc::token::TokenRequest;
use portcullis::oidc::token::client_auth::{ClientAuth, presented_client};

use crate::{REDIRECT_URI, client, form, registry};

/// The authorization request (query string of `/authorize`), through both steps
/// of the parser, for a confidential and a public client. Beyond "no panic": a
/// request that passes never holds what the parser promises to refuse.
pub fn authorize_request(data: &[u8]) {
    let Some(params) = form(data) else { return };
    let registry = registry();
    for c in [
        client(AuthMethod::ClientSecretBasic, &[]),
        client(AuthMethod::None, &["mfa"]),
    ] {
        let Ok(back) = authorize::return_to(&params, Some(&c)) else {
            continue;
        };
        assert_eq!(back.redirect_uri, REDIRECT_URI, "only a registered URI");
        assert!(
            back.state
                .as_ref()
                .is_none_or(|s| s.len() <= authorize::limits::MAX_STATE)
        );
        let Ok(req) = authorize::parse(&params, &c, back, &registry, 1_000_000_000_000) else {
            continue;
        };
        assert!(req.has_scope("openid"));
        assert!(
            req.scopes
                .iter()
                .all(|s| SUPPORTED_SCOPES.contains(&s.as_str()))
        );
        if c.is_public() {
            assert!(
                req.code_challenge.is_some(),
                "PKCE is required for public clients"
            );
        }
        if let Some(ch) = &req.code_challenge {
            assert!((43..=128).contains(&ch.len()));
        }
        assert!(
            req.acr
                .values
                .iter()
                .all(|v| registry.level_of(v).is_some())
        );
        assert!(!(req.prompt.none && (req.prompt.login || req.prompt.consent)));
        assert!(req.max_age.is_none_or(|a| a >= 0));
    }
}

/// The `claims` parameter (OIDC Core §5.5) inside an otherwise valid
/// authorization request: only its acr member is read. Known values only ever
/// come out; an essential request that names only unknown values is refused.
pub fn claims_parameter(data: &[u8]) {
    let Ok(claims) = std::str::from_utf8(data) else {
        return;
    };
    let params: HashMap<String, String> = [
        ("response_type", "code"),
        ("client_id", "fuzz-client"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid"),
        ("acr_values", "pwd"),
        ("claims", claims),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let registry = registry();
    let c = client(AuthMethod::ClientSecretBasic, &["phr"]);
    let back = authorize::return_to(&params, Some(&c)).expect("a valid client and URI");
    match authorize::parse(&params, &c, back, &registry, 0) {
        Ok(req) => {
            assert!(
                req.acr
                    .values
                    .iter()
                    .all(|v| registry.level_of(v).is_some())
            );
            if req.acr.essential {
                assert!(!req.acr.values.is_empty() || req.acr.from_client_default);
            }
        }
        Err(e) => assert!(
            matches!(
                e.code,
                AuthzErrorCode::InvalidRequest | AuthzErrorCode::UnmetAuthenticationRequirements
            ),
            "{e:?}"
        ),
    }
}

/// The token request: the form body tagged on `grant_type`, and the client
/// credentials of the Basic header and the body (RFC 6749 §2.3.1, §3.2). The
/// first line of the input is the `Authorization` header, the rest the body.
pub fn token_request(data: &[u8]) {
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (&b""[..], data),
    };
    let Some(fields) = form(body) else { return };
    if let Ok(request) = TokenRequest::from_form(&fields) {
        let grant = fields.get("grant_type").map(String::as_str);
        let expected = match request {
            TokenRequest::AuthorizationCode(_) => "authorization_code",
            TokenRequest::RefreshToken(_) => "refresh_token",
            TokenRequest::ClientCredentials(_) => "client_credentials",
        };
        assert_eq!(grant, Some(expected));
    }
    let auth = ClientAuth {
        authorization: std::str::from_utf8(header).ok().map(str::to_owned),
        client_id: fields.get("client_id").cloned(),
        client_secret: fields.get("client_secret").cloned(),
    };
    if let Ok(p) = presented_client(&auth) {
        // A Basic header and a body secret together are refused, never merged.
        assert!(!(p.via_basic && auth.client_secret.is_some()));
        if !p.via_basic {
            assert!(!p.client_id.is_empty());
        }
    }
}

/// Dynamic client registration metadata (RFC 7591 §2): any JSON body. What is
/// accepted names at least one redirect URI, only known grants, and known acr
/// values.
pub fn registration_metadata(data: &[u8]) {
    let Ok(body) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let registry = registry();
    let Ok(m) = metadata::parse(&body, &registry) else {
        return;
    };
    assert!(!m.redirect_uris.is_empty());
    assert!(
        m.grant_types
            .iter()
            .all(|g| portcullis::db::clients::GRANT_TYPES.contains(&g.as_str()))
    );
    assert!(
        m.default_acr_values
            .iter()
            .all(|v| registry.level_of(v).is_some())
    );
    assert!(m.default_max_age.is_none_or(|a| a >= 0));
    let new = m.new_client();
    assert_eq!(new.redirect_uris, m.redirect_uris);
}
