//! The token request (RFC 6749 §4.1.3, §4.4.2, §6) as a typed value, tagged on
//! `grant_type`.

use std::collections::HashMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::authorization_code::CodeRequest;
use super::client_credentials::ClientCredentialsRequest;
use super::refresh_token::RefreshRequest;
use crate::oidc::error::TokenError;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "grant_type", rename_all = "snake_case")]
pub enum TokenRequest {
    AuthorizationCode(CodeRequest),
    RefreshToken(RefreshRequest),
    ClientCredentials(ClientCredentialsRequest),
}

/// The grants this server knows, as `grant_type` names them.
const GRANT_TYPES: [&str; 3] = ["authorization_code", "refresh_token", "client_credentials"];

impl TokenRequest {
    /// Parses the form body. No `grant_type` is `invalid_request`, one we do not
    /// support `unsupported_grant_type` (RFC 6749 §5.2); a parameter sent empty
    /// counts as omitted (§3.2), so a missing one is `invalid_request`.
    pub fn from_form(form: &HashMap<String, String>) -> Result<Self, TokenError> {
        match form.get("grant_type") {
            None => {
                return Err(TokenError::InvalidRequest("grant_type is required".into()));
            }
            Some(g) if !GRANT_TYPES.contains(&g.as_str()) => {
                return Err(TokenError::UnsupportedGrantType(
                    "this grant type is not supported".into(),
                ));
            }
            Some(_) => {}
        }
        let given: Map<String, Value> = form
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect();
        serde_json::from_value(Value::Object(given)).map_err(|e| {
            let message = e.to_string();
            TokenError::InvalidRequest(match missing_field(&message) {
                Some(field) => format!("{field} is required"),
                None => message,
            })
        })
    }
}

/// The field named by serde's "missing field `x`".
fn missing_field(message: &str) -> Option<&str> {
    let rest = message.split_once("missing field `")?.1;
    Some(rest.split_once('`')?.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oidc::error::TokenErrorCode;

    fn parse(pairs: &[(&str, &str)]) -> Result<TokenRequest, TokenError> {
        let form = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        TokenRequest::from_form(&form)
    }

    fn refused(pairs: &[(&str, &str)]) -> (TokenErrorCode, String) {
        let e = parse(pairs).unwrap_err();
        (e.code(), e.to_string())
    }

    #[test]
    fn each_grant_becomes_its_variant() {
        let r = parse(&[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("redirect_uri", "https://rp/cb"),
            ("code_verifier", "v"),
            ("client_id", "ignored here"),
        ]);
        assert_eq!(
            r.unwrap(),
            TokenRequest::AuthorizationCode(CodeRequest {
                code: "c".into(),
                redirect_uri: Some("https://rp/cb".into()),
                code_verifier: Some("v".into()),
            })
        );
        let r = parse(&[("grant_type", "refresh_token"), ("refresh_token", "r")]);
        assert_eq!(
            r.unwrap(),
            TokenRequest::RefreshToken(RefreshRequest {
                refresh_token: "r".into(),
                scope: None,
            })
        );
        let r = parse(&[("grant_type", "client_credentials"), ("scope", "api")]);
        assert_eq!(
            r.unwrap(),
            TokenRequest::ClientCredentials(ClientCredentialsRequest {
                scope: Some("api".into()),
            })
        );
    }

    #[test]
    fn empty_parameters_count_as_omitted() {
        let r = parse(&[
            ("grant_type", "authorization_code"),
            ("code", "c"),
            ("redirect_uri", ""),
        ]);
        assert!(matches!(
            r.unwrap(),
            TokenRequest::AuthorizationCode(CodeRequest {
                redirect_uri: None,
                ..
            })
        ));
        let (code, text) = refused(&[("grant_type", "authorization_code"), ("code", "")]);
        assert_eq!(code, TokenErrorCode::InvalidRequest);
        assert_eq!(text, "invalid_request: code is required");
    }

    #[test]
    fn a_missing_field_names_itself() {
        let (code, text) = refused(&[("grant_type", "refresh_token")]);
        assert_eq!(code, TokenErrorCode::InvalidRequest);
        assert_eq!(text, "invalid_request: refresh_token is required");
    }

    #[test]
    fn grant_type_missing_or_unknown() {
        let (code, text) = refused(&[("code", "c")]);
        assert_eq!(code, TokenErrorCode::InvalidRequest);
        assert_eq!(text, "invalid_request: grant_type is required");
        for g in [
            "password",
            "",
            "urn:ietf:params:oauth:grant-type:device_code",
        ] {
            let (code, _) = refused(&[("grant_type", g)]);
            assert_eq!(code, TokenErrorCode::UnsupportedGrantType, "{g:?}");
        }
    }
}
