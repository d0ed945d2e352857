//! Text put into markup, escaped in one place: the report's HTML, the body of a
//! notification on a server that reads markup, and the strings of the launchd plist. Pure.

/// `text` for HTML, in an element or a quoted attribute alike (the report): `&`, `<`, `>`,
/// `"` and `'` escaped.
pub fn html(text: &str) -> String {
    escape(text, true)
}

/// `text` as the text of an element: `&`, `<` and `>` escaped, and nothing else. For a
/// notification body on a server that reads markup (the spec's body markup is a small
/// subset of HTML; `&amp;`, `&lt;` and `&gt;` are the entities every server decodes, and
/// a quote needs none, where one sent as `&quot;` could show as written) and for a
/// `<string>` of the launchd plist (XML).
pub fn text(text: &str) -> String {
    escape(text, false)
}

fn escape(text: &str, quotes: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if quotes => out.push_str("&quot;"),
            '\'' if quotes => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes_markup_characters_and_nothing_else() {
        let cases = [
            ("2 < 3 > 1", "2 &lt; 3 &gt; 1"),
            ("tea & cake", "tea &amp; cake"),
            ("<a href=\"x\">y</a>", "&lt;a href=\"x\"&gt;y&lt;/a&gt;"),
            ("&amp;", "&amp;amp;"),
            ("plain 'words' \"quoted\"", "plain 'words' \"quoted\""),
            ("", ""),
        ];
        for (text, escaped) in cases {
            assert_eq!(super::text(text), escaped, "{text}");
        }
    }

    #[test]
    fn html_escapes_quotes_too_so_it_is_safe_in_an_attribute() {
        let cases = [
            ("2 < 3 > 1", "2 &lt; 3 &gt; 1"),
            ("tea & cake", "tea &amp; cake"),
            (
                "<a href=\"x\">it's</a>",
                "&lt;a href=&quot;x&quot;&gt;it&#39;s&lt;/a&gt;",
            ),
            ("&amp;", "&amp;amp;"),
            ("zoë 🌱", "zoë 🌱"),
            ("", ""),
        ];
        for (text, escaped) in cases {
            assert_eq!(html(text), escaped, "{text}");
        }
    }
}
