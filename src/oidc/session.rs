//! Browser sessions, pending authorization requests and CSRF tokens in the
//! ephemeral store. Store keys hold digests of cookie values, never the values, so a
//! dump of Redis does not hand out live sessions.
//!
//! Each signed-in session is also listed in its user's session index (a store
//! index, see [`crate::store::Backend::index_add`]), tagged with its `sid`, so
//! that all of a user's sessions can be listed and ended together, or one of
//! them alone. A session is renewed only while its tag is still listed: one
//! ended meanwhile stays ended.
//! What makes an administrator's "end everything" certain, whichever store and
//! instance, is the user's session epoch in the database (checked wherever the
//! session's user is read, see [`BrowserSession::belongs_to`]); the index only
//! removes what the epoch already outdated.

use std::net::IpAddr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::auth::stepup::Proof;
use crate::db::users::User;
use crate::login::PendingLogin;
use crate::secrets;
use crate::store::{Store, StoreError};

pub const COOKIE: &str = "portcullis_session";
/// Binds pending sign-ins to the browser that started them. Apart from the session
/// cookie, which is renewed at every sign-in and made only when a page needs one.
pub const BROWSER_COOKIE: &str = "portcullis_browser";
/// How long a user may take to finish one sign-in.
pub const PENDING_TTL: Duration = Duration::from_secs(15 * 60);
const CSRF_TTL: Duration = Duration::from_secs(30 * 60);
/// How long a cookie replaced by [`Sessions::rotate`] is remembered as renewed.
/// A browser's other tabs may have sent it before the answer carrying its
/// successor arrived; those requests are answered as signed out, but without a
/// new cookie that would overwrite the successor. Long enough for a slow answer
/// to land, short enough that a stale cookie soon counts as unknown again.
pub const RENEWED_TTL: Duration = Duration::from_secs(60);
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
    /// The user's session epoch at sign-in (see [`BrowserSession::belongs_to`]).
    #[serde(default)]
    pub epoch: i64,
    /// Listed in the user's session index under `sid`.
    #[serde(default)]
    pub indexed: bool,
    /// The upstream identity provider this session signed in through.
    #[serde(default)]
    pub upstream: Option<String>,
    /// The client address of the request that loaded this session, stamped on the
    /// proofs it adds (the proving request's address counts). Never
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
            epoch: 0,
            indexed: false,
            upstream: None,
            from: None,
        }
    }

    /// Whether this session is signed in as `user` and still counts: an
    /// administrator's password set, MFA reset, disable or sign-out moves the
    /// user to a new epoch, and every session of an older one is over.
    pub fn belongs_to(&self, user: &User) -> bool {
        self.user_id.as_deref() == Some(user.id.as_str())
            && self.epoch == user.session_epoch
            && user.active
    }
}

/// A signed-in browser session as its user may see it (an account page).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserSession {
    pub sid: String,
    pub created_ms: i64,
    pub proofs: Vec<Proof>,
    /// Compare with the user's epoch: a session of an older one no longer counts.
    pub epoch: i64,
}

/// The store index of one user's sessions (browser and admin console).
pub fn user_index(user_id: &str) -> String {
    format!("usersessions:{user_id}")
}

/// The tag of a browser session's keys in its user's index.
fn browser_tag(sid: &str) -> String {
    format!("browser:{sid}")
}

#[derive(Clone)]
pub struct Sessions {
    store: Store,
    ttl: Duration,
}

/// A pending login as stored.
#[derive(Serialize, Deserialize)]
struct PendingRecord {
    login: PendingLogin,
    /// Digest of the browser cookie of the browser that started it.
    #[serde(default)]
    browser: String,
}

pub enum Pending {
    Found(Box<PendingLogin>),
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

/// The most browser sessions one user keeps signed in: a sign-in beyond it
/// ends others (see [`Sessions::end_beyond_cap`]). Without a bound, one password could fill the store with
/// sessions at the speed of its hash.
pub const MAX_SESSIONS_PER_USER: usize = 100;

/// How many form tokens a signed-in user gets outside the anonymous share of
/// the store in each [`CSRF_TTL`], over all of the user's sessions: far more
/// than anyone opens pages, so a flood of anonymous requests never keeps a
/// signed-in user from a form, and few enough that neither reloading a page
/// nor signing in again and again can fill the store. Beyond it a user's
/// tokens come from the anonymous share, as everyone else's do.
const CSRF_PER_USER: u64 = 256;

/// A new key prefix for the protocol-neutral record: a request stored in the
/// older shape is simply not found (it expires within [`PENDING_TTL`]).
fn pending_key(id: &str) -> String {
    format!("login:{id}")
}

fn session_key(cookie: &str) -> String {
    format!("session:{}", secrets::digest(cookie))
}

/// The tombstone of a renewed cookie: a marker only. It holds no session data
/// and does not name the successor, so an old cookie (stolen, or left in a
/// stale tab) leads nowhere.
fn renewed_key(cookie: &str) -> String {
    format!("renewed:{}", secrets::digest(cookie))
}

/// What a session cookie, as a browser sent it, names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Live(BrowserSession),
    /// Replaced moments ago by [`Sessions::rotate`]: the browser most likely
    /// holds the successor already. Signed out for this request, but the cookie
    /// is kept (forms bind to it) rather than replaced by a new one.
    Renewed,
    /// Never issued, expired, ended or signed out.
    Unknown,
}

impl Lookup {
    pub fn live(self) -> Option<BrowserSession> {
        match self {
            Lookup::Live(s) => Some(s),
            Lookup::Renewed | Lookup::Unknown => None,
        }
    }
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

    /// Whether the browser session of `cookie` is still the one with `sid`,
    /// signed in as `user_id`: what a page session made in it (the account
    /// page, the admin console) lives by.
    pub async fn still_holds(
        &self,
        cookie: Option<&str>,
        sid: &str,
        user_id: &str,
    ) -> Result<bool, StoreError> {
        let Some(cookie) = cookie else {
            return Ok(false);
        };
        Ok(self
            .load(cookie)
            .await?
            .is_some_and(|b| b.sid == sid && b.user_id.as_deref() == Some(user_id)))
    }

    /// [`Self::load`], telling a cookie renewed moments ago from an unknown one
    /// (a second read, only when no session is stored).
    pub async fn lookup(&self, cookie: &str) -> Result<Lookup, StoreError> {
        if let Some(s) = self.load(cookie).await? {
            return Ok(Lookup::Live(s));
        }
        if cookie.is_empty() || cookie.len() > 128 {
            return Ok(Lookup::Unknown);
        }
        let renewed = self.store.get_json::<u8>(&renewed_key(cookie)).await?;
        Ok(match renewed {
            Some(_) => Lookup::Renewed,
            None => Lookup::Unknown,
        })
    }

    /// The cookie this request's forms bind their CSRF tokens to: the one the
    /// browser sent when it names a stored session or one renewed moments ago;
    /// None when a new session must be made.
    pub fn form_cookie(cookie: Option<&str>, found: &Lookup) -> Option<String> {
        match found {
            Lookup::Live(_) | Lookup::Renewed => cookie.map(str::to_owned),
            Lookup::Unknown => None,
        }
    }

    pub async fn save(&self, cookie: &str, s: &BrowserSession) -> Result<(), StoreError> {
        let ttl = match s.user_id {
            Some(_) => self.ttl,
            None => ANONYMOUS_TTL.min(self.ttl),
        };
        match s.user_id {
            Some(_) => self.store.put_json(&session_key(cookie), s, ttl).await,
            None => {
                self.store
                    .put_json_anonymous(&session_key(cookie), s, ttl)
                    .await
            }
        }
    }

    /// Writes back a signed-in session this request loaded and changed, only
    /// if it is still there: one ended meanwhile (a logout in another tab, an
    /// administrator) stays ended. False when there was none to write.
    pub async fn update(&self, cookie: &str, s: &BrowserSession) -> Result<bool, StoreError> {
        self.store
            .replace_json(&session_key(cookie), s, self.ttl)
            .await
    }

    /// Stores `s` under a fresh cookie value and drops `old`: called whenever the
    /// authenticated identity changes, against session fixation. A signed-in
    /// session is listed in its user's index; if it was ended while this request
    /// ran (its tag is no longer listed), the new one is dropped at once and the
    /// cookie returned leads to a fresh sign-in. Two renewals of one session at
    /// once (two tabs) both stay listed. `old` is left as a tombstone for
    /// [`RENEWED_TTL`] (see [`Lookup::Renewed`]).
    pub async fn rotate(
        &self,
        old: Option<&str>,
        s: &BrowserSession,
    ) -> Result<String, StoreError> {
        let cookie = secrets::random_token(32);
        match s.user_id.as_deref() {
            None => self.save(&cookie, s).await?,
            Some(user_id) => {
                let stored = BrowserSession {
                    indexed: true,
                    ..s.clone()
                };
                self.save(&cookie, &stored).await?;
                let renewal = s.indexed && old.is_some();
                let listed = self
                    .store
                    .index_add(
                        &user_index(user_id),
                        &session_key(&cookie),
                        &browser_tag(&s.sid),
                        renewal,
                        self.ttl,
                    )
                    .await?;
                if !listed {
                    self.store.delete(&session_key(&cookie)).await?;
                    tracing::info!("a session ended while it was renewed stays ended");
                } else if !renewal {
                    self.end_beyond_cap(user_id, &s.sid).await?;
                }
            }
        }
        if let Some(old) = old {
            // The tombstone first: at every moment the old cookie names either
            // its session or the tombstone, so no request of another tab finds
            // neither and hands the browser a new cookie over the renewed one.
            if !old.is_empty() && old.len() <= 128 {
                self.store
                    .put_json(&renewed_key(old), &1u8, RENEWED_TTL)
                    .await?;
            }
            self.store.delete(&session_key(old)).await?;
        }
        Ok(cookie)
    }

    /// A session to bind CSRF tokens to: `live` (the cookie of a session this
    /// request has loaded, or of one renewed moments ago: see
    /// [`Self::form_cookie`]), else a new anonymous one. Returns its cookie and
    /// whether it is new (the browser must be sent it).
    pub async fn ensure(&self, live: Option<String>) -> Result<(String, bool), StoreError> {
        match live {
            Some(c) => Ok((c, false)),
            None => {
                let now = chrono::Utc::now().timestamp_millis();
                let cookie = self.rotate(None, &BrowserSession::anonymous(now)).await?;
                Ok((cookie, true))
            }
        }
    }

    /// [`Self::ensure`] for a cookie as the browser sent it: kept when its
    /// session is still stored, or was renewed moments ago (the browser's
    /// newer cookie must not be overwritten).
    pub async fn ensure_live(&self, cookie: Option<String>) -> Result<(String, bool), StoreError> {
        let found = match &cookie {
            Some(c) => self.lookup(c).await?,
            None => Lookup::Unknown,
        };
        self.ensure(Self::form_cookie(cookie.as_deref(), &found))
            .await
    }

    /// Lists another session-like key of `user_id` (an admin console session) in
    /// the user's index under `tag`, so that ending the user's sessions ends it too.
    pub async fn track(
        &self,
        user_id: &str,
        key: &str,
        tag: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.store
            .index_add(&user_index(user_id), key, tag, false, ttl)
            .await
    }

    /// The user's signed-in browser sessions.
    pub async fn list_for_user(&self, user_id: &str) -> Result<Vec<UserSession>, StoreError> {
        let mut out = Vec::new();
        for (key, tag) in self.store.index_entries(&user_index(user_id)).await? {
            if !tag.starts_with("browser:") {
                continue;
            }
            if let Some(s) = self.store.get_json::<BrowserSession>(&key).await?
                && s.user_id.as_deref() == Some(user_id)
            {
                out.push(UserSession {
                    sid: s.sid,
                    created_ms: s.created_ms,
                    proofs: s.proofs,
                    epoch: s.epoch,
                });
            }
        }
        // Two tabs renewing one session at once leave two keys of one sid.
        out.sort_by(|a, b| a.sid.cmp(&b.sid));
        out.dedup_by(|a, b| a.sid == b.sid);
        out.sort_by_key(|s| s.created_ms);
        Ok(out)
    }

    /// Ends the user's sessions beyond [`MAX_SESSIONS_PER_USER`], never `kept`
    /// (the one just signed in): those with the fewest proofs first, the
    /// oldest of them first. Someone who has only the password and signs in
    /// again and again ends their own password-only sessions, not the owner's
    /// sessions that passed a second factor. Counting is one read of the
    /// user's index; the sessions are read only when there are too many.
    async fn end_beyond_cap(&self, user_id: &str, kept: &str) -> Result<(), StoreError> {
        let entries = self.store.index_entries(&user_index(user_id)).await?;
        let browsers: std::collections::HashSet<&str> = entries
            .iter()
            .filter_map(|(_, tag)| tag.strip_prefix("browser:"))
            .collect();
        if browsers.len() <= MAX_SESSIONS_PER_USER {
            return Ok(());
        }
        let mut listed = self.list_for_user(user_id).await?;
        listed.sort_by_key(|s| (s.proofs.len(), s.created_ms));
        let beyond = listed.len().saturating_sub(MAX_SESSIONS_PER_USER);
        for old in listed.iter().filter(|s| s.sid != kept).take(beyond) {
            self.end_one(user_id, &old.sid).await?;
        }
        if beyond > 0 {
            tracing::info!(
                ended = beyond,
                "a sign-in ended the user's weakest, oldest browser sessions"
            );
        }
        Ok(())
    }

    /// Ends one browser session of the user (by its public `sid`); false when
    /// there was none.
    pub async fn end_one(&self, user_id: &str, sid: &str) -> Result<bool, StoreError> {
        let ended = self
            .store
            .index_remove_tag(&user_index(user_id), &browser_tag(sid))
            .await?;
        Ok(ended > 0)
    }

    /// Ends every session of the user that this store holds; returns how many.
    pub async fn end_all(&self, user_id: &str) -> Result<u64, StoreError> {
        self.store.index_clear(&user_index(user_id)).await
    }

    pub async fn destroy(&self, cookie: &str) -> Result<(), StoreError> {
        self.store.delete(&session_key(cookie)).await
    }

    /// A single-use CSRF token bound to this browser session and one purpose
    /// (the pending request a form belongs to). A signed-in user's come from
    /// the user's own budget first ([`Self::issue_csrf_signed_in`]).
    pub async fn issue_csrf(&self, cookie: &str, purpose: &str) -> Result<String, StoreError> {
        let user = self.load(cookie).await?.and_then(|s| s.user_id);
        self.issue_csrf_as(cookie, purpose, user.as_deref()).await
    }

    /// [`Self::issue_csrf`] for the session [`Self::ensure`] or
    /// [`Self::ensure_live`] gave. One it made (`new`) is anonymous, so its
    /// token is issued without reading the session back: a round trip to
    /// the store fewer for every first visit to a form.
    pub async fn issue_csrf_ensured(
        &self,
        (cookie, new): (&str, bool),
        purpose: &str,
    ) -> Result<String, StoreError> {
        if new {
            self.issue_csrf_as(cookie, purpose, None).await
        } else {
            self.issue_csrf(cookie, purpose).await
        }
    }

    /// [`Self::issue_csrf`] for a cookie of `user_id`'s that is not a browser
    /// session (an account page session): within [`CSRF_PER_USER`] tokens
    /// per [`CSRF_TTL`] it is stored outside the anonymous share.
    pub async fn issue_csrf_signed_in(
        &self,
        cookie: &str,
        purpose: &str,
        user_id: &str,
    ) -> Result<String, StoreError> {
        self.issue_csrf_as(cookie, purpose, Some(user_id)).await
    }

    async fn issue_csrf_as(
        &self,
        cookie: &str,
        purpose: &str,
        user_id: Option<&str>,
    ) -> Result<String, StoreError> {
        let own = match user_id {
            Some(user) => {
                let issued = self
                    .store
                    .incr(&format!("csrf-n:{}", secrets::digest(user)), CSRF_TTL)
                    .await?;
                issued <= CSRF_PER_USER
            }
            None => false,
        };
        let token = secrets::random_token(24);
        let key = format!("csrf:{}", secrets::digest(&token));
        let binding = CsrfBinding {
            session: secrets::digest(cookie),
            purpose: purpose.to_owned(),
        };
        if own {
            self.store.put_json(&key, &binding, CSRF_TTL).await?;
        } else {
            self.store
                .put_json_anonymous(&key, &binding, CSRF_TTL)
                .await?;
        }
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

    /// Stores a login that needs the user, bound to the browser (its
    /// [`BROWSER_COOKIE`]) that started it.
    pub async fn put_pending(
        &self,
        login: &PendingLogin,
        browser: &str,
    ) -> Result<String, StoreError> {
        let id = secrets::random_token(24);
        let record = PendingRecord {
            login: login.clone(),
            browser: secrets::digest(browser),
        };
        self.store
            .put_json_anonymous(&pending_key(&id), &record, PENDING_TTL)
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
            .get_json::<PendingRecord>(&pending_key(id))
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
        Ok(Pending::Found(Box::new(record.login)))
    }

    /// Completes a pending login exactly once.
    pub async fn take_pending(&self, id: &str) -> Result<Option<PendingLogin>, StoreError> {
        let record: Option<PendingRecord> = self.store.take_json(&pending_key(id)).await?;
        Ok(record.map(|r| r.login))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::stepup::Factor;

    const MINUTE: Duration = Duration::from_secs(60);

    async fn signed_in(sessions: &Sessions) -> String {
        let mut s = BrowserSession::anonymous(1);
        s.user_id = Some("alice".into());
        sessions.rotate(None, &s).await.unwrap()
    }

    /// A store small enough for a test to fill its anonymous share.
    fn small_store() -> Store {
        Store::memory_with(crate::store::MemoryLimits {
            max_entries: 2000,
            max_bytes: 8 << 20,
        })
    }

    /// Fills the anonymous share, as a flood of anonymous visitors would.
    async fn flood_anonymous_share(store: &Store) {
        let mut i = 0;
        while store
            .put_json_anonymous(&format!("flood:{i}"), &1u8, MINUTE)
            .await
            .is_ok()
        {
            i += 1;
        }
    }

    #[tokio::test]
    async fn a_form_token_for_an_ensured_session_is_bound_to_it() {
        let store = small_store();
        let sessions = Sessions::new(store.clone(), MINUTE);
        let (fresh, new) = sessions.ensure(None).await.unwrap();
        assert!(new);
        let (other, _) = sessions.ensure(None).await.unwrap();
        // Each check spends its token, matched or not.
        for (cookie, purpose, matches) in [
            (&other, "login", false),
            (&fresh, "page", false),
            (&fresh, "login", true),
        ] {
            let token = sessions
                .issue_csrf_ensured((&fresh, new), "login")
                .await
                .unwrap();
            let checked = sessions.check_csrf(&token, cookie, purpose).await;
            assert_eq!(checked.unwrap(), matches, "{purpose}");
        }
        // A session the request had already is read for its user: a signed-in
        // one keeps its own budget when a flood fills the anonymous share.
        let cookie = signed_in(&sessions).await;
        flood_anonymous_share(&store).await;
        assert!(
            sessions
                .issue_csrf_ensured((&fresh, true), "login")
                .await
                .is_err()
        );
        let token = sessions
            .issue_csrf_ensured((&cookie, false), "page")
            .await
            .unwrap();
        assert!(sessions.check_csrf(&token, &cookie, "page").await.unwrap());
    }

    #[tokio::test]
    async fn a_signed_in_sessions_form_tokens_do_not_need_the_anonymous_share() {
        let store = small_store();
        let sessions = Sessions::new(store.clone(), MINUTE);
        let cookie = signed_in(&sessions).await;
        let other = signed_in(&sessions).await;
        let (anonymous, _) = sessions.ensure_live(None).await.unwrap();
        // A flood fills the anonymous share.
        flood_anonymous_share(&store).await;
        assert!(sessions.issue_csrf(&anonymous, "login").await.is_err());
        // The signed-in session still gets its forms, bound as before.
        let token = sessions.issue_csrf(&cookie, "page").await.unwrap();
        assert!(!sessions.check_csrf(&token, &other, "page").await.unwrap());
        assert!(!sessions.check_csrf(&token, &cookie, "other").await.unwrap());
        let token = sessions.issue_csrf(&cookie, "page").await.unwrap();
        assert!(
            sessions
                .check_csrf_keep(&token, &cookie, "page")
                .await
                .unwrap()
        );
        let (a, b) = tokio::join!(
            sessions.check_csrf(&token, &cookie, "page"),
            sessions.check_csrf(&token, &cookie, "page")
        );
        assert!(a.unwrap() ^ b.unwrap(), "single use");
        // Within the user's budget only, over all of the user's sessions:
        // neither reloading a page nor signing in again fills the store.
        for _ in 3..CSRF_PER_USER {
            sessions.issue_csrf(&cookie, "page").await.unwrap();
        }
        assert!(sessions.issue_csrf(&other, "page").await.is_ok());
        assert!(sessions.issue_csrf(&cookie, "page").await.is_err());
        assert!(sessions.issue_csrf(&other, "page").await.is_err());
        let bob = {
            let mut s = BrowserSession::anonymous(1);
            s.user_id = Some("bob".into());
            sessions.rotate(None, &s).await.unwrap()
        };
        assert!(sessions.issue_csrf(&bob, "page").await.is_ok());
    }

    #[tokio::test]
    async fn a_sign_in_beyond_the_cap_ends_the_oldest_sessions() {
        let sessions = Sessions::new(Store::memory(), MINUTE);
        // The owner's session, the oldest of all, passed a second factor.
        let mut owner = BrowserSession::anonymous(-1);
        owner.user_id = Some("alice".into());
        for factor in [Factor::Password, Factor::Totp] {
            owner.proofs.push(Proof {
                factor,
                at: 0,
                user_verified: false,
                from: None,
            });
        }
        let owners = sessions.rotate(None, &owner).await.unwrap();
        let mut cookies = Vec::new();
        for created in 0..MAX_SESSIONS_PER_USER + 2 {
            let mut s = BrowserSession::anonymous(created as i64);
            s.user_id = Some("alice".into());
            cookies.push(sessions.rotate(None, &s).await.unwrap());
        }
        let mut bob = BrowserSession::anonymous(0);
        bob.user_id = Some("bob".into());
        let bobs = sessions.rotate(None, &bob).await.unwrap();
        let listed = sessions.list_for_user("alice").await.unwrap();
        assert_eq!(listed.len(), MAX_SESSIONS_PER_USER);
        assert!(sessions.load(&owners).await.unwrap().is_some());
        for (i, cookie) in cookies.iter().enumerate() {
            let live = sessions.load(cookie).await.unwrap().is_some();
            assert_eq!(live, i >= 3, "session {i}");
        }
        assert!(sessions.load(&bobs).await.unwrap().is_some());
        // A renewal of a listed session ends nothing.
        let last = cookies.last().unwrap();
        let loaded = sessions.load(last).await.unwrap().unwrap();
        let renewed = sessions.rotate(Some(last), &loaded).await.unwrap();
        assert!(sessions.load(&renewed).await.unwrap().is_some());
        assert!(sessions.load(&cookies[3]).await.unwrap().is_some());
    }

    /// A request loads its session, a logout in another tab ends it, and the
    /// request writes back what it changed: the logout stands.
    #[tokio::test]
    async fn a_session_ended_while_a_request_changed_it_stays_ended() {
        let sessions = Sessions::new(Store::memory(), MINUTE);
        let cookie = signed_in(&sessions).await;
        let mut loaded = sessions.load(&cookie).await.unwrap().unwrap();
        loaded.epoch += 1;
        assert!(sessions.update(&cookie, &loaded).await.unwrap());
        assert_eq!(
            sessions.load(&cookie).await.unwrap().unwrap().epoch,
            loaded.epoch
        );
        sessions.destroy(&cookie).await.unwrap();
        loaded.epoch += 1;
        assert!(!sessions.update(&cookie, &loaded).await.unwrap());
        assert!(sessions.load(&cookie).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn an_anonymous_sessions_form_tokens_stay_anonymous() {
        let sessions = Sessions::new(Store::memory(), MINUTE);
        let (cookie, _) = sessions.ensure_live(None).await.unwrap();
        let token = sessions.issue_csrf(&cookie, "login").await.unwrap();
        assert!(!token.contains('.'), "{token}");
        assert!(sessions.check_csrf(&token, &cookie, "login").await.unwrap());
        assert!(!sessions.check_csrf(&token, &cookie, "login").await.unwrap());
    }
}
