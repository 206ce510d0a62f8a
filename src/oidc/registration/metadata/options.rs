//! Registration members for pushed authorization requests (RFC 9126 §6), signed
//! userinfo (OIDC Registration §2) and back-channel logout (Back-Channel Logout
//! 1.0 §2.2).

use super::{Fields, MetadataError, check_redirect_uri, invalid};
use crate::db::clients::{ApplicationType, ClientOptions};
use crate::keys::SigningAlg;
use crate::oidc::receiver_address;

/// `kept`: the client's receiver now, which an update may send back as it is.
pub(super) fn parse(f: &Fields, kept: Option<&str>) -> Result<ClientOptions, MetadataError> {
    let userinfo_signed_response_alg = match f.string("userinfo_signed_response_alg")? {
        None => None,
        Some(a) => Some(a.parse::<SigningAlg>().map_err(|_| {
            invalid(format!(
                "userinfo_signed_response_alg {a:?} is not supported: use RS256 or ES256"
            ))
        })?),
    };
    let backchannel_logout_uri = f.string("backchannel_logout_uri")?;
    if let Some(uri) = &backchannel_logout_uri {
        // The server itself POSTs there, for whoever registered: https, to a
        // host that is not this machine or an internal address.
        check_redirect_uri("backchannel_logout_uri", uri, ApplicationType::Web)
            .map_err(|e| invalid(e.description().to_owned()))?;
        let url =
            url::Url::parse(uri).map_err(|_| invalid("backchannel_logout_uri is not a URI"))?;
        if let Some(why) = receiver_address::refusal(&url).filter(|_| kept != Some(uri.as_str())) {
            return Err(invalid(format!(
                "backchannel_logout_uri {uri:?} {why}: a self-registered client's receiver must be \
                 public (an administrator can register an internal one)"
            )));
        }
    }
    let options = ClientOptions {
        require_pushed_authorization_requests: f
            .boolean("require_pushed_authorization_requests")?
            .unwrap_or(false),
        userinfo_signed_response_alg,
        backchannel_logout_uri,
        backchannel_logout_session_required: f
            .boolean("backchannel_logout_session_required")?
            .unwrap_or(false),
    };
    options.check().map_err(invalid)?;
    Ok(options)
}
