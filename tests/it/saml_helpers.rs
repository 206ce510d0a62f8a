//! A real SAML service provider for the tests: OneLogin's python3-saml
//! (tests/saml_sp.py, run with Debian's /usr/bin/python3) on a free loopback
//! port, registered here through the CLI, stopped by its pid when dropped.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::helpers::{Browser, Form, Landing, TestApp, cli, form_with};

pub const PPT: &str = "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport";
pub const REFEDS_MFA: &str = "https://refeds.org/profile/mfa";

pub struct SamlSp {
    child: Child,
    pub base: String,
    pub entity_id: String,
    /// As registered: with a query string, as Atlassian's ACS URL has (one
    /// parameter: python3-saml 1.12 writes a bare `&` into its AuthnRequest).
    pub acs_url: String,
    http: reqwest::Client,
}

impl Drop for SamlSp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl SamlSp {
    /// Starts an SP and registers it with `extra` CLI flags (`--sign both` …).
    pub async fn start(app: &TestApp, extra: &[&str]) -> SamlSp {
        Self::start_with(app, extra, false).await
    }

    /// `want_messages_signed`: the SP also demands a signed Response.
    pub async fn start_with(app: &TestApp, extra: &[&str], want_messages_signed: bool) -> SamlSp {
        let entity_id = format!(
            "https://sp-{}.example/metadata",
            uuid::Uuid::new_v4().simple()
        );
        Self::start_as(app, &entity_id, extra, want_messages_signed).await
    }

    /// An SP with a known entity ID (for policy rules naming it).
    pub async fn start_as(
        app: &TestApp,
        entity_id: &str,
        extra: &[&str],
        want_messages_signed: bool,
    ) -> SamlSp {
        let entity_id = entity_id.to_owned();
        let config = serde_json::json!({
            "sp_entity_id": entity_id,
            "acs_path": "/acs?tenant=t-1",
            "idp_entity_id": format!("{}/saml/metadata", app.issuer),
            "sso_url": format!("{}/saml/sso", app.issuer),
            "idp_cert": app.state.saml_keys.current().active.cert_pem(),
            "want_messages_signed": want_messages_signed,
        });
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/saml_sp.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(script)
            .arg(config.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("/usr/bin/python3 with python3-onelogin-saml2 (scripts/test-services.sh)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port: u16 = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("SP port: {line:?}"));
        let base = format!("http://127.0.0.1:{port}");
        let acs_url = format!("{base}/acs?tenant=t-1");
        let mut args = vec![
            "saml",
            "sp",
            "add",
            "--entity-id",
            &entity_id,
            "--acs-url",
            &acs_url,
        ];
        args.extend_from_slice(extra);
        let added = cli(app, &args).unwrap();
        assert_eq!(added["entity_id"], entity_id.as_str());
        SamlSp {
            child,
            base,
            entity_id,
            acs_url,
            http: reqwest::Client::new(),
        }
    }

    /// The IdP URL (HTTP-Redirect binding) of a fresh AuthnRequest; `query`
    /// as tests/saml_sp.py takes it (acr=…&comparison=…&force=1&passive=1).
    pub async fn login_url(&self, query: &str) -> String {
        let v: serde_json::Value = self
            .http
            .get(format!("{}/login?{query}", self.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["url"].as_str().unwrap().to_owned()
    }

    /// Posts the form (as the browser would) to the SP; its verdict.
    pub async fn acs(&self, form: &Form) -> serde_json::Value {
        assert_eq!(
            form.action, self.acs_url,
            "posted to the registered ACS URL"
        );
        self.http
            .post(&form.action)
            .form(&form.fields)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
}

/// The form of a page that posts a SAMLResponse.
pub fn response_form(page: &Landing) -> Form {
    form_with(page.html(), "SAMLResponse")
}

/// The Response XML a form carries.
pub fn response_xml(form: &Form) -> String {
    String::from_utf8(STANDARD.decode(form.get("SAMLResponse").unwrap()).unwrap()).unwrap()
}

/// A browser signed in at the SP with its password: the SP's verdict.
pub async fn sign_in(
    browser: &Browser,
    sp: &SamlSp,
    query: &str,
    user: &crate::helpers::TestUser,
) -> serde_json::Value {
    let page = browser.get(&sp.login_url(query).await).await;
    let after = browser.login(&page, user).await;
    sp.acs(&response_form(&after)).await
}
