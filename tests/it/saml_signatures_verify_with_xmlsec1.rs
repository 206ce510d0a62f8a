//! Our SAML signatures checked by an independent verifier: xmlsec1 (libxmlsec1,
//! Debian's `xmlsec1`, installed by scripts/test-services.sh), with the
//! certificate that `portcullis saml cert` prints, never our own code.

use std::process::Command;

use portcullis::saml::keys::{SamlKeys, active_cert};
use portcullis::saml::response::{Assertion, Envelope, SignWhat, Status, response};

const ASSERTION_ID: &str = "urn:oasis:names:tc:SAML:2.0:assertion:Assertion";
const RESPONSE_ID: &str = "urn:oasis:names:tc:SAML:2.0:protocol:Response";

fn signed(keys: &SamlKeys, sign: SignWhat, status: Status) -> String {
    let env = Envelope {
        issuer: "https://idp.example/saml/metadata",
        destination: "https://sp.example/plugins/servlet/samlconsumer?tenant=a&x=<1>",
        in_response_to: Some("_request-1"),
        now: chrono::Utc::now().timestamp(),
    };
    let a = Assertion {
        audience: "https://sp.example/meta",
        name_id_format: portcullis::saml::NAMEID_EMAIL,
        name_id: "zoë+test@example.com",
        session_index: "sid\"1",
        authn_instant: chrono::Utc::now().timestamp(),
        class_ref: portcullis::saml::AC_PASSWORD_PROTECTED,
        attributes: vec![
            ("email", vec!["zoë+test@example.com".into()]),
            (
                "displayName",
                vec!["Zoë \"Z\" <Tester> & co\r\n\tline".into()],
            ),
            ("groups", vec!["a".into(), "b&c".into()]),
        ],
        lifetime: 300,
        skew: 60,
    };
    response(&env, status, Some(&a), sign, &keys.current().active).unwrap()
}

/// Runs `xmlsec1 --verify` on `xml`; true when it verifies.
fn xmlsec_verifies(dir: &std::path::Path, xml: &str, id_attr: &str, xpath: Option<&str>) -> bool {
    let cert = dir.join("cert.pem");
    std::fs::write(&cert, active_cert(dir, "idp.example").unwrap()).unwrap();
    let file = dir.join(format!("doc-{}.xml", uuid::Uuid::new_v4()));
    std::fs::write(&file, xml).unwrap();
    let mut cmd = Command::new("xmlsec1");
    cmd.arg("--verify").arg("--pubkey-cert-pem").arg(&cert);
    // `--id-attr:ID ns:Element`: the attribute `ID` of that element is an xs:ID.
    cmd.args(["--id-attr:ID", id_attr]);
    if let Some(x) = xpath {
        cmd.args(["--node-xpath", x]);
    }
    let out = cmd
        .arg(&file)
        .output()
        .expect("xmlsec1 (Debian package xmlsec1) must be installed");
    out.status.success()
}

fn keys() -> (tempfile::TempDir, SamlKeys) {
    let dir = tempfile::tempdir().unwrap();
    let keys = SamlKeys::load_or_create(dir.path(), "idp.example").unwrap();
    (dir, keys)
}

#[test]
fn a_signed_assertion_verifies_with_xmlsec1_and_a_tampered_one_does_not() {
    let (dir, keys) = keys();
    let xml = signed(&keys, SignWhat::Assertion, Status::Success);
    assert!(
        xmlsec_verifies(dir.path(), &xml, ASSERTION_ID, None),
        "{xml}"
    );
    let tampered = xml.replace("zoë+test@example.com", "mallory@example.com");
    assert!(!xmlsec_verifies(dir.path(), &tampered, ASSERTION_ID, None));
}

#[test]
fn a_signed_response_verifies_with_xmlsec1() {
    let (dir, keys) = keys();
    let xml = signed(&keys, SignWhat::Response, Status::Success);
    assert!(
        xmlsec_verifies(dir.path(), &xml, RESPONSE_ID, None),
        "{xml}"
    );
    let tampered = xml.replace("_request-1", "_request-2");
    assert!(!xmlsec_verifies(dir.path(), &tampered, RESPONSE_ID, None));
}

#[test]
fn both_signatures_verify_with_xmlsec1() {
    let (dir, keys) = keys();
    let xml = signed(&keys, SignWhat::Both, Status::Success);
    assert!(
        xmlsec_verifies(dir.path(), &xml, RESPONSE_ID, None),
        "{xml}"
    );
    let inner = "//*[local-name()='Assertion']/*[local-name()='Signature']";
    assert!(
        xmlsec_verifies(dir.path(), &xml, ASSERTION_ID, Some(inner)),
        "{xml}"
    );
}

#[test]
fn a_failure_response_verifies_with_xmlsec1() {
    let (dir, keys) = keys();
    let xml = signed(&keys, SignWhat::Assertion, Status::NoPassive);
    assert!(xml.contains("NoPassive"));
    assert!(
        xmlsec_verifies(dir.path(), &xml, RESPONSE_ID, None),
        "{xml}"
    );
}
