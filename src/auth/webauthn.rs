//! WebAuthn relying party settings derived from the issuer: the RP ID is the
//! issuer's host name, the allowed origin the issuer's origin. Browsers refuse IP
//! addresses as RP IDs, so an IP-address issuer gets no WebAuthn at all.

use url::Url;
use webauthn_rs::{Webauthn, WebauthnBuilder};

pub fn relying_party(issuer: &Url) -> Option<Webauthn> {
    let host = match issuer.host()? {
        url::Host::Domain(d) => d.to_owned(),
        _ => return None,
    };
    let origin = Url::parse(&issuer.origin().ascii_serialization()).ok()?;
    WebauthnBuilder::new(&host, &origin)
        .ok()?
        .rp_name("Portcullis")
        .build()
        .ok()
}

/// The issuer's origin, as browsers send it in `Origin`.
pub fn origin_of(issuer: &Url) -> String {
    issuer.origin().ascii_serialization()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ip_issuers_get_no_webauthn() {
        assert!(relying_party(&Url::parse("http://127.0.0.1:8080").unwrap()).is_none());
        assert!(relying_party(&Url::parse("http://localhost:8080").unwrap()).is_some());
        assert!(relying_party(&Url::parse("https://id.example.com/base").unwrap()).is_some());
        assert_eq!(
            origin_of(&Url::parse("https://id.example.com/base").unwrap()),
            "https://id.example.com"
        );
    }
}
