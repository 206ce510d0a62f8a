//! Names and addresses are typed by users, importers and upstream providers:
//! the console prints them as text, never as markup. A user whose names and
//! email carry a script tag and every quote shows up with exactly those
//! characters on the users list, the user's page and in the search box, and
//! the only script on each page is the console's own.

use scraper::{Html, Selector};

use crate::admin_console::sign_in;
use crate::helpers::{form_with, spawn_app};

const PAYLOAD: &str = "<script>alert(1)</script>\"'&";

/// The text of the first element matching `css`.
fn text_of(doc: &Html, css: &str) -> String {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no {css}"))
        .text()
        .collect()
}

fn attr_of(doc: &Html, css: &str, attr: &str) -> String {
    let sel = Selector::parse(css).unwrap();
    let el = doc
        .select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no {css}"));
    el.value().attr(attr).unwrap_or_default().to_owned()
}

/// Nothing from the payload became an element or an attribute: the page's
/// scripts are only those that carry the response's nonce (the console's own).
fn assert_inert(html: &str) {
    assert!(!html.contains("<script>alert"), "raw markup: {html}");
    let doc = Html::parse_document(html);
    for s in doc.select(&Selector::parse("script").unwrap()) {
        let nonce = s.value().attr("nonce").unwrap_or_default();
        assert!(!nonce.is_empty(), "a script without the nonce: {html}");
        assert!(!s.text().collect::<String>().contains("alert(1)"));
    }
}

#[tokio::test]
async fn names_and_emails_with_markup_are_shown_as_text() {
    let app = spawn_app().await;
    let (b, page) = sign_in(&app, "boss", &["admins"]).await;
    let email = format!("{PAYLOAD}@evil.example");

    // Added through the console's own form, as an administrator would paste it.
    let add = form_with(page.html(), "username")
        .set("username", "mallory")
        .set("email", &email)
        .set("first_name", PAYLOAD)
        .set("last_name", PAYLOAD);
    let created = b.submit(&add).await;
    assert_eq!(created.status(), 200, "{}", created.html());
    assert!(
        created.html().contains("id=\"flash\""),
        "{}",
        created.html()
    );

    // The user's page: summary line, edit form placeholders, page title.
    let html = created.html();
    assert_inert(html);
    let doc = Html::parse_document(html);
    let summary = text_of(&doc, "main .card p");
    assert!(
        summary.starts_with(&format!("{PAYLOAD} {PAYLOAD} · {email} ·")),
        "{summary}"
    );
    assert_eq!(attr_of(&doc, "input#first_name", "placeholder"), PAYLOAD);
    assert_eq!(attr_of(&doc, "input#last_name", "placeholder"), PAYLOAD);
    assert_eq!(attr_of(&doc, "input#email", "placeholder"), email);
    assert_eq!(text_of(&doc, "h1"), "mallory");

    // The users list: the row's cells hold the characters as typed.
    let list = b.get("/admin/users?tab=all").await;
    assert_eq!(list.status(), 200);
    assert_inert(list.html());
    let doc = Html::parse_document(list.html());
    let cells: Vec<String> = doc
        .select(&Selector::parse("tr[data-user=mallory] td").unwrap())
        .map(|td| td.text().collect())
        .collect();
    assert_eq!(cells[2], format!("{PAYLOAD} {PAYLOAD}"), "{cells:?}");
    assert_eq!(cells[3], email, "{cells:?}");

    // A search for the payload finds the user and puts it back in the box as text.
    let query: String = url::form_urlencoded::byte_serialize(PAYLOAD.as_bytes()).collect();
    let found = b.get(&format!("/admin/users?tab=all&q={query}")).await;
    assert_eq!(found.status(), 200);
    assert_inert(found.html());
    let doc = Html::parse_document(found.html());
    assert_eq!(attr_of(&doc, "input#search", "value"), PAYLOAD);
    assert!(found.html().contains("data-user=\"mallory\""));
    // The paging links carry the query URL-encoded.
    let tab = attr_of(&doc, "a#tab-enabled", "href");
    assert!(tab.contains(&format!("q={query}")), "{tab}");
}
