//! What the login engine works with: the pieces of the application a login
//! touches (sessions, the store, the repositories, the limiter's store, password
//! verification, mail, audit, keys), and nothing else. The HTTP layer cuts it
//! from its state per request; every front door shares it.

use sea_orm::DatabaseConnection;

use crate::auth::password;
use crate::auth::sealing::SecretBox;
use crate::config::Settings;
use crate::db::audit_writer::AuditWriter;
use crate::db::cache::ReadCache;
use crate::db::login_stamps::LoginStamps;
use crate::db::users::{self, LoadCounter};
use crate::error::Failure;
use crate::i18n::Lang;
use crate::keys::KeyRing;
use crate::mail::Mailer;
use crate::oidc::session::Sessions;
use crate::store::Store;

#[derive(Clone, Copy)]
pub struct LoginCtx<'a> {
    pub settings: &'a Settings,
    pub db: &'a DatabaseConnection,
    /// The ephemeral store: lock-out counters, ceremonies, codes.
    pub store: &'a Store,
    /// Seals authorization codes (with their expiry) and access tokens.
    pub access: &'a crate::oidc::token::access::AccessTokens,
    pub sessions: &'a Sessions,
    /// Clients and stored policy rules.
    pub cache: &'a ReadCache,
    /// Users with their factors and groups, without a database read while unchanged.
    pub directory: &'a crate::directory::Directory,
    /// Sign-in audit rows, written in batches.
    pub audit: &'a AuditWriter,
    /// Sign-in times, written to the users a moment later.
    pub stamps: &'a LoginStamps,
    /// Counts loads of a user with their factors (one per request).
    pub user_loads: &'a LoadCounter,
    /// None when the issuer's host is not a name: no security keys then.
    pub webauthn: Option<&'a webauthn_rs::Webauthn>,
    pub passwords: &'a password::Verifier,
    /// Verified against when a username is unknown, so timing reveals nothing.
    pub dummy_hash: &'a str,
    /// Seals factor secrets at rest.
    pub sealer: &'a SecretBox,
    /// Tells owners about changes to their factors.
    pub mailer: &'a Mailer,
    /// Checks our own ID tokens (`id_token_hint`).
    pub keys: &'a KeyRing,
    /// Signs SAML responses.
    pub saml_keys: &'a crate::saml::SamlKeys,
}

impl LoginCtx<'_> {
    /// Records that `user` signed in, at a password or an upstream: the time
    /// (noted, and written with others within a second), and the language of
    /// the sign-in's pages when it is not the one kept for the user's mails
    /// already; this server's snapshot of the user is told the new language
    /// (the change mark stays: the language decides nothing about a sign-in).
    pub async fn record_login(
        &self,
        user: &users::User,
        lang: Option<Lang>,
    ) -> Result<(), Failure> {
        match lang.filter(|l| user.locale != Some(*l)) {
            // The language is read by the next mail: written now, with the time.
            Some(new_lang) => {
                users::record_login(self.db, &user.id, Some(new_lang)).await?;
                self.directory.note_language(&user.id, new_lang);
            }
            None => self.stamps.stamp(&user.id, crate::db::now()),
        }
        Ok(())
    }
}
