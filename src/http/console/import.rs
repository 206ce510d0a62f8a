//! The console's import screen: the file is read by the browser and posted as
//! CSV; the answer (problems, batches) is shown as a preview, built as DOM
//! nodes with `textContent` (never markup from strings); safe mode offers a
//! button per batch, auto mode a progress bar fed by the status endpoint, and
//! both a button that cancels the batches still waiting. The JSON endpoints
//! take the session's CSRF token in `X-CSRF-Token`.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::layout::Frame;
use super::{csrf_ok, ctx, redirect_to_login, session};
use crate::admin::console::ConsoleSession;
use crate::admin::import_run::{self, Mode};
use crate::admin::{AdminError, import_status};
use crate::error::{Failure, JsonError};
use crate::http::errors::PageError;
use crate::http::state::AppState;

/// The import screen's own script, under the page's nonce.
pub(crate) const SCRIPT: &str = r#"
(function(){
var csrf=document.querySelector('meta[name=csrf-token]').content, base=document.body.getAttribute('data-base');
var out=document.getElementById('import-result'), bar=document.getElementById('progress-bar'), txt=document.getElementById('progress-text');
function el(tag,id,text){var e=document.createElement(tag);if(id){e.id=id;}if(text!==undefined){e.textContent=text;}return e;}
function api(method,url,body){return fetch(base+url,{method:method,headers:{'X-CSRF-Token':csrf,'Content-Type':'text/csv'},body:body,credentials:'same-origin'}).then(function(r){return r.json().then(function(j){if(!r.ok){throw new Error(j.error_description||r.status);}return j;});});}
function show(st){var p=Math.round((st.progress||0)*100);bar.style.width=p+'%';bar.parentNode.setAttribute('aria-valuenow',p);
 txt.textContent=st.status+': '+st.processed+' of '+st.total_rows+' rows, batch '+st.batches_done+' of '+st.batches+' · created '+st.counts.created+', exists '+st.counts.exists+', invalid '+st.counts.invalid+', failed '+st.counts.failed;
 document.getElementById('import-status').setAttribute('data-status',st.status);}
function poll(id){api('GET','/admin/import/'+id).then(function(st){show(st);if(st.status!=='done'&&st.status!=='cancelled'){setTimeout(function(){poll(id);},400);}else{document.getElementById('results-link').hidden=false;cancel.hidden=true;Array.prototype.forEach.call(document.querySelectorAll('#batches button'),function(b){b.disabled=true;});}});}
var cancel=document.getElementById('cancel-import');
document.getElementById('import-form').addEventListener('submit',function(e){e.preventDefault();
 var f=document.getElementById('csv-file').files[0];if(!f){alert('Choose a CSV file.');return;}
 var mode=document.getElementById('mode').value, size=document.getElementById('batch-size').value;
 f.text().then(function(t){return api('POST','/admin/import?mode='+mode+'&batch_size='+size,t);}).then(function(v){
  out.textContent='';out.appendChild(el('p','validated',v.total_rows+' rows in '+v.batches+' batches; '+v.problems.length+' with problems.'));
  if(v.problems.length){var ul=el('ul','problems');v.problems.forEach(function(p){ul.appendChild(el('li','','row '+p.row+': '+p.message));});out.appendChild(ul);}
  document.getElementById('results-link').href=base+'/admin/import/'+v.id+'/results.csv';
  document.getElementById('import-status').hidden=false;
  cancel.hidden=false;cancel.disabled=false;cancel.onclick=function(){if(!confirm('Cancel the batches that have not run yet?')){return;}cancel.disabled=true;api('POST','/admin/import/'+v.id+'/cancel').then(function(){poll(v.id);},function(err){cancel.disabled=false;alert(err.message);});};
  if(mode==='auto'){poll(v.id);}else{var b=document.getElementById('batches');b.textContent='';
   for(var n=1;n<=v.batches;n++){(function(n){var btn=document.createElement('button');btn.textContent='Run batch '+n;btn.id='batch-'+n;btn.type='button';
    btn.onclick=function(){btn.disabled=true;api('POST','/admin/import/'+v.id+'/batches/'+n).then(function(){poll(v.id);},function(err){alert(err.message);});};b.appendChild(btn);})(n);}
   poll(v.id);}
 },function(err){out.textContent='';var d=el('div','import-error',err.message);d.className='error';out.appendChild(d);});});
})();
"#;

#[derive(Template)]
#[template(path = "console/import.html")]
struct ImportPage {
    frame: Frame,
}

pub async fn page(state: web::Data<AppState>, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    Ok(crate::http::ui::page(
        StatusCode::OK,
        &ImportPage {
            frame: Frame::new(&state, &s, &req, "Import", "import"),
        },
    ))
}

/// The console session for a JSON call, with its CSRF header checked.
async fn api_session(state: &AppState, req: &HttpRequest) -> Result<ConsoleSession, JsonError> {
    let s = session(state, req)
        .await
        .map_err(|_| JsonError::from(Failure::Unavailable("session store".into())))?
        .ok_or_else(|| JsonError::login_required("sign in to the console"))?;
    let header = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !csrf_ok(&s, header) {
        return Err(JsonError::invalid_request("missing or wrong X-CSRF-Token")
            .with_status(StatusCode::FORBIDDEN));
    }
    Ok(s)
}

#[derive(Deserialize)]
pub struct UploadParams {
    mode: Option<String>,
    batch_size: Option<u64>,
}

pub async fn upload(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: web::Query<UploadParams>,
    payload: web::Payload,
) -> Result<HttpResponse, JsonError> {
    let s = api_session(&state, &req).await?;
    let body = crate::http::limited_body(payload, import_run::MAX_FILE, "CSV files").await?;
    let ctx = ctx(&state, &s);
    let mode = Mode::parse(p.mode.as_deref().unwrap_or("safe"))?;
    let v = import_run::validate_and_store(&ctx, &body, mode, p.batch_size.unwrap_or(100), true)
        .await?;
    if mode == Mode::Auto {
        import_run::spawn_auto(ctx, v.id.clone());
    }
    Ok(HttpResponse::Ok().json(v))
}

pub async fn status(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    let s = api_session(&state, &req).await?;
    Ok(HttpResponse::Ok().json(import_status::status(&ctx(&state, &s), &id).await?))
}

/// Cancels the batches that have not begun (a running one finishes).
pub async fn cancel(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, JsonError> {
    let s = api_session(&state, &req).await?;
    Ok(HttpResponse::Ok().json(import_run::cancel(&ctx(&state, &s), &id).await?))
}

pub async fn run_batch(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, JsonError> {
    let s = api_session(&state, &req).await?;
    let (id, n) = path.into_inner();
    let n: u64 = n.parse().map_err(|_| AdminError::NotFound)?;
    let rows = import_run::run_batch(&ctx(&state, &s), &id, n).await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"batch": n, "results": rows})))
}

/// A plain link (no header can be sent): the SameSite=Strict session cookie is
/// the guard, and the answer is a download, not a change.
pub async fn results(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let body = import_status::results_csv(&ctx(&state, &s), &id)
        .await
        .map_err(|e| match e {
            AdminError::Failure(f) => PageError::Failure(f),
            _ => PageError::Status(StatusCode::NOT_FOUND, "No such import.".into()),
        })?;
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"import-results.csv\"",
        ))
        .content_type("text/csv; charset=utf-8")
        .body(body))
}
