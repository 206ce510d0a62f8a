//! Wires the application: builds its state and the actix server. Tests call
//! [`Application::build`] with `server.bind` on port 0 and read the port back.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::Server;
use actix_web::{App, HttpServer, middleware, web};
use anyhow::Context;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::auth::password;
use crate::auth::sealing::SecretBox;
use crate::config::Settings;
use crate::db;
pub use crate::http::state::AppState;
use crate::keys::KeyRing;
use crate::mail::Mailer;
use crate::oidc::session::Sessions;
use crate::oidc::token::access::AccessTokens;
use crate::store::Store;

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
        let key_existed = settings
            .keys_dir
            .join(crate::auth::sealing::KEY_FILE)
            .exists();
        let sealer = SecretBox::load_or_create(&settings.keys_dir).context("keys.dir")?;
        key_legacy_recovery_codes(&db, &sealer, key_existed);
        let access_tokens = match &settings.redis_url {
            Some(_) => AccessTokens::load_or_create(&settings.keys_dir).context("keys.dir")?,
            // The embedded store, and with it the deny-list, ends with the
            // process: so do the access tokens, under a key that never leaves it.
            None => AccessTokens::ephemeral()?,
        };
        // The access-token deny-list's floor: drawn now on a store that has none
        // (a new or emptied Redis), kept for another period otherwise. A store
        // that cannot be reached now gets it at the first token check instead.
        if let Err(e) = crate::oidc::token::access::keep_floor(&store, crate::oidc::now_s()).await {
            tracing::warn!(error = %e, "the access-token deny-list's floor is not kept yet");
        }
        let saml_keys = crate::saml::SamlKeys::load_or_create(
            &settings.keys_dir,
            settings.issuer.host_str().unwrap_or("portcullis"),
        )
        .context("keys.dir (SAML signing key)")?;
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
        // Beside an embedded store, the CLI leaves its changes' mark in keys.dir.
        let mark_file = settings
            .redis_url
            .is_none()
            .then(|| settings.keys_dir.join(crate::directory::MARK_FILE));
        let directory = Arc::new(crate::directory::Directory::new(
            settings.cache_ttl,
            mark_file,
        ));
        // The discovery document depends on the settings alone: written once.
        let discovery = actix_web::web::Bytes::from(serde_json::to_vec(
            &crate::oidc::discovery::metadata(&settings),
        )?);
        let audit_db = db::connect_audit_writer(settings.database_url.expose(), &db)
            .await
            .context("database.url")?;
        let audit = db::audit_writer::AuditWriter::start(audit_db);
        let logout_notifier = crate::oidc::backchannel::Notifier::new(
            keys.clone(),
            settings.issuer_str().to_owned(),
            db.clone(),
            cache.clone(),
        )
        .context("back-channel logout client")?;
        let upstreams = crate::upstream::Upstreams::new().context("upstream HTTP client")?;
        Ok(Self {
            settings: Arc::new(settings),
            db,
            store,
            sessions,
            keys,
            dummy_hash,
            passwords,
            sealer,
            access_tokens,
            webauthn,
            mailer,
            cache,
            directory,
            discovery,
            audit,
            stamps: Arc::default(),
            user_loads: Arc::default(),
            imports: Default::default(),
            logout_notifier,
            upstreams,
            saml_keys,
            draining: Arc::default(),
        })
    }
}

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
    metrics: Option<MetricsListener>,
}

/// The second listener, serving only `GET /metrics`.
struct MetricsListener {
    port: u16,
    server: Server,
    handle: PrometheusHandle,
}

/// How long in-flight requests may take to finish once shutdown starts; a
/// request still running then is cut. Orchestrators wait 30 s before SIGKILL.
const DRAIN: u64 = 25;

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
        let shared = state.clone();
        let server = HttpServer::new(move || {
            // Called on each worker's thread: its own audit writer there, and
            // its log lines written together.
            crate::telemetry::batch_this_thread();
            let mut worker = shared.clone();
            worker.audit = shared.audit.start_here();
            App::new()
                .app_data(web::Data::new(worker))
                .app_data(web::FormConfig::default().limit(64 * 1024))
                // A compressed body is refused before anything reads it (logged and
                // counted like any answer).
                .wrap(middleware::from_fn(
                    crate::http::content_coding::refuse_encoded_bodies,
                ))
                // Request id and its log span around the access log line and
                // everything else the request logs; HTTP metrics by route pattern.
                .wrap(middleware::from_fn(crate::telemetry::access_log))
                .wrap(middleware::from_fn(crate::http::observe::observe))
                // Error pages in the request's language and look.
                .wrap(middleware::from_fn(crate::http::ui::error_pages))
                // Outermost: CSP with a per-response nonce, HSTS … on every answer.
                .wrap(middleware::from_fn(
                    crate::http::security_headers::security_headers,
                ))
                .configure(crate::http::routes)
        })
        .listen(listener)?
        .shutdown_timeout(DRAIN)
        // Our own handlers stop both listeners gracefully, on SIGINT too.
        .disable_signals()
        .run();
        let metrics = match state.settings.metrics_bind {
            Some(addr) => Some(MetricsListener::start(addr, state.store.clone())?),
            None => None,
        };
        Ok(Self {
            port,
            server,
            state,
            metrics,
        })
    }

    /// The metrics listener's port, when `metrics.bind` is set.
    pub fn metrics_port(&self) -> Option<u16> {
        self.metrics.as_ref().map(|m| m.port)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until the server is stopped from outside (tests drop the runtime).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run(std::future::pending()).await
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully: both
    /// listeners stop accepting, in-flight requests finish (up to the drain
    /// time), and the process can exit 0.
    pub async fn run_until_signalled(self, signals: ShutdownSignals) -> std::io::Result<()> {
        self.run(signals.received()).await
    }

    /// Keys added by the CLI are picked up within five seconds.
    async fn run(self, stop: impl std::future::Future<Output = ()>) -> std::io::Result<()> {
        crate::admin::import_run::resume_unfinished(self.state.admin_ctx("system"));
        let keys = self.state.keys.clone();
        let saml_keys = self.state.saml_keys.clone();
        let db = self.state.db.clone();
        let audit_retention = self.state.settings.audit_retention;
        let upkeep = self.metrics.as_ref().map(|m| m.handle.clone());
        let reload = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            loop {
                tick.tick().await;
                match keys.reload_if_changed() {
                    Ok(true) => tracing::info!("signing keys reloaded"),
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "cannot reload signing keys"),
                }
                match saml_keys.reload_if_changed() {
                    Ok(true) => tracing::info!("SAML signing keys reloaded"),
                    Ok(false) => {}
                    Err(e) => tracing::error!(error = %e, "cannot reload the SAML signing keys"),
                }
                if let Some(h) = &upkeep {
                    // Drains histogram samples into their buckets.
                    h.run_upkeep();
                }
            }
        });
        // Hourly, from start: a first purge of a large audit table takes a
        // while and must not hold up the key reloads above.
        let housekeeping = tokio::spawn(async move {
            let mut hourly = tokio::time::interval(Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                crate::db::refresh_tokens::purge_on_schedule(&db).await;
                crate::db::audit::purge_on_schedule(&db, audit_retention).await;
            }
        });
        let stamps = self.state.stamps.clone();
        let stamps_db = self.state.db.clone();
        let stamping = tokio::spawn(async move { stamps.flush_periodically(&stamps_db).await });
        let handle = self.server.handle();
        let metrics_handle = self.metrics.as_ref().map(|m| m.server.handle());
        let metrics_server = self.metrics.map(|m| tokio::spawn(m.server));
        let server = self.server;
        tokio::pin!(server);
        let result = tokio::select! {
            r = &mut server => r,
            () = stop => {
                // The load balancer sees /readyz fail and stops sending; only
                // then does the listener close, so no connection waits in its
                // queue to be reset when the process exits.
                self.state.draining.store(true, std::sync::atomic::Ordering::SeqCst);
                let delay = self.state.settings.server.shutdown_delay;
                if !delay.is_zero() {
                    tracing::info!(seconds = delay.as_secs(), "shutting down: /readyz fails, still serving");
                    tokio::time::sleep(delay).await;
                }
                tracing::info!("shutting down: draining requests in flight");
                if let Some(m) = &metrics_handle {
                    m.stop(true).await;
                }
                // The command is sent at the call; the server future, polled
                // below, carries it out (awaiting the handle here would stall).
                drop(handle.stop(true));
                server.await
            }
        };
        reload.abort();
        housekeeping.abort();
        stamping.abort();
        // The sign-ins of the last second, now that no request makes more.
        if let Err(e) = self.state.stamps.flush(&self.state.db).await {
            tracing::warn!(error = %e, lost = self.state.stamps.pending(), "sign-in times not written at shutdown");
        }
        // Imports stop at a batch boundary, so the next start resumes them.
        if tokio::time::timeout(Duration::from_secs(DRAIN), self.state.imports.stop())
            .await
            .is_err()
        {
            tracing::warn!("an import batch was still running at shutdown; it will run again");
        }
        if let Some(m) = metrics_server {
            m.abort();
        }
        tracing::info!("stopped");
        result
    }
}

impl MetricsListener {
    fn start(addr: std::net::SocketAddr, store: Store) -> anyhow::Result<Self> {
        let handle = crate::metrics::install()
            .context("metrics.bind: another metrics recorder is installed")?;
        let listener = TcpListener::bind(addr)
            .with_context(|| format!("metrics.bind: cannot listen on {addr}"))?;
        let port = listener.local_addr()?.port();
        let data = web::Data::new(handle.clone());
        let store = web::Data::new(store);
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(store.clone())
                .configure(crate::http::metrics::routes)
        })
        .workers(1)
        .disable_signals()
        .shutdown_timeout(1)
        .listen(listener)?
        .run();
        Ok(Self {
            port,
            server,
            handle,
        })
    }
}

/// SIGTERM (orchestrators, systemd) and SIGINT (Ctrl-C), listened for from the
/// moment this is made. `serve` makes it before the listener opens: a signal
/// that arrives with the first requests then drains them, where a handler
/// installed later would leave the default (end at once) in place meanwhile.
/// Should a handler fail to install, that signal keeps its default.
pub struct ShutdownSignals {
    #[cfg(unix)]
    terminate: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    interrupt: Option<tokio::signal::unix::Signal>,
}

impl ShutdownSignals {
    /// Installs the handlers now; needs the runtime.
    pub fn install() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            Self {
                terminate: signal(SignalKind::terminate()).ok(),
                interrupt: signal(SignalKind::interrupt()).ok(),
            }
        }
        #[cfg(not(unix))]
        Self {}
    }

    #[cfg(unix)]
    async fn received(mut self) {
        async fn next(s: Option<&mut tokio::signal::unix::Signal>) {
            match s {
                Some(s) => {
                    s.recv().await;
                }
                None => std::future::pending::<()>().await,
            }
        }
        tokio::select! {
            () = next(self.interrupt.as_mut()) => tracing::info!("SIGINT received"),
            () = next(self.terminate.as_mut()) => tracing::info!("SIGTERM received"),
        }
    }

    #[cfg(not(unix))]
    async fn received(self) {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await
        }
        tracing::info!("Ctrl-C received");
    }
}

/// Keys the recovery codes stored as bare SHA-256 in the background (a large
/// table would hold the start for minutes): they count bare meanwhile. Never
/// under a secrets key this start made, or one that opens no stored seed,
/// which would make every such code useless for good.
fn key_legacy_recovery_codes(
    db: &sea_orm::DatabaseConnection,
    sealer: &SecretBox,
    key_existed: bool,
) {
    use crate::db::factors::{self, Keying};
    if !key_existed {
        tracing::info!("a new secrets key: recovery codes stored before are left as they are");
        return;
    }
    let (db, sealer) = (db.clone(), sealer.clone());
    tokio::spawn(async move {
        match factors::key_legacy_recovery_codes(&db, &sealer).await {
            Ok(Keying::Keyed(0)) => {}
            Ok(Keying::Keyed(n)) => {
                tracing::info!(
                    keyed = n,
                    "recovery codes stored as bare SHA-256 are keyed now"
                );
            }
            Ok(Keying::WrongKey) => tracing::warn!(
                "the secrets key opens no stored TOTP seed: recovery codes stored as bare \
                 SHA-256 are left as they are (is keys.dir the right folder?)"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "keying the recovery codes stopped; the next start goes on")
            }
        }
    });
}
