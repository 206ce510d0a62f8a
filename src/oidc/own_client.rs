//! Pages of this provider that sign people in as a relying party of this very
//! provider (the admin console, the account page): a public client with PKCE
//! and a nonce, so the normal authorization endpoint runs the login and any
//! step-up. The callback redeems the code from the store with the checks of the
//! token endpoint (client, redirect URI, PKCE, nonce) and hands back the user
//! and what the login proved; each page then decides who may enter.

use std::time::Duration;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use crate::auth::sealing::SecretBox;
use crate::config::Settings;
use crate::db::clients::{self, AuthMethod, Client, NewClient};
use crate::db::users::{self, User};
use crate::error::Failure;
use crate::keys::SigningAlg;
use crate::oidc::session::Sessions;
use crate::oidc::token::{CodeGrant, TokenCtx, authorization_code::pkce_matches, redeem_code};
use crate::secrets;
use crate::store::Store;

/// What a sign-in through our own `/authorize` uses: the page's client, the
/// store for its sessions, and the token endpoint's checks to redeem its code.
pub struct SignInCtx<'a> {
    pub settings: &'a Settings,
    pub db: &'a DatabaseConnection,
    pub store: &'a Store,
    pub sessions: &'a Sessions,
    pub token: TokenCtx<'a>,
    /// Seals a pending sign-in into the browser's login cookie.
    pub sealer: &'a SecretBox,
}

/// One page that signs in through `/authorize`.
#[derive(Debug, Clone, Copy)]
pub struct OwnClient<'a> {
    /// The registered client's name; also keys its pending sign-ins.
    pub name: &'static str,
    /// Where `/authorize` sends the browser back (path below the issuer).
    pub callback: &'static str,
    /// The level every sign-in of this client must reach, if any.
    pub minimum_acr: Option<&'a str>,
}

const LOGIN_TTL: Duration = Duration::from_secs(15 * 60);

/// A sign-in between [`OwnClient::begin`] and [`OwnClient::finish`]. It is
/// kept in the browser's login cookie, sealed (AES-256-GCM under the
/// instances' shared secrets key), not in the store: opening these pages
/// without signing in keeps nothing on the server, so a flood of them takes
/// no room that signed-in users need, and the page can start a sign-in
/// whatever the store holds. The browser cannot read or change it; the code
/// it goes with is single-use and bound to its PKCE challenge and nonce.
#[derive(Serialize, Deserialize)]
struct PendingLogin {
    state: String,
    verifier: String,
    nonce: String,
    /// Unix seconds after which the sign-in is refused.
    expires: i64,
}

impl OwnClient<'_> {
    pub fn redirect_uri(&self, ctx: &SignInCtx<'_>) -> String {
        ctx.settings.endpoint(self.callback)
    }

    /// What a sealed pending sign-in of this client starts with: a sealed
    /// value of another kind, or of another of our pages, never opens as one.
    fn seal_label(&self) -> String {
        format!("ownlogin\0{}\0", self.name)
    }

    fn seal(&self, ctx: &SignInCtx<'_>, pending: &PendingLogin) -> Result<String, Failure> {
        let mut plain = self.seal_label().into_bytes();
        serde_json::to_writer(&mut plain, pending).map_err(|e| Failure::Internal(e.to_string()))?;
        Ok(ctx.sealer.seal(&plain))
    }

    fn open(&self, ctx: &SignInCtx<'_>, sealed: &str) -> Option<PendingLogin> {
        let plain = ctx.sealer.open(sealed).ok()?;
        let json = plain.strip_prefix(self.seal_label().as_bytes())?;
        serde_json::from_slice(json).ok()
    }

    /// The client registration, created on first use. Never a dynamically
    /// registered one: anyone with the registration token can copy a name and
    /// a redirect URI, and would then manage our page's client (RFC 7592).
    pub async fn client(&self, ctx: &SignInCtx<'_>) -> Result<Client, Failure> {
        let cb = self.redirect_uri(ctx);
        let existing = clients::list(ctx.db).await?.into_iter().find(|c| {
            !c.profile.dynamic
                && c.name == self.name
                && c.redirect_uris == [cb.clone()]
                && c.minimum_acr.as_deref() == self.minimum_acr
        });
        if let Some(c) = existing {
            return Ok(c);
        }
        let acr = self.minimum_acr.map(str::to_owned);
        let (c, _) = clients::create(
            ctx.db,
            NewClient {
                name: self.name.into(),
                redirect_uris: vec![cb],
                post_logout_redirect_uris: vec![],
                auth_method: AuthMethod::None,
                id_token_alg: SigningAlg::ES256,
                default_acr_values: acr.iter().cloned().collect(),
                minimum_acr: acr,
                scopes: vec![],
            },
        )
        .await?;
        Ok(c)
    }

    /// Starts a sign-in: returns the value of the browser's login cookie (the
    /// sealed pending sign-in) and the authorization URL to send the browser
    /// to. `extra` adds request parameters such as `acr_values` or `max_age`.
    pub async fn begin(
        &self,
        ctx: &SignInCtx<'_>,
        extra: &[(&str, &str)],
    ) -> Result<(String, String), Failure> {
        let client = self.client(ctx).await?;
        let login_state = secrets::random_token(24);
        let verifier = secrets::random_token(48);
        let nonce = secrets::random_token(16);
        let challenge =
            secrets::b64url(&<sha2::Sha256 as sha2::Digest>::digest(verifier.as_bytes()));
        let sealed = self.seal(
            ctx,
            &PendingLogin {
                state: login_state.clone(),
                verifier,
                nonce: nonce.clone(),
                expires: chrono::Utc::now().timestamp() + LOGIN_TTL.as_secs() as i64,
            },
        )?;
        let redirect = self.redirect_uri(ctx);
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", client.client_id.as_str()),
            ("redirect_uri", redirect.as_str()),
            ("scope", "openid profile"),
            ("state", login_state.as_str()),
            ("nonce", nonce.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        let query =
            serde_urlencoded::to_string(params).map_err(|e| Failure::Internal(e.to_string()))?;
        Ok((
            sealed,
            ctx.settings.endpoint(&format!("/authorize?{query}")),
        ))
    }

    /// Finishes a sign-in: the active user and the redeemed grant (its acr,
    /// evidence and session epoch), or why it is refused (start again).
    pub async fn finish(
        &self,
        ctx: &SignInCtx<'_>,
        login_cookie: Option<&str>,
        returned_state: &str,
        code: &str,
    ) -> Result<Result<(User, CodeGrant), &'static str>, Failure> {
        // The state must come back to the browser that started (RFC 6749 §10.12).
        let Some(pending) = login_cookie
            .and_then(|c| self.open(ctx, c))
            .filter(|p| secrets::ct_eq(&p.state, returned_state))
        else {
            return Ok(Err("this sign-in was not started in this browser"));
        };
        if pending.expires < chrono::Utc::now().timestamp() {
            return Ok(Err("this sign-in expired; please start again"));
        }
        let client = self.client(ctx).await?;
        let Ok(grant) = redeem_code(&ctx.token, code, &client.client_id).await? else {
            return Ok(Err("the code is invalid, expired or already used"));
        };
        let checks = grant.client_id == client.client_id
            && grant.redirect_uri == self.redirect_uri(ctx)
            && grant
                .code_challenge
                .as_deref()
                .is_some_and(|c| pkce_matches(&pending.verifier, c))
            && grant
                .nonce
                .as_deref()
                .is_some_and(|n| secrets::ct_eq(n, &pending.nonce));
        if !checks {
            return Ok(Err("the code does not belong to this sign-in"));
        }
        match users::find_by_id(ctx.db, &grant.user_id)
            .await?
            .filter(|u| u.active && u.session_epoch == grant.epoch)
        {
            Some(user) => Ok(Ok((user, grant))),
            None => Ok(Err("the user is no longer active")),
        }
    }
}
