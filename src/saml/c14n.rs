//! XML written directly in its exclusive canonical form (Exclusive XML
//! Canonicalization 1.0, without comments): no XML declaration, no whitespace
//! between elements, namespace declarations first (sorted by prefix) and then the
//! attributes sorted by name, every empty element as a start and an end tag, and
//! the escaping the canonical form prescribes. What is written here is therefore
//! byte for byte what a verifier canonicalizes, so a digest computed over it
//! holds without a canonicalizer of our own.
//!
//! Namespaces are declared where they are first used by an element that is an
//! apex of what gets signed (see [`super::response`]): exclusive C14N renders a
//! declaration only where it is visibly used and not already rendered by an
//! output ancestor, which is exactly where we write them.

use std::borrow::Cow;

use quick_xml::Writer;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;

use super::SamlError;

/// A writer producing canonical XML.
pub struct Canonical {
    w: Writer<Vec<u8>>,
    open: Vec<&'static str>,
    failed: bool,
    /// A value held a character XML 1.0 does not allow.
    forbidden: bool,
}

impl Default for Canonical {
    fn default() -> Self {
        Self::new()
    }
}

impl Canonical {
    pub fn new() -> Self {
        Self {
            w: Writer::new(Vec::with_capacity(4096)),
            open: Vec::new(),
            failed: false,
            forbidden: false,
        }
    }

    fn event(&mut self, e: Event<'_>) {
        if self.w.write_event(e).is_err() {
            self.failed = true;
        }
    }

    /// A start tag; `attrs` may hold `xmlns`/`xmlns:p` declarations, and are
    /// written in canonical order whatever order they come in.
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) {
        let mut sorted: Vec<&(&str, &str)> = attrs.iter().collect();
        sorted.sort_by(|a, b| order_key(a.0).cmp(&order_key(b.0)));
        let mut start = BytesStart::new(name);
        for (k, v) in sorted {
            let Some(value) = escape_attr(v) else {
                self.forbidden = true;
                continue;
            };
            start.push_attribute(Attribute {
                key: QName(k),
                value: Cow::Owned(value),
            });
        }
        self.event(Event::Start(start));
        self.open.push(name);
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) {
        match self.open.pop() {
            Some(name) => self.event(Event::End(BytesEnd::new(name))),
            None => self.failed = true,
        }
    }

    pub fn text(&mut self, s: &str) {
        match escape_text(s) {
            Some(escaped) => self.event(Event::Text(BytesText::from_escaped(escaped))),
            None => self.forbidden = true,
        }
    }

    /// Canonical XML written elsewhere (a signed element), inserted as it is.
    pub fn raw(&mut self, canonical: &str) {
        self.event(Event::Text(BytesText::from_escaped(canonical)));
    }

    /// An element holding only text (or nothing).
    pub fn leaf(&mut self, name: &'static str, attrs: &[(&str, &str)], text: &str) {
        self.open(name, attrs);
        if !text.is_empty() {
            self.text(text);
        }
        self.close();
    }

    /// The canonical XML written, once every element is closed.
    pub fn finish(self) -> Result<String, SamlError> {
        // Dropping the character instead would sign another value than the
        // one stored: `alice@example.com` followed by U+FFFE would be asserted
        // as `alice@example.com`.
        if self.forbidden {
            return Err(SamlError::Xml(
                "a value holds a character XML does not allow: nothing is signed".into(),
            ));
        }
        if self.failed || !self.open.is_empty() {
            return Err(SamlError::Xml("unbalanced canonical writer".into()));
        }
        String::from_utf8(self.w.into_inner()).map_err(|e| SamlError::Xml(e.to_string()))
    }
}

/// Namespace declarations before attributes (the default namespace first, then
/// by prefix), attributes by name: C14N §2.2 document order for what we emit
/// (all our attributes are unqualified, so their namespace URI is empty).
fn order_key(name: &str) -> (u8, &str) {
    if name == "xmlns" {
        (0, "")
    } else if let Some(prefix) = name.strip_prefix("xmlns:") {
        (1, prefix)
    } else {
        (2, name)
    }
}

/// Characters XML 1.0 allows (§2.2); a value with any other is not written.
pub fn allowed(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Text nodes: `&`, `<`, `>` and carriage return are escaped (C14N §2.3).
/// `None` when `s` holds a character XML does not allow.
pub fn escape_text(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if !allowed(c) => return None,
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    Some(out)
}

/// Attribute values: `&`, `<`, `"`, tab, line feed and carriage return.
/// `None` when `s` holds a character XML does not allow.
pub fn escape_attr(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if !allowed(c) => return None,
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c => out.push(c),
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_come_sorted_after_namespace_declarations() {
        let mut c = Canonical::new();
        c.open(
            "p:a",
            &[
                ("b", "2"),
                ("xmlns:p", "urn:p"),
                ("a", "1"),
                ("xmlns", "urn:d"),
            ],
        );
        c.close();
        assert_eq!(
            c.finish().unwrap(),
            r#"<p:a xmlns="urn:d" xmlns:p="urn:p" a="1" b="2"></p:a>"#
        );
    }

    #[test]
    fn escaping_is_the_canonical_one() {
        let mut c = Canonical::new();
        c.leaf("a", &[("v", "x<\"'>&\t\n\r")], "t<>&'\"\r");
        assert_eq!(
            c.finish().unwrap(),
            "<a v=\"x&lt;&quot;'>&amp;&#x9;&#xA;&#xD;\">t&lt;&gt;&amp;'\"&#xD;</a>"
        );
    }

    /// A character XML forbids is never dropped: the value signed would be
    /// another than the one stored.
    #[test]
    fn a_character_xml_forbids_fails_the_document() {
        for bad in ["\u{1}", "\u{FFFE}", "\u{FFFF}", "\u{B}"] {
            let value = format!("alice@example.com{bad}");
            let mut text = Canonical::new();
            text.leaf("a", &[], &value);
            assert!(text.finish().is_err(), "{bad:?} in text");
            let mut attr = Canonical::new();
            attr.leaf("a", &[("v", &value)], "");
            assert!(attr.finish().is_err(), "{bad:?} in an attribute");
        }
        let mut fine = Canonical::new();
        fine.leaf("a", &[("v", "\u{FFFD}\u{10000}")], "\u{D7FF}\u{E000}");
        assert!(fine.finish().is_ok());
    }

    #[test]
    fn an_unclosed_element_is_an_error() {
        let mut c = Canonical::new();
        c.open("a", &[]);
        assert!(c.finish().is_err());
    }
}
