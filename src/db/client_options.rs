//! Protocol options a client registers beyond the code flow itself: pushed
//! authorization requests (RFC 9126), signed userinfo (OIDC Core §5.3.2) and
//! back-channel logout (OpenID Connect Back-Channel Logout 1.0). Kept in the
//! client's `metadata` JSON column, so older rows read as "none of these".

use serde::{Deserialize, Serialize};

use crate::keys::SigningAlg;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ClientOptions {
    /// RFC 9126 §6: authorization requests only through the PAR endpoint.
    pub require_pushed_authorization_requests: bool,
    /// OIDC Registration §2: userinfo answers as a JWT signed with this.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub userinfo_signed_response_alg: Option<SigningAlg>,
    /// Back-Channel Logout §2.2: where logout tokens are POSTed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub backchannel_logout_uri: Option<String>,
    /// Back-Channel Logout §2.2: the logout token must carry `sid`.
    pub backchannel_logout_session_required: bool,
}

impl ClientOptions {
    /// Back-Channel Logout §2.2: an absolute http(s) URI with a host, without a
    /// fragment or credentials; it may carry a query. (Registration also demands
    /// https off loopback; an operator may name an internal http receiver.)
    pub fn check(&self) -> Result<(), String> {
        if let Some(uri) = &self.backchannel_logout_uri {
            let bad = || {
                format!(
                    "backchannel_logout_uri {uri:?} must be an absolute http(s) URI without fragment or credentials"
                )
            };
            let u = url::Url::parse(uri).map_err(|_| bad())?;
            if !matches!(u.scheme(), "http" | "https")
                || u.host().is_none()
                || u.fragment().is_some()
                || !u.username().is_empty()
                || u.password().is_some()
            {
                return Err(bad());
            }
        }
        if self.backchannel_logout_session_required && self.backchannel_logout_uri.is_none() {
            return Err(
                "backchannel_logout_session_required needs a backchannel_logout_uri".into(),
            );
        }
        Ok(())
    }
}
