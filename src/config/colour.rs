//! The configured primary colour and the colours derived from it, so that any
//! colour an operator picks keeps text readable: WCAG 2.2 §1.4.3 asks for a
//! contrast of at least 4.5:1 between normal text and its background.

/// The contrast that normal text needs (WCAG 2.2 §1.4.3, level AA).
const MIN_CONTRAST: f64 = 4.5;

/// The page background behind links and the product name (`#f3f4f6`, the
/// lighter of the two backgrounds is `#ffffff`; this one is the stricter test).
const PAGE_BACKGROUND: u32 = 0xf3f4f6;

/// An sRGB colour as `0xrrggbb`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u32);

impl Rgb {
    /// `#rrggbb` or `#rgb`.
    pub fn parse(c: &str) -> Option<Rgb> {
        let hex = c.strip_prefix('#')?;
        let full: String = match hex.len() {
            3 => hex.chars().flat_map(|ch| [ch, ch]).collect(),
            6 => hex.to_owned(),
            _ => return None,
        };
        if !full.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        u32::from_str_radix(&full, 16).ok().map(Rgb)
    }

    pub fn hex(self) -> String {
        format!("#{:06x}", self.0)
    }

    /// WCAG 2.2 relative luminance.
    pub fn luminance(self) -> f64 {
        let channel = |shift: u32| {
            let v = f64::from((self.0 >> shift) & 0xff) / 255.0;
            if v <= 0.04045 {
                v / 12.92
            } else {
                ((v + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    /// The WCAG contrast ratio of two colours (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    /// Each channel multiplied by `f` (0 to 1): the same hue, darker.
    fn darker(self, f: f64) -> Rgb {
        let scale = |shift: u32| {
            let v = f64::from((self.0 >> shift) & 0xff) * f;
            (v.round().clamp(0.0, 255.0) as u32) << shift
        };
        Rgb(scale(16) | scale(8) | scale(0))
    }
}

/// What the pages paint with a configured primary colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Palette {
    /// Button backgrounds: the colour as configured.
    pub primary: String,
    /// Text on buttons: white where it reads on the colour, else dark.
    pub on_primary: String,
    /// Links, the product name and focus rings on the light page: the colour
    /// itself when it reads there, else the same hue darkened until it does.
    pub primary_text: String,
}

impl Palette {
    pub fn of(primary: Rgb) -> Palette {
        const WHITE: Rgb = Rgb(0xffffff);
        const INK: Rgb = Rgb(0x111827);
        const BLACK: Rgb = Rgb(0x000000);
        let on_primary = [WHITE, INK]
            .into_iter()
            .find(|c| c.contrast(primary) >= MIN_CONTRAST)
            // White or black always reaches 4.58:1 with the better of the two.
            .unwrap_or(if WHITE.contrast(primary) > BLACK.contrast(primary) {
                WHITE
            } else {
                BLACK
            });
        let background = Rgb(PAGE_BACKGROUND);
        let mut text = primary;
        let mut f: f64 = 1.0;
        while text.contrast(background) < MIN_CONTRAST && f > 0.0 {
            f -= 0.05;
            text = primary.darker(f.max(0.0));
        }
        Palette {
            primary: primary.hex(),
            on_primary: on_primary.hex(),
            primary_text: text.hex(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_long_and_short_hex_only() {
        assert_eq!(Rgb::parse("#1D4ED8"), Some(Rgb(0x1d4ed8)));
        assert_eq!(Rgb::parse("#036"), Some(Rgb(0x003366)));
        assert_eq!(Rgb::parse("red"), None);
        assert_eq!(Rgb::parse("#12345g"), None);
        assert_eq!(Rgb::parse("#+12345"), None);
        assert_eq!(Rgb::parse("1d4ed8"), None);
    }

    #[test]
    fn a_dark_colour_keeps_white_text_and_is_its_own_link_colour() {
        let p = Palette::of(Rgb(0x1d4ed8));
        assert_eq!(p.on_primary, "#ffffff");
        assert_eq!(p.primary_text, "#1d4ed8");
    }

    #[test]
    fn every_colour_gets_readable_text_on_it_and_readable_links() {
        for c in [
            0xffd500, 0xffffff, 0x3b82f6, 0x777777, 0x00ff00, 0x000000, 0xff0000,
        ] {
            let p = Palette::of(Rgb(c));
            let on = Rgb::parse(&p.on_primary).unwrap();
            assert!(on.contrast(Rgb(c)) >= MIN_CONTRAST, "{c:06x}: {p:?}");
            let text = Rgb::parse(&p.primary_text).unwrap();
            assert!(
                text.contrast(Rgb(0xffffff)) >= MIN_CONTRAST,
                "{c:06x}: {p:?}"
            );
            assert!(
                text.contrast(Rgb(PAGE_BACKGROUND)) >= MIN_CONTRAST,
                "{c:06x}: {p:?}"
            );
        }
        assert_ne!(Palette::of(Rgb(0xffd500)).on_primary, "#ffffff");
    }
}
