//! Signing an ID token for a code exchange or a refresh: the same claims, taken
//! from the authentication the grant descends from.

use crate::db::clients::Client;
use crate::db::users::{self, User};
use crate::error::{Failure, JsonError};
use crate::keys::SigningAlg;
use crate::oidc::id_token::{self, IdTokenClaims, ProfileClaims};
use crate::oidc::now_s;
use crate::startup::AppState;

/// The authentication behind a grant, as the ID token reports it.
#[derive(Debug, Clone)]
pub struct Authentication {
    pub acr: String,
    pub amr: Vec<String>,
    pub auth_time: i64,
    pub sid: String,
}

/// Signs an ID token for `user` with the client's algorithm. `scopes` select the
/// profile claims; `nonce` is only ever the one of an authorization request.
pub async fn id_token(
    state: &AppState,
    client: &Client,
    user: &User,
    authn: &Authentication,
    scopes: &[String],
    nonce: Option<String>,
    access_token: &str,
) -> Result<String, JsonError> {
    let groups = if scopes.iter().any(|s| s == "groups") {
        Some(users::groups_of(&state.db, &user.id).await?)
    } else {
        None
    };
    let now = now_s();
    let claims = IdTokenClaims {
        iss: state.settings.issuer_str(),
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
        profile: ProfileClaims::for_scopes(user, scopes, groups),
    };
    let alg = client.id_token_alg;
    let jwt = if alg == SigningAlg::RS256 {
        // An RSA signature takes about 0.4 ms: keep it off the async workers.
        let keys = state.keys.clone();
        tokio::task::spawn_blocking(move || id_token::sign(&keys, alg, &claims))
            .await
            .map_err(|e| Failure::Internal(e.to_string()))?
    } else {
        // ES256 takes a few dozen microseconds, less than handing it to a thread.
        id_token::sign(&state.keys, alg, &claims)
    };
    Ok(jwt.map_err(Failure::from)?)
}
