//! The consent page of a self-registered client (OpenID Connect Core
//! §3.1.2.4): once the level is met, the user sees what the client asks for
//! and allows or denies it. An operator's clients and service providers never
//! get here. What was allowed is kept per (user, client) and asked again for a
//! new scope or with `prompt=consent`; the account page takes it back.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::extract::CsrfForm;
use super::interaction::here;
use super::ui::{Chrome, page};
use super::{security_headers, see_other};
use crate::db::audit::AuditEvent;
use crate::db::consents;
use crate::error::Failure;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::{self, Expect, LoginError, NextStep, Party, Post, Resumed, Return, Visit};
use crate::oidc::error::{AuthzError, AuthzErrorCode};
use crate::oidc::{interaction, now_ms};

#[derive(Template)]
#[template(path = "consent.html")]
struct ConsentPage<'a> {
    chrome: &'a Chrome,
    action: &'a str,
    csrf: &'a str,
    client_name: &'a str,
    client_logo: Option<&'a str>,
    /// What each asked-for scope gives, in the page's language.
    scopes: Vec<String>,
    /// `offline_access` is asked for: access outlives the sign-in.
    offline: bool,
    /// Where the answer goes (the redirect URI's host, or its scheme for an
    /// app's own scheme): a self-registered client may take any name and logo,
    /// this it cannot choose (RFC 7591 §5).
    destination: Option<String>,
}

/// The host of a web redirect URI (with its port when it names one), else
/// the scheme of an app's own URI (`com.example.app:`): whatever follows an
/// app's scheme is for that app to read, and names nobody the code goes to.
fn destination_of(redirect_uri: &str) -> Option<String> {
    let url = url::Url::parse(redirect_uri).ok()?;
    if !matches!(url.scheme(), "http" | "https") {
        return Some(format!("{}:", url.scheme()));
    }
    Some(match (url.host_str()?, url.port()) {
        (host, Some(port)) => format!("{host}:{port}"),
        (host, None) => host.to_owned(),
    })
}

/// Where a consent step's answer goes: a SAML login asks no consent.
fn destination(resumed: &Resumed) -> Option<String> {
    match &resumed.login.ret {
        Return::Oidc(ret) => destination_of(&ret.return_to.redirect_uri),
        Return::Saml(_) => None,
    }
}

/// The scopes a consent step is about: the OpenID Connect request's, with
/// those of the claims it asks for one by one.
fn asked(resumed: &Resumed) -> Vec<String> {
    match &resumed.login.ret {
        Return::Oidc(ret) => ret.consent_scopes(),
        Return::Saml(_) => Vec::new(),
    }
}

/// Renders the consent step of a resumed login.
pub(super) async fn render(
    state: &AppState,
    req: &HttpRequest,
    id: &str,
    resumed: Resumed,
    status: StatusCode,
) -> Result<HttpResponse, PageError> {
    let chrome = Chrome::for_request(state, req, resumed.login.ui_locales.as_deref());
    let scopes = asked(&resumed);
    let destination = destination(&resumed);
    let client_name = resumed.party.name().to_owned();
    let client_logo = resumed.party.logo().map(str::to_owned);
    let (_, signed_in) = resumed.signed_in()?;
    let csrf = state.sessions.issue_csrf(&signed_in.cookie, id).await?;
    let form = ConsentPage {
        chrome: &chrome,
        action: &format!("{}/consent", here(state, id)),
        csrf: &csrf,
        client_name: &client_name,
        client_logo: client_logo.as_deref(),
        scopes: scopes
            .iter()
            .map(|s| chrome.t(&format!("consent-scope-{s}")))
            .collect(),
        offline: scopes.iter().any(|s| s == "offline_access"),
        destination,
    };
    let mut resp = page(status, &form);
    if let Some(logo) = &client_logo {
        security_headers::allow_image(&mut resp, logo);
    }
    Ok(resp)
}

#[derive(Deserialize)]
pub struct ConsentInput {
    #[serde(default)]
    decision: String,
}

/// Allow: the consent is kept and the login finishes. Deny: the login ends
/// with `access_denied` at the client. Taken only while the recomputed step
/// is the consent step, with this browser's form token.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
    visit: Visit,
    form: CsrfForm<ConsentInput>,
) -> Result<HttpResponse, PageError> {
    let id = path.into_inner();
    let ctx = state.login_ctx();
    let expect = Expect::Post(Post::Consent, None);
    let resumed = login::resume(&ctx, &id, &visit, expect).await?;
    if let NextStep::Finish(url) = &resumed.next {
        return Ok(see_other(url));
    }
    if !resumed.taken {
        return Ok(see_other(&here(&state, &id)));
    }
    let login = resumed.login.clone();
    let party = resumed.party.clone();
    let cookie = resumed
        .signed_in
        .as_ref()
        .map(|s| s.cookie.clone())
        .ok_or(LoginError::Expired)?;
    if !form.check_for(Some(&cookie), &id).await? {
        return render(&state, &req, &id, resumed, StatusCode::BAD_REQUEST).await;
    }
    let (_, signed_in) = resumed.signed_in()?;
    let (Party::Oidc(client), Return::Oidc(ret)) = (&party, &login.ret) else {
        return Err(Failure::Internal(
            "a consent step of a login that is not OpenID Connect".into(),
        )
        .into());
    };
    let user = &signed_in.user;
    let audit = |outcome: &str| AuditEvent {
        actor: format!("user:{}", user.username),
        event: "consent".into(),
        user_id: Some(user.id.clone()),
        username: Some(user.username.clone()),
        client_id: Some(client.client_id.clone()),
        ip: visit.ip.map(|i| i.to_string()),
        outcome: outcome.into(),
        detail: serde_json::json!({"scopes": ret.consent_scopes()}),
        ..AuditEvent::default()
    };
    match form.form.decision.as_str() {
        "allow" => {
            let scopes = ret.consent_scopes();
            consents::grant(ctx.db, &user.id, &client.client_id, &scopes, now_ms()).await?;
            ctx.audit.record(audit("granted")).await?;
            let expect = Expect::Page { method: None };
            match login::resume(&ctx, &id, &visit, expect).await?.next {
                NextStep::Finish(url) => Ok(see_other(&url)),
                _ => Ok(see_other(&here(&state, &id))),
            }
        }
        "deny" => {
            if ctx.sessions.take_pending(&id).await?.is_none() {
                return Err(LoginError::Expired.into());
            }
            ctx.audit.record(audit("denied")).await?;
            let e = AuthzError::new(
                AuthzErrorCode::AccessDenied,
                "the user did not allow this client",
            );
            Ok(see_other(&interaction::error_url(&ctx, &ret.return_to, &e)))
        }
        _ => Err(PageError::bad_request("err-consent-decision")),
    }
}

#[cfg(test)]
mod tests {
    use super::destination_of;

    #[test]
    fn the_destination_is_the_host_or_an_apps_scheme() {
        assert_eq!(
            destination_of("https://wiki.example/cb?x=1").as_deref(),
            Some("wiki.example")
        );
        assert_eq!(
            destination_of("http://127.0.0.1:9/cb").as_deref(),
            Some("127.0.0.1:9")
        );
        assert_eq!(
            destination_of("com.example.app:/oauth").as_deref(),
            Some("com.example.app:")
        );
        // A host after an app's scheme names nobody: the app gets the code.
        assert_eq!(
            destination_of("com.evil.app://wiki.corp.example/cb").as_deref(),
            Some("com.evil.app:")
        );
        assert_eq!(destination_of("not a uri"), None);
    }
}
