//! The Response (SAML core §3.2.2) with one Assertion (§2.3.3), written in
//! canonical form and signed where the service provider's `sign` setting says.
//!
//! Namespaces: the Response declares only `samlp`; its Issuer and the
//! Assertion each declare `saml` themselves. Exclusive C14N renders exactly
//! those declarations whether the Response or the Assertion is the apex, so one
//! text serves both signatures (see [`super::c14n`]). No `xsi:type` is used:
//! a QName in an attribute value would need an InclusiveNamespaces list.

use serde::{Deserialize, Serialize};

use super::c14n::Canonical;
use super::keys::SamlKey;
use super::{NS_ASSERTION, NS_PROTOCOL, SamlError, instant, new_id, sign};

/// Which element carries a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignWhat {
    Assertion,
    Response,
    Both,
}

impl SignWhat {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "assertion" => Some(Self::Assertion),
            "response" => Some(Self::Response),
            "both" => Some(Self::Both),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Assertion => "assertion",
            Self::Response => "response",
            Self::Both => "both",
        }
    }

    fn assertion(self) -> bool {
        matches!(self, Self::Assertion | Self::Both)
    }

    fn response(self) -> bool {
        matches!(self, Self::Response | Self::Both)
    }
}

/// The status of a Response (core §3.2.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Success,
    /// Responder / NoAuthnContext: the level asked for cannot be met.
    NoAuthnContext,
    /// Responder / NoPassive: IsPassive and no usable session.
    NoPassive,
    /// Responder / UnknownPrincipal: the request's Subject is in a NameID
    /// format we do not resolve.
    UnknownPrincipal,
}

const ST: &str = "urn:oasis:names:tc:SAML:2.0:status:";

impl Status {
    fn codes(self) -> (String, Option<String>) {
        match self {
            Status::Success => (format!("{ST}Success"), None),
            Status::NoAuthnContext => (
                format!("{ST}Responder"),
                Some(format!("{ST}NoAuthnContext")),
            ),
            Status::NoPassive => (format!("{ST}Responder"), Some(format!("{ST}NoPassive"))),
            Status::UnknownPrincipal => (
                format!("{ST}Responder"),
                Some(format!("{ST}UnknownPrincipal")),
            ),
        }
    }
}

/// Where a Response goes and what it answers.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// The IdP entity ID.
    pub issuer: &'a str,
    /// The ACS URL, exactly as registered.
    pub destination: &'a str,
    pub in_response_to: Option<&'a str>,
    pub now: i64,
}

/// What the Assertion says about the user.
#[derive(Debug, Clone)]
pub struct Assertion<'a> {
    /// The SP's entity ID (AudienceRestriction).
    pub audience: &'a str,
    pub name_id_format: &'a str,
    pub name_id: &'a str,
    pub session_index: &'a str,
    /// When the user authenticated (unix seconds).
    pub authn_instant: i64,
    pub class_ref: &'a str,
    pub attributes: Vec<(&'static str, Vec<String>)>,
    /// How long the assertion may be presented (seconds).
    pub lifetime: i64,
    /// How far NotBefore lies in the past, for SP clocks behind ours (seconds).
    pub skew: i64,
}

fn issuer(c: &mut Canonical, entity_id: &str) {
    c.leaf("saml:Issuer", &[("xmlns:saml", NS_ASSERTION)], entity_id);
}

fn assertion(env: &Envelope<'_>, a: &Assertion<'_>, id: &str) -> Result<String, SamlError> {
    let now = instant(env.now);
    let not_after = instant(env.now + a.lifetime);
    let mut c = Canonical::new();
    c.open(
        "saml:Assertion",
        &[
            ("xmlns:saml", NS_ASSERTION),
            ("ID", id),
            ("IssueInstant", &now),
            ("Version", "2.0"),
        ],
    );
    c.leaf("saml:Issuer", &[], env.issuer);
    c.open("saml:Subject", &[]);
    c.leaf("saml:NameID", &[("Format", a.name_id_format)], a.name_id);
    c.open(
        "saml:SubjectConfirmation",
        &[("Method", "urn:oasis:names:tc:SAML:2.0:cm:bearer")],
    );
    let mut data = vec![
        ("NotOnOrAfter", not_after.as_str()),
        ("Recipient", env.destination),
    ];
    if let Some(irt) = env.in_response_to {
        data.push(("InResponseTo", irt));
    }
    c.leaf("saml:SubjectConfirmationData", &data, "");
    c.close();
    c.close();
    let not_before = instant(env.now - a.skew);
    c.open(
        "saml:Conditions",
        &[("NotBefore", &not_before), ("NotOnOrAfter", &not_after)],
    );
    c.open("saml:AudienceRestriction", &[]);
    c.leaf("saml:Audience", &[], a.audience);
    c.close();
    c.close();
    let authn_instant = instant(a.authn_instant);
    c.open(
        "saml:AuthnStatement",
        &[
            ("AuthnInstant", &authn_instant),
            ("SessionIndex", a.session_index),
        ],
    );
    c.open("saml:AuthnContext", &[]);
    c.leaf("saml:AuthnContextClassRef", &[], a.class_ref);
    c.close();
    c.close();
    // Attributes without a (non-empty) value are left out.
    let present: Vec<(&str, Vec<&String>)> = a
        .attributes
        .iter()
        .map(|(n, v)| (*n, v.iter().filter(|x| !x.is_empty()).collect::<Vec<_>>()))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    if !present.is_empty() {
        c.open("saml:AttributeStatement", &[]);
        for (name, values) in present {
            c.open(
                "saml:Attribute",
                &[
                    ("Name", name),
                    (
                        "NameFormat",
                        "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
                    ),
                ],
            );
            for v in values {
                c.leaf("saml:AttributeValue", &[], v);
            }
            c.close();
        }
        c.close();
    }
    c.close();
    c.finish()
}

/// A signed Response: `assertion` is None for a failure status.
pub fn response(
    env: &Envelope<'_>,
    status: Status,
    assertion_of: Option<&Assertion<'_>>,
    sign_what: SignWhat,
    key: &SamlKey,
) -> Result<String, SamlError> {
    let inner = match assertion_of {
        Some(a) if status == Status::Success => {
            let id = new_id();
            let xml = assertion(env, a, &id)?;
            Some(if sign_what.assertion() {
                sign::enveloped(&xml, &id, key)?
            } else {
                xml
            })
        }
        _ => None,
    };
    let id = new_id();
    let now = instant(env.now);
    let mut c = Canonical::new();
    let mut attrs = vec![
        ("xmlns:samlp", NS_PROTOCOL),
        ("Destination", env.destination),
        ("ID", id.as_str()),
        ("IssueInstant", now.as_str()),
        ("Version", "2.0"),
    ];
    if let Some(irt) = env.in_response_to {
        attrs.push(("InResponseTo", irt));
    }
    c.open("samlp:Response", &attrs);
    issuer(&mut c, env.issuer);
    c.open("samlp:Status", &[]);
    let (top, sub) = status.codes();
    c.open("samlp:StatusCode", &[("Value", &top)]);
    if let Some(sub) = &sub {
        c.leaf("samlp:StatusCode", &[("Value", sub)], "");
    }
    c.close();
    c.close();
    if let Some(a) = &inner {
        // Already canonical: written as it is.
        c.raw(a);
    }
    c.close();
    let xml = c.finish()?;
    // A failure is signed whatever the setting: it carries no assertion to sign.
    if sign_what.response() || status != Status::Success {
        sign::enveloped(&xml, &id, key)
    } else {
        Ok(xml)
    }
}

#[cfg(test)]
mod tests;
