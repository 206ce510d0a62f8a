//! Builds the application state and the actix server. Tests call
//! [`Application::build`] with `server.bind` on port 0 and read the port back.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
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
    /// None when the issuer's host is not a name (WebAuthn needs a domain RP ID).
    pub webauthn: Option<Arc<webauthn_rs::Webauthn>>,
    /// User mail: SMTP or the outbox folder.
    pub mailer: Mailer,
    /// Clients and stored policy rules, reused for `database.cache_ttl`.
    pub cache: Arc<db::cache::ReadCache>,
    /// Audit rows of sign-ins, committed in batches.
    pub audit: db::audit_writer::AuditWriter,
    /// Loads of a user with their factors (the login engine's one read per request).
    pub user_loads: Arc<db::users::LoadCounter>,
}

impl AppState {
    /// Connects the database (running pending migrations), the store and the keys.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = db::connect(settings.database_url.expose())
            .await
            .context("database.url")?;
        db::migrate(&db).await.context("running migrations")?;
        let store = match &settings.redis_url {
            Some(url) => Store::redis(url.expose(), "portcullis:")
                .await
                .context("redis.url")?,
            None => Store::memory_with(settings.store),
        };
        let keys =
            KeyRing::load_or_create_with_grace(&settings.keys_dir, settings.key_grace_period)
                .context("keys.dir")?;
        let sealer = SecretBox::load_or_create(&settings.keys_dir).context("keys.dir")?;
        let dummy_hash: Arc<str> = tokio::task::spawn_blocking(password::dummy_hash)
            .await?
            .into();
        let sessions = Sessions::new(store.clone(), settings.session_ttl);
        let webauthn = crate::auth::webauthn::relying_party(&settings.issuer).map(Arc::new);
        let mailer = Mailer::from_settings(&settings.mail).context("mail")?;
        tracing::info!("user mail goes to the {}", mailer.describe());
        let passwords = password::Verifier::start(settings.lockout.max_queued_passwords)
            .context("starting the password verification threads")?;
        let cache = Arc::new(db::cache::ReadCache::new(settings.cache_ttl));
        let audit = db::audit_writer::AuditWriter::start(db.clone());
        Ok(Self {
            settings: Arc::new(settings),
            db,
            store,
            sessions,
            keys,
            dummy_hash,
            passwords,
            sealer,
            webauthn,
            mailer,
            cache,
            audit,
            user_loads: Arc::default(),
        })
    }
}

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let state = AppState::build(settings).await?;
        Self::with_state(state)
    }

    pub fn with_state(state: AppState) -> anyhow::Result<Self> {
        let bind = state.settings.server.bind;
        let listener = TcpListener::bind(bind)
            .with_context(|| format!("server.bind: cannot listen on {bind}"))?;
        Self::with_listener(state, listener)
    }

    /// Serves on a listener bound beforehand (tests bind port 0 first, so the
    /// issuer can name the port).
    pub fn with_listener(state: AppState, listener: TcpListener) -> anyhow::Result<Self> {
        let port = listener.local_addr()?.port();
        if url::Host::parse(state.settings.issuer.host_str().unwrap_or_default())
            .is_ok_and(|h| !matches!(h, url::Host::Domain(_)))
        {
            tracing::warn!(
                "issuer host is an IP address: WebAuthn needs a domain name as RP ID and will not be offered"
            );
        }
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::FormConfig::default().limit(64 * 1024))
                // Names route patterns, never paths (see `telemetry::access_log`).
                .wrap(middleware::from_fn(crate::telemetry::access_log))
                // Outermost: CSP with a per-response nonce, HSTS … on every answer.
                .wrap(middleware::from_fn(
                    crate::http::security_headers::security_headers,
                ))
                .configure(crate::http::routes)
        })
        .listen(listener)?
        .shutdown_timeout(5)
        .run();
        Ok(Self {
            port,
            server,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the process is stopped; keys added by the CLI are picked up
    /// within five seconds.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        crate::admin::import_run::resume_unfinished(&self.state);
        let keys = self.state.keys.clone();
        let db = self.state.db.clone();
        let reload = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            for n in 0u64.. {
                tick.tick().await;
                match keys.reload_if_changed() {
                    Ok(true) => tracing::info!("signing keys reloaded"),
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "cannot reload signing keys"),
                }
                if n % 720 == 0 {
                    crate::db::refresh_tokens::purge_on_schedule(&db).await;
                }
            }
        });
        let result = self.server.await;
        reload.abort();
        result
    }
}
