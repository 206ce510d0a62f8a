//! The application state the handlers extract: shared pools, keys and
//! services. Only the HTTP layer sees it whole; it cuts narrow contexts from it
//! for the domain (`super::context`).

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::auth::password;
use crate::auth::sealing::SecretBox;
use crate::config::Settings;
use crate::db;
use crate::keys::KeyRing;
use crate::mail::Mailer;
use crate::oidc::session::Sessions;
use crate::store::Store;

/// Everything a request needs; cloned into each worker, sharing the pools.
#[derive(Clone)]
pub struct AppState {
    pub settings: Arc<Settings>,
    pub db: DatabaseConnection,
    pub store: Store,
    pub sessions: Sessions,
    pub keys: KeyRing,
    /// Verified against when a username is unknown, so timing reveals nothing.
    pub dummy_hash: Arc<str>,
    /// Password verification, bounded to one argon2id run per core.
    pub passwords: password::Verifier,
    /// Seals factor secrets at rest.
    pub sealer: SecretBox,
    /// Seals access tokens (their own key, shared by instances through `keys.dir`).
    pub access_tokens: crate::oidc::token::access::AccessTokens,
    /// None when the issuer's host is not a name (WebAuthn needs a domain RP ID).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// User mail: SMTP or the outbox folder.
    pub mailer: Mailer,
    /// Clients and stored policy rules, reused for `database.cache_ttl`.
    pub cache: Arc<db::cache::ReadCache>,
    /// Users, factors and groups, valid while the store's change mark stays.
    pub directory: Arc<crate::directory::Directory>,
    /// The discovery document, serialized once at start.
    pub discovery: actix_web::web::Bytes,
    /// Audit rows of sign-ins, committed in batches.
    pub audit: db::audit_writer::AuditWriter,
    /// Sign-in times on their way to `users.last_login`.
    pub stamps: Arc<db::login_stamps::LoginStamps>,
    /// Loads of a user with their factors (the login engine's one read per request).
    pub user_loads: Arc<db::users::LoadCounter>,
    /// Background import batches: a shutdown lets the running one commit.
    pub imports: crate::admin::background::Background,
    /// Sends back-channel logout tokens when sessions end.
    pub logout_notifier: crate::oidc::backchannel::Notifier,
    /// Discovery cache and HTTP client of the upstream identity providers.
    pub upstreams: crate::upstream::Upstreams,
    /// The SAML signing key and certificate (and the next one during a rotation).
    pub saml_keys: crate::saml::SamlKeys,
    /// Set on SIGTERM: `/readyz` answers 503 so the load balancer moves away.
    pub draining: Arc<std::sync::atomic::AtomicBool>,
}
