//! Key publication over time, and the operator's view of the key folder
//! (`portcullis keys list`, `portcullis keys retire`).
//!
//! A key is superseded when a newer key of its algorithm exists; from then on it
//! no longer signs, but stays in the JWKS for the grace period, so that relying
//! parties can still verify the tokens it signed and caches can catch up. After
//! that it leaves the JWKS; its file stays until an operator retires it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use super::{KeyError, SigningAlg, list_pem, load_key, now_s};

/// When the key at `i` of `files` was superseded: the creation time of the next
/// newer key of the same algorithm.
pub(super) fn superseded_at(files: &[(SigningAlg, i64, PathBuf)], i: usize) -> Option<i64> {
    let (alg, created, _) = files.get(i)?;
    files
        .iter()
        .filter(|(a, c, _)| a == alg && c > created)
        .map(|(_, c, _)| *c)
        .min()
}

/// Whether a key is in the JWKS at `now`: the active key always, a superseded one
/// until its grace period has passed.
pub fn published(superseded: Option<i64>, now: i64, grace_s: i64) -> bool {
    superseded.is_none_or(|s| now < s.saturating_add(grace_s))
}

/// One key file, as `portcullis keys list` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct KeyInfo {
    pub kid: String,
    pub alg: SigningAlg,
    /// Unix seconds, from the file name.
    pub created: i64,
    /// Signs new tokens.
    pub active: bool,
    /// In the JWKS.
    pub published: bool,
    /// Unix seconds when it leaves the JWKS; None for the active key.
    pub unpublished_at: Option<i64>,
    pub file: String,
}

/// Every key in `dir`, oldest first.
pub fn list(dir: &Path, grace: Duration) -> Result<Vec<KeyInfo>, KeyError> {
    let grace_s = i64::try_from(grace.as_secs()).unwrap_or(i64::MAX);
    let now = now_s();
    let files = list_pem(dir)?;
    let mut out = Vec::with_capacity(files.len());
    for (i, (alg, created, path)) in files.iter().enumerate() {
        let superseded = superseded_at(&files, i);
        let (_, jwk) = load_key(*alg, path)?;
        out.push(KeyInfo {
            kid: jwk.common.key_id.unwrap_or_default(),
            alg: *alg,
            created: *created,
            active: superseded.is_none(),
            published: published(superseded, now, grace_s),
            unpublished_at: superseded.map(|s| s.saturating_add(grace_s)),
            file: path.display().to_string(),
        });
    }
    out.sort_by_key(|k| k.created);
    Ok(out)
}

/// Deletes the file of a superseded key. The active key of an algorithm cannot
/// be retired: rotate first. Running servers drop the key on their next reload.
pub fn retire(dir: &Path, kid: &str, grace: Duration) -> Result<KeyInfo, KeyError> {
    let key = list(dir, grace)?
        .into_iter()
        .find(|k| k.kid == kid)
        .ok_or_else(|| KeyError::UnknownKid(kid.to_owned()))?;
    if key.active {
        return Err(KeyError::Refused(format!(
            "key {kid} is the active {} key; run `portcullis keys rotate --alg {}` first",
            key.alg, key.alg
        )));
    }
    let path = PathBuf::from(&key.file);
    std::fs::remove_file(&path).map_err(|e| KeyError::Io(path, e))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn superseded_keys_stay_published_for_the_grace_period_only() {
        let files = vec![
            (SigningAlg::ES256, 100, PathBuf::from("es256-100.pem")),
            (SigningAlg::RS256, 150, PathBuf::from("rs256-150.pem")),
            (SigningAlg::ES256, 200, PathBuf::from("es256-200.pem")),
            (SigningAlg::ES256, 300, PathBuf::from("es256-300.pem")),
        ];
        assert_eq!(superseded_at(&files, 0), Some(200));
        assert_eq!(superseded_at(&files, 1), None);
        assert_eq!(superseded_at(&files, 2), Some(300));
        assert_eq!(superseded_at(&files, 3), None);
        assert!(published(Some(200), 249, 50));
        assert!(!published(Some(200), 250, 50));
        assert!(published(None, i64::MAX, 0));
        assert!(!published(Some(200), 200, 0));
    }
}
