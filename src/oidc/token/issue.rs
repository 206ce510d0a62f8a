//! Signing an ID token for a code exchange or a refresh: the same claims, taken
//! from the authentication the grant descends from.

use super::TokenCtx;
use crate::auth::acr::{AcrRegistry, Level};
use crate::auth::stepup::{self, Freshness};
use crate::db::clients::Client;
use crate::db::refresh_tokens::RefreshGrant;
use crate::db::users::User;
use crate::error::Failure;
use crate::keys::SigningAlg;
use crate::oidc::error::TokenError;
use crate::oidc::id_token::{self, IdTokenClaims, ProfileClaims};
use crate::oidc::now_s;

/// The authentication behind a grant, as the ID token reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Authentication {
    pub acr: String,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub sid: String,
    /// The upstream identity provider the user signed in through.
    #[serde(default)]
    pub idp: Option<String>,
}

/// What a refresh may still claim of the family's authentication now. With
/// `acr.step_up_ttl` set, an elevated level whose second-factor proof is older
/// than that is no longer claimed (OIDC Core §2: `acr` names what was met, and it
/// must not outlive what the session itself would accept): the ID token and the
/// access token fall back to the strongest level whose proofs still count, with
/// `amr` and `auth_time` of those proofs.
pub fn refreshed_authentication(
    family: &RefreshGrant,
    registry: &AcrRegistry,
    step_up_ttl_ms: Option<i64>,
    now_ms: i64,
) -> Authentication {
    let original = Authentication {
        acr: family.acr.clone(),
        amr: family.amr.clone(),
        auth_time: family.auth_time,
        sid: family.sid.clone(),
        idp: family.idp.clone(),
    };
    let claimed = registry.level_of(&family.acr).unwrap_or(Level::Pwd);
    if step_up_ttl_ms.is_none() || claimed == Level::Pwd {
        return original;
    }
    let fresh = Freshness::new(now_ms, 0, step_up_ttl_ms);
    let met = stepup::level_met(&family.evidence, &fresh);
    if met.is_some_and(|m| m >= claimed) {
        return original;
    }
    // A family from before proofs were kept has none: only the password counts.
    let level = met.unwrap_or(Level::Pwd);
    match stepup::evidence(&family.evidence, level, &fresh) {
        Some(evidence) => Authentication {
            acr: level.as_str().to_owned(),
            amr: stepup::amr(&evidence),
            auth_time: stepup::auth_time(&evidence),
            sid: family.sid.clone(),
            idp: family.idp.clone(),
        },
        None => Authentication {
            acr: Level::Pwd.as_str().to_owned(),
            amr: vec!["pwd".to_owned()],
            auth_time: family.auth_time,
            sid: family.sid.clone(),
            idp: family.idp.clone(),
        },
    }
}

/// What an ID token releases of the user: the claims of the granted `scopes`
/// and those asked for one by one (`extra`).
#[derive(Debug, Clone, Copy)]
pub struct Released<'a> {
    pub scopes: &'a [String],
    pub extra: &'a [String],
}

/// Signs an ID token for `user` with the client's algorithm. `scopes` and the
/// individually requested `extra` claims select the profile claims; `nonce` is
/// only ever the one of an authorization request.
pub async fn id_token(
    ctx: &TokenCtx<'_>,
    client: &Client,
    user: &User,
    authn: &Authentication,
    released: Released<'_>,
    nonce: Option<String>,
    access_token: &str,
) -> Result<String, TokenError> {
    let Released { scopes, extra } = released;
    let groups = if ProfileClaims::wants_groups(scopes, extra) {
        Some(Vec::clone(
            &*ctx.directory.groups(ctx.db, ctx.store, &user.id).await?,
        ))
    } else {
        None
    };
    let now = now_s();
    let claims = IdTokenClaims {
        iss: ctx.settings.issuer_str().to_owned(),
        sub: user.id.clone(),
        aud: client.client_id.clone(),
        exp: now + id_token::ID_TOKEN_TTL_S,
        iat: now,
        auth_time: authn.auth_time,
        acr: authn.acr.clone(),
        amr: authn.amr.clone(),
        sid: authn.sid.clone(),
        azp: client.client_id.clone(),
        nonce,
        at_hash: Some(id_token::at_hash(access_token)),
        idp: authn.idp.clone(),
        profile: ProfileClaims::for_scopes(user, scopes, extra, groups),
    };
    let alg = client.id_token_alg;
    let jwt = if alg == SigningAlg::RS256 {
        // An RSA signature takes about 0.4 ms: keep it off the async workers.
        ctx.keys.sign_blocking(alg, claims).await
    } else {
        // ES256 takes a few dozen microseconds, less than handing it to a thread.
        id_token::sign(ctx.keys, alg, &claims)
    };
    Ok(jwt.map_err(Failure::from)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::stepup::{Factor, Proof};

    fn family(acr: &str, evidence: Vec<Proof>) -> RefreshGrant {
        RefreshGrant {
            family_id: "f".into(),
            client_id: "c".into(),
            user_id: "u".into(),
            scopes: vec![],
            acr: acr.into(),
            amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
            auth_time: 100,
            sid: "s".into(),
            evidence,
            epoch: 0,
            started_at: 0,
            claims: Default::default(),
            idp: None,
        }
    }

    fn proof(factor: Factor, at_s: i64) -> Proof {
        Proof {
            factor,
            at: at_s * 1000,
            user_verified: false,
            from: None,
        }
    }

    #[test]
    fn an_expired_step_up_falls_back_to_what_still_counts() {
        let mut registry = AcrRegistry::default();
        registry.add_alias("urn:x:2fa", Level::Mfa).unwrap();
        let ev = vec![proof(Factor::Password, 90), proof(Factor::Totp, 100)];
        let f = family("urn:x:2fa", ev);
        // Without a TTL, or within it, nothing changes.
        assert_eq!(
            refreshed_authentication(&f, &registry, None, 999_000).acr,
            "urn:x:2fa"
        );
        assert_eq!(
            refreshed_authentication(&f, &registry, Some(60_000), 150_000).acr,
            "urn:x:2fa"
        );
        let a = refreshed_authentication(&f, &registry, Some(60_000), 161_000);
        assert_eq!(
            (a.acr.as_str(), a.amr.clone(), a.auth_time),
            ("pwd", vec!["pwd".to_owned()], 90)
        );
        // A family from before evidence was kept claims only the password.
        let legacy = family("mfa", vec![]);
        let a = refreshed_authentication(&legacy, &registry, Some(60_000), 101_000);
        assert_eq!((a.acr.as_str(), a.amr), ("pwd", vec!["pwd".to_owned()]));
    }
}
