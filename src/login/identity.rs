//! The first factor of a login is a proof of identity. Today that is a password
//! checked here; another source (an upstream identity provider) becomes another
//! variant, and everything after it (step-up, policy, lock-out, audit) stays the
//! same, because it only sees the session the proof signed in.

use std::net::IpAddr;

use crate::error::Failure;
use crate::i18n::Lang;
use crate::login::LoginCtx;
use crate::oidc::password_login::{LoginResult, password_login};
use crate::oidc::session::BrowserSession;

/// Who the user says they are, and the proof of it.
pub enum IdentityProof<'a> {
    Password {
        username: &'a str,
        password: &'a str,
        /// The language of the page it was typed into: the user's mails speak it.
        lang: Lang,
    },
}

/// Checks the proof; on success the browser is signed in under a new session
/// cookie carrying it ([`LoginResult::SignedIn`]).
pub async fn prove(
    ctx: &LoginCtx<'_>,
    cookie: Option<&str>,
    session: Option<BrowserSession>,
    proof: IdentityProof<'_>,
    ip: Option<IpAddr>,
) -> Result<LoginResult, Failure> {
    match proof {
        IdentityProof::Password {
            username,
            password,
            lang,
        } => password_login(ctx, cookie, session, (username, password), Some(lang), ip).await,
    }
}
