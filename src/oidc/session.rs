//! Browser sessions, pending authorization requests and CSRF tokens in the
//! ephemeral store. Store keys hold digests of cookie values, never the values, so a
//! dump of Redis does not hand out live sessions.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::authorize::AuthRequest;
use crate::auth::stepup::Proof;
use crate::secrets;
use crate::store::{Store, StoreError};

pub const COOKIE: &str = "portcullis_session";
/// How long a user may take to finish one sign-in.
pub const PENDING_TTL: Duration = Duration::from_secs(15 * 60);
const CSRF_TTL: Duration = Duration::from_secs(30 * 60);
/// A session nobody has signed in to exists only to bind a form's CSRF token, so
/// it lives as long as that token, not `session.ttl`: anyone can make one by
/// loading a login page, and each is kept until it expires.
const ANONYMOUS_TTL: Duration = CSRF_TTL;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSession {
    /// Set once a password was verified.
    pub user_id: Option<String>,
    /// Public, stable identifier for the `sid` claim (OIDC Front-Channel Logout §2).
    pub sid: String,
    pub proofs: Vec<Proof>,
    pub created_ms: i64,
}

impl BrowserSession {
    pub fn anonymous(now_ms: i64) -> Self {
        Self {
            user_id: None,
            sid: secrets::random_token(16),
            proofs: Vec::new(),
            created_ms: now_ms,
        }
    }
}

#[derive(Clone)]
pub struct Sessions {
    store: Store,
    ttl: Duration,
}

#[derive(Serialize, Deserialize)]
struct CsrfBinding {
    session: String,
    purpose: String,
}

fn session_key(cookie: &str) -> String {
    format!("session:{}", secrets::digest(cookie))
}

impl Sessions {
    pub fn new(store: Store, ttl: Duration) -> Self {
        Self { store, ttl }
    }

    pub async fn load(&self, cookie: &str) -> Result<Option<BrowserSession>, StoreError> {
        if cookie.is_empty() || cookie.len() > 128 {
            return Ok(None);
        }
        self.store.get_json(&session_key(cookie)).await
    }

    pub async fn save(&self, cookie: &str, s: &BrowserSession) -> Result<(), StoreError> {
        let ttl = match s.user_id {
            Some(_) => self.ttl,
            None => ANONYMOUS_TTL.min(self.ttl),
        };
        self.store.put_json(&session_key(cookie), s, ttl).await
    }

    /// Stores `s` under a fresh cookie value and drops `old`: called whenever the
    /// authenticated identity changes, against session fixation.
    pub async fn rotate(
        &self,
        old: Option<&str>,
        s: &BrowserSession,
    ) -> Result<String, StoreError> {
        let cookie = secrets::random_token(32);
        self.save(&cookie, s).await?;
        if let Some(old) = old {
            self.store.delete(&session_key(old)).await?;
        }
        Ok(cookie)
    }

    pub async fn destroy(&self, cookie: &str) -> Result<(), StoreError> {
        self.store.delete(&session_key(cookie)).await
    }

    /// A single-use CSRF token bound to this browser session and one purpose
    /// (the pending request a form belongs to).
    pub async fn issue_csrf(&self, cookie: &str, purpose: &str) -> Result<String, StoreError> {
        let token = secrets::random_token(24);
        let binding = CsrfBinding {
            session: secrets::digest(cookie),
            purpose: purpose.to_owned(),
        };
        self.store
            .put_json(
                &format!("csrf:{}", secrets::digest(&token)),
                &binding,
                CSRF_TTL,
            )
            .await?;
        Ok(token)
    }

    /// Consumes the token; true only for the session and purpose it was issued for.
    pub async fn check_csrf(
        &self,
        token: &str,
        cookie: &str,
        purpose: &str,
    ) -> Result<bool, StoreError> {
        self.csrf_matches(token, cookie, purpose, true).await
    }

    /// Checks without consuming: for the JSON calls of one page (WebAuthn begin
    /// and finish), which share the page's token.
    pub async fn check_csrf_keep(
        &self,
        token: &str,
        cookie: &str,
        purpose: &str,
    ) -> Result<bool, StoreError> {
        self.csrf_matches(token, cookie, purpose, false).await
    }

    async fn csrf_matches(
        &self,
        token: &str,
        cookie: &str,
        purpose: &str,
        consume: bool,
    ) -> Result<bool, StoreError> {
        if token.is_empty() || token.len() > 128 {
            return Ok(false);
        }
        let key = format!("csrf:{}", secrets::digest(token));
        let binding: Option<CsrfBinding> = if consume {
            self.store.take_json(&key).await?
        } else {
            self.store.get_json(&key).await?
        };
        Ok(binding.is_some_and(|b| {
            secrets::ct_eq(&b.session, &secrets::digest(cookie)) && b.purpose == purpose
        }))
    }

    pub async fn put_pending(&self, req: &AuthRequest) -> Result<String, StoreError> {
        let id = secrets::random_token(24);
        self.store
            .put_json(&format!("authreq:{id}"), req, PENDING_TTL)
            .await?;
        Ok(id)
    }

    pub async fn pending(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        if id.is_empty() || id.len() > 64 {
            return Ok(None);
        }
        self.store.get_json(&format!("authreq:{id}")).await
    }

    /// Completes a pending request exactly once.
    pub async fn take_pending(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        self.store.take_json(&format!("authreq:{id}")).await
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
