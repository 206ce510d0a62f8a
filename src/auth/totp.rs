//! TOTP (RFC 6238) as authenticator apps read it: SHA-1, 6 digits, 30 s steps,
//! one step of clock skew either way. Replay protection is the caller's: a step
//! is accepted only when it is newer than the last one accepted for that user.

use totp_rs::{Algorithm, Builder, Secret, Totp};

use crate::secrets;

pub const ISSUER: &str = "Portcullis";
/// 160-bit seeds (RFC 4226 §4 recommends at least 128).
pub const SECRET_BYTES: usize = 20;
/// Shortest seed accepted from an import (80 bits, what older deployments used).
pub const MIN_IMPORT_BYTES: usize = 10;

#[derive(Debug, thiserror::Error)]
pub enum TotpError {
    #[error("the secret is not valid base32")]
    Base32,
    #[error("the secret is too short (at least {MIN_IMPORT_BYTES} bytes)")]
    TooShort,
}

fn totp(secret: &[u8], account: &str) -> Totp {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_step_duration(30)
        .with_skew(1)
        .with_secret(secret.to_vec())
        .with_account_name(account.replace(':', "_"))
        .with_issuer(Some(ISSUER))
        .build_noncompliant()
}

pub fn generate_secret() -> Vec<u8> {
    let mut s = vec![0u8; SECRET_BYTES];
    rand::Rng::fill_bytes(&mut rand::rng(), &mut s);
    s
}

pub fn to_base32(secret: &[u8]) -> String {
    Secret::from(secret.to_vec()).to_base32()
}

pub fn from_base32(text: &str) -> Result<Vec<u8>, TotpError> {
    let cleaned: String = text
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect::<String>()
        .to_uppercase();
    let bytes =
        Secret::try_from_base32(cleaned.trim_end_matches('=')).map_err(|_| TotpError::Base32)?;
    let bytes = bytes.as_ref().to_vec();
    if bytes.len() < MIN_IMPORT_BYTES {
        return Err(TotpError::TooShort);
    }
    Ok(bytes)
}

/// `otpauth://totp/…` for the QR code and the `data-otpauth` attribute.
pub fn otpauth_uri(secret: &[u8], account: &str) -> String {
    totp(secret, account).to_url().unwrap_or_default()
}

/// The matched time step when `code` is valid at `unix_time` (±1 step). Every
/// candidate step is compared, in constant time, so timing tells nothing.
pub fn verify(secret: &[u8], code: &str, unix_time: u64) -> Option<u64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let t = totp(secret, "x");
    let now = unix_time / 30;
    let mut found = None;
    for step in now.saturating_sub(1)..=now + 1 {
        let expected = t.generate(step * 30).to_string();
        if secrets::ct_eq(&expected, &code) && found.is_none() {
            found = Some(step);
        }
    }
    found
}

/// The code for a time, for tests and for `portcullis` tooling.
pub fn code_at(secret: &[u8], unix_time: u64) -> String {
    totp(secret, "x").generate(unix_time).to_string()
}

/// The QR code of `text` as inline SVG (no image stack needed).
pub fn qr_svg(text: &str) -> String {
    use qrcodegen::{QrCode, QrCodeEcc};
    let Ok(qr) = QrCode::encode_text(text, QrCodeEcc::Medium) else {
        return String::new();
    };
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + border, y + border));
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {size} {size}\" width=\"200\" height=\"200\" shape-rendering=\"crispEdges\" role=\"img\" aria-label=\"QR code for your authenticator app\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/><path d=\"{path}\" fill=\"#000\"/></svg>"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 6238 Appendix B, SHA-1 seed "12345678901234567890", last 6 digits.
    const SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_vectors() {
        assert_eq!(code_at(SEED, 59), "287082");
        assert_eq!(code_at(SEED, 1111111109), "081804");
        assert_eq!(code_at(SEED, 1234567890), "005924");
    }

    #[test]
    fn accepts_one_step_of_skew_and_reports_the_step() {
        let code = code_at(SEED, 1111111109);
        assert_eq!(verify(SEED, &code, 1111111109), Some(1111111109 / 30));
        assert_eq!(verify(SEED, &code, 1111111109 + 30), Some(1111111109 / 30));
        assert_eq!(verify(SEED, &code, 1111111109 - 30), Some(1111111109 / 30));
        assert_eq!(verify(SEED, &code, 1111111109 + 90), None);
        assert_eq!(verify(SEED, "12345", 1111111109), None);
        assert_eq!(verify(SEED, "abcdef", 1111111109), None);
    }

    #[test]
    fn base32_round_trip_and_uri() {
        let s = generate_secret();
        assert_eq!(from_base32(&to_base32(&s)).unwrap(), s);
        assert!(from_base32("not base32 !!").is_err());
        assert!(matches!(from_base32("MFRGG"), Err(TotpError::TooShort)));
        let uri = otpauth_uri(&s, "alice");
        assert!(uri.starts_with("otpauth://totp/"));
        assert!(uri.contains("issuer=Portcullis"));
        assert!(qr_svg(&uri).starts_with("<svg"));
    }
}
