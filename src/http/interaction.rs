//! The pages a user sees while signing in: `/interaction/{id}` shows whatever the
//! pending request needs next; each form posts back and returns here, except a
//! password that finishes the login, whose post goes straight to the answer.

use actix_web::cookie::{Cookie, SameSite, time::Duration as CookieDuration};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::extract::CsrfForm;
use super::pages::LoginForm;
use super::ui::{Chrome, lang_of, page as render_page};
use super::{see_other, set_session_cookie};
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::identity::{self, IdentityProof};
use crate::login::{self, Expect, LoginCtx, Method, NextStep, PendingLogin, Resumed, Visit};
use crate::oidc::interaction::LoginResult;
use crate::oidc::session::BROWSER_COOKIE;

pub(super) fn here(state: &AppState, id: &str) -> String {
    format!("{}/interaction/{id}", state.settings.issuer_path())
}

/// The browser cookie that binds pending sign-ins to this browser: HttpOnly,
/// SameSite=Lax (it must come along on the top-level redirect from a relying
/// party to `/authorize`), Secure and `__Host-` when the issuer is https.
pub(super) fn browser_cookie(state: &AppState, value: &str) -> Cookie<'static> {
    super::cookie(&state.settings, BROWSER_COOKIE, value.to_owned(), "/")
        .same_site(SameSite::Lax)
        .max_age(CookieDuration::seconds(
            state.settings.session_ttl.as_secs() as i64,
        ))
        .finish()
}

/// The login form of a pending login.
pub(super) struct LoginPage<'a> {
    pub id: &'a str,
    pub login: &'a PendingLogin,
    pub client_name: &'a str,
    pub client_logo: Option<&'a str>,
    /// The cookie the form binds to (a session this request loaded, or one
    /// renewed moments ago).
    pub session: Option<String>,
}

async fn render_login(
    state: &AppState,
    req: &HttpRequest,
    page: LoginPage<'_>,
    status: StatusCode,
    username: &str,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    let (cookie, new) = state.sessions.ensure(page.session).await?;
    let csrf = state
        .sessions
        .issue_csrf_ensured((&cookie, new), page.id)
        .await?;
    let username = if username.is_empty() {
        page.login.login_hint.as_deref().unwrap_or_default()
    } else {
        username
    };
    let base = state.settings.issuer_path();
    let signup = format!("{base}/signup");
    let chrome = Chrome::for_request(state, req, page.login.ui_locales.as_deref());
    let error = error.map(|key| chrome.t(key));
    let form = LoginForm {
        chrome: &chrome,
        action: &format!("{}/login", here(state, page.id)),
        csrf: &csrf,
        client_name: page.client_name,
        client_logo: page.client_logo,
        username,
        error: error.as_deref(),
        forgot_href: &format!("{base}/forgot-password"),
        signup_href: state.settings.signup.enabled.then_some(signup.as_str()),
        upstreams: &super::upstream::buttons(state, page.id),
    };
    let mut resp = render_page(status, &form);
    if let Some(logo) = page.client_logo {
        super::security_headers::allow_image(&mut resp, logo);
    }
    if new {
        resp.add_cookie(&set_session_cookie(state, &cookie))?;
    }
    Ok(resp)
}

/// The `?method=` a second-factor page was asked with.
pub(super) fn method_of(req: &HttpRequest) -> Option<Method> {
    web::Query::<MethodQuery>::from_query(req.query_string())
        .ok()
        .and_then(|q| q.into_inner().method)
        .map(|m| Method::parse(&m))
}

#[derive(Deserialize)]
struct MethodQuery {
    method: Option<String>,
}

/// Renders what the resumed login needs next.
pub(super) async fn render(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    resumed: Resumed,
    status: StatusCode,
    error: Option<&'static str>,
) -> Result<HttpResponse, PageError> {
    match resumed.next {
        NextStep::Finish(url) => Ok(see_other(&url)),
        NextStep::ShowLogin => {
            // idp_hint, or a login_hint in an upstream's domain: straight there.
            if error.is_none()
                && let Some(up) = super::upstream::hinted(state, &resumed.login)
            {
                return Ok(see_other(&super::upstream::start_url(state, id, up)));
            }
            let page = LoginPage {
                id,
                login: &resumed.login,
                client_name: resumed.party.name(),
                client_logo: resumed.party.logo(),
                session: resumed.session_cookie,
            };
            render_login(state, req, page, status, "", error).await
        }
        NextStep::Consent => super::consent::render(state, req, id, resumed, status).await,
        _ => {
            let chrome = Chrome::for_request(state, req, resumed.login.ui_locales.as_deref());
            let (next, signed_in) = resumed.signed_in()?;
            super::second_factor::render_step(
                state, req, id, next, &signed_in, &chrome, status, error,
            )
            .await
        }
    }
}

pub async fn show(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let expect = Expect::Page {
        method: method_of(&req),
    };
    let resumed = login::resume(&state.login_ctx(), &id, &visit, expect).await?;
    render(&state, &req, &id, resumed, StatusCode::OK, None).await
}

/// Where the browser goes once its password is proven: when that was all the
/// login needed, straight back to the relying party (one round trip fewer);
/// else this login's page, which shows the next step. The answer always sets
/// the new session cookie, so a failure here only sends the browser to that
/// page, where it is met again and shown.
async fn after_password(
    state: &AppState,
    ctx: &LoginCtx<'_>,
    id: &str,
    pending: PendingLogin,
    visit: &Visit,
    cookie: &str,
) -> String {
    let signed_in = Visit {
        session: Some(cookie.to_owned()),
        ..visit.clone()
    };
    let expect = Expect::Page { method: None };
    match login::resume::resume_loaded(ctx, id, pending, &signed_in, expect).await {
        Ok(Resumed {
            next: NextStep::Finish(url),
            ..
        }) => url,
        Ok(_) => here(state, id),
        Err(e) => {
            tracing::warn!(error = %e, "the signed-in login is shown on its page");
            here(state, id)
        }
    }
}

#[derive(Deserialize)]
pub struct LoginInput {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
}

pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<LoginInput>,
) -> Result<HttpResponse, PageError> {
    // A right password's audit row waits to go with the login's next row (the
    // authorization it finishes): whatever the answer, it is stored first.
    let audit = state.audit.for_request();
    let ctx = LoginCtx {
        audit: &audit,
        ..state.login_ctx()
    };
    let answer = password_post(&state, &ctx, &req, &path, &visit, form).await;
    audit.flush().await?;
    answer
}

async fn password_post(
    state: &AppState,
    ctx: &LoginCtx<'_>,
    req: &HttpRequest,
    id: &str,
    visit: &Visit,
    form: CsrfForm<LoginInput>,
) -> Result<HttpResponse, PageError> {
    let at = login::resume::at_login(ctx, id, visit).await?;
    let known = at.form_cookie.clone();
    let page = || LoginPage {
        id,
        login: &at.login,
        client_name: &at.client_name,
        client_logo: at.client_logo.as_deref(),
        session: known.clone(),
    };
    let input = &form.form;
    if !form.check_for(known.as_deref(), id).await? {
        return render_login(
            state,
            req,
            page(),
            StatusCode::BAD_REQUEST,
            &input.username,
            Some("form-expired"),
        )
        .await;
    }
    // Home-realm discovery: an email whose domain an upstream lists signs in there.
    if let Some(up) = state.settings.upstream_for_email(input.username.trim()) {
        return Ok(see_other(&super::upstream::start_url(state, id, &up.id)));
    }
    let proof = IdentityProof::Password {
        username: input.username.trim(),
        password: &input.password,
        lang: lang_of(&state.settings, req, at.login.ui_locales.as_deref()),
    };
    let session = at.session.clone().map(|(_, s)| s);
    let cookie = visit.session.as_deref();
    let (status, message) = match identity::prove(ctx, cookie, session, proof, visit.ip).await? {
        LoginResult::SignedIn(new_cookie) => {
            let to = after_password(state, ctx, id, at.login.clone(), visit, &new_cookie).await;
            let mut resp = see_other(&to);
            resp.add_cookie(&set_session_cookie(state, &new_cookie))?;
            return Ok(resp);
        }
        LoginResult::Upstream(up) => {
            return Ok(see_other(&super::upstream::start_url(state, id, &up)));
        }
        LoginResult::Invalid => (StatusCode::UNAUTHORIZED, "login-invalid"),
        LoginResult::LockedOut => (StatusCode::TOO_MANY_REQUESTS, "login-locked-out"),
        LoginResult::Busy => (StatusCode::SERVICE_UNAVAILABLE, "login-busy"),
    };
    // A wrong password leaves the session as it was: its cookie still holds.
    let mut resp = render_login(state, req, page(), status, &input.username, Some(message)).await?;
    if status == StatusCode::SERVICE_UNAVAILABLE {
        resp.headers_mut().insert(
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::HeaderValue::from_static("2"),
        );
    }
    Ok(resp)
}
