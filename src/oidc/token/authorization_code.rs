//! `grant_type=authorization_code` (RFC 6749 §4.1.3, RFC 7636 §4.6).

use sha2::{Digest, Sha256};

use super::issue::{self, Authentication};
use super::{
    AccessGrant, CodeRefused, TokenCtx, TokenResponse, access, code_replayed, redeem_code,
    refresh_token,
};
use crate::auth::stepup;
use crate::db::clients::Client;
use crate::db::refresh_tokens::RefreshGrant;
use crate::oidc::error::TokenError;
use crate::oidc::now_s;
use crate::secrets;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct CodeRequest {
    pub code: String,
    pub redirect_uri: Option<String>,
    pub code_verifier: Option<String>,
}

fn invalid_grant(description: &str) -> TokenError {
    TokenError::InvalidGrant(description.into())
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
    ctx: &TokenCtx<'_>,
    client: &Client,
    req: CodeRequest,
) -> Result<TokenResponse, TokenError> {
    if !client.allows_grant("authorization_code") {
        return Err(TokenError::UnauthorizedClient(
            "this client may not use the authorization code grant".into(),
        ));
    }
    let grant = match redeem_code(ctx, &req.code, &client.client_id).await? {
        Ok(grant) => grant,
        Err(CodeRefused::Unusable) => {
            return Err(invalid_grant(
                "the code is invalid, expired or already used",
            ));
        }
        Err(CodeRefused::OtherClient) => {
            return Err(invalid_grant("the code was issued to another client"));
        }
    };
    // A code sealed before codes named their client: its grant names it.
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
    let user = ctx
        .directory
        .find_user(ctx.db, ctx.store, &grant.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| invalid_grant("the user is no longer active"))?;
    // The session that issued the code was ended (an administrator's reset or
    // sign-out) before the code came back: nothing descends from it any more.
    if grant.epoch != user.session_epoch {
        return Err(invalid_grant("the sign-in behind this code has been ended"));
    }
    // A self-registered client's code was issued after consent; taken back
    // since, it redeems nothing.
    if !super::consent_stands(ctx, client, &user.id, &grant.scopes).await? {
        return Err(invalid_grant("the user has not allowed this client"));
    }

    let now = now_s();
    // Every token of this code carries its grant id; a replay of the code
    // revokes them all through it.
    let grant_id = access::grant_id_of_code(&req.code);
    let authn = Authentication {
        acr: grant.acr.clone(),
        amr: stepup::amr(&grant.evidence),
        auth_time: stepup::auth_time(&grant.evidence),
        sid: grant.sid.clone(),
        idp: grant.idp.clone(),
    };
    let access = AccessGrant {
        user_id: Some(user.id.clone()),
        client_id: client.client_id.clone(),
        scopes: grant.scopes.clone(),
        acr: authn.acr.clone(),
        amr: authn.amr.clone(),
        auth_time: authn.auth_time,
        issued_at: now,
        expires_at: now + super::ACCESS_TOKEN_TTL.as_secs() as i64,
        epoch: grant.epoch,
        userinfo_claims: grant.claims.userinfo.clone(),
        grant_id: Some(grant_id.clone()),
        jti: String::new(),
    };
    let sealed = ctx.access.seal(&access)?;
    let access_token = sealed.token;
    // A refresh token only for `offline_access` and a client that
    // holds the refresh_token grant.
    let refresh_token = if grant.scopes.iter().any(|s| s == "offline_access")
        && client.allows_grant("refresh_token")
    {
        let family = RefreshGrant {
            family_id: grant_id.clone(),
            client_id: client.client_id.clone(),
            user_id: user.id.clone(),
            scopes: grant.scopes.clone(),
            acr: authn.acr.clone(),
            amr: authn.amr.clone(),
            auth_time: authn.auth_time,
            sid: authn.sid.clone(),
            evidence: grant.evidence.clone(),
            epoch: grant.epoch,
            started_at: now,
            claims: grant.claims.clone(),
            idp: grant.idp.clone(),
        };
        let token = refresh_token::start_family(ctx, &family, &sealed.jti).await?;
        // A replay that came while the family was being started could not
        // revoke it yet: it is revoked now, and nothing is handed out.
        if code_replayed(ctx, &grant_id).await? {
            refresh_token::revoke_family(ctx, &grant_id).await?;
            return Err(invalid_grant("the code was used twice"));
        }
        Some(token)
    } else {
        None
    };

    let id_token = issue::id_token(
        ctx,
        client,
        &user,
        &authn,
        issue::Released {
            scopes: &grant.scopes,
            extra: &grant.claims.id_token,
        },
        grant.nonce.clone(),
        &access_token,
    )
    .await?;

    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: super::ACCESS_TOKEN_TTL.as_secs(),
        id_token: Some(id_token),
        scope: grant.scopes.join(" "),
        refresh_token,
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
