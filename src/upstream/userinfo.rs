//! The upstream's userinfo endpoint, read when its ID token carries no email.

use openidconnect::core::CoreUserInfoClaims;
use openidconnect::{AccessToken, ClaimsVerificationError, SubjectIdentifier, UserInfoError};

use super::flow::oidc_client;
use super::{UpstreamError, Upstreams};
use crate::config::UpstreamSettings;
use crate::login::LoginCtx;

/// The userinfo claims of the user `subject` of a verified ID token, or None
/// when the upstream has no userinfo endpoint. OIDC Core §5.3.2: an answer
/// whose `sub` is not the ID token's must not be used (a token substitution),
/// so it refuses the sign-in.
pub(super) async fn fetch(
    ctx: &LoginCtx<'_>,
    ups: &Upstreams,
    up: &UpstreamSettings,
    access_token: AccessToken,
    subject: &SubjectIdentifier,
) -> Result<Option<CoreUserInfoClaims>, UpstreamError> {
    let metadata = ups.metadata(up, false).await?;
    let client = oidc_client(ctx, up, metadata)?;
    let Ok(request) = client.user_info(access_token, Some(subject.clone())) else {
        return Ok(None);
    };
    let http = ups.client(up);
    match request.request_async(&http).await {
        Ok(claims) => Ok(Some(claims)),
        Err(UserInfoError::ClaimsVerification(ClaimsVerificationError::InvalidSubject(_))) => {
            tracing::warn!(upstream = %up.id, "upstream userinfo names another subject than its ID token");
            Err(UpstreamError::BadUserinfo("subject"))
        }
        Err(UserInfoError::ClaimsVerification(e)) => {
            tracing::warn!(upstream = %up.id, error = %e, "upstream userinfo does not verify");
            Err(UpstreamError::BadUserinfo("signature"))
        }
        Err(UserInfoError::Request(e)) => {
            tracing::warn!(upstream = %up.id, error = %e, "upstream userinfo request failed");
            Err(UpstreamError::Unreachable(up.name.clone()))
        }
        Err(e) => {
            tracing::warn!(upstream = %up.id, error = %e, "upstream userinfo answer refused");
            Err(UpstreamError::BadUserinfo("unreadable"))
        }
    }
}
