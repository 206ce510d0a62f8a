//! The SAML front door of the login engine: an AuthnRequest becomes a
//! [`PendingLogin`] for the service provider (its entity ID stands where an
//! OpenID Connect login has its client ID, so the SP's minimum level and the
//! policy rules naming it apply), and a finished login becomes a signed Response
//! posted to the registered ACS URL.
//!
//! A Response is never put in a URL: it is kept in the store under a random,
//! single-use id bound to the browser session it was made for, and the page at
//! `/saml/post/{id}` posts it ([`take_post`]). Nothing is ever posted anywhere
//! but an ACS URL registered for the SP that asked.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use super::levels::{self, Asked};
use super::request::{self, Binding};
use super::response::{self, Assertion, Envelope, Status};
use super::{BINDING_POST, entity_id};
use crate::auth::limiter::{self, Bucket};
use crate::db::saml_sps::{NameIdKind, ServiceProvider};
use crate::db::users::{self, User};
use crate::error::Failure;
use crate::login::next_step::{Proven, View};
use crate::login::resume::evaluate;
use crate::login::{
    LoginCtx, LoginError, NextStep, Party, PendingLogin, Return, SamlReturn, Visit,
};
use crate::oidc::interaction::Started;
use crate::oidc::{now_ms, session::BrowserSession};
use crate::secrets;

/// How long an assertion may be presented, and how long its post waits.
const LIFETIME_S: i64 = 300;
/// NotBefore lies this far in the past, for service providers whose clock is behind.
const SKEW_S: i64 = 60;
/// SAML bindings §3.4.3 asks for at most 80 bytes; real SPs send more.
pub const MAX_RELAY_STATE: usize = 1024;

/// A Response ready to be posted to an ACS URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostForm {
    pub acs_url: String,
    /// Base64 of the Response XML.
    pub saml_response: String,
    pub relay_state: Option<String>,
}

/// What an AuthnRequest leads to.
pub enum SsoAnswer {
    /// Post this now (a refusal that needs no session: NoPassive, NoAuthnContext).
    Post(PostForm),
    /// Go to this URL (a finished login's post page).
    Redirect(String),
    /// The login goes to a page.
    Started(Started),
}

#[derive(Serialize, Deserialize)]
struct PostRecord {
    form: PostForm,
    /// The `sid` of the browser session the Response was made for.
    sid: String,
}

fn post_key(id: &str) -> String {
    format!("samlpost:{}", secrets::digest(id))
}

/// Parses and checks the request, then decides it like an authorization request.
pub async fn sso(
    ctx: &LoginCtx<'_>,
    binding: Binding,
    saml_request: &str,
    relay_state: Option<String>,
    visit: &Visit,
) -> Result<SsoAnswer, LoginError> {
    let bad = |e: super::SamlError| LoginError::BadSamlRequest(e.to_string());
    if relay_state
        .as_ref()
        .is_some_and(|r| r.len() > MAX_RELAY_STATE)
    {
        return Err(LoginError::BadSamlRequest(
            "The RelayState is too long.".into(),
        ));
    }
    let xml = request::decode(binding, saml_request).map_err(bad)?;
    let req = request::parse(&xml).map_err(bad)?;
    let Some(sp) = ctx.cache.service_provider(ctx.db, &req.issuer).await? else {
        tracing::warn!("SAML request from an unknown service provider");
        return Err(LoginError::BadSamlRequest(
            "This service provider is not registered here.".into(),
        ));
    };
    let acs_url = match &req.acs_url {
        Some(u) if sp.has_acs_url(u) => u.clone(),
        Some(_) => {
            tracing::warn!(sp = %sp.entity_id, "SAML request names an unregistered ACS URL");
            return Err(LoginError::BadSamlRequest(
                "The AssertionConsumerServiceURL of this request is not registered for its service provider.".into(),
            ));
        }
        None => sp.default_acs_url().unwrap_or_default().to_owned(),
    };
    if req
        .protocol_binding
        .as_deref()
        .is_some_and(|b| b != BINDING_POST)
    {
        return Err(LoginError::BadSamlRequest(
            "Only the HTTP-POST binding is supported for responses.".into(),
        ));
    }
    let mut ret = SamlReturn {
        acs_url,
        request_id: req.id.clone(),
        relay_state,
        class_refs: Vec::new(),
    };
    let acr = match levels::acr_request(req.requested.as_ref(), &ctx.settings.acr) {
        Asked::Acr(acr, class_refs) => {
            ret.class_refs = class_refs;
            acr
        }
        Asked::Unmeetable => {
            return unasked_failure(ctx, &ret, &sp, Status::NoAuthnContext, visit).await;
        }
    };
    let expected_user = match &req.subject {
        Some(name_id) => {
            match subject_user(ctx, &sp, name_id, req.subject_format.as_deref()).await? {
                Some(id) => Some(id),
                None => {
                    return unasked_failure(ctx, &ret, &sp, Status::UnknownPrincipal, visit).await;
                }
            }
        }
        None => None,
    };
    let now = now_ms();
    let login = PendingLogin {
        client_id: sp.entity_id.clone(),
        acr,
        // SAML core §3.4.1: ForceAuthn asks for a fresh authentication.
        not_before_ms: if req.force_authn { now } else { 0 },
        started_from: visit.ip,
        login_hint: None,
        ui_locales: None,
        expected_user,
        idp_hint: None,
        ret: Return::Saml(ret.clone()),
    };
    let session = match &visit.session {
        Some(c) => ctx.sessions.load(c).await?,
        None => None,
    };
    let party = Party::Saml(sp.clone());
    let (next, _) = evaluate(
        ctx,
        &login,
        &party,
        session.as_ref(),
        visit.ip,
        View::default(),
    )
    .await?;
    match next {
        NextStep::Finish(url) => Ok(SsoAnswer::Redirect(url)),
        // SAML core §3.4.1: IsPassive never shows a page.
        _ if req.is_passive => unasked_failure(ctx, &ret, &sp, Status::NoPassive, visit).await,
        _ => Ok(SsoAnswer::Started(
            crate::oidc::interaction::start(ctx, &login, visit).await?,
        )),
    }
}

fn post_form(ret: &SamlReturn, xml: &str) -> PostForm {
    PostForm {
        acs_url: ret.acs_url.clone(),
        saml_response: STANDARD.encode(xml.as_bytes()),
        relay_state: ret.relay_state.clone(),
    }
}

fn envelope<'a>(ret: &'a SamlReturn, idp: &'a str) -> Envelope<'a> {
    Envelope {
        issuer: idp,
        destination: &ret.acs_url,
        in_response_to: Some(&ret.request_id),
        now: chrono::Utc::now().timestamp(),
    }
}

/// Stands for a principal no user here has: nobody's sign-in answers it.
const NOBODY: &str = "nameid:unknown";

/// SAML core §3.4.1: a request naming its subject is answered for that
/// principal only, never for whoever else this browser is signed in as. The
/// user the NameID names: an email address in the `emailAddress` format; in
/// the `unspecified` format (or none), what this SP receives as NameID, else
/// the other of email and username. A name no active user has gets the same
/// page, a login that nobody's sign-in can finish, so that an unsigned
/// request cannot tell which names exist. None: a format we do not resolve
/// (persistent, transient …), refused whatever the name.
async fn subject_user(
    ctx: &LoginCtx<'_>,
    sp: &ServiceProvider,
    name_id: &str,
    format: Option<&str>,
) -> Result<Option<String>, Failure> {
    let by_email = || crate::db::user_admin::find_by_email(ctx.db, name_id);
    let by_username = || users::find_by_username(ctx.db, name_id);
    let user = match (format.map(str::trim), sp.nameid) {
        (Some(super::NAMEID_EMAIL), _) => by_email().await?,
        (None | Some(super::NAMEID_UNSPECIFIED), NameIdKind::Email) => match by_email().await? {
            Some(u) => Some(u),
            None => by_username().await?,
        },
        (None | Some(super::NAMEID_UNSPECIFIED), NameIdKind::Username) => {
            match by_username().await? {
                Some(u) => Some(u),
                None => by_email().await?,
            }
        }
        (Some(_), _) => return Ok(None),
    };
    Ok(Some(
        user.filter(|u| u.active)
            .map_or_else(|| NOBODY.to_owned(), |u| u.id),
    ))
}

/// How many signed failures one address may have per minute (IPv6 per /64).
/// An AuthnRequest needs no signature and no sign-in, but each failure it
/// asks for (NoPassive, NoAuthnContext, UnknownPrincipal) costs a signature:
/// without a bound, anyone could keep the signing key busy. A request beyond
/// it gets an error page and nothing is signed.
pub const SIGNED_FAILURES_PER_MINUTE: u64 = 120;

/// A signed failure Response to a request, posted at once, within the
/// address's [`SIGNED_FAILURES_PER_MINUTE`]. Counted before signing and never
/// taken back, so a parallel burst gets no more signatures than a slow one.
async fn unasked_failure(
    ctx: &LoginCtx<'_>,
    ret: &SamlReturn,
    sp: &ServiceProvider,
    status: Status,
    visit: &Visit,
) -> Result<SsoAnswer, LoginError> {
    let bucket = Bucket::per(
        "saml-failure",
        &limiter::address_subject(visit.ip),
        SIGNED_FAILURES_PER_MINUTE,
        std::time::Duration::from_secs(60),
    );
    let Some(counted) = limiter::admit_anonymous(ctx.store, &[bucket]).await? else {
        tracing::warn!(sp = %sp.entity_id, "SAML failure responses refused: too many from this address");
        return Err(LoginError::TooMany);
    };
    counted.failed();
    let xml = failure(ctx, ret, sp, status)?;
    Ok(SsoAnswer::Post(post_form(ret, &xml)))
}

/// A signed failure Response.
fn failure(
    ctx: &LoginCtx<'_>,
    ret: &SamlReturn,
    sp: &ServiceProvider,
    status: Status,
) -> Result<String, Failure> {
    let idp = entity_id(ctx.settings.issuer_str());
    let keys = ctx.saml_keys.current();
    response::response(&envelope(ret, &idp), status, None, sp.sign, &keys.active)
        .map_err(|e| Failure::Internal(e.to_string()))
}

/// Keeps `form` for the browser session `sid`; the URL of the page posting it.
async fn park(ctx: &LoginCtx<'_>, form: PostForm, sid: &str) -> Result<String, Failure> {
    let id = secrets::random_token(32);
    let record = PostRecord {
        form,
        sid: sid.to_owned(),
    };
    let ttl = std::time::Duration::from_secs(LIFETIME_S as u64);
    ctx.store.put_json(&post_key(&id), &record, ttl).await?;
    Ok(format!("{}/saml/post/{id}", ctx.settings.issuer_path()))
}

/// The post parked under `id`, taken once by the browser whose session cookie
/// is `session`. Another browser (another session) gets nothing, and the post
/// stays for its owner. Nor does a session whose user was disabled, reset or
/// signed out since the answer was made (a new session epoch), as a code
/// would not be redeemed then either.
pub async fn take_post(
    ctx: &LoginCtx<'_>,
    id: &str,
    session: Option<&str>,
) -> Result<Option<PostForm>, Failure> {
    let browser = match session {
        Some(c) => ctx.sessions.load(c).await?,
        None => None,
    };
    let sid = browser.as_ref().map(|s| s.sid.as_str());
    let key = post_key(id);
    let Some(record) = ctx.store.get_json::<PostRecord>(&key).await? else {
        return Ok(None);
    };
    if !sid.is_some_and(|s| secrets::ct_eq(s, &record.sid)) {
        tracing::warn!("a SAML response was asked for from another browser session");
        return Ok(None);
    }
    let user = match browser.as_ref().and_then(|b| b.user_id.as_deref()) {
        Some(id) => ctx.directory.find_user(ctx.db, ctx.store, id).await?,
        None => None,
    };
    if !browser.is_some_and(|b| user.is_some_and(|u| b.belongs_to(&u))) {
        tracing::warn!("a SAML response was asked for after its user's sessions ended");
        ctx.store.delete(&key).await?;
        return Ok(None);
    }
    Ok(ctx
        .store
        .take_json::<PostRecord>(&key)
        .await?
        .map(|r| r.form))
}

/// A refusal of a signed-in login (the level cannot be met): its post page.
pub async fn refusal(
    ctx: &LoginCtx<'_>,
    ret: &SamlReturn,
    sp: &ServiceProvider,
    status: Status,
    session: Option<&BrowserSession>,
) -> Result<String, Failure> {
    let Some(session) = session else {
        return Err(Failure::Internal(
            "a SAML refusal without its session".into(),
        ));
    };
    let xml = failure(ctx, ret, sp, status)?;
    park(ctx, post_form(ret, &xml), &session.sid).await
}

/// A finished login as a signed Response for `sp`: the URL of its post page.
pub async fn answer(
    ctx: &LoginCtx<'_>,
    ret: &SamlReturn,
    sp: &ServiceProvider,
    user: &User,
    session: &BrowserSession,
    proven: Proven,
) -> Result<String, Failure> {
    let groups = users::groups_of(ctx.db, &user.id).await?;
    let authn_ms = proven
        .evidence
        .iter()
        .map(|p| p.at)
        .max()
        .unwrap_or_else(now_ms);
    let class_ref = levels::class_ref_for(&proven.acr, &ret.class_refs, &ctx.settings.acr);
    let name_id = match sp.nameid {
        NameIdKind::Email => user.email.as_str(),
        NameIdKind::Username => user.username.as_str(),
    };
    let assertion = Assertion {
        audience: &sp.entity_id,
        name_id_format: sp.nameid.format(),
        name_id,
        session_index: &session.sid,
        authn_instant: authn_ms / 1000,
        class_ref: &class_ref,
        attributes: vec![
            ("email", vec![user.email.clone()]),
            ("firstName", vec![user.first_name.clone()]),
            ("lastName", vec![user.last_name.clone()]),
            ("displayName", vec![user.full_name()]),
            ("groups", groups),
        ],
        lifetime: LIFETIME_S,
        skew: SKEW_S,
    };
    let idp = entity_id(ctx.settings.issuer_str());
    let keys = ctx.saml_keys.current();
    let xml = response::response(
        &envelope(ret, &idp),
        Status::Success,
        Some(&assertion),
        sp.sign,
        &keys.active,
    )
    .map_err(|e| Failure::Internal(e.to_string()))?;
    park(ctx, post_form(ret, &xml), &session.sid).await
}
