use super::*;

fn chrome() -> Chrome {
    Chrome::fallback()
}

#[test]
fn enrollment_page_carries_the_contract_attributes() {
    let otpauth = "otpauth://totp/Portcullis:alice%40example.com?secret=ABCDEFGH&issuer=Portcullis";
    let (secret_grouped, issuer, account) = EnrollTotp::derive(otpauth, "ABCDEFGH");
    let c = chrome();
    let html = EnrollTotp {
        chrome: &c,
        action: "/e",
        csrf: "c",
        otpauth,
        secret_grouped,
        issuer,
        account,
        qr_svg: "<svg></svg>",
        error: None,
        security_key_href: Some("/x?method=webauthn"),
        first_factor: true,
    }
    .render()
    .unwrap();
    assert!(html.contains("id=\"first-factor\""));
    assert!(html.contains("method=webauthn"));
    let doc = scraper::Html::parse_document(&html);
    let sel = scraper::Selector::parse("[data-otpauth]").unwrap();
    let el = doc.select(&sel).next().unwrap();
    assert_eq!(el.value().attr("data-otpauth"), Some(otpauth));
    assert!(html.contains("ABCD EFGH"));
    assert!(html.contains("name=\"code\""));
    assert!(html.contains("<svg"));
    // The entry as authenticator apps list it.
    assert!(html.contains("<strong>Portcullis</strong> · <strong>alice@example.com</strong>"));
}

#[test]
fn login_form_has_the_contract_inputs() {
    let c = chrome();
    let html = LoginForm {
        chrome: &c,
        action: "/x",
        csrf: "t<",
        client_name: "Jira",
        client_logo: None,
        username: "",
        error: Some("Bad"),
        forgot_href: "/forgot-password",
        signup_href: None,
        upstreams: &[],
    }
    .render()
    .unwrap();
    assert!(html.contains("name=\"username\""));
    assert!(html.contains("name=\"password\""));
    assert!(html.contains("type=\"hidden\" name=\"csrf_token\" value=\"t&#60;\""));
    assert!(html.contains("aria-describedby=\"login-error\""));
    assert!(html.contains("Bad"));
    assert!(html.contains("<html lang=\"en\">"));
}

#[test]
fn error_page_escapes_its_message() {
    let html = error_page("Oops", "<script>alert(1)</script>");
    assert!(!html.contains("<script>"));
    assert!(html.contains("Oops"));
}

#[test]
fn recovery_codes_download_as_a_text_file() {
    let codes = vec!["abcd-efgh".to_owned(), "ijkl-mnop".to_owned()];
    let href = codes_file(&codes);
    assert_eq!(
        href,
        "data:text/plain;charset=utf-8,abcd-efgh%0D%0Aijkl-mnop%0D%0A"
    );
    let c = chrome();
    let html = RecoveryCodes {
        chrome: &c,
        codes: &codes,
        next: "/n",
        nonce: "n0nce",
        download_href: href,
    }
    .render()
    .unwrap();
    assert!(html.contains("id=\"download-codes\""));
    assert!(html.contains("<script nonce=\"n0nce\">"));
}

#[test]
fn german_pages_say_german() {
    let c = Chrome {
        lang: crate::i18n::Lang::De,
        ..Chrome::fallback()
    };
    let html = FactorChoice {
        chrome: &c,
        totp_href: Some("/t?method=totp"),
        webauthn_href: Some("/w?method=webauthn"),
        email_href: None,
    }
    .render()
    .unwrap();
    assert!(html.contains("<html lang=\"de\">"));
    assert!(html.contains("Zwei-Schritt-Bestätigung"), "{html}");
}
