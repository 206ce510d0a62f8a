//! `grant_type=refresh_token` (RFC 6749 §6) with rotation on every use. A token
//! presented a second time means two parties hold it: the whole family is revoked,
//! with the access tokens issued from it (OAuth 2.0 Security BCP §4.14.2).

use super::issue;
use super::{AccessGrant, TokenCtx, TokenResponse, access};
use crate::db::clients::Client;
use crate::db::refresh_tokens::{self, NewRefreshToken, RefreshGrant, TokenState};
use crate::error::Failure;
use crate::oidc::error::TokenError;
use crate::oidc::{now_ms, now_s};
use crate::secrets;

#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct RefreshRequest {
    pub refresh_token: String,
    /// A narrower scope for the new access token (RFC 6749 §6).
    pub scope: Option<String>,
}

/// Refresh tokens are 43 characters; anything much longer is not one of ours
/// and is not even hashed.
pub const REFRESH_TOKEN_MAX_LEN: usize = 256;

fn invalid_grant(description: &str) -> TokenError {
    TokenError::InvalidGrant(description.into())
}

/// When a token issued `now` expires: after `tokens.refresh_ttl` unused, and
/// never after the family's absolute end (`tokens.refresh_max_lifetime` from its
/// first token), however often it is refreshed.
fn expiry(ctx: &TokenCtx<'_>, family: &RefreshGrant, now: i64) -> i64 {
    (now + ctx.settings.refresh_ttl.as_secs() as i64).min(family_end(ctx, family))
}

fn family_end(ctx: &TokenCtx<'_>, family: &RefreshGrant) -> i64 {
    family
        .started_at
        .saturating_add(ctx.settings.refresh_max_lifetime.as_secs() as i64)
}

/// Whether the family is past its absolute lifetime (checked at every use, so a
/// lifetime shortened in the configuration applies to existing families too).
pub fn family_expired(ctx: &TokenCtx<'_>, family: &RefreshGrant, now: i64) -> bool {
    now >= family_end(ctx, family)
}

/// Issues the first refresh token of a new family, with the id of the access
/// token issued with it.
pub async fn start_family(
    ctx: &TokenCtx<'_>,
    grant: &RefreshGrant,
    access_jti: &str,
) -> Result<String, Failure> {
    let token = secrets::random_token(32);
    let now = now_s();
    refresh_tokens::insert(
        ctx.db,
        &NewRefreshToken {
            token_hash: &secrets::digest(&token),
            grant,
            access_token_hash: access_jti,
            now,
            expires_at: expiry(ctx, grant, now),
        },
    )
    .await?;
    Ok(token)
}

/// Revokes every refresh token of a family and every access token issued with
/// them: the access tokens carry the family's id, one deny mark covers them all.
pub async fn revoke_family(ctx: &TokenCtx<'_>, family_id: &str) -> Result<(), Failure> {
    refresh_tokens::revoke_family(ctx.db, family_id, now_s()).await?;
    access::revoke_grant(ctx.store, family_id).await?;
    Ok(())
}

/// The scope of the new access token: the requested subset of the grant's scope,
/// in the grant's order; never a scope the grant did not have.
pub fn narrowed_scope(granted: &[String], requested: Option<&str>) -> Result<Vec<String>, String> {
    let Some(requested) = requested else {
        return Ok(granted.to_vec());
    };
    let asked: Vec<&str> = requested.split_whitespace().collect();
    if let Some(extra) = asked.iter().find(|s| !granted.iter().any(|g| g == *s)) {
        return Err(format!(
            "scope {extra:?} was not part of the original grant"
        ));
    }
    Ok(granted
        .iter()
        .filter(|g| asked.contains(&g.as_str()))
        .cloned()
        .collect())
}

pub async fn exchange(
    ctx: &TokenCtx<'_>,
    client: &Client,
    req: RefreshRequest,
) -> Result<TokenResponse, TokenError> {
    if !client.allows_grant("refresh_token") {
        return Err(TokenError::UnauthorizedClient(
            "this client may not use refresh tokens".into(),
        ));
    }
    if req.refresh_token.len() > REFRESH_TOKEN_MAX_LEN {
        return Err(invalid_grant("the refresh token is invalid"));
    }
    let hash = secrets::digest(&req.refresh_token);
    let record = refresh_tokens::find(ctx.db, &hash)
        .await?
        .ok_or_else(|| invalid_grant("the refresh token is invalid"))?;
    let family = record.grant.clone();
    if family.client_id != client.client_id {
        // RFC 6749 §10.4: refresh tokens are bound to their client. Another client
        // holding one means it leaked.
        revoke_family(ctx, &family.family_id).await?;
        tracing::warn!(client = %client.client_id, "refresh token presented by another client: its family was revoked");
        return Err(invalid_grant(
            "the refresh token was issued to another client",
        ));
    }
    let now = now_s();
    match record.state(now) {
        TokenState::Usable => {}
        TokenState::Rotated => {
            revoke_family(ctx, &family.family_id).await?;
            tracing::warn!(client = %client.client_id, "rotated refresh token replayed: its family was revoked");
            return Err(invalid_grant(
                "the refresh token was already used; every token of this grant is now revoked",
            ));
        }
        TokenState::Revoked => return Err(invalid_grant("the refresh token was revoked")),
        TokenState::Expired => return Err(invalid_grant("the refresh token has expired")),
    }
    if family_expired(ctx, &family, now) {
        return Err(invalid_grant(
            "this grant has reached its maximum lifetime: sign in again",
        ));
    }
    let scopes =
        narrowed_scope(&family.scopes, req.scope.as_deref()).map_err(TokenError::InvalidScope)?;
    let user = ctx
        .directory
        .find_user(ctx.db, ctx.store, &family.user_id)
        .await?
        .filter(|u| u.active)
        .ok_or_else(|| invalid_grant("the user is no longer active"))?;
    if family.epoch != user.session_epoch {
        // An administrator ended the user's sessions after this family began
        // (a family started in the middle of that is caught here, not by the
        // revocation that ran before it existed).
        revoke_family(ctx, &family.family_id).await?;
        return Err(invalid_grant(
            "the sign-in behind this grant has been ended",
        ));
    }
    // A self-registered client refreshes only while the user's consent
    // stands: taken back, or never given (a grant from before consent was
    // asked), the family ends here.
    if !super::consent_stands(ctx, client, &user.id, &family.scopes).await? {
        revoke_family(ctx, &family.family_id).await?;
        return Err(invalid_grant("the user has not allowed this client"));
    }
    let authn = issue::refreshed_authentication(
        &family,
        &ctx.settings.acr,
        ctx.settings.step_up_ttl.map(|d| d.as_millis() as i64),
        now_ms(),
    );

    let access = AccessGrant {
        user_id: Some(user.id.clone()),
        client_id: client.client_id.clone(),
        scopes: scopes.clone(),
        acr: authn.acr.clone(),
        amr: authn.amr.clone(),
        auth_time: authn.auth_time,
        issued_at: now,
        expires_at: now + super::ACCESS_TOKEN_TTL.as_secs() as i64,
        epoch: family.epoch,
        userinfo_claims: family.claims.userinfo.clone(),
        grant_id: Some(family.family_id.clone()),
        jti: String::new(),
    };
    let sealed = ctx.access.seal(&access)?;
    let access_token = sealed.token;
    let next = secrets::random_token(32);
    let rotated = refresh_tokens::rotate(
        ctx.db,
        &hash,
        &NewRefreshToken {
            token_hash: &secrets::digest(&next),
            grant: &family,
            access_token_hash: &sealed.jti,
            now,
            expires_at: expiry(ctx, &family, now),
        },
    )
    .await?;
    // A token not rotated has handed out no access token: nothing to take back.
    if !rotated {
        // Another request rotated it between our read and our update: the token
        // was used twice.
        revoke_family(ctx, &family.family_id).await?;
        tracing::warn!(client = %client.client_id, "refresh token used concurrently: its family was revoked");
        return Err(invalid_grant(
            "the refresh token was already used; every token of this grant is now revoked",
        ));
    }

    let id_token = if scopes.iter().any(|s| s == "openid") {
        // OIDC Core §12.2: a refreshed ID token repeats the original authentication
        // (acr, amr, auth_time), minus an expired step-up, and carries no nonce.
        Some(
            issue::id_token(
                ctx,
                client,
                &user,
                &authn,
                issue::Released {
                    scopes: &scopes,
                    extra: &family.claims.id_token,
                },
                None,
                &access_token,
            )
            .await?,
        )
    } else {
        None
    };
    Ok(TokenResponse {
        access_token,
        token_type: "Bearer",
        expires_in: super::ACCESS_TOKEN_TTL.as_secs(),
        id_token,
        scope: scopes.join(" "),
        refresh_token: Some(next),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn scope_may_narrow_but_never_widen() {
        let granted = v(&["openid", "profile", "email", "offline_access"]);
        assert_eq!(narrowed_scope(&granted, None).unwrap(), granted);
        assert_eq!(
            narrowed_scope(&granted, Some("email openid")).unwrap(),
            v(&["openid", "email"])
        );
        assert!(narrowed_scope(&granted, Some("openid groups")).is_err());
        assert!(narrowed_scope(&v(&["openid"]), Some("openid profile")).is_err());
    }
}
