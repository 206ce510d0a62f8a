//! Reading a user CSV: header-driven columns, our own names and those of
//! Atlassian's portal-customer and user exports, mapped to one row shape and
//! validated row by row. Pure: no database, so it is tested in isolation.

use std::collections::HashMap;

use crate::db::users::{normalize, validate_email, validate_username, without_controls};

/// Most data rows one file may hold.
pub const MAX_ROWS: usize = 100_000;
/// Far more columns than any export of users has: a header or row past it is
/// refused before its fields are kept, so a hostile file cannot make the
/// server hold millions of them.
pub const MAX_COLUMNS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Username,
    Email,
    FirstName,
    LastName,
    DisplayName,
    Password,
    Groups,
    /// Atlassian "Status"/"User status": inactive accounts are skipped.
    Status,
    /// Known export columns with nothing to import (account id, last active …).
    Ignored,
}

/// Lower-case, `_`/`-` as spaces, runs of spaces collapsed.
fn header_key(h: &str) -> String {
    h.trim_start_matches('\u{feff}')
        .trim()
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The column mapping (documented in README, "CSV import").
fn field_of(key: &str) -> Option<Field> {
    Some(match key {
        "username" | "login" | "login name" => Field::Username,
        "email" | "email address" | "e mail" | "e mail address" | "mail" => Field::Email,
        "first name" | "firstname" | "given name" => Field::FirstName,
        "last name" | "lastname" | "surname" | "family name" => Field::LastName,
        // Atlassian exports call the person's name "Name", "Full name" or "User name".
        "display name" | "displayname" | "full name" | "fullname" | "name" | "user name" => {
            Field::DisplayName
        }
        "password" => Field::Password,
        "groups" | "group" | "organizations" | "organisations" | "organization"
        | "organisation" => Field::Groups,
        "status" | "user status" | "account status" | "active" => Field::Status,
        "account id" | "atlassian id" | "user id" | "id" | "last active" | "last seen"
        | "last login" | "created" | "created date" | "added to org" | "added to org (utc)"
        | "product access" | "email verified" | "customer type" | "role" => Field::Ignored,
        k if k.starts_with("last seen") || k.starts_with("last active") => Field::Ignored,
        _ => return None,
    })
}

const INACTIVE: &[&str] = &[
    "inactive",
    "deactivated",
    "suspended",
    "disabled",
    "closed",
    "false",
    "no",
];

/// One data row mapped to our fields.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CsvUser {
    pub username: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub password: Option<String>,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Ok,
    /// Will not be imported: `problems[]` carries the message.
    Invalid(String),
    /// Valid but deliberately not imported (inactive in the source system).
    Skip(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// Data rows counted from 1; the header is not a row.
    pub row: usize,
    pub user: CsvUser,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub rows: Vec<ParsedRow>,
    /// Header names that map to nothing.
    pub ignored_columns: Vec<String>,
}

/// Reads the whole file. Only a file-level fault (no header, no email column, too
/// many rows) is an error; a bad row is a row with a problem.
pub fn parse(data: &[u8]) -> Result<Parsed, String> {
    let mut rdr = csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(true)
        .from_reader(data);
    let headers = rdr
        .byte_headers()
        .map_err(|e| format!("cannot read the header line: {e}"))?
        .clone();
    if headers.len() > MAX_COLUMNS {
        return Err(format!(
            "more than {MAX_COLUMNS} columns in the header line"
        ));
    }
    let mut columns: Vec<Option<Field>> = Vec::new();
    let mut ignored = Vec::new();
    for h in headers.iter() {
        let h = std::str::from_utf8(h).map_err(|_| "the header line is not UTF-8".to_owned())?;
        let f = field_of(&header_key(h));
        if f.is_none() && !h.trim().is_empty() {
            ignored.push(h.trim_start_matches('\u{feff}').trim().to_owned());
        }
        columns.push(f);
    }
    if !columns.contains(&Some(Field::Email)) {
        return Err(
            "the file needs an email column (\"email\", \"Email address\" …) in its header line"
                .into(),
        );
    }
    let mut rows = Vec::new();
    let mut seen_user: HashMap<String, usize> = HashMap::new();
    let mut seen_email: HashMap<String, usize> = HashMap::new();
    for (i, rec) in rdr.byte_records().enumerate() {
        let row = i + 1;
        if row > MAX_ROWS {
            return Err(format!("more than {MAX_ROWS} rows: split the file"));
        }
        let rec = match rec {
            Ok(r) if r.len() > MAX_COLUMNS => {
                return Err(format!("more than {MAX_COLUMNS} fields in row {row}"));
            }
            Ok(r) => r,
            Err(e) => {
                rows.push(ParsedRow {
                    row,
                    user: CsvUser::default(),
                    verdict: Verdict::Invalid(format!("unreadable CSV: {e}")),
                });
                continue;
            }
        };
        let (user, verdict) = map_row(&columns, &rec);
        let verdict = match verdict {
            Verdict::Ok => check_duplicates(&user, row, &mut seen_user, &mut seen_email),
            other => other,
        };
        rows.push(ParsedRow { row, user, verdict });
    }
    Ok(Parsed {
        rows,
        ignored_columns: ignored,
    })
}

fn map_row(columns: &[Option<Field>], rec: &csv::ByteRecord) -> (CsvUser, Verdict) {
    let mut u = CsvUser::default();
    let mut inactive = None;
    if rec.len() > columns.len() && rec.iter().skip(columns.len()).any(|f| !f.is_empty()) {
        return (
            u,
            Verdict::Invalid(format!(
                "{} fields, but the header has {}",
                rec.len(),
                columns.len()
            )),
        );
    }
    for (col, raw) in columns.iter().zip(rec.iter()) {
        let Ok(v) = std::str::from_utf8(raw) else {
            return (u, Verdict::Invalid("not UTF-8 text".into()));
        };
        let v = v.trim();
        match col {
            Some(Field::Username) => u.username = v.to_owned(),
            Some(Field::Email) => u.email = v.to_owned(),
            // A tab or line break inside a quoted name (exports have them) is a space.
            Some(Field::FirstName) => u.first_name = without_controls(v),
            Some(Field::LastName) => u.last_name = without_controls(v),
            Some(Field::DisplayName) => u.display_name = without_controls(v),
            Some(Field::Password) => u.password = Some(v.to_owned()).filter(|p| !p.is_empty()),
            Some(Field::Groups) => u.groups.extend(
                v.split(';')
                    .map(str::trim)
                    .filter(|g| !g.is_empty())
                    .map(str::to_owned),
            ),
            Some(Field::Status) => {
                if INACTIVE.contains(&v.to_lowercase().as_str()) {
                    inactive = Some(v.to_owned());
                }
            }
            Some(Field::Ignored) | None => {}
        }
    }
    u.groups.sort();
    u.groups.dedup();
    u.email = normalize(&u.email);
    // Portal customers sign in with their email: it is the username when none is given.
    u.username = if u.username.is_empty() {
        u.email.clone()
    } else {
        normalize(&u.username)
    };
    if u.first_name.is_empty()
        && u.last_name.is_empty()
        && let Some((first, last)) = u.display_name.rsplit_once(' ')
    {
        u.first_name = first.trim().to_owned();
        u.last_name = last.trim().to_owned();
    }
    let verdict = validate(&u, inactive);
    (u, verdict)
}

fn validate(u: &CsvUser, inactive: Option<String>) -> Verdict {
    if u.email.is_empty() {
        return Verdict::Invalid("email is missing".into());
    }
    if let Err(e) = validate_email(&u.email) {
        return Verdict::Invalid(e.to_string().replace("invalid input: ", ""));
    }
    if let Err(e) = validate_username(&u.username) {
        return Verdict::Invalid(e.to_string().replace("invalid input: ", ""));
    }
    if let Some(p) = &u.password
        && let Err(e) = crate::auth::password::validate_new(p)
    {
        return Verdict::Invalid(e.to_string());
    }
    // The rules of every group made (a row's new group is made by its import).
    for g in &u.groups {
        if let Err(e) = crate::db::groups::validate_name(g) {
            return Verdict::Invalid(e.to_string().replace("invalid input: ", ""));
        }
    }
    for (name, v) in [
        ("first_name", &u.first_name),
        ("last_name", &u.last_name),
        ("display_name", &u.display_name),
    ] {
        if let Err(e) = crate::db::users::validate_names(&[(name, v)]) {
            return Verdict::Invalid(e.to_string().replace("invalid input: ", ""));
        }
    }
    match inactive {
        Some(s) => Verdict::Skip(format!("inactive in the source ({s})")),
        None => Verdict::Ok,
    }
}

fn check_duplicates(
    u: &CsvUser,
    row: usize,
    seen_user: &mut HashMap<String, usize>,
    seen_email: &mut HashMap<String, usize>,
) -> Verdict {
    if let Some(first) = seen_user.get(&u.username) {
        return Verdict::Invalid(format!("username {:?} repeats row {first}", u.username));
    }
    if let Some(first) = seen_email.get(&u.email) {
        return Verdict::Invalid(format!("email {:?} repeats row {first}", u.email));
    }
    seen_user.insert(u.username.clone(), row);
    seen_email.insert(u.email.clone(), row);
    Verdict::Ok
}

#[cfg(test)]
mod tests;
