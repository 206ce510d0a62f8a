//! Access tokens that carry their own record, so that nothing is stored per
//! issued token. A token is the [`AccessGrant`] sealed with AES-256-GCM-SIV
//! (RFC 8452) under `keys.dir/access-tokens.key`, a key every instance sharing
//! the folder (and Redis) shares; with the embedded store, under a random key
//! of the process, as the deny-list lives and dies with the process:
//!
//! ```text
//! base64url( version (1 byte) | nonce (12 bytes) | ciphertext | tag (16 bytes) )
//! ```
//!
//! The version byte is authenticated as associated data. The AEAD makes a token
//! unforgeable and its content unreadable without the key; the random nonce is the
//! token's id (`jti`). GCM-SIV rather than GCM because every token draws a random
//! nonce: a repeated 96-bit nonce would let GCM's authentication key be recovered,
//! while under GCM-SIV it only shows that two equal records are equal.
//!
//! Authorization codes are sealed the same way, with their expiry as content
//! and another first byte (`0x43`), so that a code of ours can be told from a
//! made-up one without a stored record ([`AccessTokens::new_code`]).
//!
//! Revocation is a deny-list in the store, kept until the tokens it names have
//! expired: `atrev:{jti}` for one token (RFC 7009), `atrev:{grant id}` for every
//! token of a grant (a refresh family revoked, a code replayed). A user's
//! tokens end with the user's session epoch (an administrator's reset or
//! sign-out), which the token carries and every use compares with the user.
//! Each of these is one write per revocation, never one per token.

use std::sync::Arc;
use std::time::Duration;

use aws_lc_rs::aead::{AES_256_GCM_SIV, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

use super::{ACCESS_TOKEN_TTL, AccessGrant};
use crate::auth::sealing::{SealError, load_or_create_key};
use crate::error::Failure;
use crate::secrets;
use crate::store::{Store, StoreError};

/// The key file in `keys.dir`.
pub const KEY_FILE: &str = "access-tokens.key";
const VERSION: u8 = 1;
/// The first byte of an authorization code ([`AccessTokens::new_code`]).
const CODE: u8 = 0x43;
const TAG_LEN: usize = 16;
/// Longer presented tokens are not ours and are not decoded at all.
pub const MAX_LEN: usize = 4096;
/// A grant's deny mark outlives the last token issued under it: a token issued
/// while the mark was being written still expires before the mark does.
const GRANT_MARK_TTL: Duration = Duration::from_secs(ACCESS_TOKEN_TTL.as_secs() + 60);

/// Seals and opens access tokens.
#[derive(Clone)]
pub struct AccessTokens {
    key: Arc<LessSafeKey>,
}

impl std::fmt::Debug for AccessTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessTokens(***)")
    }
}

/// A newly sealed token and its id.
pub struct Sealed {
    pub token: String,
    pub jti: String,
}

impl AccessTokens {
    pub fn from_key(key: &[u8; 32]) -> Result<Self, SealError> {
        let unbound = UnboundKey::new(&AES_256_GCM_SIV, key)
            .map_err(|_| SealError::Key(KEY_FILE.into(), "not an AES-256 key".into()))?;
        Ok(Self {
            key: Arc::new(LessSafeKey::new(unbound)),
        })
    }

    /// A random key of this process only: for the embedded store, whose
    /// deny-list does not outlive the process either.
    pub fn ephemeral() -> Result<Self, SealError> {
        let key: [u8; 32] = secrets::random_bytes(32)
            .try_into()
            .map_err(|_| SealError::Key(KEY_FILE.into(), "random key".into()))?;
        Self::from_key(&key)
    }

    /// Loads `dir/access-tokens.key`, creating it when absent.
    pub fn load_or_create(dir: &std::path::Path) -> Result<Self, SealError> {
        Self::from_key(&load_or_create_key(dir, KEY_FILE)?)
    }

    pub fn seal(&self, grant: &AccessGrant) -> Result<Sealed, Failure> {
        let body = serde_json::to_vec(grant)
            .map_err(|e| Failure::Internal(format!("access token: {e}")))?;
        let (token, nonce) = self.seal_bytes(VERSION, body)?;
        Ok(Sealed {
            token,
            jti: URL_SAFE_NO_PAD.encode(nonce),
        })
    }

    /// The record of a token sealed under this key, expired or not; None for
    /// anything else (another key, altered, truncated, not a token at all).
    pub fn open(&self, token: &str) -> Option<AccessGrant> {
        let (nonce, plain) = self.open_bytes(VERSION, token)?;
        let mut grant: AccessGrant = serde_json::from_slice(&plain).ok()?;
        grant.jti = URL_SAFE_NO_PAD.encode(nonce);
        Some(grant)
    }

    /// A new authorization code that proves its own issue, lifetime and
    /// client: its expiry (Unix seconds) and a digest of the client it is
    /// issued to, sealed under this key with a random nonce. Nobody without
    /// the key can make one, so a code of ours that is no longer in the store
    /// was redeemed: no mark per redeemed code needs to be kept.
    pub fn new_code(&self, expires_at: i64, client_id: &str) -> Result<String, Failure> {
        let mut body = expires_at.to_be_bytes().to_vec();
        body.extend_from_slice(&client_digest(client_id));
        Ok(self.seal_bytes(CODE, body)?.0)
    }

    /// What is sealed in a code made by [`Self::new_code`] under this key;
    /// None for anything else, an access token included. A code sealed
    /// before codes named their client (an expiry alone) names none.
    pub fn open_code(&self, code: &str) -> Option<SealedCode> {
        let (_, plain) = self.open_bytes(CODE, code)?;
        let (expiry, client) = plain.split_first_chunk::<8>()?;
        Some(SealedCode {
            expires_at: i64::from_be_bytes(*expiry),
            client: match client.len() {
                0 => None,
                _ => Some(client.try_into().ok()?),
            },
        })
    }

    /// `base64url(kind | nonce | ciphertext | tag)`, the kind byte
    /// authenticated as associated data; also the nonce.
    fn seal_bytes(
        &self,
        kind: u8,
        mut body: Vec<u8>,
    ) -> Result<(String, [u8; NONCE_LEN]), Failure> {
        let nonce: [u8; NONCE_LEN] = secrets::random_bytes(NONCE_LEN)
            .try_into()
            .map_err(|_| Failure::Internal("nonce length".into()))?;
        self.key
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from([kind]),
                &mut body,
            )
            .map_err(|_| Failure::Internal("a token could not be sealed".into()))?;
        let mut out = Vec::with_capacity(1 + NONCE_LEN + body.len());
        out.push(kind);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&body);
        Ok((URL_SAFE_NO_PAD.encode(&out), nonce))
    }

    /// The nonce and content of a value [`Self::seal_bytes`] sealed as `kind`.
    fn open_bytes(&self, kind: u8, token: &str) -> Option<([u8; NONCE_LEN], Vec<u8>)> {
        if token.len() > MAX_LEN {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(token).ok()?;
        if raw.len() < 1 + NONCE_LEN + TAG_LEN || raw[0] != kind {
            return None;
        }
        let nonce: [u8; NONCE_LEN] = raw[1..1 + NONCE_LEN].try_into().ok()?;
        let mut body = raw[1 + NONCE_LEN..].to_vec();
        let len = self
            .key
            .open_in_place(
                Nonce::assume_unique_for_key(nonce),
                Aad::from([kind]),
                &mut body,
            )
            .ok()?
            .len();
        body.truncate(len);
        Some((nonce, body))
    }
}

/// What a code of ours carries.
pub struct SealedCode {
    pub expires_at: i64,
    client: Option<[u8; DIGEST_LEN]>,
}

impl SealedCode {
    /// Whether the code was issued to `client_id` (a code that names no
    /// client, from before codes did, is not refused here: its grant's
    /// client is checked once redeemed).
    pub fn issued_to(&self, client_id: &str) -> bool {
        self.client.is_none_or(|c| c == client_digest(client_id))
    }
}

const DIGEST_LEN: usize = 16;

fn client_digest(client_id: &str) -> [u8; DIGEST_LEN] {
    tagged_digest(b"portcullis client of code\0", client_id)
}

/// The first 16 bytes of SHA-256 over `tag` then `input`: the tag keeps the
/// digests of different uses apart.
fn tagged_digest(tag: &[u8], input: &str) -> [u8; DIGEST_LEN] {
    let mut h = Sha256::new();
    h.update(tag);
    h.update(input.as_bytes());
    let mut out = [0; DIGEST_LEN];
    out.copy_from_slice(&h.finalize()[..DIGEST_LEN]);
    out
}

/// The id of the grant a code starts: every access token issued from the code,
/// and from the refresh family it starts, carries it. Derived from the code, so
/// that a replayed code names the grant to revoke without a stored list of what
/// it issued (RFC 6749 §4.1.2).
pub fn grant_id_of_code(code: &str) -> String {
    secrets::b64url(&tagged_digest(b"portcullis grant of code\0", code))
}

fn deny_key(id: &str) -> String {
    format!("atrev:{id}")
}

/// The store key of the deny-list's floor: the time (Unix seconds) from which
/// the store has kept every revocation.
const FLOOR_KEY: &str = "atrev:since";
/// The floor outlives every token by far; each instance keeps it for another
/// period when it starts ([`keep_floor`]). Should it ever lapse, a new floor is
/// drawn at that moment and the tokens issued before it are refused: clients
/// refresh them, and nothing revoked comes back.
const FLOOR_TTL: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// The deny-list's floor; draws it (now) when the store has none. A store that
/// lost its content (Redis restarted without persistence, flushed, failed over
/// to a replica without it) has lost the deny-list with it, and so the floor:
/// the new floor refuses every token issued before the loss, revoked or not,
/// instead of letting a revoked one count again.
pub async fn floor(store: &Store, now: i64) -> Result<i64, StoreError> {
    if let Some(t) = store.get_json::<i64>(FLOOR_KEY).await? {
        return Ok(t);
    }
    if store.put_new_json(FLOOR_KEY, &now, FLOOR_TTL).await? {
        return Ok(now);
    }
    // Another request drew it first.
    store.get_json::<i64>(FLOOR_KEY).await?.ok_or_else(|| {
        StoreError::Unavailable("the access-token deny-list's floor cannot be kept".into())
    })
}

/// At start: draws the floor when there is none, and keeps it for another
/// [`FLOOR_TTL`].
pub async fn keep_floor(store: &Store, now: i64) -> Result<(), StoreError> {
    let t = floor(store, now).await?;
    store.put_json(FLOOR_KEY, &t, FLOOR_TTL).await
}

/// Whether `grant` was revoked: issued before the deny-list's floor, or denied
/// by its own id or by its grant's.
pub async fn revoked(store: &Store, grant: &AccessGrant, now: i64) -> Result<bool, StoreError> {
    if grant.issued_at < floor(store, now).await? {
        return Ok(true);
    }
    if store.contains(&deny_key(&grant.jti)).await? {
        return Ok(true);
    }
    match &grant.grant_id {
        Some(g) => store.contains(&deny_key(g)).await,
        None => Ok(false),
    }
}

/// Revokes one token until it expires (RFC 7009).
pub async fn revoke_token(store: &Store, grant: &AccessGrant, now: i64) -> Result<(), StoreError> {
    let left = grant.expires_at.saturating_sub(now);
    if left <= 0 {
        return Ok(());
    }
    store
        .put_json(
            &deny_key(&grant.jti),
            &true,
            Duration::from_secs(left.unsigned_abs()),
        )
        .await
}

/// Revokes every access token issued under a grant (a refresh family, a code).
pub async fn revoke_grant(store: &Store, grant_id: &str) -> Result<(), StoreError> {
    store
        .put_json(&deny_key(grant_id), &true, GRANT_MARK_TTL)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> AccessGrant {
        AccessGrant {
            user_id: Some("u-1".into()),
            client_id: "c-1".into(),
            scopes: vec!["openid".into(), "profile".into()],
            acr: "mfa".into(),
            amr: vec!["pwd".into(), "otp".into(), "mfa".into()],
            auth_time: 10,
            issued_at: 20,
            expires_at: 3620,
            epoch: 3,
            userinfo_claims: vec!["email".into()],
            grant_id: Some("g-1".into()),
            jti: String::new(),
        }
    }

    #[test]
    fn a_sealed_token_opens_to_its_record_and_id() {
        let keys = AccessTokens::from_key(&[1; 32]).unwrap();
        let s = keys.seal(&grant()).unwrap();
        let opened = keys.open(&s.token).unwrap();
        assert_eq!(opened.jti, s.jti);
        assert_eq!(opened.user_id.as_deref(), Some("u-1"));
        assert_eq!(opened.amr, grant().amr);
        assert_eq!(opened.grant_id.as_deref(), Some("g-1"));
        assert_eq!((opened.epoch, opened.expires_at), (3, 3620));
        let other = keys.seal(&grant()).unwrap();
        assert_ne!(other.token, s.token, "a fresh nonce every time");
        assert_ne!(other.jti, s.jti);
    }

    #[test]
    fn nothing_else_opens() {
        let keys = AccessTokens::from_key(&[1; 32]).unwrap();
        let s = keys.seal(&grant()).unwrap();
        assert!(
            AccessTokens::from_key(&[2; 32])
                .unwrap()
                .open(&s.token)
                .is_none()
        );
        // Every single altered byte breaks the tag (or the version).
        let raw = URL_SAFE_NO_PAD.decode(&s.token).unwrap();
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x01;
            assert!(keys.open(&URL_SAFE_NO_PAD.encode(&bad)).is_none(), "{i}");
        }
        assert!(
            keys.open(&URL_SAFE_NO_PAD.encode(&raw[..raw.len() - 1]))
                .is_none()
        );
        for junk in ["", "x", "no-such-token", &"A".repeat(MAX_LEN + 1)] {
            assert!(keys.open(junk).is_none());
        }
    }

    #[test]
    fn a_code_carries_its_expiry_and_nothing_else_passes_for_one() {
        let keys = AccessTokens::from_key(&[1; 32]).unwrap();
        let code = keys.new_code(1_700_000_060, "app").unwrap();
        let sealed = keys.open_code(&code).unwrap();
        assert_eq!(sealed.expires_at, 1_700_000_060);
        assert!(sealed.issued_to("app"));
        assert!(!sealed.issued_to("other-app"));
        // Each code is new, though issued in the same second.
        assert_ne!(keys.new_code(1_700_000_060, "app").unwrap(), code);
        // Another key, an altered byte, an access token, an access token's
        // record as a code: none is a code of ours; a code is no access token.
        let other = AccessTokens::from_key(&[2; 32]).unwrap();
        assert!(other.open_code(&code).is_none());
        let raw = URL_SAFE_NO_PAD.decode(&code).unwrap();
        for i in 0..raw.len() {
            let mut bad = raw.clone();
            bad[i] ^= 0x01;
            assert!(
                keys.open_code(&URL_SAFE_NO_PAD.encode(&bad)).is_none(),
                "{i}"
            );
        }
        let token = keys.seal(&grant()).unwrap().token;
        assert!(keys.open_code(&token).is_none());
        assert!(keys.open(&code).is_none());
        for junk in [
            "",
            "x",
            &secrets::random_token(32),
            &"A".repeat(MAX_LEN + 1),
        ] {
            assert!(keys.open_code(junk).is_none());
        }
        // A code sealed before codes named their client still opens, for
        // whoever presents it; its grant's client is checked once redeemed.
        let (legacy, _) = keys
            .seal_bytes(CODE, 1_700_000_060_i64.to_be_bytes().to_vec())
            .unwrap();
        let sealed = keys.open_code(&legacy).unwrap();
        assert_eq!(sealed.expires_at, 1_700_000_060);
        assert!(sealed.issued_to("app") && sealed.issued_to("other-app"));
    }

    #[test]
    fn grant_ids_are_per_code() {
        assert_eq!(grant_id_of_code("abc"), grant_id_of_code("abc"));
        assert_ne!(grant_id_of_code("abc"), grant_id_of_code("abd"));
        assert_eq!(grant_id_of_code("abc").len(), 22);
    }
}
