use actix_web::{HttpResponse, web};

use super::extract::once;
use super::found;
use crate::http::errors::PageError;
use crate::http::state::AppState;
use crate::login::{NextStep, Visit};
use crate::oidc::interaction::{self, Authorized, Started};

pub async fn get(
    state: web::Data<AppState>,
    visit: Visit,
    query: web::Query<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    run(&state, &visit, query.into_inner()).await
}

/// OIDC Core §3.1.2.1: POST with form serialization is equivalent to GET.
pub async fn post(
    state: web::Data<AppState>,
    visit: Visit,
    form: web::Form<Vec<(String, String)>>,
) -> Result<HttpResponse, PageError> {
    run(&state, &visit, form.into_inner()).await
}

async fn run(
    state: &AppState,
    visit: &Visit,
    pairs: Vec<(String, String)>,
) -> Result<HttpResponse, PageError> {
    let params = match once(pairs) {
        Ok(params) => params,
        Err((name, last)) => {
            let url = interaction::refuse_repeated(&state.login_ctx(), &last, &name).await?;
            return Ok(found(&url));
        }
    };
    match interaction::authorize(&state.login_ctx(), &params, visit).await? {
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
