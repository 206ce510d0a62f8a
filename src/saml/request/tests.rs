use std::io::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::*;

const REQ: &str = r#"<?xml version="1.0"?>
<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"
    xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"
    ID="_abc" Version="2.0" IssueInstant="2026-12-02T10:00:00Z"
    AssertionConsumerServiceURL="https://sp.example/acs?x=1&amp;y=2"
    ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" ForceAuthn="true">
  <saml:Issuer> https://sp.example/meta </saml:Issuer>
  <saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">ann@example.com</saml:NameID></saml:Subject>
  <samlp:NameIDPolicy Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress" AllowCreate="true"/>
  <samlp:RequestedAuthnContext Comparison="minimum">
    <saml:AuthnContextClassRef>https://refeds.org/profile/mfa</saml:AuthnContextClassRef>
    <saml:AuthnContextClassRef>urn:x:&#65;</saml:AuthnContextClassRef>
  </samlp:RequestedAuthnContext>
</samlp:AuthnRequest>"#;

fn deflate(xml: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(xml).unwrap();
    e.finish().unwrap()
}

#[test]
fn a_full_request_is_read() {
    let r = parse(REQ).unwrap();
    assert_eq!(r.id, "_abc");
    assert_eq!(r.issuer, "https://sp.example/meta");
    assert_eq!(r.acs_url.as_deref(), Some("https://sp.example/acs?x=1&y=2"));
    assert!(r.force_authn);
    assert!(!r.is_passive);
    let requested = r.requested.unwrap();
    assert_eq!(requested.comparison, Comparison::Minimum);
    assert_eq!(
        requested.class_refs,
        vec![
            "https://refeds.org/profile/mfa".to_owned(),
            "urn:x:A".to_owned()
        ]
    );
    assert_eq!(
        r.name_id_format.as_deref(),
        Some(super::super::NAMEID_EMAIL)
    );
    assert_eq!(r.subject.as_deref(), Some("ann@example.com"));
    assert_eq!(
        r.subject_format.as_deref(),
        Some(super::super::NAMEID_EMAIL)
    );
}

#[test]
fn only_a_name_id_in_the_subject_names_the_subject() {
    let outside = r#"<p:AuthnRequest xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion" ID="i" Version="2.0"><a:Issuer>sp</a:Issuer><a:NameID>x@example.com</a:NameID></p:AuthnRequest>"#;
    assert_eq!(parse(outside).unwrap().subject, None);
    let empty = r#"<p:AuthnRequest xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion" ID="i" Version="2.0"><a:Issuer>sp</a:Issuer><a:Subject/></p:AuthnRequest>"#;
    assert_eq!(parse(empty).unwrap().subject, None);
}

#[test]
fn any_prefix_names_the_same_namespaces() {
    let xml = r#"<p:AuthnRequest xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0"><a:Issuer xmlns:a="urn:oasis:names:tc:SAML:2.0:assertion">sp</a:Issuer></p:AuthnRequest>"#;
    assert_eq!(parse(xml).unwrap().issuer, "sp");
    // The right local name in the wrong namespace is not an Issuer.
    let wrong = r#"<p:AuthnRequest xmlns:p="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0"><Issuer>sp</Issuer></p:AuthnRequest>"#;
    assert!(parse(wrong).is_err());
}

#[test]
fn both_bindings_decode() {
    let redirect = STANDARD.encode(deflate(REQ.as_bytes()));
    assert_eq!(decode(Binding::Redirect, &redirect).unwrap(), REQ);
    let post = STANDARD.encode(REQ.as_bytes());
    let wrapped: String = post
        .as_bytes()
        .chunks(76)
        .map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap()))
        .collect();
    assert_eq!(decode(Binding::Post, &wrapped).unwrap(), REQ);
}

#[test]
fn a_doctype_is_refused() {
    let xml = r#"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&e;</saml:Issuer></samlp:AuthnRequest>"#;
    let e = parse(xml).unwrap_err().to_string();
    assert!(e.contains("DOCTYPE"), "{e}");
}

#[test]
fn an_unknown_entity_is_refused() {
    let xml = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">&e;</saml:Issuer></samlp:AuthnRequest>"#;
    assert!(parse(xml).is_err());
}

#[test]
fn a_deflate_bomb_stops_at_the_cap() {
    let mut xml = String::from(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0"><!--"#,
    );
    xml.push_str(&"a".repeat(10 * 1024 * 1024));
    xml.push_str("--></samlp:AuthnRequest>");
    let packed = STANDARD.encode(deflate(xml.as_bytes()));
    assert!(packed.len() < MAX_ENCODED, "the bomb itself is small");
    let e = decode(Binding::Redirect, &packed).unwrap_err().to_string();
    assert!(e.contains("too large"), "{e}");
}

#[test]
fn bad_base64_and_bad_deflate_are_told_apart() {
    let e = decode(Binding::Redirect, "%%%not base64")
        .unwrap_err()
        .to_string();
    assert!(e.contains("base64"), "{e}");
    let e = decode(
        Binding::Redirect,
        &STANDARD.encode(b"\xff\xff\xff\xff garbage"),
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("DEFLATE"), "{e}");
}

#[test]
fn deep_nesting_is_refused() {
    let mut xml = String::from(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0">"#,
    );
    xml.push_str(&"<x>".repeat(MAX_DEPTH + 1));
    xml.push_str(&"</x>".repeat(MAX_DEPTH + 1));
    xml.push_str("</samlp:AuthnRequest>");
    let e = parse(&xml).unwrap_err().to_string();
    assert!(e.contains("nested too deeply"), "{e}");
}

#[test]
fn oversized_input_is_refused_before_decoding() {
    let big = "A".repeat(MAX_ENCODED + 4);
    let e = decode(Binding::Post, &big).unwrap_err().to_string();
    assert!(e.contains("too large"), "{e}");
}

#[test]
fn other_documents_and_versions_are_refused() {
    assert!(parse("<a/>").is_err());
    assert!(parse("not xml at all <").is_err());
    let v1 = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="1.1"><saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">sp</saml:Issuer></samlp:AuthnRequest>"#;
    assert!(parse(v1).is_err());
    let no_issuer = r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="i" Version="2.0"/>"#;
    assert!(parse(no_issuer).is_err());
}
