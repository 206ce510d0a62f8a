//! The narrow contexts the domain modules work with, cut from the app state:
//! each domain call sees what it uses, not the whole application.

use crate::accounts::AccountsCtx;
use crate::admin::AdminCtx;
use crate::admin::console::ConsoleCtx;
use crate::http::state::AppState;
use crate::login::LoginCtx;
use crate::oidc::registration::RegistrationCtx;
use crate::oidc::token::TokenCtx;
use crate::readiness::Backends;

impl AppState {
    /// For the token, revocation, introspection and userinfo endpoints.
    pub fn token_ctx(&self) -> TokenCtx<'_> {
        TokenCtx {
            settings: &self.settings,
            db: &self.db,
            store: &self.store,
            keys: &self.keys,
            cache: &self.cache,
            directory: &self.directory,
            access: &self.access_tokens,
        }
    }

    /// For dynamic registration and client configuration.
    pub fn registration_ctx(&self) -> RegistrationCtx<'_> {
        RegistrationCtx {
            settings: &self.settings,
            db: &self.db,
            cache: &self.cache,
        }
    }

    /// For the login engine and every front door of it (authorization,
    /// interaction pages, second factors, logout).
    pub fn login_ctx(&self) -> LoginCtx<'_> {
        LoginCtx {
            settings: &self.settings,
            db: &self.db,
            store: &self.store,
            access: &self.access_tokens,
            sessions: &self.sessions,
            cache: &self.cache,
            directory: &self.directory,
            audit: &self.audit,
            stamps: &self.stamps,
            user_loads: &self.user_loads,
            webauthn: self.webauthn.as_deref(),
            passwords: &self.passwords,
            dummy_hash: &self.dummy_hash,
            sealer: &self.sealer,
            mailer: &self.mailer,
            keys: &self.keys,
            saml_keys: &self.saml_keys,
        }
    }

    /// For the admin console's sign-in and its session.
    pub fn console_ctx(&self) -> ConsoleCtx<'_> {
        ConsoleCtx {
            settings: &self.settings,
            db: &self.db,
            store: &self.store,
            sessions: &self.sessions,
            token: self.token_ctx(),
            sealer: &self.sealer,
        }
    }

    /// For the readiness probes.
    pub fn backends(&self) -> Backends<'_> {
        Backends {
            db: &self.db,
            store: &self.store,
        }
    }

    /// User administration acting as `actor` (audited under that name).
    pub fn admin_ctx(&self, actor: impl Into<String>) -> AdminCtx {
        AdminCtx {
            db: self.db.clone(),
            settings: self.settings.clone(),
            mailer: self.mailer.clone(),
            sealer: self.sealer.clone(),
            actor: actor.into(),
            store: Some(self.store.clone()),
            background: self.imports.clone(),
            logout: Some(self.logout_notifier.clone()),
        }
    }

    /// For the self-service pages (forgot password, sign-up).
    pub fn accounts_ctx(&self) -> AccountsCtx {
        AccountsCtx {
            admin: self.admin_ctx("self-service"),
            store: self.store.clone(),
        }
    }
}
