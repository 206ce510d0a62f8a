//! The SAML 2.0 identity provider: the same login engine as OpenID Connect
//! behind another front door. This module holds the protocol without HTTP: the
//! bounded AuthnRequest parser ([`request`]), the Response and Assertion written
//! in canonical form ([`response`]) and signed ([`sign`]), the IdP metadata
//! ([`metadata`]) and the signing key with its certificate ([`keys`]).

pub mod c14n;
pub mod front;
pub mod keys;
pub mod levels;
pub mod metadata;
pub mod request;
pub mod response;
pub mod sign;

pub use keys::{SamlKey, SamlKeys};
pub use request::{AuthnRequest, Binding, Comparison};
pub use response::{Assertion, SignWhat, Status};

pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
pub const NS_METADATA: &str = "urn:oasis:names:tc:SAML:2.0:metadata";
pub const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

pub const BINDING_REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
pub const BINDING_POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

pub const NAMEID_EMAIL: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress";
pub const NAMEID_UNSPECIFIED: &str = "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified";

/// The built-in class refs (the levels `pwd` and `mfa`).
pub const AC_PASSWORD_PROTECTED: &str =
    "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
pub const AC_REFEDS_MFA: &str = "https://refeds.org/profile/mfa";

/// The IdP's entity ID for an issuer: `{issuer}/saml/metadata`.
pub fn entity_id(issuer: &str) -> String {
    format!("{}/saml/metadata", issuer.trim_end_matches('/'))
}

/// The single sign-on endpoint for an issuer.
pub fn sso_url(issuer: &str) -> String {
    format!("{}/saml/sso", issuer.trim_end_matches('/'))
}

#[derive(Debug, thiserror::Error)]
pub enum SamlError {
    /// The request cannot be read: the page says so, nothing is sent anywhere.
    #[error("{0}")]
    BadRequest(String),
    #[error("XML writing failed: {0}")]
    Xml(String),
    #[error("SAML signing key: {0}")]
    Key(String),
}

impl SamlError {
    pub fn bad(msg: impl Into<String>) -> Self {
        SamlError::BadRequest(msg.into())
    }
}

/// An `xs:ID` for a message we issue: a letter-free start is not allowed, so a
/// leading underscore, then 160 random bits.
pub fn new_id() -> String {
    format!(
        "_{}",
        crate::secrets::hex(&crate::secrets::random_bytes(20))
    )
}

/// `xs:dateTime` in UTC, whole seconds (SAML core §1.3.3).
pub fn instant(unix_s: i64) -> String {
    chrono::DateTime::from_timestamp(unix_s, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
