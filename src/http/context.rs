//! The narrow contexts the protocol modules work with, cut from the app state:
//! each domain call sees what it uses, not the whole application.

use crate::oidc::registration::RegistrationCtx;
use crate::oidc::token::TokenCtx;
use crate::startup::AppState;

impl AppState {
    /// For the token, revocation, introspection and userinfo endpoints.
    pub fn token_ctx(&self) -> TokenCtx<'_> {
        TokenCtx {
            settings: &self.settings,
            db: &self.db,
            store: &self.store,
            keys: &self.keys,
            cache: &self.cache,
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
}
