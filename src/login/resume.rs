//! One resume per request: the pending login, its client, the browser session,
//! the user and their factors are loaded once, and one [`NextStep`] is decided.
//! The handlers get everything they need from the returned [`Resumed`] and load
//! none of it again.

use std::net::IpAddr;

use super::error::LoginError;
use super::next_step::{self, Method, NextStep, Post, Proven, View};
use super::party::Party;
use super::pending::{PendingLogin, Return};
use crate::auth::stepup::Freshness;
use crate::db::consents;
use crate::db::users::{FactorsPresent, User};
use crate::error::Failure;
use crate::login::LoginCtx;
use crate::oidc::error::AuthzError;
use crate::oidc::flow::{self, Capabilities};
use crate::oidc::session::{BrowserSession, Pending, Sessions};
use crate::oidc::{interaction, login_policy, now_ms};

/// One request of a browser, as the login engine sees it.
#[derive(Debug, Clone, Default)]
pub struct Visit {
    /// The session cookie's value.
    pub session: Option<String>,
    /// The browser cookie's value ([`crate::oidc::session::BROWSER_COOKIE`]).
    pub browser: Option<String>,
    /// The client address; None when unknown.
    pub ip: Option<IpAddr>,
}

/// What the request came for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// The page of the current step.
    Page { method: Option<Method> },
    /// A post; if it is refused, its form comes back with a message.
    Post(Post, Option<Method>),
}

/// A browser signed in to the pending login's account.
pub struct SignedIn {
    pub cookie: String,
    /// Stamped with this request's address: a factor proven now carries it.
    pub session: BrowserSession,
    pub user: User,
    pub caps: Capabilities,
}

pub struct Resumed {
    pub login: PendingLogin,
    /// The OpenID Connect client or SAML service provider of the login.
    pub party: Party,
    /// The cookie this request's forms bind to: the browser's session cookie
    /// when it names a session (signed in or not) or one renewed moments ago.
    pub session_cookie: Option<String>,
    /// Present at every second-factor step.
    pub signed_in: Option<SignedIn>,
    /// What comes next; a finished login has been taken from the store.
    pub next: NextStep,
    /// The step takes the post this request made.
    pub taken: bool,
}

impl Resumed {
    /// The signed-in browser, or the page to start over.
    pub fn signed_in(self) -> Result<(NextStep, SignedIn), LoginError> {
        match self.signed_in {
            Some(s) => Ok((self.next, s)),
            None => Err(LoginError::Expired),
        }
    }
}

/// The pending login `id` if this browser started it; else the page that says
/// why not (status 400), never the login form.
pub async fn pending(
    ctx: &LoginCtx<'_>,
    id: &str,
    visit: &Visit,
) -> Result<PendingLogin, LoginError> {
    match ctx.sessions.pending(id, visit.browser.as_deref()).await? {
        Pending::Found(login) => Ok(*login),
        Pending::Missing => Err(LoginError::Expired),
        Pending::OtherBrowser => {
            tracing::warn!("a pending sign-in was opened from another browser");
            Err(LoginError::OtherBrowser)
        }
    }
}

/// What the password form of a pending login needs: the login, its client's
/// name, and the browser's session when it has one (cookie and session).
pub struct AtLogin {
    pub login: PendingLogin,
    pub client_name: String,
    /// The relying party's logo, for its login page.
    pub client_logo: Option<String>,
    pub session: Option<(String, BrowserSession)>,
    /// The cookie the form binds to (see [`Resumed::session_cookie`]).
    pub form_cookie: Option<String>,
}

/// Loads what a password post works with, once.
pub async fn at_login(ctx: &LoginCtx<'_>, id: &str, visit: &Visit) -> Result<AtLogin, LoginError> {
    let login = pending(ctx, id, visit).await?;
    let party = Party::of(ctx, &login).await?;
    let client_name = party
        .as_ref()
        .map(|p| p.name().to_owned())
        .unwrap_or_default();
    let client_logo = party.as_ref().and_then(|p| p.logo().map(str::to_owned));
    let (session, form_cookie) = load_session(ctx, visit).await?;
    Ok(AtLogin {
        login,
        client_name,
        client_logo,
        session,
        form_cookie,
    })
}

/// The browser's session with its cookie, and the cookie its forms bind to.
/// A cookie another tab's request renewed moments ago is signed out here, but
/// kept for the forms: a new cookie in this answer would overwrite the renewed
/// one the browser holds by now.
async fn load_session(
    ctx: &LoginCtx<'_>,
    visit: &Visit,
) -> Result<(Option<(String, BrowserSession)>, Option<String>), LoginError> {
    let Some(c) = &visit.session else {
        return Ok((None, None));
    };
    let found = ctx.sessions.lookup(c).await?;
    let form_cookie = Sessions::form_cookie(Some(c), &found);
    Ok((found.live().map(|s| (c.clone(), s)), form_cookie))
}

/// Loads the pending login `id` and everything it depends on once, decides what
/// comes next, and completes a finished login exactly once.
pub async fn resume(
    ctx: &LoginCtx<'_>,
    id: &str,
    visit: &Visit,
    expect: Expect,
) -> Result<Resumed, LoginError> {
    let login = pending(ctx, id, visit).await?;
    resume_loaded(ctx, id, login, visit, expect).await
}

/// [`resume`] for a request that has loaded the pending login `id` already
/// (the password post, which read it to check its form): the same decision
/// without reading it again. Finishing still takes it from the store, so a
/// login another tab finished in the meantime is not finished twice.
pub async fn resume_loaded(
    ctx: &LoginCtx<'_>,
    id: &str,
    login: PendingLogin,
    visit: &Visit,
    expect: Expect,
) -> Result<Resumed, LoginError> {
    let party = Party::of(ctx, &login)
        .await?
        .ok_or(LoginError::ClientGone)?;
    let (session, form_cookie) = load_session(ctx, visit).await?;
    let (view, post) = match expect {
        Expect::Page { method } => (
            View {
                method,
                retry: false,
            },
            None,
        ),
        Expect::Post(post, method) => (
            View {
                method,
                retry: true,
            },
            Some(post),
        ),
    };
    let (next, user) = evaluate(
        ctx,
        &login,
        &party,
        session.as_ref().map(|(_, s)| s),
        visit.ip,
        view,
    )
    .await?;
    if let NextStep::Finish(_) = next
        && ctx.sessions.take_pending(id).await?.is_none()
    {
        // Another tab finished this login first: one login, one answer.
        return Err(LoginError::Expired);
    }
    let session_cookie = form_cookie;
    let signed_in = match (session, user) {
        (Some((cookie, mut session)), Some((user, caps))) => {
            // A factor proven in this request is stamped with its address.
            session.from = visit.ip;
            Some(SignedIn {
                cookie,
                session,
                user,
                caps,
            })
        }
        _ => None,
    };
    let taken = post.is_some_and(|p| next.takes(p));
    Ok(Resumed {
        login,
        party,
        session_cookie,
        signed_in,
        next,
        taken,
    })
}

/// What the account can prove here and whether it may enroll now.
pub fn capabilities(ctx: &LoginCtx<'_>, user: &User, present: FactorsPresent) -> Capabilities {
    Capabilities {
        has_totp: present.totp,
        has_webauthn: ctx.webauthn.is_some() && present.webauthn,
        unusable_webauthn: ctx.webauthn.is_none() && present.webauthn,
        // Every address on an account was given by an administrator, an import
        // or a followed sign-up link: with mailed codes on, it is a factor.
        has_email: ctx.settings.factors.email_otp && user.email.contains('@'),
        // `[factors]` decides which kinds may be added; a factor already
        // enrolled stays usable when its kind is switched off later.
        can_enroll_totp: ctx.settings.enrollment_allowed && ctx.settings.factors.totp,
        can_enroll_webauthn: ctx.settings.enrollment_allowed
            && ctx.settings.factors.webauthn
            && ctx.webauthn.is_some(),
    }
}

/// Decides where `login` stands from the session's proofs, loading the user with
/// their factors (once); a finished login gets its answer from its [`Return`].
/// `current` is the address of the request being served.
pub async fn evaluate(
    ctx: &LoginCtx<'_>,
    login: &PendingLogin,
    party: &Party,
    session: Option<&BrowserSession>,
    current: Option<IpAddr>,
    view: View,
) -> Result<(NextStep, Option<(User, Capabilities)>), Failure> {
    let Some((session, user_id)) = session.and_then(|s| s.user_id.clone().map(|u| (s, u))) else {
        return Ok((NextStep::ShowLogin, None));
    };
    // OIDC Core §3.1.2.1: the relying party expects a certain user; a session of
    // someone else never answers for them.
    if login
        .expected_user
        .as_deref()
        .is_some_and(|expected| expected != user_id)
    {
        return Ok((NextStep::ShowLogin, None));
    }
    ctx.user_loads.count();
    let Some((user, present)) = ctx
        .directory
        .user(ctx.db, ctx.store, &user_id)
        .await?
        .filter(|(u, _)| session.belongs_to(u))
    else {
        return Ok((NextStep::ShowLogin, None));
    };
    let caps = capabilities(ctx, &user, present);
    let ips = login_policy::addresses(login, Some(session), current);
    let floor = login_policy::floor(ctx, party, &user, &ips).await?;
    let target = match flow::choose_target(&login.acr, floor.level, &ctx.settings.acr, &caps) {
        Ok(t) => t,
        Err(e) => {
            let code = e.code.as_str();
            login_policy::audit(ctx, login, &user, &floor, floor.level, code, None).await?;
            let url = refuse(ctx, &login.ret, party, &e, Some(session)).await?;
            return Ok((NextStep::Finish(url), Some((user, caps))));
        }
    };
    let fresh = Freshness::new(
        now_ms(),
        login.not_before_ms,
        ctx.settings.step_up_ttl.map(|d| d.as_millis() as i64),
    );
    let next = match next_step::decide(&target, &session.proofs, &caps, &fresh, view) {
        NextStep::Finish(_) if !consented(ctx, login, party, &user).await? => NextStep::Consent,
        NextStep::Finish(proven) => {
            let acr = Some(proven.acr.as_str());
            login_policy::audit(ctx, login, &user, &floor, target.level, "issued", acr).await?;
            NextStep::Finish(finish(ctx, login, party, &user, session, proven).await?)
        }
        other => other.map_finish(|_| String::new()),
    };
    Ok((next, Some((user, caps))))
}

/// Whether the relying party may have what the login asks for without asking
/// the user: always for an operator's client or service provider; for a
/// self-registered client, once the user allowed every scope it asks for (and,
/// with `prompt=consent`, allowed it during this request).
pub async fn consented(
    ctx: &LoginCtx<'_>,
    login: &PendingLogin,
    party: &Party,
    user: &User,
) -> Result<bool, Failure> {
    match (party, &login.ret) {
        (Party::Oidc(client), Return::Oidc(ret)) if client.profile.dynamic => Ok(consents::covers(
            ctx.db,
            &user.id,
            &client.client_id,
            &ret.consent_scopes(),
            ret.consent_after_ms,
        )
        .await?),
        _ => Ok(true),
    }
}

/// Hands a finished login back to its front door: where the browser goes now.
async fn finish(
    ctx: &LoginCtx<'_>,
    login: &PendingLogin,
    party: &Party,
    user: &User,
    session: &BrowserSession,
    proven: Proven,
) -> Result<String, Failure> {
    match (&login.ret, party) {
        (Return::Oidc(ret), Party::Oidc(client)) => {
            interaction::code_redirect(ctx, ret, client, user, session, proven).await
        }
        (Return::Saml(ret), Party::Saml(sp)) => {
            crate::saml::front::answer(ctx, ret, sp, user, session, proven).await
        }
        _ => Err(Failure::Internal(
            "a login returns to a party of another protocol".into(),
        )),
    }
}

/// Where a login that cannot be met goes: back to its front door with an error
/// (an OpenID Connect error redirect, a SAML NoAuthnContext response).
/// `session` is the signed-in session the answer is bound to.
pub async fn refuse(
    ctx: &LoginCtx<'_>,
    ret: &Return,
    party: &Party,
    e: &AuthzError,
    session: Option<&BrowserSession>,
) -> Result<String, Failure> {
    match (ret, party) {
        (Return::Saml(ret), Party::Saml(sp)) => {
            tracing::info!(reason = %e.description, "SAML login refused: NoAuthnContext");
            let status = crate::saml::Status::NoAuthnContext;
            crate::saml::front::refusal(ctx, ret, sp, status, session).await
        }
        (Return::Oidc(ret), _) => Ok(interaction::error_url(ctx, &ret.return_to, e)),
        (Return::Saml(_), _) => Err(Failure::Internal(
            "a login returns to a party of another protocol".into(),
        )),
    }
}
