//! The upstream leg of a login: the redirect to the upstream, and its answer
//! at `/upstream/{id}/callback`, which signs the browser in with what the
//! upstream proved and hands the pending login back to the engine.

use std::net::IpAddr;

use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthenticationContextClass, ClientId, ClientSecret, CsrfToken, Nonce, PkceCodeChallenge,
    RedirectUrl, Scope,
};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::level::{self, LevelClaims};
use super::{UpstreamError, Upstreams, accounts};
use crate::auth::acr::Level;
use crate::auth::stepup::{Factor, Proof};
use crate::config::UpstreamSettings;
use crate::db::audit::AuditEvent;
use crate::db::users;
use crate::login::party::Party;
use crate::login::{LoginCtx, PendingLogin, Visit};
use crate::oidc::now_ms;
use crate::oidc::session::BrowserSession;
use crate::secrets;

/// How long a browser may stay at the upstream.
const STATE_TTL: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// What we keep of a redirect to an upstream until its answer, under a digest
/// of the state: single use.
#[derive(Serialize, Deserialize)]
struct StateRecord {
    upstream: String,
    login_id: String,
    /// Digest of the browser cookie that went to the upstream.
    browser: String,
    nonce: String,
    pkce_verifier: String,
}

fn state_key(state: &str) -> String {
    format!("upstream-state:{}", secrets::digest(state))
}

/// The redirect URI of one upstream: a code from one upstream can never be
/// redeemed as another's.
pub fn redirect_uri(ctx: &LoginCtx<'_>, id: &str) -> String {
    ctx.settings.endpoint(&format!("/upstream/{id}/callback"))
}

fn settings<'a>(ctx: &LoginCtx<'a>, id: &str) -> Result<&'a UpstreamSettings, UpstreamError> {
    ctx.settings
        .upstream(id)
        .ok_or_else(|| UpstreamError::Unknown(id.to_owned()))
}

pub(super) fn oidc_client(
    ctx: &LoginCtx<'_>,
    up: &UpstreamSettings,
    metadata: super::Metadata,
) -> Result<
    CoreClient<
        openidconnect::EndpointSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointNotSet,
        openidconnect::EndpointMaybeSet,
        openidconnect::EndpointMaybeSet,
    >,
    UpstreamError,
> {
    let redirect = RedirectUrl::new(redirect_uri(ctx, &up.id))
        .map_err(|e| crate::error::Failure::Internal(e.to_string()))?;
    Ok(CoreClient::from_provider_metadata(
        metadata,
        ClientId::new(up.client_id.clone()),
        up.client_secret
            .as_ref()
            .map(|s| ClientSecret::new(s.expose().to_owned())),
    )
    .set_redirect_uri(redirect))
}

/// The level the relying party asks for, as far as it is known before the user
/// is: what `forward_acr` sends upstream.
fn wanted_level(ctx: &LoginCtx<'_>, login: &PendingLogin, party: Option<&Party>) -> Level {
    let reg = &ctx.settings.acr;
    let asked = login
        .acr
        .values
        .iter()
        .find_map(|v| reg.level_of(v))
        .unwrap_or(Level::Pwd);
    // A minimum that names no level fails the login itself, at its policy floor.
    let floor = party.and_then(|p| p.floor(reg).ok()).unwrap_or(Level::Pwd);
    asked.max(floor).max(ctx.settings.policy.default)
}

/// How often a refusal anyone can cause at will (an upstream that cannot be
/// reached, an answer with no live state) is audited per upstream at most;
/// every one is logged.
const REFUSAL_AUDIT_EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// Starts the upstream leg of pending login `login_id`: the URL to send the
/// browser to. An upstream that cannot be reached is audited like a refused
/// answer, once per [`REFUSAL_AUDIT_EVERY`]: anyone can request the start URL,
/// and each request must not add an audit row while the upstream is down.
pub async fn start(
    ctx: &LoginCtx<'_>,
    ups: &Upstreams,
    login_id: &str,
    upstream_id: &str,
    visit: &Visit,
) -> Result<String, UpstreamError> {
    let out = leave(ctx, ups, login_id, upstream_id, visit).await;
    if let Err(e @ UpstreamError::Unreachable(_)) = &out {
        // Only a configured upstream gets here (`leave` refuses unknown ids
        // first), so these keys are as few as the `[[upstream]]` tables.
        audit_now_and_then(ctx, "upstream_down", upstream_id, visit, e).await?;
    }
    out
}

/// [`audit_refusal`] once per [`REFUSAL_AUDIT_EVERY`] for this kind of
/// refusal at this (configured) upstream; logged the other times.
async fn audit_now_and_then(
    ctx: &LoginCtx<'_>,
    kind: &str,
    upstream_id: &str,
    visit: &Visit,
    e: &UpstreamError,
) -> Result<(), UpstreamError> {
    let key = format!("{kind}:{upstream_id}");
    if ctx.store.first_in(&key, REFUSAL_AUDIT_EVERY).await? {
        audit_refusal(ctx, upstream_id, visit, e).await
    } else {
        tracing::info!(upstream = %upstream_id, reason = e.reason(), "upstream sign-in refused; already audited");
        Ok(())
    }
}

async fn leave(
    ctx: &LoginCtx<'_>,
    ups: &Upstreams,
    login_id: &str,
    upstream_id: &str,
    visit: &Visit,
) -> Result<String, UpstreamError> {
    let up = settings(ctx, upstream_id)?;
    let login = crate::login::resume::pending(ctx, login_id, visit).await?;
    let party = Party::of(ctx, &login).await?;
    let metadata = ups.metadata(up, false).await?;
    let client = oidc_client(ctx, up, metadata)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    // Some providers send amr only when asked (OIDC Core §5.5).
    let claims = serde_json::json!({
        "id_token": {
            "acr": null, "amr": null, "auth_time": {"essential": true},
            "email": null, "email_verified": null,
        }
    });
    let mut req = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            CsrfToken::new_random,
            Nonce::new_random,
        )
        .set_pkce_challenge(challenge)
        .add_extra_param("claims", claims.to_string());
    for s in up.scopes.iter().filter(|s| *s != "openid") {
        req = req.add_scope(Scope::new(s.clone()));
    }
    if up.forward_acr {
        let wanted = wanted_level(ctx, &login, party.as_ref());
        for v in up.acr_values_for(wanted) {
            req = req.add_auth_context_value(AuthenticationContextClass::new(v));
        }
    }
    // max_age and prompt=login here mean a fresh sign-in upstream too.
    if login.not_before_ms > 0 {
        let age = (now_ms() - login.not_before_ms).max(0) / 1000;
        req = req.set_max_age(std::time::Duration::from_secs(age.unsigned_abs()));
    }
    if let Some(hint) = login.login_hint.as_deref().filter(|h| h.contains('@')) {
        req = req.add_extra_param("login_hint", hint.to_owned());
    }
    let (url, state, nonce) = req.url();
    let record = StateRecord {
        upstream: up.id.clone(),
        login_id: login_id.to_owned(),
        browser: secrets::digest(visit.browser.as_deref().unwrap_or_default()),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
    };
    // Anyone may start sign-ins: kept within the store's share for that.
    ctx.store
        .put_json_anonymous(&state_key(state.secret()), &record, STATE_TTL)
        .await?;
    Ok(url.to_string())
}

/// The query of an upstream's answer.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    /// RFC 9207.
    pub iss: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// A browser signed in through an upstream: the pending login to resume and
/// the new session cookie.
pub struct Arrived {
    pub login_id: String,
    pub cookie: String,
}

/// Takes an upstream's answer at `upstream_id`'s callback. Every refusal at
/// a configured upstream is audited (a made-up id from the URL is only
/// logged: it is nobody's sign-in, and would put any text in the actor);
/// nothing is created or linked before every check passed.
/// `accept_language` is the browser's header: with the pending login's
/// `ui_locales` it gives the language kept for the user's mails, as a password
/// sign-in does.
pub async fn callback(
    ctx: &LoginCtx<'_>,
    ups: &Upstreams,
    upstream_id: &str,
    params: CallbackParams,
    visit: &Visit,
    accept_language: Option<&str>,
) -> Result<Arrived, UpstreamError> {
    let out = arrive(ctx, ups, upstream_id, params, visit, accept_language).await;
    if let Err(e) = &out
        && !matches!(e, UpstreamError::Failure(_))
    {
        match e {
            UpstreamError::Unknown(_) => {
                tracing::info!("an answer at the callback of no configured upstream refused");
            }
            // Anyone can send a made-up state.
            UpstreamError::NoState => {
                audit_now_and_then(ctx, "upstream_bad_state", upstream_id, visit, e).await?;
            }
            _ => audit_refusal(ctx, upstream_id, visit, e).await?,
        }
    }
    out
}

/// The `upstream_login` audit event of a refused sign-in, with the reason
/// (and the failed check of a bad ID token).
async fn audit_refusal(
    ctx: &LoginCtx<'_>,
    upstream_id: &str,
    visit: &Visit,
    e: &UpstreamError,
) -> Result<(), UpstreamError> {
    tracing::info!(upstream = %upstream_id, reason = e.reason(), "upstream sign-in refused");
    let mut detail = serde_json::json!({"upstream": upstream_id, "reason": e.reason()});
    if let UpstreamError::BadToken(check) = e {
        detail["check"] = check.as_str().into();
    }
    let event = AuditEvent {
        actor: format!("upstream:{upstream_id}"),
        event: "upstream_login".into(),
        ip: visit.ip.map(|i| i.to_string()),
        outcome: "refused".into(),
        detail,
        ..AuditEvent::default()
    };
    ctx.audit.record(event).await?;
    Ok(())
}

async fn arrive(
    ctx: &LoginCtx<'_>,
    ups: &Upstreams,
    upstream_id: &str,
    params: CallbackParams,
    visit: &Visit,
    accept_language: Option<&str>,
) -> Result<Arrived, UpstreamError> {
    let up = settings(ctx, upstream_id)?;
    let state = params.state.as_deref().unwrap_or_default();
    if state.is_empty() || state.len() > 256 {
        return Err(UpstreamError::NoState);
    }
    // Taken before anything else: a state is spent by its first answer.
    let record: StateRecord = ctx
        .store
        .take_json(&state_key(state))
        .await?
        .ok_or(UpstreamError::NoState)?;
    if record.upstream != up.id {
        return Err(UpstreamError::OtherUpstream);
    }
    let browser = secrets::digest(visit.browser.as_deref().unwrap_or_default());
    let same_browser: bool = browser.as_bytes().ct_eq(record.browser.as_bytes()).into();
    if !same_browser || visit.browser.is_none() {
        return Err(UpstreamError::BadState);
    }
    let login = crate::login::resume::pending(ctx, &record.login_id, visit).await?;
    // RFC 9207 §2.4: an `iss` naming another issuer (compared as strings,
    // §2.4) is a mix-up attack, and so is an answer without one from an
    // upstream whose discovery document promises it.
    match &params.iss {
        Some(iss) if *iss != up.issuer => {
            return Err(UpstreamError::WrongIssuer(up.name.clone()));
        }
        Some(_) => {}
        None => {
            if ups
                .metadata(up, false)
                .await?
                .additional_metadata()
                .promised()
            {
                return Err(UpstreamError::WrongIssuer(up.name.clone()));
            }
        }
    }
    if let Some(error) = &params.error {
        let why = params.error_description.as_deref().unwrap_or(error);
        return Err(UpstreamError::Denied(why.chars().take(200).collect()));
    }
    let code = params
        .code
        .filter(|c| !c.is_empty())
        .ok_or(UpstreamError::BadState)?;
    let redeemed =
        super::token::redeem(ctx, ups, up, code, &record.pkce_verifier, &record.nonce).await?;
    let claims = &redeemed.claims;
    let proven = level::proven(up, &LevelClaims::of(claims));
    let now = now_ms();
    let auth_time = claims.auth_time().map(|t| t.timestamp_millis().min(now));
    // max_age / prompt=login: the upstream's own sign-in must be recent enough,
    // and an ID token that does not say when it was (OpenID Connect Core
    // requires auth_time once max_age is asked) is not taken for a fresh one.
    // auth_time counts whole seconds: a sign-in in the same second as the
    // request is recent enough.
    let not_before = login.not_before_ms - login.not_before_ms.rem_euclid(1000);
    if login.not_before_ms > 0 && auth_time.is_none_or(|at| at < not_before) {
        return Err(UpstreamError::Stale);
    }
    // Within the request's second counts as at the request: the proof must
    // then meet the login's own millisecond bound, or the login would send
    // the browser back upstream for ever.
    let at = auth_time
        .map(|at| at.max(login.not_before_ms))
        .unwrap_or_else(|| claims.issue_time().timestamp_millis().min(now));
    let mut identity = accounts::Identity::from_claims(claims);
    if identity.email.is_none() {
        // Many providers release the email through userinfo only.
        let info =
            super::userinfo::fetch(ctx, ups, up, redeemed.access_token, claims.subject()).await?;
        if let Some(info) = info {
            identity.add_userinfo(&info);
        }
    }
    let user = accounts::resolve(ctx, up, &identity).await?;
    let lang = crate::i18n::negotiate(
        login.ui_locales.as_deref(),
        accept_language,
        ctx.settings.ui.default_locale,
    );
    let cookie = sign_in(ctx, up, &user, (proven, at), visit, lang).await?;
    let event = AuditEvent {
        actor: format!("upstream:{}", up.id),
        event: "upstream_login".into(),
        user_id: Some(user.id.clone()),
        username: Some(user.username.clone()),
        client_id: Some(login.client_id.clone()),
        ip: visit.ip.map(|i| i.to_string()),
        level: Some(proven.as_str().to_owned()),
        outcome: "success".into(),
        detail: serde_json::json!({
            "upstream": up.id,
            "subject": identity.subject,
            "upstream_acr": claims.auth_context_ref().map(|a| a.as_str()),
        }),
        ..AuditEvent::default()
    };
    ctx.audit.record(event).await?;
    Ok(Arrived {
        login_id: record.login_id,
        cookie,
    })
}

/// Signs the browser in as `user` with what the upstream proved at `at`, on a
/// new session cookie (against fixation). Proofs of the same user's session
/// are kept; anyone else's session is left behind. The user's mails speak the
/// language of this sign-in from now on.
async fn sign_in(
    ctx: &LoginCtx<'_>,
    up: &UpstreamSettings,
    user: &users::User,
    (proven, at): (Level, i64),
    visit: &Visit,
    lang: crate::i18n::Lang,
) -> Result<String, UpstreamError> {
    let session = match &visit.session {
        Some(c) => ctx.sessions.load(c).await?,
        None => None,
    };
    let mut next = match session {
        Some(s) if s.belongs_to(user) => s,
        _ => BrowserSession::anonymous(now_ms()),
    };
    next.user_id = Some(user.id.clone());
    next.epoch = user.session_epoch;
    next.upstream = Some(up.id.clone());
    next.proofs.retain(|p| {
        !matches!(
            p.factor,
            Factor::Upstream | Factor::UpstreamMfa | Factor::UpstreamKey
        )
    });
    let from: Option<IpAddr> = visit.ip;
    let proof = |factor| Proof {
        factor,
        at,
        user_verified: false,
        from,
    };
    next.proofs.push(proof(Factor::Upstream));
    if proven >= Level::Mfa {
        next.proofs.push(proof(Factor::UpstreamMfa));
    }
    if proven >= Level::Phr {
        next.proofs.push(proof(Factor::UpstreamKey));
    }
    let cookie = ctx.sessions.rotate(visit.session.as_deref(), &next).await?;
    ctx.record_login(user, Some(lang)).await?;
    Ok(cookie)
}
