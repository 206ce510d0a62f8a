//! Which redirect URIs a client may register, by its application type.

use url::{Host, Url};

use super::metadata::MetadataError;
use crate::db::clients::ApplicationType;

/// Redirect URIs (RFC 6749 §3.1.2, RFC 8252 §7, OAuth 2.0 Security BCP §4.1):
/// absolute, no fragment, no credentials; https, or http on a loopback address
/// for apps on the user's machine, or a private-use scheme for native apps.
pub(super) fn check_redirect_uri(
    field: &str,
    uri: &str,
    app: ApplicationType,
) -> Result<(), MetadataError> {
    let bad = |why: &str| MetadataError::InvalidRedirectUri(format!("{field}: {uri:?} {why}"));
    let url = Url::parse(uri).map_err(|_| bad("is not an absolute URI"))?;
    if url.fragment().is_some() {
        return Err(bad("must not contain a fragment (RFC 6749 §3.1.2)"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad("must not contain user credentials"));
    }
    match url.scheme() {
        "https" if url.host().is_some() => Ok(()),
        "http" if is_loopback(&url) => Ok(()),
        "http" => Err(bad(
            "must use https: plain http is allowed only on a loopback address (RFC 8252 §7.3)",
        )),
        // RFC 8252 §7.1: a private-use scheme is a reverse domain name, so it contains a dot.
        s if app == ApplicationType::Native && s.contains('.') => Ok(()),
        _ if app == ApplicationType::Native => Err(bad(
            "must be https, http on a loopback address, or a private-use scheme in reverse-domain form such as com.example.app (RFC 8252 §7)",
        )),
        _ => Err(bad(
            "must use https (private-use schemes need application_type native)",
        )),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}
