//! Enveloped XML signatures (XML-DSig core §6.6.4) over elements we wrote in
//! canonical form ([`super::c14n`]): exclusive C14N, SHA-256 digest, RSA-SHA256.
//! Because the element is already canonical, its digest is the SHA-256 of its
//! bytes; the enveloped-signature transform removes exactly the `ds:Signature`
//! inserted here, so verifiers digest the same bytes.
//!
//! The signature goes right after the element's `Issuer`, where the SAML schema
//! places it (core §5.4.1 and the `ds:Signature` position in the Response and
//! Assertion types); strict SPs refuse it anywhere else.

use aws_lc_rs::digest::{SHA256, digest};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::c14n::Canonical;
use super::keys::SamlKey;
use super::{NS_DSIG, SamlError};

const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
const SHA256_URI: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const ISSUER_END: &str = "</saml:Issuer>";

/// `SignedInfo` for a reference to `#id` with `digest`. As the apex of its own
/// canonicalization it declares `ds` itself; inside `ds:Signature` it inherits it.
fn signed_info(c: &mut Canonical, id: &str, digest_b64: &str, apex: bool) {
    let reference = format!("#{id}");
    if apex {
        c.open("ds:SignedInfo", &[("xmlns:ds", NS_DSIG)]);
    } else {
        c.open("ds:SignedInfo", &[]);
    }
    c.leaf("ds:CanonicalizationMethod", &[("Algorithm", EXC_C14N)], "");
    c.leaf("ds:SignatureMethod", &[("Algorithm", RSA_SHA256)], "");
    c.open("ds:Reference", &[("URI", &reference)]);
    c.open("ds:Transforms", &[]);
    c.leaf("ds:Transform", &[("Algorithm", ENVELOPED)], "");
    c.leaf("ds:Transform", &[("Algorithm", EXC_C14N)], "");
    c.close();
    c.leaf("ds:DigestMethod", &[("Algorithm", SHA256_URI)], "");
    c.leaf("ds:DigestValue", &[], digest_b64);
    c.close();
    c.close();
}

/// `element` (canonical, its root carrying `ID="id"` and a `saml:Issuer` as
/// first child) with its enveloped signature placed after that Issuer.
pub fn enveloped(element: &str, id: &str, key: &SamlKey) -> Result<String, SamlError> {
    let at = element
        .find(ISSUER_END)
        .map(|i| i + ISSUER_END.len())
        .ok_or_else(|| SamlError::Xml("a signed element needs an Issuer".into()))?;
    let digest_b64 = STANDARD.encode(digest(&SHA256, element.as_bytes()));
    let mut apex = Canonical::new();
    signed_info(&mut apex, id, &digest_b64, true);
    let to_sign = apex.finish()?;
    let signature = STANDARD.encode(key.sign(to_sign.as_bytes())?);

    let mut c = Canonical::new();
    c.open("ds:Signature", &[("xmlns:ds", NS_DSIG)]);
    signed_info(&mut c, id, &digest_b64, false);
    c.leaf("ds:SignatureValue", &[], &signature);
    c.open("ds:KeyInfo", &[]);
    c.open("ds:X509Data", &[]);
    c.leaf("ds:X509Certificate", &[], &key.cert_base64());
    c.close();
    c.close();
    c.close();
    let sig = c.finish()?;

    let mut out = String::with_capacity(element.len() + sig.len());
    out.push_str(&element[..at]);
    out.push_str(&sig);
    out.push_str(&element[at..]);
    Ok(out)
}
