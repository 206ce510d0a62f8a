//! The relying party of a login, whichever front door it came through: an
//! OpenID Connect client or a SAML service provider. The login engine needs only
//! its id (what the policy's `clients` fields match: a client ID or an SP entity
//! ID), its name (for the pages) and its minimum level.

use super::LoginCtx;
use super::pending::{PendingLogin, Return};
use crate::auth::acr::{AcrRegistry, Level};
use crate::db::clients::Client;
use crate::db::saml_sps::ServiceProvider;
use crate::error::Failure;

#[derive(Debug, Clone)]
pub enum Party {
    Oidc(Box<Client>),
    Saml(ServiceProvider),
}

impl Party {
    /// The client ID or the SP's entity ID.
    pub fn id(&self) -> &str {
        match self {
            Party::Oidc(c) => &c.client_id,
            Party::Saml(sp) => &sp.entity_id,
        }
    }

    pub fn name(&self) -> &str {
        match self {
            Party::Oidc(c) => &c.name,
            Party::Saml(sp) => &sp.name,
        }
    }

    /// The party's own logo (`logo_uri`), shown on its login page.
    pub fn logo(&self) -> Option<&str> {
        match self {
            Party::Oidc(c) => c.profile.logo_uri.as_deref(),
            Party::Saml(_) => None,
        }
    }

    /// The level the party demands whatever it asks: its minimum acr. A
    /// minimum that no longer names a level (an alias removed from the
    /// configuration since) fails the request (503) rather than fall to
    /// `pwd`, as a stored policy rule that no longer parses does.
    pub fn floor(&self, registry: &AcrRegistry) -> Result<Level, Failure> {
        let minimum = match self {
            Party::Oidc(c) => c.minimum_acr.as_deref(),
            Party::Saml(sp) => sp.minimum_acr.as_deref(),
        };
        match minimum {
            None => Ok(Level::Pwd),
            Some(a) => registry.level_of(a).ok_or_else(|| {
                Failure::Unavailable(format!(
                    "the minimum acr {a:?} of {} names no level",
                    self.id()
                ))
            }),
        }
    }

    /// The party of a pending login, from the read cache; None when it has
    /// been deleted meanwhile.
    pub async fn of(ctx: &LoginCtx<'_>, login: &PendingLogin) -> Result<Option<Self>, Failure> {
        Ok(match &login.ret {
            Return::Oidc(_) => ctx
                .cache
                .client(ctx.db, &login.client_id)
                .await?
                .map(|c| Party::Oidc(Box::new(c))),
            Return::Saml(_) => ctx
                .cache
                .service_provider(ctx.db, &login.client_id)
                .await?
                .map(Party::Saml),
        })
    }
}
