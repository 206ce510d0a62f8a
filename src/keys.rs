//! Signing keys: PEM files in `keys.dir`, created when missing (mode 0600), published
//! as a JWKS whose `kid` is the RFC 7638 thumbprint. The newest key of each algorithm
//! signs; older ones stay in the JWKS for `keys.grace_period` after a newer key
//! superseded them, so tokens they signed still verify, and then leave it.
//! File names are `<alg>-<unix seconds>.pem`, so the CLI can add a key that a
//! running server picks up on its next reload.

mod lifecycle;
mod verify;

pub use lifecycle::{KeyInfo, list, published, retire};

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde::Serialize;
use sha2::{Digest, Sha256};

mod signer;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
pub enum SigningAlg {
    RS256,
    ES256,
}

impl SigningAlg {
    pub fn as_str(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "RS256",
            SigningAlg::ES256 => "ES256",
        }
    }
    fn jwt(self) -> Algorithm {
        match self {
            SigningAlg::RS256 => Algorithm::RS256,
            SigningAlg::ES256 => Algorithm::ES256,
        }
    }
    fn file_prefix(self) -> &'static str {
        match self {
            SigningAlg::RS256 => "rs256",
            SigningAlg::ES256 => "es256",
        }
    }
    pub const ALL: [SigningAlg; 2] = [SigningAlg::RS256, SigningAlg::ES256];
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SigningAlg {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "RS256" => Ok(SigningAlg::RS256),
            "ES256" => Ok(SigningAlg::ES256),
            other => Err(format!(
                "unsupported signing algorithm {other:?} (RS256 or ES256)"
            )),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key directory {0}: {1}")]
    Io(PathBuf, std::io::Error),
    #[error("key file {0}: {1}")]
    Bad(PathBuf, String),
    #[error("key generation failed")]
    Generate,
    #[error("no signing key for {0}")]
    Missing(SigningAlg),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error("no key with kid {0:?}")]
    UnknownKid(String),
    #[error("{0}")]
    Refused(String),
}

pub struct SigningKey {
    pub kid: String,
    pub alg: SigningAlg,
    pub created: i64,
    pair: signer::KeyPair,
}

/// The keys loaded from one directory at one moment: the active key of each
/// algorithm and the superseded ones still within their grace period.
pub struct KeySet {
    keys: Vec<SigningKey>,
    jwks: JwkSet,
    jwks_json: Arc<str>,
    /// The same JWKS as the response body: serialized once per key-set change,
    /// served by reference count.
    jwks_body: bytes::Bytes,
    listing: Vec<String>,
    /// When the next superseded key leaves the set (unix seconds).
    next_change: Option<i64>,
}

impl KeySet {
    /// The key that signs for `alg`: the newest one.
    pub fn active(&self, alg: SigningAlg) -> Option<&SigningKey> {
        self.keys
            .iter()
            .filter(|k| k.alg == alg)
            .max_by_key(|k| k.created)
    }

    pub fn jwks_json(&self) -> Arc<str> {
        self.jwks_json.clone()
    }

    /// The JWKS document as served, without a copy.
    pub fn jwks_body(&self) -> bytes::Bytes {
        self.jwks_body.clone()
    }

    pub fn keys(&self) -> &[SigningKey] {
        &self.keys
    }
}

/// Shared, reloadable key set.
#[derive(Clone)]
pub struct KeyRing {
    dir: PathBuf,
    grace_s: i64,
    current: Arc<RwLock<Arc<KeySet>>>,
    /// When a token naming an unknown `kid` last made us look at the folder (ms).
    last_look: Arc<std::sync::Mutex<i64>>,
}

/// The default of `keys.grace_period`: one day.
pub const DEFAULT_GRACE: Duration = Duration::from_secs(86_400);

impl KeyRing {
    /// Loads `dir`, creating it and one key per algorithm when missing.
    pub fn load_or_create(dir: &Path) -> Result<Self, KeyError> {
        Self::load_or_create_with_grace(dir, DEFAULT_GRACE)
    }

    /// As [`KeyRing::load_or_create`]; superseded keys stay published for `grace`.
    pub fn load_or_create_with_grace(dir: &Path, grace: Duration) -> Result<Self, KeyError> {
        ensure_dir(dir)?;
        for alg in SigningAlg::ALL {
            let has = list_pem(dir)?.iter().any(|(a, _, _)| *a == alg);
            if !has {
                generate(dir, alg)?;
            }
        }
        let grace_s = i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
        let set = load_dir(dir, now_s(), grace_s)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            grace_s,
            current: Arc::new(RwLock::new(Arc::new(set))),
            last_look: Arc::default(),
        })
    }

    pub fn current(&self) -> Arc<KeySet> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Re-reads the directory when its listing changed or a superseded key's grace
    /// period ended; cheap otherwise.
    pub fn reload_if_changed(&self) -> Result<bool, KeyError> {
        let names: Vec<String> = list_pem(&self.dir)?
            .into_iter()
            .map(|(_, _, p)| p.display().to_string())
            .collect();
        let now = now_s();
        let current = self.current();
        if names == current.listing && current.next_change.is_none_or(|t| now < t) {
            return Ok(false);
        }
        let set = load_dir(&self.dir, now, self.grace_s)?;
        match self.current.write() {
            Ok(mut g) => *g = Arc::new(set),
            Err(p) => *p.into_inner() = Arc::new(set),
        }
        Ok(true)
    }

    /// Signs `claims` as a JWT with the active key for `alg`.
    pub fn sign<T: Serialize>(&self, alg: SigningAlg, claims: &T) -> Result<String, KeyError> {
        self.sign_typed(alg, None, claims)
    }

    /// Signs with an explicit `typ` header (e.g. `logout+jwt`, so that one kind
    /// of token can never pass for another).
    pub fn sign_typed<T: Serialize>(
        &self,
        alg: SigningAlg,
        typ: Option<&str>,
        claims: &T,
    ) -> Result<String, KeyError> {
        let set = self.current();
        let key = set.active(alg).ok_or(KeyError::Missing(alg))?;
        let mut header = Header::new(alg.jwt());
        header.kid = Some(key.kid.clone());
        if let Some(t) = typ {
            header.typ = Some(t.to_owned());
        }
        signer::compact(&header, claims, &key.pair).map_err(KeyError::Sign)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// [`KeyRing::sign`] on a signing thread, for a signature slow enough to
    /// hold up the async workers (RS256: about 0.4 ms). There is one such
    /// thread per core. Handed to tokio's blocking pool instead, a burst of
    /// token requests on one core started a thread for each one waiting (28
    /// under 32 browsers), each keeping its own stack, allocator cache and
    /// C-library arena: 5 MB of resident memory that signed nothing faster,
    /// as the cores sign one at a time anyway.
    pub async fn sign_blocking<T: Serialize + Send + 'static>(
        &self,
        alg: SigningAlg,
        claims: T,
    ) -> Result<String, KeyError> {
        let keys = self.clone();
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: SigningJob = Box::new(move || {
            let _ = reply.send(keys.sign(alg, &claims));
        });
        match signing_threads() {
            Some(threads) => {
                if let Err(refused) = threads.send(job) {
                    // Unreachable while the threads live; sign here rather than fail.
                    (refused.0)();
                }
            }
            None => job(),
        }
        answer
            .await
            .map_err(|_| KeyError::Sign("the signing thread stopped".into()))?
    }
}

type SigningJob = Box<dyn FnOnce() + Send>;

/// The queue of the signing threads, started at the first slow signature;
/// None when no thread could be started (the caller then signs itself).
fn signing_threads() -> Option<&'static std::sync::mpsc::Sender<SigningJob>> {
    static QUEUE: std::sync::OnceLock<Option<std::sync::mpsc::Sender<SigningJob>>> =
        std::sync::OnceLock::new();
    QUEUE
        .get_or_init(|| {
            let (queue, jobs) = std::sync::mpsc::channel::<SigningJob>();
            let jobs = Arc::new(std::sync::Mutex::new(jobs));
            let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
            let mut started = 0;
            for i in 0..cores {
                let jobs = jobs.clone();
                let spawned = std::thread::Builder::new()
                    .name(format!("signing-{i}"))
                    .spawn(move || {
                        loop {
                            let job = match jobs.lock() {
                                Ok(jobs) => jobs.recv(),
                                Err(_) => return,
                            };
                            match job {
                                Ok(job) => job(),
                                Err(_) => return,
                            }
                        }
                    });
                match spawned {
                    Ok(_) => started += 1,
                    Err(e) => tracing::warn!("cannot start a signing thread: {e}"),
                }
            }
            (started > 0).then_some(queue)
        })
        .as_ref()
}

/// Adds a new key for `alg` to `dir`; it signs from the next (re)load on.
pub fn rotate(dir: &Path, alg: SigningAlg) -> Result<PathBuf, KeyError> {
    ensure_dir(dir)?;
    generate(dir, alg)
}

/// `at_hash` / `c_hash` (OIDC Core §3.1.3.6): left half of SHA-256, base64url.
/// Both RS256 and ES256 use SHA-256.
pub fn half_hash(value: &str) -> String {
    let d = Sha256::digest(value.as_bytes());
    crate::secrets::b64url(&d[..16])
}

fn ensure_dir(dir: &Path) -> Result<(), KeyError> {
    std::fs::create_dir_all(dir).map_err(|e| KeyError::Io(dir.to_path_buf(), e))
}

fn list_pem(dir: &Path) -> Result<Vec<(SigningAlg, i64, PathBuf)>, KeyError> {
    let rd = std::fs::read_dir(dir).map_err(|e| KeyError::Io(dir.to_path_buf(), e))?;
    let mut out = Vec::new();
    for entry in rd.flatten() {
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stem) = name.strip_suffix(".pem") else {
            continue;
        };
        let Some((prefix, ts)) = stem.split_once('-') else {
            continue;
        };
        let alg = match prefix {
            "rs256" => SigningAlg::RS256,
            "es256" => SigningAlg::ES256,
            _ => continue,
        };
        let Ok(created) = ts.parse::<i64>() else {
            continue;
        };
        out.push((alg, created, path));
    }
    out.sort_by(|a, b| a.2.cmp(&b.2));
    Ok(out)
}

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Reads one key file: its signing key and its public JWK (`kid`, `use`, `alg` set).
fn load_key(alg: SigningAlg, path: &Path) -> Result<(EncodingKey, Jwk), KeyError> {
    let bad = |e: jsonwebtoken::errors::Error| KeyError::Bad(path.to_path_buf(), e.to_string());
    let pem = std::fs::read(path).map_err(|e| KeyError::Io(path.to_path_buf(), e))?;
    let encoding = match alg {
        SigningAlg::ES256 => EncodingKey::from_ec_pem(&pem),
        SigningAlg::RS256 => EncodingKey::from_rsa_pem(&pem),
    }
    .map_err(bad)?;
    let mut jwk = Jwk::from_encoding_key(&encoding, alg.jwt()).map_err(bad)?;
    let kid = jwk.thumbprint(ThumbprintHash::SHA256).map_err(bad)?;
    jwk.common.key_id = Some(kid);
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    jwk.common.key_algorithm = Some(match alg {
        SigningAlg::RS256 => KeyAlgorithm::RS256,
        SigningAlg::ES256 => KeyAlgorithm::ES256,
    });
    Ok((encoding, jwk))
}

/// Loads the keys of `dir` that are published at `now`: superseded keys past
/// their grace period are left out of the set and the JWKS.
fn load_dir(dir: &Path, now: i64, grace_s: i64) -> Result<KeySet, KeyError> {
    let mut keys = Vec::new();
    let mut jwks = Vec::new();
    let mut next_change: Option<i64> = None;
    let files = list_pem(dir)?;
    for (i, (alg, created, path)) in files.iter().enumerate() {
        let superseded = lifecycle::superseded_at(&files, i);
        if !published(superseded, now, grace_s) {
            continue;
        }
        if let Some(s) = superseded {
            let leaves = s.saturating_add(grace_s);
            next_change = Some(next_change.map_or(leaves, |t| t.min(leaves)));
        }
        let (encoding, jwk) = load_key(*alg, path)?;
        let pair = signer::KeyPair::from_der(*alg, encoding.as_bytes())
            .map_err(|e| KeyError::Bad(path.clone(), e))?;
        keys.push(SigningKey {
            kid: jwk.common.key_id.clone().unwrap_or_default(),
            alg: *alg,
            created: *created,
            pair,
        });
        jwks.push(jwk);
    }
    let jwks = JwkSet { keys: jwks };
    let serialized = serde_json::to_string(&jwks)
        .map_err(|e| KeyError::Bad(dir.to_path_buf(), e.to_string()))?;
    let jwks_body = bytes::Bytes::from(serialized.clone().into_bytes());
    let jwks_json: Arc<str> = serialized.into();
    let listing = files
        .into_iter()
        .map(|(_, _, p)| p.display().to_string())
        .collect();
    Ok(KeySet {
        keys,
        jwks,
        jwks_json,
        jwks_body,
        listing,
        next_change,
    })
}

fn generate(dir: &Path, alg: SigningAlg) -> Result<PathBuf, KeyError> {
    use aws_lc_rs::encoding::AsDer;
    let der: Vec<u8> = match alg {
        SigningAlg::ES256 => aws_lc_rs::signature::EcdsaKeyPair::generate(
            &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        )
        .and_then(|k| k.to_pkcs8v1())
        .map_err(|_| KeyError::Generate)?
        .as_ref()
        .to_vec(),
        SigningAlg::RS256 => aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048)
            .map_err(|_| KeyError::Generate)?
            .as_der()
            .map_err(|_| KeyError::Generate)?
            .as_ref()
            .to_vec(),
    };
    let mut created = chrono::Utc::now().timestamp();
    let mut path = dir.join(format!("{}-{created}.pem", alg.file_prefix()));
    while path.exists() {
        created += 1;
        path = dir.join(format!("{}-{created}.pem", alg.file_prefix()));
    }
    let pem = pem_encode("PRIVATE KEY", &der);
    write_private(&path, pem.as_bytes())?;
    Ok(path)
}

fn pem_encode(label: &str, der: &[u8]) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// Writes a private key readable by its owner only; written to a temporary name
/// first so a concurrent reload never sees half a key.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), KeyError> {
    use std::io::Write;
    let tmp = path.with_extension("pem.tmp");
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(&tmp).map_err(|e| KeyError::Io(tmp.clone(), e))?;
    f.write_all(bytes)
        .map_err(|e| KeyError::Io(tmp.clone(), e))?;
    f.sync_all().map_err(|e| KeyError::Io(tmp.clone(), e))?;
    std::fs::rename(&tmp, path).map_err(|e| KeyError::Io(path.to_path_buf(), e))
}

#[cfg(test)]
mod tests;
