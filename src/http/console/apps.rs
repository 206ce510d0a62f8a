//! The applications page: OpenID Connect clients and SAML service providers
//! side by side, read-only (they are managed with the CLI).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::layout::layout;
use super::{redirect_to_login, session};
use crate::http::errors::PageError;
use crate::http::html;
use crate::http::pages::esc;
use crate::http::security_headers::CspNonce;
use crate::http::state::AppState;

fn list(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("<code>{}</code>", esc(i)))
        .collect::<Vec<_>>()
        .join("<br>")
}

fn acr(minimum: Option<&str>) -> String {
    minimum.map_or_else(|| "<span class=\"muted\">none</span>".into(), esc)
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let apps = crate::admin::applications::list(&state.console_ctx()).await?;
    let oidc: String = apps
        .clients
        .iter()
        .map(|c| {
            format!(
                "<tr data-client=\"{id}\"><td>{name}</td><td><code>{id}</code></td><td>{uris}</td><td>{acr}</td></tr>",
                id = esc(&c.client_id),
                name = esc(&c.name),
                uris = list(&c.redirect_uris),
                acr = acr(c.minimum_acr.as_deref()),
            )
        })
        .collect();
    let saml: String = apps
        .service_providers
        .iter()
        .map(|sp| {
            format!(
                "<tr data-sp=\"{id}\"><td>{name}</td><td><code>{entity}</code></td><td>{acs}</td><td>{nameid}</td><td>{sign}</td><td>{acr}</td></tr>",
                id = esc(&sp.id),
                name = esc(&sp.name),
                entity = esc(&sp.entity_id),
                acs = list(&sp.acs_urls),
                nameid = sp.nameid.as_str(),
                sign = sp.sign.as_str(),
                acr = acr(sp.minimum_acr.as_deref()),
            )
        })
        .collect();
    let body = format!(
        "<h1>Applications</h1><p class=\"muted\">Managed with <code>portcullis client …</code> and <code>portcullis saml sp …</code>.</p>\
<div class=\"card\" id=\"oidc-clients\"><h2>OpenID Connect clients</h2><table><thead><tr><th>Name</th><th>Client ID</th><th>Redirect URIs</th><th>Minimum acr</th></tr></thead><tbody>{oidc}</tbody></table></div>\
<div class=\"card\" id=\"saml-sps\"><h2>SAML service providers</h2><table><thead><tr><th>Name</th><th>Entity ID</th><th>ACS URLs</th><th>NameID</th><th>Signed</th><th>Minimum acr</th></tr></thead><tbody>{saml}</tbody></table></div>"
    );
    let nonce = CspNonce::of(&req);
    Ok(html(
        StatusCode::OK,
        layout(&state, &s, &nonce, "Applications", "apps", &body),
    ))
}
