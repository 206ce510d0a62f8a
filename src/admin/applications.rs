//! The console's applications page: every relying party, whichever protocol it
//! speaks, read in one call.

use super::console::ConsoleCtx;
use crate::db::clients::{self, Client};
use crate::db::saml_sps::{self, ServiceProvider};
use crate::error::Failure;

/// OpenID Connect clients and SAML service providers, as registered.
pub struct Applications {
    pub clients: Vec<Client>,
    pub service_providers: Vec<ServiceProvider>,
}

pub async fn list(ctx: &ConsoleCtx<'_>) -> Result<Applications, Failure> {
    Ok(Applications {
        clients: clients::list(ctx.db).await?,
        service_providers: saml_sps::list(ctx.db).await?,
    })
}
