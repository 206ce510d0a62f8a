use std::collections::HashMap;

use actix_web::{HttpRequest, HttpResponse, web};

use super::found;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::NextStep;
use crate::oidc::interaction::{self, Authorized, Started};

pub async fn get(
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    run(&state, &req, &query.into_inner()).await
}

/// OIDC Core §3.1.2.1: POST with form serialization is equivalent to GET.
pub async fn post(
    state: web::Data<AppState>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> Result<HttpResponse, PageError> {
    run(&state, &req, &form.into_inner()).await
}

async fn run(
    state: &AppState,
    req: &HttpRequest,
    params: &HashMap<String, String>,
) -> Result<HttpResponse, PageError> {
    let visit = super::interaction::visit(state, req);
    match interaction::authorize(&state.login_ctx(), params, &visit).await? {
        Authorized {
            next: NextStep::Finish(url),
            ..
        } => Ok(found(&url)),
        Authorized {
            started: Some(Started { id, new_browser }),
            ..
        } => {
            let mut resp = found(&format!(
                "{}/interaction/{id}",
                state.settings.issuer_path()
            ));
            if let Some(browser) = new_browser {
                resp.add_cookie(&super::interaction::browser_cookie(state, &browser))?;
            }
            Ok(resp)
        }
        // The engine stores every login that goes to a page.
        Authorized { started: None, .. } => Err(PageError::Failure(
            crate::error::Failure::Internal("a login step without its page".into()),
        )),
    }
}
