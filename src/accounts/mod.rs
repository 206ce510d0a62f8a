//! Accounts people run themselves: "forgot password" and self-service sign-up.
//! No HTTP here; the pages live in the HTTP layer.
//!
//! Both answer every address the same way. What differs (whether an account
//! exists, whether a domain may sign up) is decided in a task off the request
//! path, so neither the page nor its timing tells an address that exists from
//! one that does not.

pub mod account;
pub mod recovery;
pub mod signup;

use std::net::IpAddr;
use std::time::Duration;

use crate::admin::AdminCtx;
use crate::auth::limiter::{self, Bucket, address_subject};
use crate::error::Failure;
use crate::secrets;
use crate::store::Store;

/// The window of the request limits (reset mails, sign-ups).
pub const HOUR: Duration = Duration::from_secs(3600);

/// What the self-service flows use: the admin context (database, settings,
/// mailer, audit as the acting user) and the ephemeral store.
#[derive(Clone)]
pub struct AccountsCtx {
    pub admin: AdminCtx,
    pub store: Store,
}

impl AccountsCtx {
    /// The same context acting as `actor` in the audit log.
    pub fn acting_as(&self, actor: impl Into<String>) -> AdminCtx {
        AdminCtx {
            actor: actor.into(),
            ..self.admin.clone()
        }
    }
}

/// How a request that mails someone was answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Requested {
    /// Taken: the same answer whatever the address.
    Accepted,
    /// Over the limit of this client address or of this email address: nothing
    /// happens. Counted for every address alike, so it reveals nothing.
    TooMany,
}

/// Counts one request of `kind` for the client address and the email address
/// before anything is looked up; every request counts, taken or not.
pub(crate) async fn count_request(
    ctx: &AccountsCtx,
    kind: &str,
    ip: Option<IpAddr>,
    email: &str,
) -> Result<Requested, Failure> {
    let r = &ctx.admin.settings.recovery;
    let buckets = [
        Bucket::per(
            "mail-requests-addr",
            &address_subject(ip),
            r.requests_per_address,
            HOUR,
        ),
        Bucket::per(
            &format!("{kind}-email"),
            &secrets::digest(email),
            r.requests_per_email,
            HOUR,
        ),
    ];
    match limiter::admit_anonymous(&ctx.store, &buckets).await? {
        // Kept counted: a request is limited whether or not it mails anyone.
        Some(attempt) => {
            attempt.failed();
            Ok(Requested::Accepted)
        }
        None => Ok(Requested::TooMany),
    }
}
