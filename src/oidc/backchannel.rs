//! OpenID Connect Back-Channel Logout 1.0. A relying party that registered a
//! `backchannel_logout_uri` is remembered per browser session (by `sid`) when
//! a code is issued to it; when that session ends (RP-initiated logout, an
//! administrator's sign-out, reset or disable) each such party is sent a signed
//! logout token (§2.4) by a direct POST (§2.5). Delivery runs in the background
//! with a bounded timeout and a few retries: the user's logout never waits for
//! it, and a party that cannot be reached is logged, not retried forever.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::db::cache::ReadCache;
use crate::db::clients::Client;
use crate::keys::KeyRing;
use crate::oidc::receiver_address;
use crate::oidc::session::Sessions;
use crate::secrets;
use crate::store::{Store, StoreError};

/// §2.4: the event that makes a JWT a logout token.
pub const EVENT: &str = "http://schemas.openid.net/event/backchannel-logout";
/// §2.4: the explicit type of a logout token (RFC 8725 §3.11).
pub const TYP: &str = "logout+jwt";
/// How long a logout token is valid: long enough for the retries, no longer.
const TOKEN_TTL_S: i64 = 120;
/// Each POST gives up after this.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);
/// Tries per relying party, and the pause before each retry.
const BACKOFF: [Duration; 2] = [Duration::from_secs(1), Duration::from_secs(3)];

fn index(sid: &str) -> String {
    format!("rps:{sid}")
}

fn entry(sid: &str, client_id: &str) -> String {
    format!("rp:{sid}:{client_id}")
}

/// Who a session signed in to a relying party as.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Participant {
    user_id: String,
}

/// Remembers that the browser session `sid` of `user_id` signed in to `client`,
/// if the client wants to hear of its end. Others cost nothing here.
pub async fn record(
    store: &Store,
    client: &Client,
    sid: &str,
    user_id: &str,
    ttl: Duration,
) -> Result<(), StoreError> {
    if client.profile.options.backchannel_logout_uri.is_none() {
        return Ok(());
    }
    let key = entry(sid, &client.client_id);
    let who = Participant {
        user_id: user_id.to_owned(),
    };
    store.put_json(&key, &who, ttl).await?;
    store
        .index_add(&index(sid), &key, &client.client_id, false, ttl)
        .await?;
    Ok(())
}

/// One ended session: its `sid`, user, and the relying parties it signed in to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub sid: String,
    pub user_id: String,
    pub clients: Vec<String>,
}

/// Takes the relying parties of session `sid` out of the store (once: a second
/// end of the same session notifies nobody again).
pub async fn take(store: &Store, sid: &str, user_id: &str) -> Result<Ended, StoreError> {
    let mut clients: Vec<String> = store
        .index_entries(&index(sid))
        .await?
        .into_iter()
        .map(|(_, client_id)| client_id)
        .collect();
    store.index_clear(&index(sid)).await?;
    clients.sort();
    clients.dedup();
    Ok(Ended {
        sid: sid.to_owned(),
        user_id: user_id.to_owned(),
        clients,
    })
}

/// The `sid`s of the user's browser sessions in the store's session index.
pub async fn sessions_of(store: &Store, user_id: &str) -> Result<Vec<String>, StoreError> {
    let mut sids: Vec<String> = store
        .index_entries(&super::session::user_index(user_id))
        .await?
        .into_iter()
        .filter_map(|(_, tag)| tag.strip_prefix("browser:").map(str::to_owned))
        .collect();
    sids.sort();
    sids.dedup();
    Ok(sids)
}

/// Ends the browser session of `cookie` (RP-initiated logout) and tells the
/// relying parties it signed in to, without waiting for them (§2.5).
pub async fn end_session(
    sessions: &Sessions,
    notifier: &Notifier,
    cookie: &str,
) -> Result<(), StoreError> {
    let ended = sessions.load(cookie).await?;
    sessions.destroy(cookie).await?;
    tracing::info!("browser session ended by logout");
    if let Some(s) = ended
        && let Some(user_id) = &s.user_id
    {
        // Two tabs renewing the session at once leave a second key of this
        // sid, whose cookie this browser no longer holds: it ends too.
        sessions.end_one(user_id, &s.sid).await?;
        notifier.notify(take(sessions.store(), &s.sid, user_id).await?);
    }
    Ok(())
}

/// What sends logout tokens: built once at start, cloned into contexts.
#[derive(Clone)]
pub struct Notifier {
    http: reqwest::Client,
    /// For self-registered clients: connects only to public addresses.
    public_http: reqwest::Client,
    keys: KeyRing,
    issuer: String,
    db: DatabaseConnection,
    cache: std::sync::Arc<ReadCache>,
}

impl Notifier {
    pub fn new(
        keys: KeyRing,
        issuer: String,
        db: DatabaseConnection,
        cache: std::sync::Arc<ReadCache>,
    ) -> Result<Self, reqwest::Error> {
        let builder = || {
            reqwest::Client::builder()
                .timeout(ATTEMPT_TIMEOUT)
                .connect_timeout(ATTEMPT_TIMEOUT)
                // A receiver is one registered URI: a redirect elsewhere is not followed.
                .redirect(reqwest::redirect::Policy::none())
        };
        let http = builder().build()?;
        // No proxy: a proxy would resolve the name itself, past the check.
        let public_http = builder()
            .no_proxy()
            .dns_resolver(std::sync::Arc::new(receiver_address::PublicOnly))
            .build()?;
        Ok(Self {
            http,
            public_http,
            keys,
            issuer,
            db,
            cache,
        })
    }

    /// Notifies every relying party of `ended` in the background; returns at once.
    pub fn notify(&self, ended: Ended) -> Option<tokio::task::JoinHandle<()>> {
        if ended.clients.is_empty() {
            return None;
        }
        let this = self.clone();
        Some(tokio::spawn(async move {
            for client_id in &ended.clients {
                this.notify_one(client_id, &ended).await;
            }
        }))
    }

    async fn notify_one(&self, client_id: &str, ended: &Ended) {
        let client = match self.cache.client(&self.db, client_id).await {
            Ok(Some(c)) => c,
            Ok(None) => return,
            Err(e) => {
                tracing::warn!(client = client_id, error = %e, "back-channel logout: client unreadable");
                return;
            }
        };
        let Some(uri) = client.profile.options.backchannel_logout_uri.clone() else {
            return;
        };
        let http = if client.profile.dynamic {
            // Whoever registered chose this URI: only a public receiver.
            let why = match url::Url::parse(&uri) {
                Ok(url) => receiver_address::refusal(&url),
                Err(_) => Some("is not a URI"),
            };
            if let Some(why) = why {
                tracing::warn!(
                    client = client_id,
                    why,
                    "back-channel logout not sent: the receiver is not public"
                );
                return;
            }
            &self.public_http
        } else {
            &self.http
        };
        let token = match self.logout_token(&client, ended) {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(client = client_id, error = %e, "back-channel logout: cannot sign");
                return;
            }
        };
        for attempt in 0..=BACKOFF.len() {
            if attempt > 0 {
                tokio::time::sleep(BACKOFF[attempt - 1]).await;
            }
            let sent = http
                .post(&uri)
                .header("Cache-Control", "no-store")
                .form(&[("logout_token", token.as_str())])
                .send()
                .await;
            match sent {
                // §2.8: 200 (or 204 from frameworks that substitute it).
                Ok(r) if r.status().is_success() => {
                    tracing::info!(client = client_id, "back-channel logout delivered");
                    return;
                }
                // §2.8: 400 means the token was refused: sending it again changes nothing.
                Ok(r) if r.status().is_client_error() => {
                    tracing::warn!(
                        client = client_id,
                        status = r.status().as_u16(),
                        "back-channel logout refused"
                    );
                    return;
                }
                Ok(r) => {
                    tracing::warn!(
                        client = client_id,
                        status = r.status().as_u16(),
                        attempt,
                        "back-channel logout failed"
                    );
                }
                Err(e) => {
                    tracing::warn!(client = client_id, error = %e, attempt, "back-channel logout unreachable");
                }
            }
        }
    }

    /// §2.4: iss, aud, iat, exp, jti, events, sub and sid; never a nonce.
    fn logout_token(
        &self,
        client: &Client,
        ended: &Ended,
    ) -> Result<String, crate::keys::KeyError> {
        let now = super::now_s();
        let claims = json!({
            "iss": self.issuer,
            "aud": client.client_id,
            "iat": now,
            "exp": now + TOKEN_TTL_S,
            "jti": secrets::random_token(16),
            "sub": ended.user_id,
            "sid": ended.sid,
            "events": { EVENT: {} },
        });
        self.keys
            .sign_typed(client.id_token_alg, Some(TYP), &claims)
    }
}
