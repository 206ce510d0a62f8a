//! Console pages: the users table (tabs, search, bulk bar, add-user form) and
//! one user's page (edit, password, reset MFA, 2FA switch, delete).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::layout::{flash, layout};
use super::{ctx, redirect_to_login, session};
use crate::db::upstream_links;
use crate::db::user_admin::{self, AdminUser, Query, TwoFactorFilter};
use crate::http::errors::PageError;
use crate::http::html;
use crate::http::pages::esc;
use crate::http::security_headers::CspNonce;
use crate::http::state::AppState;

#[derive(Deserialize)]
pub struct ListParams {
    tab: Option<String>,
    q: Option<String>,
    page: Option<u64>,
    msg: Option<String>,
    error: Option<String>,
}

fn factors_cell(u: &AdminUser) -> String {
    if u.factors.is_empty() {
        return "<span class=\"muted\">none</span>".into();
    }
    let mut parts: Vec<String> = u
        .factors
        .iter()
        .filter(|f| *f != "recovery_codes")
        .map(|f| f.to_uppercase())
        .collect();
    if u.recovery_codes_left > 0 {
        parts.push(format!("{} codes", u.recovery_codes_left));
    }
    esc(&parts.join(" · "))
}

/// Each sign-in method of a user: enrolled, or whether it could be (the
/// `[factors]` switches). A mailed code needs no enrollment: with the switch on
/// every account with an address has it.
fn methods_card(u: &AdminUser, switches: &crate::config::FactorSwitches) -> String {
    let has = |f: &str| u.factors.iter().any(|x| x == f);
    let state = |enrolled: bool, offered: bool| match (enrolled, offered) {
        (true, _) => "<span class=\"pill on2\">enrolled</span>",
        (false, true) => "<span class=\"muted\">not enrolled (available)</span>",
        (false, false) => "<span class=\"muted\">switched off</span>",
    };
    let email = match (switches.email_otp, u.user.email.contains('@')) {
        (true, true) => "<span class=\"pill on2\">available</span>",
        (true, false) => "<span class=\"muted\">no address</span>",
        (false, _) => "<span class=\"muted\">switched off</span>",
    };
    format!(
        "<div class=\"card\" id=\"methods\"><h2>Sign-in methods</h2><table>\
<tr><td>Authenticator app</td><td data-method=\"totp\">{totp}</td></tr>\
<tr><td>Security key or passkey</td><td data-method=\"webauthn\">{key}</td></tr>\
<tr><td>Code by email</td><td data-method=\"email_otp\">{email}</td></tr>\
<tr><td>Recovery codes</td><td data-method=\"recovery_codes\">{codes} left</td></tr></table></div>",
        totp = state(has("totp"), switches.totp),
        key = state(has("webauthn"), switches.webauthn),
        codes = u.recovery_codes_left,
    )
}

pub async fn users(
    state: web::Data<AppState>,
    req: HttpRequest,
    p: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let tab = match p.tab.as_deref() {
        Some("enabled") => TwoFactorFilter::Enabled,
        Some("disabled") => TwoFactorFilter::Disabled,
        _ => TwoFactorFilter::All,
    };
    let tab_key = match tab {
        TwoFactorFilter::Enabled => "enabled",
        TwoFactorFilter::Disabled => "disabled",
        TwoFactorFilter::All => "all",
    };
    let q = p.q.clone().unwrap_or_default();
    let page = p.page.unwrap_or(1).max(1);
    let per_page = 25;
    let res = user_admin::search(
        &ctx(&state, &s).db,
        &Query {
            q: Some(q.clone()),
            two_factor: tab,
            page,
            per_page,
        },
    )
    .await?;
    let base = state.settings.issuer_path();
    let link = |t: &str, pg: u64| {
        format!(
            "{base}/admin/users?{}",
            serde_urlencoded::to_string([("tab", t), ("q", q.as_str()), ("page", &pg.to_string())])
                .unwrap_or_default()
        )
    };
    let tabs: String = [
        ("enabled", "2FA enabled"),
        ("disabled", "2FA disabled"),
        ("all", "All users"),
    ]
    .iter()
    .map(|(k, name)| {
        format!(
            "<a href=\"{}\" id=\"tab-{k}\"{}>{name}</a>",
            esc(&link(k, 1)),
            if *k == tab_key { " class=\"on\"" } else { "" }
        )
    })
    .collect();
    // The seed's tab rules: the enabled tab offers only disable, the disabled tab only enable.
    let mut actions = Vec::new();
    if tab != TwoFactorFilter::Enabled {
        actions.push(("enable_2fa", "Enable 2FA"));
    }
    if tab != TwoFactorFilter::Disabled {
        actions.push(("disable_2fa", "Disable 2FA"));
    }
    actions.push(("reset_mfa", "Reset MFA"));
    actions.push(("delete", "Delete users"));
    let options: String = actions
        .iter()
        .map(|(v, t)| format!("<option value=\"{v}\">{t}</option>"))
        .collect();
    let rows: String = res
        .items
        .iter()
        .map(|u| {
            format!(
                "<tr data-user=\"{name}\"><td><input type=\"checkbox\" name=\"ids\" value=\"{id}\" form=\"bulk\" aria-label=\"select {name}\"></td>\
<td><a href=\"{base}/admin/users/{id}\">{name}</a></td><td>{full}</td><td>{email}</td><td>{groups}</td>\
<td><span class=\"pill {cls}\">{tf}</span></td><td>{factors}</td><td class=\"muted\">{last}</td></tr>",
                id = esc(&u.user.id),
                name = esc(&u.user.username),
                full = esc(&u.user.full_name()),
                email = esc(&u.user.email),
                groups = esc(&u.groups.join(", ")),
                cls = if u.user.two_factor { "on2" } else { "off2" },
                tf = if u.user.two_factor { "on" } else { "off" },
                factors = factors_cell(u),
                last = u
                    .user
                    .last_login
                    .and_then(|t| chrono::DateTime::from_timestamp(t, 0))
                    .map(|t| t.format("%Y-%m-%d %H:%M").to_string())
                    .unwrap_or_else(|| "never".into()),
            )
        })
        .collect();
    let pages = res.total.div_ceil(per_page).max(1);
    let prev = if page > 1 {
        format!(
            "<a class=\"btn\" href=\"{}\">‹ Previous</a>",
            esc(&link(tab_key, page - 1))
        )
    } else {
        String::new()
    };
    let next = if page < pages {
        format!(
            "<a class=\"btn\" id=\"next-page\" href=\"{}\">Next ›</a>",
            esc(&link(tab_key, page + 1))
        )
    } else {
        String::new()
    };
    let error = match p.error.as_deref() {
        Some("tab") => "<div class=\"error\">That action is not available on this tab.</div>",
        Some("input") => {
            "<div class=\"error\">Check the fields: username and email are required, a password needs 8 characters.</div>"
        }
        Some("exists") => "<div class=\"error\">A user with that username or email exists.</div>",
        _ => "",
    };
    let body = format!(
        "<h1>Users</h1>{flash}{error}<div class=\"card\"><div class=\"tabs\">{tabs}</div>\
<div class=\"bar\"><form method=\"get\" action=\"{base}/admin/users\" class=\"bar m0\"><input type=\"hidden\" name=\"tab\" value=\"{tab_key}\">\
<input type=\"search\" name=\"q\" id=\"search\" value=\"{q}\" placeholder=\"Search name, email or username\" size=\"32\"><button class=\"quiet\">Search</button></form>\
<form method=\"post\" action=\"{base}/admin/users/bulk\" id=\"bulk\" class=\"bar push\">\
<input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><input type=\"hidden\" name=\"tab\" value=\"{tab_key}\">\
<select name=\"action\" id=\"bulk-action\">{options}</select><button id=\"bulk-perform\">Perform</button></form></div>\
<table><thead><tr><th><input type=\"checkbox\" id=\"select-all\" aria-label=\"select all\"></th><th>Username</th><th>Name</th><th>Email</th><th>Groups</th><th>2FA</th><th>Factors</th><th>Last sign-in</th></tr></thead>\
<tbody>{rows}</tbody></table><div class=\"bar mt\"><span class=\"muted\" id=\"total\">{total} users · page {page} of {pages}</span>{prev}{next}</div></div>\
<div class=\"card\"><details id=\"add-user\"><summary>Add user</summary>\
<form method=\"post\" action=\"{base}/admin/users\" class=\"mt\"><input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><div class=\"grid\">\
<div><label for=\"first_name\">First name</label><input type=\"text\" id=\"first_name\" name=\"first_name\"></div>\
<div><label for=\"last_name\">Last name</label><input type=\"text\" id=\"last_name\" name=\"last_name\"></div>\
<div><label for=\"email\">Email</label><input type=\"email\" id=\"email\" name=\"email\" required></div>\
<div><label for=\"username\">Username</label><input type=\"text\" id=\"username\" name=\"username\" required></div>\
<div><label for=\"new-password\">Password (optional)</label><input type=\"password\" id=\"new-password\" name=\"password\" autocomplete=\"new-password\"></div></div>\
<p class=\"muted\">With a password the user gets a welcome mail; without one, a link to choose a password.</p><button id=\"create-user\">Create user</button></form></details></div>",
        flash = flash(p.msg.as_deref()),
        q = esc(&q),
        csrf = esc(&s.csrf),
        total = res.total,
    );
    Ok(html(
        StatusCode::OK,
        layout(&state, &s, &CspNonce::of(&req), "Users", "users", &body),
    ))
}

/// The upstream identity providers the user signs in through, each with the
/// subject it knows them by.
fn upstreams_text(settings: &crate::config::Settings, links: &[(String, String)]) -> String {
    if links.is_empty() {
        return String::new();
    }
    let each: Vec<String> = links
        .iter()
        .map(|(up, subject)| {
            let name = settings.upstream(up).map_or(up.as_str(), |u| u.name.as_str());
            format!(
                "<span class=\"upstream\" data-upstream=\"{id}\">{name} (subject <code>{subject}</code>)</span>",
                id = esc(up),
                name = esc(name),
                subject = esc(subject),
            )
        })
        .collect();
    format!(" · signs in through: {}", each.join(", "))
}

pub async fn user(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    p: web::Query<ListParams>,
) -> Result<HttpResponse, PageError> {
    let Some(s) = session(&state, &req).await? else {
        return Ok(redirect_to_login(&state));
    };
    let u = match user_admin::get(&ctx(&state, &s).db, &id).await {
        Ok(u) => u,
        Err(crate::db::DbError::NotFound) => {
            return Err(PageError::Status(
                StatusCode::NOT_FOUND,
                "No such user.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let links = upstream_links::of_user(&ctx(&state, &s).db, &u.user.id).await?;
    let upstreams = upstreams_text(&state.settings, &links);
    let base = state.settings.issuer_path();
    let action = format!("{base}/admin/users/{}", esc(&u.user.id));
    let csrf = esc(&s.csrf);
    let form = |op: &str, confirm: Option<&str>, inner: &str, button: &str, cls: &str| {
        format!(
            "<form method=\"post\" action=\"{action}\"{c}><input type=\"hidden\" name=\"csrf_token\" value=\"{csrf}\"><input type=\"hidden\" name=\"op\" value=\"{op}\">{inner}<button class=\"{cls}\" id=\"op-{op}\">{button}</button></form>",
            c = confirm
                .map(|m| format!(" data-confirm=\"{}\"", esc(m)))
                .unwrap_or_default(),
        )
    };
    let field = |name: &str, label: &str, value: &str| {
        format!(
            "<div><label for=\"{name}\">{label}</label><input type=\"text\" id=\"{name}\" name=\"{name}\" placeholder=\"{v}\"></div>",
            v = esc(value)
        )
    };
    let edit = form(
        "edit",
        None,
        &format!(
            "<div class=\"grid\">{}{}{}{}{}</div><p class=\"muted\">Fields left empty stay unchanged.</p>",
            field("first_name", "First name", &u.user.first_name),
            field("last_name", "Last name", &u.user.last_name),
            field("display_name", "Display name", &u.user.display_name),
            field("email", "Email", &u.user.email),
            field("username", "Username", &u.user.username),
        ),
        "Save changes",
        "",
    );
    let password = form(
        "password",
        None,
        "<div class=\"grid\"><div><label for=\"password\">New password</label><input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"new-password\" minlength=\"8\" required></div>\
<div><label for=\"password_confirm\">Repeat it</label><input type=\"password\" id=\"password_confirm\" name=\"password_confirm\" autocomplete=\"new-password\" minlength=\"8\" required></div></div><br>",
        "Save password",
        "",
    );
    let switch = if u.user.two_factor {
        form(
            "2fa-off",
            Some("Switch 2FA off for this user?"),
            "",
            "Disable 2FA",
            "quiet",
        )
    } else {
        form("2fa-on", None, "", "Enable 2FA", "")
    };
    let reset = form(
        "reset-mfa",
        Some(
            "Remove every second factor and recovery code of this user? They enroll again at the next sign-in.",
        ),
        "",
        "Reset MFA",
        "quiet",
    );
    let sign_out = form(
        "sign-out",
        Some("End every session of this user and revoke their tokens? They sign in again."),
        "",
        "Sign out everywhere",
        "quiet",
    );
    let status = if u.user.active {
        form(
            "disable",
            Some("Disable this user? They cannot sign in, and their sessions and tokens end."),
            "",
            "Disable user",
            "quiet",
        )
    } else {
        form("enable", None, "", "Enable user", "")
    };
    let delete = form(
        "delete",
        Some("Delete this user permanently? This cannot be undone."),
        "",
        "Delete user",
        "danger",
    );
    let error = match p.error.as_deref() {
        Some("input") => {
            "<div class=\"error\">Check the fields (a password needs 8 characters and both entries must match).</div>"
        }
        Some("exists") => "<div class=\"error\">Another user has that username or email.</div>",
        _ => "",
    };
    let body = format!(
        "<h1>{name}</h1>{flash}{error}<div class=\"card\"><p>{full} · {email}{inactive} · 2FA <span class=\"pill {cls}\">{tf}</span> · factors: {factors} · groups: {groups}{upstreams}</p>\
<div class=\"bar\">{switch}{reset}{sign_out}{status}{delete}</div></div>{methods}<div class=\"card\"><h2>Edit</h2>{edit}</div><div class=\"card\"><h2>Reset password</h2>{password}</div>",
        name = esc(&u.user.username),
        flash = flash(p.msg.as_deref()),
        full = esc(&u.user.full_name()),
        email = esc(&u.user.email),
        inactive = if u.user.active {
            ""
        } else {
            " · <span class=\"pill off2\">disabled</span>"
        },
        cls = if u.user.two_factor { "on2" } else { "off2" },
        tf = if u.user.two_factor { "on" } else { "off" },
        factors = factors_cell(&u),
        groups = esc(&u.groups.join(", ")),
        upstreams = upstreams,
        methods = methods_card(&u, &state.settings.factors),
    );
    Ok(html(
        StatusCode::OK,
        layout(
            &state,
            &s,
            &CspNonce::of(&req),
            &u.user.username,
            "users",
            &body,
        ),
    ))
}
