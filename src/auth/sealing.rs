//! Encryption at rest for factor secrets (TOTP seeds): AES-256-GCM with a random
//! 96-bit nonce per value, under a key kept in `keys.dir/secrets.key` (mode 0600),
//! created on first use. A database dump alone does not reveal any TOTP seed.
//! Recovery codes, which stand in for the seed, are kept as HMAC-SHA256 under a
//! key derived from the same one: a dump alone does not let anyone test
//! guesses at them either.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rand::Rng;

#[derive(Debug, thiserror::Error)]
pub enum SealError {
    #[error("secrets key {0}: {1}")]
    Key(String, String),
    #[error("a sealed value could not be opened")]
    Open,
}

#[derive(Clone)]
pub struct SecretBox {
    cipher: Aes256Gcm,
    /// The key of [`SecretBox::code_digest`], derived from the sealing key.
    code_key: [u8; 32],
}

/// Marks a keyed recovery-code digest; an unmarked one is a bare SHA-256 made
/// before codes were keyed.
const CODE_DIGEST_PREFIX: &str = "h1:";
/// Marks a bare SHA-256 made before codes were keyed, keyed since (see
/// [`SecretBox::wrap_legacy_digest`]).
const WRAPPED_DIGEST_PREFIX: &str = "h2:";

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(***)")
    }
}

pub const KEY_FILE: &str = "secrets.key";

impl SecretBox {
    pub fn from_key(key: &[u8; 32]) -> Self {
        Self {
            cipher: Aes256Gcm::new(key.into()),
            code_key: hmac_sha256(key, &[b"portcullis recovery codes"]),
        }
    }

    /// Whether `stored` is one of the keyed forms.
    pub fn is_keyed_digest(stored: &str) -> bool {
        stored.starts_with(CODE_DIGEST_PREFIX) || stored.starts_with(WRAPPED_DIGEST_PREFIX)
    }

    /// What replaces a bare SHA-256 `legacy` of `user_id`'s code, stored before
    /// codes were keyed: the same HMAC over it, so that it can be keyed
    /// without knowing the code, and checked from the code's SHA-256.
    pub fn wrap_legacy_digest(&self, user_id: &str, legacy: &str) -> String {
        let mac = hmac_sha256(
            &self.code_key,
            &[user_id.as_bytes(), b"\0sha256:", legacy.as_bytes()],
        );
        format!("{WRAPPED_DIGEST_PREFIX}{}", crate::secrets::hex(&mac))
    }

    /// What is stored for `user_id`'s recovery code `code` (normalised): keyed,
    /// and bound to the user, so one guess tests one account's codes only.
    pub fn code_digest(&self, user_id: &str, code: &str) -> String {
        let mac = hmac_sha256(
            &self.code_key,
            &[user_id.as_bytes(), b"\0", code.as_bytes()],
        );
        format!("{CODE_DIGEST_PREFIX}{}", crate::secrets::hex(&mac))
    }

    /// Loads `dir/secrets.key`, creating it when absent.
    pub fn load_or_create(dir: &Path) -> Result<Self, SealError> {
        Ok(Self::from_key(&load_or_create_key(dir, KEY_FILE)?))
    }

    pub fn seal(&self, plaintext: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and a 12-byte nonce cannot fail.
        let ct = self
            .cipher
            .encrypt(Nonce::from_slice(&nonce), plaintext)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        STANDARD.encode(out)
    }

    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, SealError> {
        let raw = STANDARD.decode(sealed).map_err(|_| SealError::Open)?;
        if raw.len() < 12 + 16 {
            return Err(SealError::Open);
        }
        let (nonce, ct) = raw.split_at(12);
        self.cipher
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| SealError::Open)
    }
}

fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use aws_lc_rs::hmac;
    let mut ctx = hmac::Context::with_key(&hmac::Key::new(hmac::HMAC_SHA256, key));
    for p in parts {
        ctx.update(p);
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.sign().as_ref());
    out
}

/// Loads the 32-byte key `dir/file`, creating it (random, mode 0600) when absent.
/// Instances that share `keys.dir` share the key: the first one published wins.
pub fn load_or_create_key(dir: &Path, file: &str) -> Result<[u8; 32], SealError> {
    let path = dir.join(file);
    let shown = path.display().to_string();
    std::fs::create_dir_all(dir).map_err(|e| SealError::Key(shown.clone(), e.to_string()))?;
    if !path.exists() {
        let mut key = [0u8; 32];
        rand::rng().fill_bytes(&mut key);
        publish_new(&path, &key).map_err(|e| SealError::Key(shown.clone(), e.to_string()))?;
    }
    let bytes = std::fs::read(&path).map_err(|e| SealError::Key(shown.clone(), e.to_string()))?;
    bytes
        .try_into()
        .map_err(|_| SealError::Key(shown, "must hold exactly 32 bytes".into()))
}

/// Creates `path` holding `bytes` unless it exists. Written to a private temporary
/// file first and then hard-linked into place, so that processes starting together
/// on one key folder (several instances, CLI commands run in parallel) never read
/// a half-written key, and the first key published is the one everybody uses.
fn publish_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut suffix = [0u8; 8];
    rand::rng().fill_bytes(&mut suffix);
    let tmp = path.with_extension(format!("tmp-{}", crate::secrets::hex(&suffix)));
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let written = opts.open(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    let linked = written.and_then(|()| match std::fs::hard_link(&tmp, path) {
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    });
    let _ = std::fs::remove_file(&tmp);
    linked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_and_open() {
        let b = SecretBox::from_key(&[7u8; 32]);
        let sealed = b.seal(b"seed");
        assert_ne!(sealed, b.seal(b"seed"), "fresh nonce every time");
        assert_eq!(b.open(&sealed).unwrap(), b"seed");
        assert!(SecretBox::from_key(&[8u8; 32]).open(&sealed).is_err());
        assert!(b.open("garbage").is_err());
    }

    #[test]
    fn code_digests_are_keyed_and_bound_to_the_user() {
        let b = SecretBox::from_key(&[7u8; 32]);
        let d = b.code_digest("u1", "ABCDEFGHJK");
        assert!(d.starts_with("h1:") && d.len() == 3 + 64, "{d}");
        assert_eq!(d, b.code_digest("u1", "ABCDEFGHJK"));
        assert_ne!(d, b.code_digest("u2", "ABCDEFGHJK"));
        assert_ne!(d, b.code_digest("u1", "ABCDEFGHJL"));
        assert_ne!(
            d,
            SecretBox::from_key(&[8u8; 32]).code_digest("u1", "ABCDEFGHJK")
        );
        assert!(!d.contains(&crate::secrets::digest("ABCDEFGHJK")));
    }

    #[test]
    fn key_file_is_created_once() {
        let dir = std::env::temp_dir().join(format!("portcullis-seal-{}", uuid::Uuid::new_v4()));
        let a = SecretBox::load_or_create(&dir).unwrap();
        let b = SecretBox::load_or_create(&dir).unwrap();
        assert_eq!(b.open(&a.seal(b"x")).unwrap(), b"x");
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn concurrent_first_starts_agree_on_one_key() {
        let dir = std::env::temp_dir().join(format!("portcullis-seal-{}", uuid::Uuid::new_v4()));
        let boxes: Vec<SecretBox> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| SecretBox::load_or_create(&dir)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap().unwrap())
                .collect()
        });
        let sealed = boxes[0].seal(b"seed");
        for b in &boxes {
            assert_eq!(b.open(&sealed).unwrap(), b"seed");
        }
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            names,
            vec![std::ffi::OsString::from(KEY_FILE)],
            "no temporary file left"
        );
        std::fs::remove_dir_all(dir).ok();
    }
}
