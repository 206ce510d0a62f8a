//! Self-service sign-up (`[signup]`): an address in an allowed domain is mailed
//! a link; the account is created only when that link is followed and a
//! password chosen. Until then the request lives in the ephemeral store, so an
//! address that never confirms leaves nothing behind. An address outside the
//! allowed domains gets the same answer and nothing at all happens.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::{AccountsCtx, Requested, count_request};
use crate::admin::AdminError;
use crate::admin::users::hash_password;
use crate::auth::limiter::{self, Bucket};
use crate::db::users::{self, NewUser, User, validate_email};
use crate::db::{DbError, user_admin};
use crate::error::Failure;
use crate::i18n::Lang;
use crate::mail;
use crate::secrets;

/// What the sign-up form asked for, kept until the link is followed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Signup {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// The language of the sign-up page: the new account's mails speak it.
    #[serde(default)]
    pub locale: Option<Lang>,
}

const NAME_MAX: usize = 100;

/// What is wrong with a sign-up form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Invalid {
    /// Not an email address.
    Email,
    /// First or last name left empty.
    NamesMissing,
    /// A name over 100 characters, or with control characters or Unicode
    /// noncharacters (which the account could not be made with).
    NamesTooLong,
}

impl Signup {
    /// The form's values, trimmed and checked; the message says what to fix.
    /// Only the shape is checked here: nothing about the domain or the account.
    pub fn parse(email: &str, first_name: &str, last_name: &str) -> Result<Self, Invalid> {
        let s = Self {
            email: users::normalize(email),
            first_name: first_name.trim().to_owned(),
            last_name: last_name.trim().to_owned(),
            locale: None,
        };
        // The address is the account's username too: one no username could
        // be would only fail once its owner followed the link.
        if validate_email(&s.email).is_err() || users::validate_username(&s.email).is_err() {
            return Err(Invalid::Email);
        }
        if s.first_name.is_empty() || s.last_name.is_empty() {
            return Err(Invalid::NamesMissing);
        }
        if s.first_name.chars().count() > NAME_MAX
            || s.last_name.chars().count() > NAME_MAX
            || s.first_name
                .chars()
                .chain(s.last_name.chars())
                .any(|c| c.is_control() || users::is_noncharacter(c))
        {
            return Err(Invalid::NamesTooLong);
        }
        Ok(s)
    }
}

fn key(token: &str) -> String {
    format!("signup:{}", secrets::digest(token))
}

fn looks_valid(token: &str) -> bool {
    (20..=128).contains(&token.len())
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Answers a sign-up: counted first, then decided and mailed off the request path.
pub async fn request(
    ctx: &AccountsCtx,
    signup: Signup,
    ip: Option<IpAddr>,
) -> Result<Requested, Failure> {
    if count_request(ctx, "signup", ip, &signup.email).await? == Requested::TooMany {
        return Ok(Requested::TooMany);
    }
    let ctx = ctx.clone();
    tokio::spawn(async move {
        if let Err(e) = deliver(&ctx, signup).await {
            tracing::warn!(error = %e, "sign-up mail not sent");
        }
    });
    Ok(Requested::Accepted)
}

async fn deliver(ctx: &AccountsCtx, signup: Signup) -> Result<(), AdminError> {
    let settings = &ctx.admin.settings;
    if !settings.signup.allows(&signup.email) {
        tracing::debug!("sign-up for a domain that is not allowed: nothing done");
        return Ok(());
    }
    // The language of the sign-up page: whoever asked reads it now.
    let w = mail::Writer::new(
        settings,
        signup.locale.unwrap_or(settings.ui.default_locale),
    );
    let message = match user_admin::find_by_email(&ctx.admin.db, &signup.email).await? {
        Some(user) => mail::signup_exists(&w, &user, &settings.endpoint("/forgot-password")),
        None => {
            let token = secrets::random_token(32);
            let ttl = settings.mail.link_ttl;
            ctx.store
                .put_json(&key(&token), &signup, ttl)
                .await
                .map_err(Failure::from)?;
            let link = settings.endpoint(&format!("/signup/{token}"));
            mail::signup(&w, &signup.email, &link, ttl.as_secs() as i64)
        }
    };
    ctx.admin
        .mailer
        .send(message)
        .await
        .map_err(|e| Failure::Internal(e.to_string()))?;
    Ok(())
}

/// What a sign-up link leads to.
pub enum SignupLink {
    Pending(Signup),
    /// Unknown, expired or already used.
    Invalid,
    /// Too many links that are not valid from this address.
    TooMany,
}

/// The sign-up a link stands for, without using it up: counted against the
/// client address first, like a wrong password, and taken back when valid.
pub async fn open_link(
    ctx: &AccountsCtx,
    token: &str,
    ip: Option<IpAddr>,
) -> Result<SignupLink, Failure> {
    let bucket = Bucket::address(ip, ctx.admin.settings.lockout.failures_per_address);
    let Some(attempt) = limiter::admit_anonymous(&ctx.store, &[bucket]).await? else {
        return Ok(SignupLink::TooMany);
    };
    let found = if looks_valid(token) {
        ctx.store.get_json::<Signup>(&key(token)).await
    } else {
        Ok(None)
    };
    match found {
        Ok(Some(s)) => {
            attempt.take_back().await?;
            Ok(SignupLink::Pending(s))
        }
        Ok(None) => {
            attempt.failed();
            Ok(SignupLink::Invalid)
        }
        Err(e) => {
            attempt.take_back().await?;
            Err(e.into())
        }
    }
}

/// How completing a sign-up went.
pub enum Completed {
    Created(User),
    /// The password does not meet the rules (at least 8 characters).
    TooShort,
    /// The link was used meanwhile, or the address got an account.
    LinkSpent,
}

/// Creates the account of a sign-up link with this password, under the names
/// and language its owner confirmed (`confirmed`, whose address must be the
/// link's): exactly once (the link is taken from the store first, after the
/// password passed the rules).
pub async fn complete(
    ctx: &AccountsCtx,
    token: &str,
    password: String,
    confirmed: Signup,
) -> Result<Completed, AdminError> {
    if !looks_valid(token) {
        return Ok(Completed::LinkSpent);
    }
    let password_hash = match hash_password(password).await {
        Ok(h) => h,
        Err(AdminError::Invalid(_)) => return Ok(Completed::TooShort),
        Err(e) => return Err(e),
    };
    let Some(signup) = ctx
        .store
        .take_json::<Signup>(&key(token))
        .await
        .map_err(Failure::from)?
    else {
        return Ok(Completed::LinkSpent);
    };
    if confirmed.email != signup.email {
        return Ok(Completed::LinkSpent);
    }
    let signup = confirmed;
    // The domain may have been taken off the list since the link was mailed.
    if !ctx.admin.settings.signup.allows(&signup.email) {
        return Ok(Completed::LinkSpent);
    }
    let created = users::create(
        &ctx.admin.db,
        NewUser {
            username: signup.email.clone(),
            email: signup.email.clone(),
            first_name: signup.first_name,
            last_name: signup.last_name,
            display_name: String::new(),
            password_hash: Some(password_hash),
            groups: ctx
                .admin
                .settings
                .groups
                .with_domain_groups(&signup.email, Vec::new()),
            locale: signup.locale,
        },
    )
    .await;
    let user = match created {
        Ok(u) => u,
        Err(DbError::Conflict(_)) => return Ok(Completed::LinkSpent),
        Err(e) => return Err(e.into()),
    };
    ctx.acting_as(format!("user:{}", user.username))
        .audit(
            "user_created",
            Some(&user),
            "success",
            json!({"via": "signup", "email": user.email}),
        )
        .await?;
    Ok(Completed::Created(user))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whatever the form takes, the account can be made with: a name with a
    /// control character or a noncharacter is refused here, before a link is
    /// mailed, not when its owner follows it.
    #[test]
    fn names_the_account_could_not_have_are_refused() {
        assert!(Signup::parse("a@b.example", "Carol", "Doe").is_ok());
        for bad in ["Carol\u{FFFE}", "Carol\u{7}", "Ca\u{FDD0}rol"] {
            assert_eq!(
                Signup::parse("a@b.example", bad, "Doe"),
                Err(Invalid::NamesTooLong),
                "{bad:?}"
            );
        }
        assert_eq!(
            Signup::parse("a@b.example", " ", "Doe"),
            Err(Invalid::NamesMissing)
        );
        assert_eq!(
            Signup::parse("o'brien@b.example", "Carol", "Doe"),
            Err(Invalid::Email),
            "no username could hold it"
        );
    }
}
