//! The SAML signing key: RSA-2048 (PKCS #8) with a self-signed X.509 certificate
//! made by rcgen on aws-lc-rs, both in one PEM file in `keys.dir` (mode 0600), so
//! that replacing a key is one atomic rename and no reader ever pairs a key with
//! another key's certificate.
//!
//! `saml-signing.pem` signs. `saml-next.pem`, when present, is published in the
//! metadata beside it but signs nothing yet: service providers that read
//! metadata (or admins who paste certificates) learn the next certificate
//! before the switch, so a rotation never breaks a login. Running servers pick
//! up changes of either file within seconds ([`SamlKeys::reload_if_changed`]).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::SystemTime;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RSA_PKCS1_SHA256, RsaKeyPair};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::SamlError;

pub const ACTIVE_FILE: &str = "saml-signing.pem";
pub const NEXT_FILE: &str = "saml-next.pem";
/// Certificates are valid this long; SAML SPs pin the certificate itself, and
/// rotation is by the operator's choice, not by expiry.
const VALID_YEARS: i32 = 10;

/// A loaded signing key and its certificate.
pub struct SamlKey {
    pair: RsaKeyPair,
    cert_der: Vec<u8>,
    cert_pem: String,
}

impl SamlKey {
    /// RSASSA-PKCS1-v1_5 with SHA-256 (`xmldsig-more#rsa-sha256`).
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SamlError> {
        let mut sig = vec![0; self.pair.public_modulus_len()];
        self.pair
            .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), message, &mut sig)
            .map_err(|e| SamlError::Key(e.to_string()))?;
        Ok(sig)
    }

    /// The certificate as `ds:X509Certificate` carries it: base64 of the DER.
    pub fn cert_base64(&self) -> String {
        STANDARD.encode(&self.cert_der)
    }

    /// The certificate as an admin pastes it.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    fn from_pem(path: &Path, text: &str) -> Result<Self, SamlError> {
        let bad = |what: &str| SamlError::Key(format!("{}: {what}", path.display()));
        let blocks = pem_blocks(text);
        let key = blocks
            .iter()
            .find(|(l, _)| l == "PRIVATE KEY")
            .ok_or_else(|| bad("no PRIVATE KEY block"))?;
        let cert = blocks
            .iter()
            .find(|(l, _)| l == "CERTIFICATE")
            .ok_or_else(|| bad("no CERTIFICATE block"))?;
        let pair = RsaKeyPair::from_pkcs8(&key.1).map_err(|e| bad(&e.to_string()))?;
        Ok(Self {
            pair,
            cert_der: cert.1.clone(),
            cert_pem: pem_encode("CERTIFICATE", &cert.1),
        })
    }
}

/// What a server signs with and publishes.
pub struct Loaded {
    pub active: SamlKey,
    pub next: Option<SamlKey>,
    stamp: Vec<Option<(SystemTime, u64)>>,
}

/// The reloadable SAML keys of one `keys.dir`.
#[derive(Clone)]
pub struct SamlKeys {
    dir: PathBuf,
    subject: String,
    current: Arc<RwLock<Arc<Loaded>>>,
}

impl SamlKeys {
    /// Loads the keys of `dir`, creating the signing key when missing.
    /// `subject` names the certificate (the issuer's host).
    pub fn load_or_create(dir: &Path, subject: &str) -> Result<Self, SamlError> {
        ensure_active(dir, subject)?;
        let loaded = load(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            subject: subject.to_owned(),
            current: Arc::new(RwLock::new(Arc::new(loaded))),
        })
    }

    pub fn current(&self) -> Arc<Loaded> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Re-reads the files when either changed; cheap otherwise.
    pub fn reload_if_changed(&self) -> Result<bool, SamlError> {
        if stamps(&self.dir) == self.current().stamp {
            return Ok(false);
        }
        ensure_active(&self.dir, &self.subject)?;
        let loaded = Arc::new(load(&self.dir)?);
        match self.current.write() {
            Ok(mut g) => *g = loaded,
            Err(p) => *p.into_inner() = loaded,
        }
        Ok(true)
    }
}

fn stamps(dir: &Path) -> Vec<Option<(SystemTime, u64)>> {
    [ACTIVE_FILE, NEXT_FILE]
        .iter()
        .map(|f| {
            std::fs::metadata(dir.join(f))
                .ok()
                .and_then(|m| Some((m.modified().ok()?, m.len())))
        })
        .collect()
}

fn load(dir: &Path) -> Result<Loaded, SamlError> {
    let stamp = stamps(dir);
    let read = |name: &str| -> Result<Option<SamlKey>, SamlError> {
        let path = dir.join(name);
        match std::fs::read_to_string(&path) {
            Ok(text) => SamlKey::from_pem(&path, &text).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(SamlError::Key(format!("{}: {e}", path.display()))),
        }
    };
    let active =
        read(ACTIVE_FILE)?.ok_or_else(|| SamlError::Key(format!("{ACTIVE_FILE} is missing")))?;
    Ok(Loaded {
        active,
        next: read(NEXT_FILE)?,
        stamp,
    })
}

fn ensure_active(dir: &Path, subject: &str) -> Result<(), SamlError> {
    let path = dir.join(ACTIVE_FILE);
    if !path.exists() {
        std::fs::create_dir_all(dir).map_err(|e| SamlError::Key(e.to_string()))?;
        write_new(&path, subject)?;
    }
    Ok(())
}

/// The certificate that signs (the key is made when missing).
pub fn active_cert(dir: &Path, subject: &str) -> Result<String, SamlError> {
    ensure_active(dir, subject)?;
    Ok(load(dir)?.active.cert_pem)
}

/// Makes the next key when there is none, and returns its certificate: publish
/// it to the service providers, then [`switch`].
pub fn next_cert(dir: &Path, subject: &str) -> Result<String, SamlError> {
    ensure_active(dir, subject)?;
    let path = dir.join(NEXT_FILE);
    if !path.exists() {
        write_new(&path, subject)?;
    }
    Ok(load(dir)?.next.map(|k| k.cert_pem).unwrap_or_default())
}

/// Makes the next key the signing one; the old one is kept as
/// `saml-retired-<unix seconds>.pem`. Returns the new signing certificate.
pub fn switch(dir: &Path) -> Result<String, SamlError> {
    let next = dir.join(NEXT_FILE);
    if !next.exists() {
        return Err(SamlError::Key(
            "there is no next key: run `portcullis saml cert --next` first and give its certificate to the service providers".into(),
        ));
    }
    let text = std::fs::read_to_string(&next).map_err(|e| SamlError::Key(e.to_string()))?;
    let key = SamlKey::from_pem(&next, &text)?;
    let retired = dir.join(format!(
        "saml-retired-{}.pem",
        chrono::Utc::now().timestamp()
    ));
    let io = |e: std::io::Error| SamlError::Key(e.to_string());
    // Copy, then rename over: the signing file is replaced in one step.
    std::fs::copy(dir.join(ACTIVE_FILE), &retired).map_err(io)?;
    std::fs::rename(&next, dir.join(ACTIVE_FILE)).map_err(io)?;
    Ok(key.cert_pem)
}

/// Generates a key and its certificate into `path` (mode 0600, written to a
/// temporary name first).
fn write_new(path: &Path, subject: &str) -> Result<(), SamlError> {
    use aws_lc_rs::encoding::AsDer;
    let gen_err = |e: String| SamlError::Key(format!("generating the SAML key: {e}"));
    let der = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
        .map_err(|e| gen_err(e.to_string()))?
        .as_der()
        .map_err(|e| gen_err(e.to_string()))?
        .as_ref()
        .to_vec();
    let key_pem = pem_encode("PRIVATE KEY", &der);
    let cert_pem = self_signed(&key_pem, subject).map_err(gen_err)?;
    crate::keys::write_private(path, format!("{key_pem}{cert_pem}").as_bytes())
        .map_err(|e| SamlError::Key(e.to_string()))
}

fn self_signed(key_pem: &str, subject: &str) -> Result<String, String> {
    use chrono::Datelike;
    let key = rcgen::KeyPair::from_pem_and_sign_algo(key_pem, &rcgen::PKCS_RSA_SHA256)
        .map_err(|e| e.to_string())?;
    let mut params = rcgen::CertificateParams::default();
    let mut dn = rcgen::DistinguishedName::new();
    dn.push(rcgen::DnType::CommonName, format!("{subject} SAML signing"));
    dn.push(rcgen::DnType::OrganizationName, "Portcullis");
    params.distinguished_name = dn;
    let today = chrono::Utc::now().date_naive();
    let yesterday = today.pred_opt().unwrap_or(today);
    let ymd = |d: chrono::NaiveDate, add: i32| {
        // Day 28 exists in every month, so the date is always valid.
        rcgen::date_time_ymd(d.year() + add, d.month() as u8, d.day().min(28) as u8)
    };
    params.not_before = ymd(yesterday, 0);
    params.not_after = ymd(today, VALID_YEARS);
    let mut serial = crate::secrets::random_bytes(16);
    if let Some(b) = serial.first_mut() {
        // A positive INTEGER (RFC 5280 §4.1.2.2).
        *b &= 0x7f;
    }
    params.serial_number = Some(rcgen::SerialNumber::from_slice(&serial));
    let cert = params.self_signed(&key).map_err(|e| e.to_string())?;
    Ok(cert.pem())
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Every `-----BEGIN X-----` block of `text`, decoded.
fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut label: Option<String> = None;
    let mut body = String::new();
    for line in text.lines().map(str::trim) {
        if let Some(l) = line
            .strip_prefix("-----BEGIN ")
            .and_then(|l| l.strip_suffix("-----"))
        {
            label = Some(l.to_owned());
            body.clear();
        } else if line.starts_with("-----END ") {
            if let Some(l) = label.take()
                && let Ok(der) = STANDARD.decode(body.as_bytes())
            {
                out.push((l, der));
            }
        } else if label.is_some() {
            body.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rotation_publishes_the_next_key_before_it_signs() {
        let dir = tempfile::tempdir().unwrap();
        let keys = SamlKeys::load_or_create(dir.path(), "idp.example").unwrap();
        let first = keys.current().active.cert_pem().to_owned();
        assert!(first.starts_with("-----BEGIN CERTIFICATE-----"));
        assert!(keys.current().next.is_none());
        let next = next_cert(dir.path(), "idp.example").unwrap();
        assert_ne!(next, first);
        // Asked again, the same next key: it is not replaced while published.
        assert_eq!(next_cert(dir.path(), "idp.example").unwrap(), next);
        assert!(keys.reload_if_changed().unwrap());
        let loaded = keys.current();
        assert_eq!(loaded.active.cert_pem(), first, "the old key still signs");
        assert_eq!(loaded.next.as_ref().unwrap().cert_pem(), next);
        assert_eq!(switch(dir.path()).unwrap(), next);
        assert!(keys.reload_if_changed().unwrap());
        assert_eq!(keys.current().active.cert_pem(), next);
        assert!(keys.current().next.is_none());
        assert!(switch(dir.path()).is_err(), "no next key to switch to");
    }

    #[cfg(unix)]
    #[test]
    fn the_key_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        active_cert(dir.path(), "idp.example").unwrap();
        let mode = std::fs::metadata(dir.path().join(ACTIVE_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
