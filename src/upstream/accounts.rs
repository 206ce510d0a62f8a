//! Which local user an upstream identity is. Identity is (upstream, `sub`),
//! never the email alone:
//!
//! - a linked subject is its user;
//! - an email that a local account has is linked only with `link_by_email`, an
//!   email the upstream says is verified, and a local email known good: one
//!   that an operator entered or its owner proved here (an account made
//!   through another upstream got its email from that upstream, and is never
//!   linked by it);
//! - a new account is made only with `create_users`, a verified email, and a
//!   domain that `allowed_domains` (else `domains`) lists.
//!
//! Anything else is refused with a page saying why; nothing is created or linked.

use openidconnect::core::{CoreIdTokenClaims, CoreUserInfoClaims};

use super::UpstreamError;
use crate::config::{GroupSettings, UpstreamSettings};
use crate::db::users::{self, NewUser, User};
use crate::db::{DbError, upstream_links, user_admin};
use crate::login::LoginCtx;

/// Who the upstream says the user is.
#[derive(Debug, Clone, Default)]
pub struct Identity {
    pub subject: String,
    /// Lower-cased.
    pub email: Option<String>,
    pub email_verified: bool,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
}

impl Identity {
    pub fn from_claims(c: &CoreIdTokenClaims) -> Self {
        let text = |v: Option<String>| crate::db::users::fit_name(&v.unwrap_or_default());
        Self {
            subject: c.subject().as_str().to_owned(),
            email: c.email().and_then(|e| comparable_email(e.as_str())),
            email_verified: c.email_verified() == Some(true),
            first_name: text(
                c.given_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string()),
            ),
            last_name: text(
                c.family_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string()),
            ),
            display_name: text(c.name().and_then(|n| n.get(None)).map(|n| n.to_string())),
        }
    }
}

impl Identity {
    /// Completes an identity whose ID token had no email with what the
    /// upstream's userinfo says (whose `sub` was checked to be the same): its
    /// email, whether that is verified, and names the ID token lacked.
    pub fn add_userinfo(&mut self, c: &CoreUserInfoClaims) {
        self.email = c.email().and_then(|e| comparable_email(e.as_str()));
        self.email_verified = self.email.is_some() && c.email_verified() == Some(true);
        let text = |v: Option<String>| crate::db::users::fit_name(&v.unwrap_or_default());
        if self.first_name.is_empty() {
            self.first_name = text(
                c.given_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string()),
            );
        }
        if self.last_name.is_empty() {
            self.last_name = text(
                c.family_name()
                    .and_then(|n| n.get(None))
                    .map(|n| n.to_string()),
            );
        }
        if self.display_name.is_empty() {
            self.display_name = text(c.name().and_then(|n| n.get(None)).map(|n| n.to_string()));
        }
    }
}

/// The email an account may be made or linked for: one the upstream says is
/// verified, and a valid address.
pub fn verified_email(identity: &Identity) -> Option<&str> {
    identity
        .email
        .as_deref()
        .filter(|e| identity.email_verified && users::validate_email(e).is_ok())
}

/// An upstream's email as addresses compare here (lower-cased); none for one
/// with a character that lower-cases into ASCII (the Kelvin sign K into `k`,
/// for one): a mailbox the upstream verified under such a name would stand
/// for another person's ASCII address.
fn comparable_email(raw: &str) -> Option<String> {
    let folds = raw
        .chars()
        .any(|c| !c.is_ascii() && c.to_lowercase().any(|l| l.is_ascii()));
    (!folds).then(|| users::normalize(raw))
}

/// The groups a user made at a first sign-in through `up` is given: the
/// upstream's `groups` and those of the email's domain.
pub fn groups_of_new_user(
    groups: &GroupSettings,
    up: &UpstreamSettings,
    email: &str,
) -> Vec<String> {
    groups.with_domain_groups(email, up.groups.clone())
}

/// The local user of `identity`, linking or creating one where the rules allow.
pub async fn resolve(
    ctx: &LoginCtx<'_>,
    up: &UpstreamSettings,
    identity: &Identity,
) -> Result<User, UpstreamError> {
    if let Some(user) = upstream_links::find(ctx.db, &up.id, &identity.subject).await? {
        return active(user);
    }
    let verified_email = verified_email(identity);
    if let Some(email) = verified_email
        && let Some(local) = user_admin::find_by_email(ctx.db, email).await?
    {
        // The account may be this very subject's, made a moment ago by a
        // concurrent first sign-in.
        if let Some(user) = upstream_links::find(ctx.db, &up.id, &identity.subject).await? {
            return active(user);
        }
        if !up.link_by_email {
            return Err(UpstreamError::NoAccount(format!(
                "An account with the address {email} exists here, but it is not linked to {}. Ask an administrator to link it, or sign in with its password.",
                up.name
            )));
        }
        // An upstream that lists no domain is trusted for every address but
        // those of a domain another upstream names: that company's accounts
        // are its own upstream's to link.
        if !up.may_link(email) || ctx.settings.other_upstream_naming(&up.id, email).is_some() {
            return Err(UpstreamError::NoAccount(format!(
                "An account with the address {email} exists here, but {} may not sign in to accounts in that domain. Ask an administrator to link it, or sign in with its password.",
                up.name
            )));
        }
        // Known good: not an address another upstream asserted.
        if !upstream_links::of_user(ctx.db, &local.id).await?.is_empty() {
            return Err(UpstreamError::NoAccount(format!(
                "The account with the address {email} signs in through another identity provider; it is not linked to {}.",
                up.name
            )));
        }
        // A disabled account is refused before it is linked: the link would
        // outlast the disable.
        let local = active(local)?;
        return match upstream_links::link(ctx.db, &up.id, &identity.subject, &local.id).await {
            Ok(()) => {
                tracing::info!(upstream = %up.id, user = %local.username, "upstream subject linked by email");
                Ok(local)
            }
            Err(DbError::Conflict(_)) => linked_meanwhile(ctx, up, identity).await,
            Err(e) => Err(e.into()),
        };
    }
    let Some(email) = verified_email.filter(|e| up.may_create_for(e)) else {
        return Err(UpstreamError::NoAccount(format!(
            "There is no account here for you at {}, and none can be made for {}.",
            up.name,
            match (&identity.email, identity.email_verified) {
                (Some(e), true) => format!("the address {e}"),
                (Some(e), false) => format!("the unverified address {e}"),
                (None, _) => "a sign-in without an email address".to_owned(),
            }
        )));
    };
    let groups = groups_of_new_user(&ctx.settings.groups, up, email);
    let new = NewUser {
        username: email.to_owned(),
        email: email.to_owned(),
        first_name: identity.first_name.clone(),
        last_name: identity.last_name.clone(),
        display_name: identity.display_name.clone(),
        password_hash: None,
        groups,
        locale: None,
    };
    match upstream_links::create_linked(ctx.db, &up.id, &identity.subject, new).await {
        Ok(user) => {
            tracing::info!(upstream = %up.id, user = %user.username, "user created at first upstream sign-in");
            Ok(user)
        }
        // Two first sign-ins of one subject at once: the other one made the user.
        Err(DbError::Conflict(_)) => linked_meanwhile(ctx, up, identity).await,
        Err(e) => Err(e.into()),
    }
}

async fn linked_meanwhile(
    ctx: &LoginCtx<'_>,
    up: &UpstreamSettings,
    identity: &Identity,
) -> Result<User, UpstreamError> {
    match upstream_links::find(ctx.db, &up.id, &identity.subject).await? {
        Some(user) => active(user),
        None => Err(UpstreamError::NoAccount(
            "An account with this address exists here and is not linked to you.".into(),
        )),
    }
}

fn active(user: User) -> Result<User, UpstreamError> {
    if user.active {
        Ok(user)
    } else {
        Err(UpstreamError::NoAccount("This account is disabled.".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::comparable_email;

    #[test]
    fn an_address_that_folds_into_another_ascii_one_is_not_taken() {
        assert_eq!(
            comparable_email("Kim@Corp.Example").as_deref(),
            Some("kim@corp.example")
        );
        assert_eq!(comparable_email("\u{212A}im@corp.example"), None);
        assert_eq!(comparable_email("\u{130}da@corp.example"), None);
        // Letters beyond ASCII that stay beyond it are addresses like any other.
        assert_eq!(
            comparable_email("J\u{d6}rg@corp.example").as_deref(),
            Some("j\u{f6}rg@corp.example")
        );
    }
}
