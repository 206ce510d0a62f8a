//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6).

use sha2::{Digest, Sha256};

use super::{AccessGrant, TokenResponse, put_access_token, redeem_code};
use crate::auth::stepup;
use crate::db::{clients::Client, users};
use crate::error::{Failure, JsonError};
use crate::oidc::id_token::{self, IdTokenClaims, ProfileClaims};
use crate::oidc::now_s;
use crate::secrets;
use crate::startup::AppState;

#[derive(Debug, Clone)]
pub struct CodeRequest {
    pub code: String,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
}

fn invalid_grant(description: &str) -> JsonError {
    JsonError::bad_request("invalid_grant", description)
}

/// S256: BASE64URL(SHA256(verifier)) == challenge, compared in constant time.
pub fn pkce_matches(verifier: &str, challenge: &str) -> bool {
    let ok_len = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    ok_len
        && secrets::ct_eq(
            &secrets::b64url(&Sha256::digest(verifier.as_bytes())),
            challenge,
        )
}

pub async fn exchange(
    state: &AppState,
    client: &Client,
    req: CodeRequest,
) -> Result<TokenResponse, JsonError> {
    let grant = redeem_code(&state.store, &req.code)
        .await?
        .ok_or_else(|| invalid_grant("the code is invalid, expired or already used"))?;
    if grant.client_id != client.client_id {
        return Err(invalid_grant("the code was issued to another client"));
    }
    if req.redirect_uri.as_deref() != Some(grant.redirect_uri.as_str()) {
        return Err(invalid_grant(
            "redirect_uri does not match the authorization request",
        ));
    }
    match (&grant.code_challenge, &req.code_verifier) {
        (Some(challenge), Some(verifier)) if pkce_matches(verifier, challenge) => {}
        (Some(_), _) => return Err(invalid_grant("PKCE verification failed")),
        (None, Some(_)) => {
            return Err(invalid_grant(
                "code_verifier sent for a request without code_challenge",
            ));
        }
        (None, None) => {}
    }
    let user = users::find_by_id(&state.db, &grant.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| invalid_grant("the user is no longer active"))?;
    let groups = if grant.scopes.iter().any(|s| s == "groups") {
        Some(users::groups_of(&state.db, &user.id).await?)
    } else {
        None
    };

    let now = now_s();
    let amr = stepup::amr(&grant.evidence);
    let auth_time = stepup::auth_time(&grant.evidence);
    let access = AccessGrant {
        user_id: user.id.clone(),
        client_id: client.client_id.clone(),
        scopes: grant.scopes.clone(),
        acr: grant.acr.clone(),
        amr: amr.clone(),
        auth_time,
        expires_at: now + super::ACCESS_TOKEN_TTL.as_secs() as i64,
    };
    let access_token = put_access_token(&state.store, Some(&req.code), &access).await?;

    let claims = IdTokenClaims {
        iss: state.settings.issuer_str(),
        sub: user.id.clone(),
        aud: client.client_id.clone(),
        exp: now + id_token::ID_TOKEN_TTL_S,
        iat: now,
        auth_time,
        acr: grant.acr.clone(),
        amr,
        sid: grant.sid.clone(),
        azp: client.client_id.clone(),
        nonce: grant.nonce.clone(),
        at_hash: Some(id_token::at_hash(&access_token)),
        profile: ProfileClaims::for_scopes(&user, &grant.scopes, groups),
    };
    // RSA signing costs about a millisecond: keep it off the async workers.
    let keys = state.keys.clone();
    let alg = client.id_token_alg;
    let id_token = tokio::task::spawn_blocking(move || id_token::sign(&keys, alg, &claims))
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?
        .map_err(Failure::from)?;

    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: super::ACCESS_TOKEN_TTL.as_secs(),
        id_token,
        scope: grant.scopes.join(" "),
        refresh_token: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc7636_appendix_b_example() {
        assert!(pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXx",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
        assert!(!pkce_matches(
            "short",
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        ));
    }
}
