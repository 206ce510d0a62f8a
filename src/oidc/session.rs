//! Browser sessions, pending authorization requests and CSRF tokens in the
//! ephemeral store. Store keys hold digests of cookie values, never the values, so a
//! dump of Redis does not hand out live sessions.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::authorize::AuthRequest;
use crate::auth::stepup::Proof;
use crate::secrets;
use crate::store::{Store, StoreError};

pub const COOKIE: &str = "portcullis_session";
/// Binds pending sign-ins to the browser that started them. Apart from the session
/// cookie, which is renewed at every sign-in and made only when a page needs one.
pub const BROWSER_COOKIE: &str = "portcullis_browser";
/// How long a user may take to finish one sign-in.
pub const PENDING_TTL: Duration = Duration::from_secs(15 * 60);
const CSRF_TTL: Duration = Duration::from_secs(30 * 60);

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrowserSession {
    /// Set once a password was verified.
    pub user_id: Option<String>,
    /// Public, stable identifier for the `sid` claim (OIDC Front-Channel Logout §2).
    pub sid: String,
    pub proofs: Vec<Proof>,
    pub created_ms: i64,
    /// The client address of the request that loaded this session, stamped on the
    /// proofs it adds (CONTRACT §6: the proving request's address counts). Never
    /// stored: None on a session read without one means "unknown".
    #[serde(skip)]
    pub from: Option<IpAddr>,
}

impl BrowserSession {
    pub fn anonymous(now_ms: i64) -> Self {
        Self {
            user_id: None,
            sid: secrets::random_token(16),
            proofs: Vec::new(),
            created_ms: now_ms,
            from: None,
        }
    }
}

#[derive(Clone)]
pub struct Sessions {
    store: Store,
    ttl: Duration,
}

/// A pending authorization request as stored.
#[derive(Serialize, Deserialize)]
struct PendingRecord {
    #[serde(flatten)]
    request: AuthRequest,
    /// Digest of the browser cookie of the browser that started it.
    #[serde(default)]
    browser: String,
}

pub enum Pending {
    Found(Box<AuthRequest>),
    /// Unknown, expired or completed.
    Missing,
    /// Started in another browser.
    OtherBrowser,
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
        self.store.put_json(&session_key(cookie), s, self.ttl).await
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

    /// Stores a request that needs the user, bound to the browser (its
    /// [`BROWSER_COOKIE`]) that started it.
    pub async fn put_pending(
        &self,
        req: &AuthRequest,
        browser: &str,
    ) -> Result<String, StoreError> {
        let id = secrets::random_token(24);
        let record = PendingRecord {
            request: req.clone(),
            browser: secrets::digest(browser),
        };
        self.store
            .put_json(&format!("authreq:{id}"), &record, PENDING_TTL)
            .await?;
        Ok(id)
    }

    /// The pending request `id`, if this browser started it. Someone who learned
    /// the URL (a shared screen, a leaked link) cannot use it from another browser.
    pub async fn pending(&self, id: &str, browser: Option<&str>) -> Result<Pending, StoreError> {
        if id.is_empty() || id.len() > 64 {
            return Ok(Pending::Missing);
        }
        let Some(record) = self
            .store
            .get_json::<PendingRecord>(&format!("authreq:{id}"))
            .await?
        else {
            return Ok(Pending::Missing);
        };
        let ours = browser.is_some_and(|b| {
            b.len() <= 128 && secrets::ct_eq(&record.browser, &secrets::digest(b))
        });
        // A record without a binding (written before bindings existed) is no one's.
        if !ours || record.browser.is_empty() {
            return Ok(Pending::OtherBrowser);
        }
        Ok(Pending::Found(Box::new(record.request)))
    }

    /// Completes a pending request exactly once.
    pub async fn take_pending(&self, id: &str) -> Result<Option<AuthRequest>, StoreError> {
        let record: Option<PendingRecord> = self.store.take_json(&format!("authreq:{id}")).await?;
        Ok(record.map(|r| r.request))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}
