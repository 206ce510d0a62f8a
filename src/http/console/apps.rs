//! The applications page: OpenID Connect clients and SAML service providers
//! side by side, read-only (they are managed with the CLI).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use super::layout::Frame;
use super::{redirect_to_login, session};
use crate::db::clients::Client;
use crate::db::saml_sps::ServiceProvider;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::http::ui::page as render;

#[derive(Template)]
#[template(path = "console/apps.html")]
struct AppsPage {
    frame: Frame,
    clients: Vec<Client>,
    service_providers: Vec<ServiceProvider>,
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let apps = crate::admin::applications::list(&state.console_ctx()).await?;
    Ok(render(
        StatusCode::OK,
        &AppsPage {
            frame: Frame::new(&state, &s, &req, "Applications", "apps"),
            clients: apps.clients,
            service_providers: apps.service_providers,
        },
    ))
}
