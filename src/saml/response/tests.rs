use super::*;
use crate::saml::keys::SamlKeys;

fn keys() -> (tempfile::TempDir, SamlKeys) {
    let dir = tempfile::tempdir().unwrap();
    let keys = SamlKeys::load_or_create(dir.path(), "idp.example").unwrap();
    (dir, keys)
}

fn env() -> Envelope<'static> {
    Envelope {
        issuer: "https://idp.example/saml/metadata",
        destination: "https://sp.example/acs?tenant=a&b=<c>",
        in_response_to: Some("_req1"),
        now: 1_800_000_000,
    }
}

fn alice() -> Assertion<'static> {
    Assertion {
        audience: "https://sp.example/meta",
        name_id_format: crate::saml::NAMEID_EMAIL,
        name_id: "alice@example.com",
        session_index: "sid-1",
        authn_instant: 1_799_999_990,
        class_ref: crate::saml::AC_REFEDS_MFA,
        attributes: vec![
            ("email", vec!["alice@example.com".into()]),
            ("groups", vec!["a&b".into(), "c".into()]),
            ("firstName", vec![]),
        ],
        lifetime: 300,
        skew: 60,
    }
}

#[test]
fn the_assertion_signature_follows_its_issuer() {
    let (_d, k) = keys();
    let xml = response(
        &env(),
        Status::Success,
        Some(&alice()),
        SignWhat::Assertion,
        &k.current().active,
    )
    .unwrap();
    let assertion = &xml[xml.find("<saml:Assertion").unwrap()..];
    let issuer_end = assertion.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    assert!(
        assertion[issuer_end..].starts_with("<ds:Signature"),
        "{assertion}"
    );
    // Only the assertion is signed.
    assert_eq!(xml.matches("<ds:Signature ").count(), 1);
    assert!(xml.contains(r#"Destination="https://sp.example/acs?tenant=a&amp;b=&lt;c>""#));
    assert!(xml.contains(r#"InResponseTo="_req1""#));
    assert!(xml.contains("<saml:Audience>https://sp.example/meta</saml:Audience>"));
    assert!(xml.contains(r#"NotBefore="2027-01-15T07:59:00Z""#), "{xml}");
    assert!(xml.contains(r#"NotOnOrAfter="2027-01-15T08:05:00Z""#));
    assert!(xml.contains("<saml:AttributeValue>a&amp;b</saml:AttributeValue>"));
    assert!(
        !xml.contains(r#"Name="firstName""#),
        "empty attributes are left out"
    );
}

#[test]
fn both_puts_a_signature_after_each_issuer() {
    let (_d, k) = keys();
    let xml = response(
        &env(),
        Status::Success,
        Some(&alice()),
        SignWhat::Both,
        &k.current().active,
    )
    .unwrap();
    assert_eq!(xml.matches("<ds:Signature ").count(), 2);
    let first_issuer = xml.find("</saml:Issuer>").unwrap() + "</saml:Issuer>".len();
    assert!(xml[first_issuer..].starts_with("<ds:Signature"));
}

#[test]
fn a_failure_has_its_status_and_no_assertion() {
    let (_d, k) = keys();
    let xml = response(
        &env(),
        Status::NoAuthnContext,
        Some(&alice()),
        SignWhat::Assertion,
        &k.current().active,
    )
    .unwrap();
    assert!(!xml.contains("Assertion"));
    assert!(xml.contains(
        r#"<samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Responder"><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:NoAuthnContext"></samlp:StatusCode></samlp:StatusCode>"#
    ));
    assert_eq!(
        xml.matches("<ds:Signature ").count(),
        1,
        "a failure is signed"
    );
}

#[test]
fn the_metadata_publishes_the_next_certificate_too() {
    let (d, k) = keys();
    let one = crate::saml::metadata::idp_metadata("https://idp.example", &k.current()).unwrap();
    assert_eq!(one.matches("<ds:X509Certificate>").count(), 1);
    assert!(one.contains(r#"entityID="https://idp.example/saml/metadata""#));
    assert!(one.contains(r#"Location="https://idp.example/saml/sso""#));
    crate::saml::keys::next_cert(d.path(), "idp.example").unwrap();
    k.reload_if_changed().unwrap();
    let two = crate::saml::metadata::idp_metadata("https://idp.example", &k.current()).unwrap();
    assert_eq!(two.matches("<ds:X509Certificate>").count(), 2);
}
