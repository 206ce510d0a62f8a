//! The upstream's token endpoint and the checks of its ID token.

use openidconnect::core::{CoreClient, CoreIdTokenClaims, CoreJwsSigningAlgorithm};
use openidconnect::{
    AccessToken, AuthorizationCode, ClaimsVerificationError, Nonce, OAuth2TokenResponse,
    PkceCodeVerifier, TokenResponse,
};

use super::error::BadIdToken;
use super::flow::oidc_client;
use super::{UpstreamError, Upstreams};
use crate::config::UpstreamSettings;
use crate::login::LoginCtx;

/// What the upstream's token endpoint answered, checked.
pub(super) struct Redeemed {
    pub claims: CoreIdTokenClaims,
    /// For userinfo, when the ID token lacks the email.
    pub access_token: AccessToken,
}

/// Redeems the code (with the PKCE verifier) and verifies the ID token:
/// signature, `iss`, `aud`, `exp`, nonce. An unknown key is looked up once
/// more in freshly read discovery (the upstream may have rotated).
pub(super) async fn redeem(
    ctx: &LoginCtx<'_>,
    ups: &Upstreams,
    up: &UpstreamSettings,
    code: String,
    pkce_verifier: &str,
    nonce: &str,
) -> Result<Redeemed, UpstreamError> {
    let metadata = ups.metadata(up, false).await?;
    let client = oidc_client(ctx, up, metadata)?;
    let http = ups.client(up);
    let request = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| UpstreamError::Unreachable(up.name.clone()))?
        .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()));
    let response = request.request_async(&http).await.map_err(|e| match e {
        openidconnect::RequestTokenError::ServerResponse(r) => {
            UpstreamError::Denied(format!("the code was refused ({})", r.error()))
        }
        other => {
            tracing::warn!(upstream = %up.id, error = %other, "upstream token request failed");
            UpstreamError::Unreachable(up.name.clone())
        }
    })?;
    let id_token = response
        .id_token()
        .ok_or(UpstreamError::BadToken(BadIdToken::Missing))?
        .clone();
    let nonce = Nonce::new(nonce.to_owned());
    let verify = |client: &CoreClient<_, _, _, _, _, _>| {
        let verifier = client.id_token_verifier().set_allowed_algs(vec![
            CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
            CoreJwsSigningAlgorithm::RsaSsaPssSha256,
            CoreJwsSigningAlgorithm::EcdsaP256Sha256,
            CoreJwsSigningAlgorithm::EdDsa,
        ]);
        id_token.claims(&verifier, &nonce).cloned()
    };
    let claims = match verify(&client) {
        Ok(c) => c,
        Err(ClaimsVerificationError::SignatureVerification(_)) => {
            let fresh = oidc_client(ctx, up, ups.metadata(up, true).await?)?;
            verify(&fresh).map_err(refusal)?
        }
        Err(e) => return Err(refusal(e)),
    };
    Ok(Redeemed {
        claims,
        access_token: response.access_token().clone(),
    })
}

fn refusal(e: ClaimsVerificationError) -> UpstreamError {
    UpstreamError::BadToken(match e {
        ClaimsVerificationError::Expired(_) => BadIdToken::Expired,
        ClaimsVerificationError::InvalidAudience(_) => BadIdToken::Audience,
        ClaimsVerificationError::InvalidIssuer(_) => BadIdToken::Issuer,
        ClaimsVerificationError::InvalidNonce(_) => BadIdToken::Nonce,
        ClaimsVerificationError::SignatureVerification(_) => BadIdToken::Signature,
        _ => BadIdToken::Invalid,
    })
}
