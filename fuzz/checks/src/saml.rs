//! The SAML AuthnRequest as the single sign-on endpoint receives it.

use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use portcullis::saml::SamlError;
use portcullis::saml::request::{self, Binding, MAX_ENCODED, MAX_XML};

/// The `SAMLRequest` parameter through both bindings' decoders and the
/// bounded parser. The first input byte picks what the rest is: the XML itself,
/// or the parameter of the HTTP-Redirect (base64 of raw DEFLATE) or the
/// HTTP-POST (base64) binding. Beyond "no panic": what decodes stays within the
/// size cap; refusals are clear bad-request errors; an accepted request has a
/// bounded ID and issuer, reads the same again and through either binding, and
/// is refused once a DOCTYPE is put in front of it.
pub fn saml_authn_request(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let binding = match mode % 3 {
        0 => return check_xml(text),
        1 => Binding::Redirect,
        _ => Binding::Post,
    };
    match request::decode(binding, text) {
        Ok(xml) => {
            assert!(xml.len() <= MAX_XML, "decoded past the cap");
            check_xml(&xml);
        }
        Err(e) => assert!(matches!(e, SamlError::BadRequest(_)), "{e:?}"),
    }
}

fn check_xml(xml: &str) {
    let req = match request::parse(xml) {
        Ok(req) => req,
        Err(e) => {
            assert!(matches!(e, SamlError::BadRequest(_)), "{e:?}");
            return;
        }
    };
    let bounded = |v: &str| !v.is_empty() && v.len() <= 2048;
    assert!(bounded(&req.id), "ID {:?}", req.id);
    assert!(bounded(&req.issuer), "Issuer {:?}", req.issuer);
    assert_eq!(req.issuer, req.issuer.trim());
    assert!(req.acs_url.as_deref().is_none_or(bounded));
    if let Some(r) = &req.requested {
        assert!(r.class_refs.iter().all(|c| bounded(c)));
    }
    assert_eq!(request::parse(xml).ok().as_ref(), Some(&req));

    let post = STANDARD.encode(xml);
    if post.len() <= MAX_ENCODED {
        assert_eq!(
            request::decode(Binding::Post, &post).ok().as_deref(),
            Some(xml)
        );
    }
    let mut deflate = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    deflate.write_all(xml.as_bytes()).expect("in memory");
    let redirect = STANDARD.encode(deflate.finish().expect("in memory"));
    if redirect.len() <= MAX_ENCODED {
        assert_eq!(
            request::decode(Binding::Redirect, &redirect)
                .ok()
                .as_deref(),
            Some(xml)
        );
    }

    // A DOCTYPE is what entity expansion needs: refused wherever it may stand.
    let at = match xml.strip_prefix("<?xml") {
        Some(decl) => decl.find("?>").map_or(0, |i| i + "<?xml?>".len()),
        None => 0,
    };
    let with_doctype = format!(
        "{}<!DOCTYPE x [<!ENTITY e \"e\">]>{}",
        &xml[..at],
        &xml[at..]
    );
    if with_doctype.len() <= MAX_XML {
        assert!(request::parse(&with_doctype).is_err(), "DOCTYPE accepted");
    }
}
