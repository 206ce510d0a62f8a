//! The AuthnRequest (SAML core §3.4.1) as the two bindings carry it (SAML
//! bindings §3.4 HTTP-Redirect: base64 of raw DEFLATE; §3.5 HTTP-POST: base64),
//! parsed into a typed value. Everything here is bounded: the encoded size, the
//! inflated size (read through a cap, so a deflate bomb stops at the cap), the
//! element depth and count. A DOCTYPE is refused outright, which is what keeps
//! entity expansion and external entities out; only the five predefined entities
//! and character references are understood.

use std::io::Read;

use base64::Engine;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use quick_xml::events::Event;
use quick_xml::events::attributes::Attribute;
use quick_xml::name::ResolveResult;
use quick_xml::reader::NsReader;

use super::{NS_ASSERTION, NS_PROTOCOL, SamlError};

/// The encoded `SAMLRequest` parameter.
pub const MAX_ENCODED: usize = 48 * 1024;
/// The XML after base64 and inflation: real requests are a few kilobytes.
pub const MAX_XML: usize = 32 * 1024;
pub const MAX_DEPTH: usize = 12;
pub const MAX_ELEMENTS: usize = 200;
/// IDs, issuers and URLs we keep are bounded too.
const MAX_VALUE: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Redirect,
    Post,
}

/// How the requested class refs compare with what is met (SAML core §3.3.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Exact,
    Minimum,
    Better,
    Maximum,
}

/// `RequestedAuthnContext`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Requested {
    pub class_refs: Vec<String>,
    pub comparison: Comparison,
    /// `AuthnContextDeclRef`s were named: we have no declarations to match.
    pub decl_refs: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthnRequest {
    pub id: String,
    /// The service provider's entity ID.
    pub issuer: String,
    pub acs_url: Option<String>,
    pub protocol_binding: Option<String>,
    pub force_authn: bool,
    pub is_passive: bool,
    pub requested: Option<Requested>,
    pub name_id_format: Option<String>,
    /// `Subject/NameID`: the principal the service provider asks about.
    pub subject: Option<String>,
    /// That NameID's `Format`.
    pub subject_format: Option<String>,
}

fn b64() -> GeneralPurpose {
    GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    )
}

/// The XML of a `SAMLRequest` parameter as `binding` carries it.
pub fn decode(binding: Binding, encoded: &str) -> Result<String, SamlError> {
    if encoded.len() > MAX_ENCODED {
        return Err(SamlError::bad("The SAML request is too large."));
    }
    // POST forms often wrap base64 in lines; the bytes themselves are all we read.
    let compact: String = encoded
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let raw = b64()
        .decode(compact.as_bytes())
        .map_err(|_| SamlError::bad("The SAML request is not valid base64."))?;
    let xml = match binding {
        Binding::Post => {
            if raw.len() > MAX_XML {
                return Err(SamlError::bad("The SAML request is too large."));
            }
            raw
        }
        Binding::Redirect => inflate(&raw)?,
    };
    String::from_utf8(xml).map_err(|_| SamlError::bad("The SAML request is not UTF-8 text."))
}

/// Raw DEFLATE (RFC 1951), read through a cap of [`MAX_XML`] bytes.
fn inflate(raw: &[u8]) -> Result<Vec<u8>, SamlError> {
    let mut out = Vec::with_capacity(4096);
    flate2::read::DeflateDecoder::new(raw)
        .take(MAX_XML as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|_| {
            SamlError::bad("The SAML request could not be inflated (bad DEFLATE data).")
        })?;
    if out.len() > MAX_XML {
        return Err(SamlError::bad("The SAML request is too large."));
    }
    Ok(out)
}

/// Which element's text is being collected.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Capture {
    Issuer,
    ClassRef,
    NameId,
}

/// The child of the root being read, where its own children matter.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Within {
    Other,
    Requested,
    Subject,
}

fn malformed(what: &str) -> SamlError {
    SamlError::bad(format!("The SAML request is malformed: {what}."))
}

fn bounded(v: String, what: &str) -> Result<String, SamlError> {
    if v.is_empty() || v.len() > MAX_VALUE {
        return Err(malformed(&format!("{what} is empty or too long")));
    }
    Ok(v)
}

fn xs_bool(v: &str) -> Result<bool, SamlError> {
    match v.trim() {
        "true" | "1" => Ok(true),
        "false" | "0" => Ok(false),
        _ => Err(malformed("a boolean attribute is neither true nor false")),
    }
}

/// Parses an AuthnRequest document.
pub fn parse(xml: &str) -> Result<AuthnRequest, SamlError> {
    if xml.len() > MAX_XML {
        return Err(SamlError::bad("The SAML request is too large."));
    }
    let mut reader = NsReader::from_str(xml);
    let mut depth = 0usize;
    let mut elements = 0usize;
    let mut seen_root = false;
    let mut req = AuthnRequest {
        id: String::new(),
        issuer: String::new(),
        acs_url: None,
        protocol_binding: None,
        force_authn: false,
        is_passive: false,
        requested: None,
        name_id_format: None,
        subject: None,
        subject_format: None,
    };
    let mut version_ok = false;
    // (depth of the capturing element, what it captures, text so far)
    let mut capture: Option<(usize, Capture, String)> = None;
    let mut within = Within::Other;
    loop {
        let (ns, event) = reader
            .read_resolved_event()
            .map_err(|_| malformed("not well-formed XML"))?;
        let ns = match ns {
            ResolveResult::Bound(n) => Some(n.0.to_owned()),
            ResolveResult::Unbound => None,
            ResolveResult::Unknown(_) => return Err(malformed("an undeclared namespace prefix")),
        };
        match event {
            Event::DocType(_) => {
                return Err(SamlError::bad(
                    "The SAML request carries a DOCTYPE, which is not accepted.",
                ));
            }
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                depth += 1;
                elements += 1;
                if depth > MAX_DEPTH || elements > MAX_ELEMENTS {
                    return Err(SamlError::bad(
                        "The SAML request is nested too deeply or too large.",
                    ));
                }
                let local = e.local_name().as_ref().to_owned();
                let attrs: Vec<(String, String)> = e
                    .attributes()
                    .map(|a| {
                        let a: Attribute<'_> = a.map_err(|_| malformed("a bad attribute"))?;
                        let key = a.key.as_ref().to_owned();
                        // Predefined entities and character references only.
                        let value = quick_xml::escape::unescape(&a.value)
                            .map_err(|_| malformed("an attribute value with an unknown entity"))?
                            .into_owned();
                        Ok((key, value))
                    })
                    .collect::<Result<_, SamlError>>()?;
                let attr = |name: &str| {
                    attrs
                        .iter()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                };
                let is =
                    |want_ns: &str, want: &str| ns.as_deref() == Some(want_ns) && local == want;
                if depth == 1 {
                    if !is(NS_PROTOCOL, "AuthnRequest") {
                        return Err(SamlError::bad("This is not a SAML AuthnRequest."));
                    }
                    seen_root = true;
                    version_ok = attr("Version").as_deref() == Some("2.0");
                    req.id = bounded(attr("ID").unwrap_or_default(), "ID")?;
                    req.acs_url = attr("AssertionConsumerServiceURL")
                        .map(|v| bounded(v, "AssertionConsumerServiceURL"))
                        .transpose()?;
                    req.protocol_binding = attr("ProtocolBinding");
                    if let Some(v) = attr("ForceAuthn") {
                        req.force_authn = xs_bool(&v)?;
                    }
                    if let Some(v) = attr("IsPassive") {
                        req.is_passive = xs_bool(&v)?;
                    }
                } else if depth == 2 && is(NS_ASSERTION, "Issuer") {
                    capture = Some((depth, Capture::Issuer, String::new()));
                } else if depth == 2 && is(NS_PROTOCOL, "NameIDPolicy") {
                    req.name_id_format = attr("Format");
                } else if depth == 2 && is(NS_PROTOCOL, "RequestedAuthnContext") {
                    let comparison = match attr("Comparison").as_deref().map(str::trim) {
                        None | Some("exact") => Comparison::Exact,
                        Some("minimum") => Comparison::Minimum,
                        Some("better") => Comparison::Better,
                        Some("maximum") => Comparison::Maximum,
                        Some(_) => return Err(malformed("an unknown Comparison")),
                    };
                    req.requested = Some(Requested {
                        class_refs: Vec::new(),
                        comparison,
                        decl_refs: false,
                    });
                    within = if empty {
                        Within::Other
                    } else {
                        Within::Requested
                    };
                } else if depth == 2 && is(NS_ASSERTION, "Subject") {
                    within = if empty {
                        Within::Other
                    } else {
                        Within::Subject
                    };
                } else if depth == 3 && within == Within::Subject && is(NS_ASSERTION, "NameID") {
                    req.subject_format = attr("Format");
                    capture = Some((depth, Capture::NameId, String::new()));
                } else if depth == 3
                    && within == Within::Requested
                    && is(NS_ASSERTION, "AuthnContextClassRef")
                {
                    capture = Some((depth, Capture::ClassRef, String::new()));
                } else if depth == 3
                    && within == Within::Requested
                    && is(NS_ASSERTION, "AuthnContextDeclRef")
                    && let Some(r) = req.requested.as_mut()
                {
                    r.decl_refs = true;
                }
                if empty {
                    end(&mut depth, &mut capture, &mut req, &mut within)?;
                }
            }
            Event::End(_) => end(&mut depth, &mut capture, &mut req, &mut within)?,
            Event::Text(t) => {
                if let Some((_, _, buf)) = capture.as_mut() {
                    buf.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some((_, _, buf)) = capture.as_mut() {
                    buf.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .ok_or_else(|| malformed("an unknown entity"))?
                        .to_owned(),
                    Err(_) => return Err(malformed("a bad character reference")),
                };
                if let Some((_, _, buf)) = capture.as_mut() {
                    buf.push_str(&resolved);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
        }
        if capture
            .as_ref()
            .is_some_and(|(_, _, b)| b.len() > MAX_VALUE)
        {
            return Err(malformed("an element's text is too long"));
        }
    }
    if !seen_root {
        return Err(SamlError::bad("This is not a SAML AuthnRequest."));
    }
    if !version_ok {
        return Err(SamlError::bad("Only SAML 2.0 requests are accepted."));
    }
    if req.issuer.is_empty() {
        return Err(malformed(
            "the Issuer (the service provider's entity ID) is missing",
        ));
    }
    Ok(req)
}

/// The end of the element at `depth`: collected text goes where it belongs.
fn end(
    depth: &mut usize,
    capture: &mut Option<(usize, Capture, String)>,
    req: &mut AuthnRequest,
    within: &mut Within,
) -> Result<(), SamlError> {
    if let Some((d, what, text)) = capture.take() {
        if d == *depth {
            let text = bounded(text.trim().to_owned(), "an element's text")?;
            match what {
                Capture::Issuer => req.issuer = text,
                Capture::NameId => req.subject = Some(text),
                Capture::ClassRef => {
                    if let Some(r) = req.requested.as_mut() {
                        r.class_refs.push(text);
                    }
                }
            }
        } else {
            *capture = Some((d, what, text));
        }
    }
    if *depth == 2 {
        *within = Within::Other;
    }
    *depth = depth.saturating_sub(1);
    Ok(())
}

#[cfg(test)]
mod tests;
