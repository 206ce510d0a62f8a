//! The authorization request (RFC 6749 §4.1.1, OIDC Core §3.1.2.1, RFC 7636),
//! parsed into a typed value at the boundary. Client and redirect URI are checked
//! first: until both are known good, nothing may redirect (RFC 6749 §4.1.2.1).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::claims::{self, ClaimRequest, ClaimsParam, ClaimsRequest};
use super::error::{AuthzError, AuthzErrorCode};
use crate::auth::acr::AcrRegistry;
use crate::db::clients::Client;

pub mod limits;

pub const SUPPORTED_SCOPES: [&str; 5] = ["openid", "profile", "email", "offline_access", "groups"];

/// Where an authorization response (or error) goes back to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnTo {
    pub redirect_uri: String,
    pub state: Option<String>,
}

/// The acr a relying party asked for, known values only, in its order of preference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcrRequest {
    pub values: Vec<String>,
    /// From the `claims` parameter with `essential: true` (OIDC Core §5.5.1.1).
    pub essential: bool,
    /// Where the values came from the client's `default_acr_values`.
    pub from_client_default: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    pub none: bool,
    pub login: bool,
    pub consent: bool,
    pub select_account: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthRequest {
    pub client_id: String,
    pub return_to: ReturnTo,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub acr: AcrRequest,
    pub max_age: Option<i64>,
    pub prompt: Prompt,
    /// Proofs older than this never satisfy this request (max_age, prompt=login).
    pub not_before_ms: i64,
    pub login_hint: Option<String>,
    /// OIDC Core §3.1.2.1: the languages preferred for the pages, preferred first.
    #[serde(default)]
    pub ui_locales: Option<String>,
    /// `idp_hint`: the upstream identity provider to sign in at.
    pub idp_hint: Option<String>,
    /// The client address of the authorization request, for the policy.
    #[serde(default)]
    pub client_ip: Option<std::net::IpAddr>,
    /// Claims asked for individually (OIDC Core §5.5), as far as the client may
    /// receive them.
    #[serde(default)]
    pub claims: ClaimsRequest,
    /// The user the relying party expects (OIDC Core §3.1.2.1 `id_token_hint`,
    /// §5.5.1 a `sub` value): set by the front door once the hint is verified.
    #[serde(default)]
    pub expected_user: Option<String>,
}

impl AuthRequest {
    pub fn has_scope(&self, s: &str) -> bool {
        self.scopes.iter().any(|x| x == s)
    }
}

/// Step 1: is there a client and an exactly registered redirect URI? Errors here are
/// shown as a page, never sent anywhere.
pub fn return_to(
    params: &HashMap<String, String>,
    client: Option<&Client>,
) -> Result<ReturnTo, String> {
    let client = client.ok_or_else(|| "Unknown or missing client_id.".to_owned())?;
    let uri = params
        .get("redirect_uri")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| "Missing redirect_uri.".to_owned())?;
    if !client.has_redirect_uri(uri) {
        return Err("The redirect_uri is not registered for this client.".to_owned());
    }
    limits::state_fits(params)?;
    Ok(ReturnTo {
        redirect_uri: uri.clone(),
        state: params.get("state").cloned(),
    })
}

fn single<'a>(params: &'a HashMap<String, String>, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .map(String::as_str)
        .filter(|v| !v.is_empty())
}

/// Step 2: everything else; errors here go back to the client.
pub fn parse(
    params: &HashMap<String, String>,
    client: &Client,
    return_to: ReturnTo,
    registry: &AcrRegistry,
    now_ms: i64,
) -> Result<AuthRequest, AuthzError> {
    limits::check(params)?;
    if params.contains_key("request") {
        return Err(AuthzError::new(
            AuthzErrorCode::RequestNotSupported,
            "request objects are not supported",
        ));
    }
    if params.contains_key("request_uri") {
        return Err(AuthzError::new(
            AuthzErrorCode::RequestUriNotSupported,
            "request_uri is not supported",
        ));
    }
    match single(params, "response_type") {
        Some("code") => {}
        None => return Err(AuthzError::invalid_request("response_type is required")),
        Some(_) => {
            return Err(AuthzError::new(
                AuthzErrorCode::UnsupportedResponseType,
                "only the authorization code flow (response_type=code) is supported",
            ));
        }
    }
    if let Some(mode) = single(params, "response_mode")
        && mode != "query"
    {
        return Err(AuthzError::invalid_request(
            "only response_mode=query is supported",
        ));
    }
    if !client.allows_grant("authorization_code") {
        return Err(AuthzError::new(
            AuthzErrorCode::UnauthorizedClient,
            "client may not use the code flow",
        ));
    }

    let requested: Vec<&str> = single(params, "scope")
        .unwrap_or_default()
        .split_whitespace()
        .collect();
    if !requested.contains(&"openid") {
        return Err(AuthzError::new(
            AuthzErrorCode::InvalidScope,
            "the openid scope is required",
        ));
    }
    // Unknown scopes and scopes the client may not use are ignored (RFC 6749 §3.3).
    let mut scopes: Vec<String> = Vec::new();
    for s in requested {
        let allowed = s == "openid" || client.scopes.iter().any(|c| c == s);
        if allowed && SUPPORTED_SCOPES.contains(&s) && !scopes.iter().any(|x| x == s) {
            scopes.push(s.to_owned());
        }
    }

    let prompt = parse_prompt(single(params, "prompt"))?;
    let max_age = match single(params, "max_age") {
        // OIDC Registration §2: the client's default_max_age applies unless the request names one.
        None => client.profile.default_max_age,
        Some(v) => Some(v.parse::<i64>().ok().filter(|n| *n >= 0).ok_or_else(|| {
            AuthzError::invalid_request("max_age must be a non-negative integer")
        })?),
    };

    let code_challenge = match (
        single(params, "code_challenge"),
        single(params, "code_challenge_method"),
    ) {
        (None, None) => None,
        (None, Some(_)) => {
            return Err(AuthzError::invalid_request(
                "code_challenge_method without code_challenge",
            ));
        }
        // RFC 7636 §4.3: an absent method means "plain", which we do not accept.
        (Some(_), None | Some("plain")) => {
            return Err(AuthzError::invalid_request(
                "only code_challenge_method=S256 is supported",
            ));
        }
        (Some(c), Some("S256")) => {
            let ok = (43..=128).contains(&c.len())
                && c.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
            if !ok {
                return Err(AuthzError::invalid_request("malformed code_challenge"));
            }
            Some(c.to_owned())
        }
        (Some(_), Some(_)) => {
            return Err(AuthzError::invalid_request(
                "only code_challenge_method=S256 is supported",
            ));
        }
    };
    if client.is_public() && code_challenge.is_none() {
        return Err(AuthzError::invalid_request(
            "PKCE (code_challenge with S256) is required for public clients",
        ));
    }

    let claims_param = match single(params, "claims") {
        Some(raw) => serde_json::from_str::<ClaimsParam>(raw).map_err(|e| {
            AuthzError::invalid_request(format!("the claims parameter is not valid JSON: {e}"))
        })?,
        None => ClaimsParam::default(),
    };
    let acr = parse_acr(params, &claims_param, client, registry)?;
    let claims = claims::requested(&claims_param, client).map_err(AuthzError::invalid_request)?;

    let mut not_before_ms = 0;
    if let Some(age) = max_age {
        not_before_ms = now_ms - age.saturating_mul(1000);
    }
    if prompt.login {
        not_before_ms = now_ms;
    }

    Ok(AuthRequest {
        client_id: client.client_id.clone(),
        return_to,
        scopes,
        nonce: single(params, "nonce").map(str::to_owned),
        code_challenge,
        acr,
        max_age,
        prompt,
        not_before_ms,
        login_hint: single(params, "login_hint").map(str::to_owned),
        ui_locales: single(params, "ui_locales").map(str::to_owned),
        idp_hint: single(params, "idp_hint").map(str::to_owned),
        client_ip: None,
        expected_user: claims.sub.clone(),
        claims,
    })
}

fn parse_prompt(v: Option<&str>) -> Result<Prompt, AuthzError> {
    let mut p = Prompt::default();
    for word in v.unwrap_or_default().split_whitespace() {
        match word {
            "none" => p.none = true,
            "login" => p.login = true,
            "consent" => p.consent = true,
            "select_account" => p.select_account = true,
            other => {
                return Err(AuthzError::invalid_request(format!(
                    "unsupported prompt value {other:?}"
                )));
            }
        }
    }
    // OIDC Core §3.1.2.1: none with any other value is an error.
    if p.none && (p.login || p.consent || p.select_account) {
        return Err(AuthzError::invalid_request(
            "prompt=none cannot be combined with other values",
        ));
    }
    Ok(p)
}

/// acr from the `claims` parameter (id_token, else userinfo member), else
/// `acr_values`, else the client's `default_acr_values`. Unknown values are dropped;
/// a request that named only unknown values is one that named none, unless essential.
fn parse_acr(
    params: &HashMap<String, String>,
    parsed: &ClaimsParam,
    client: &Client,
    registry: &AcrRegistry,
) -> Result<AcrRequest, AuthzError> {
    let mut named: Vec<String> = Vec::new();
    let mut essential = false;
    let mut from_claims = false;
    // A member that names no values (`{"essential": true}`, null) only asks
    // for the claim: the other member, else `acr_values`, says which levels.
    let with_values = |member: &Option<HashMap<String, Option<ClaimRequest>>>| {
        let req = member.as_ref()?.get("acr").cloned().flatten()?;
        (!req.string_values().is_empty()).then_some(req)
    };
    let acr = with_values(&parsed.id_token).or_else(|| with_values(&parsed.userinfo));
    if let Some(req) = acr {
        from_claims = true;
        essential = req.essential;
        named = req.string_values();
    }
    if !from_claims && let Some(v) = single(params, "acr_values") {
        named = v.split_whitespace().map(str::to_owned).collect();
    }
    let known_of = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|a| registry.level_of(a).is_some())
            .cloned()
            .collect()
    };
    let mut known = known_of(&named);
    if essential && known.is_empty() && !named.is_empty() {
        return Err(AuthzError::new(
            AuthzErrorCode::UnmetAuthenticationRequirements,
            "none of the essential acr values is supported",
        ));
    }
    // A request that names only unknown values is treated as one that
    // names none, so the client's default_acr_values apply to it.
    let mut from_client_default = false;
    if known.is_empty() && !client.default_acr_values.is_empty() {
        known = known_of(&client.default_acr_values);
        from_client_default = true;
    }
    Ok(AcrRequest {
        values: known,
        essential: essential && !named.is_empty(),
        from_client_default,
    })
}

#[cfg(test)]
mod tests;
