//! The IdP metadata (SAML metadata §2.4.3): entity ID, the signing
//! certificates (the active one and, during a rotation, the next one), the
//! NameID formats and the SSO endpoint for both bindings.

use super::c14n::Canonical;
use super::keys::Loaded;
use super::{
    BINDING_POST, BINDING_REDIRECT, NAMEID_EMAIL, NAMEID_UNSPECIFIED, NS_DSIG, NS_METADATA,
    SamlError, entity_id, sso_url,
};

pub fn idp_metadata(issuer: &str, keys: &Loaded) -> Result<String, SamlError> {
    let entity = entity_id(issuer);
    let sso = sso_url(issuer);
    let mut c = Canonical::new();
    c.open(
        "md:EntityDescriptor",
        &[
            ("xmlns:md", NS_METADATA),
            ("xmlns:ds", NS_DSIG),
            ("entityID", &entity),
        ],
    );
    c.open(
        "md:IDPSSODescriptor",
        &[
            ("WantAuthnRequestsSigned", "false"),
            ("protocolSupportEnumeration", super::NS_PROTOCOL),
        ],
    );
    for key in std::iter::once(&keys.active).chain(keys.next.as_ref()) {
        c.open("md:KeyDescriptor", &[("use", "signing")]);
        c.open("ds:KeyInfo", &[]);
        c.open("ds:X509Data", &[]);
        c.leaf("ds:X509Certificate", &[], &key.cert_base64());
        c.close();
        c.close();
        c.close();
    }
    c.leaf("md:NameIDFormat", &[], NAMEID_EMAIL);
    c.leaf("md:NameIDFormat", &[], NAMEID_UNSPECIFIED);
    for binding in [BINDING_REDIRECT, BINDING_POST] {
        c.leaf(
            "md:SingleSignOnService",
            &[("Binding", binding), ("Location", &sso)],
            "",
        );
    }
    c.close();
    c.close();
    Ok(format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        c.finish()?
    ))
}
