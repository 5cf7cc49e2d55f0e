//! Percent-encoding of URL path segments ([`encode_segment`]).

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// Everything except the RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`).
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment: every byte outside the RFC 3986 unreserved set
/// (`A-Z a-z 0-9 - . _ ~`) becomes `%XX`, so names containing `/`, `:`, spaces, `?`, `#`, `%` or
/// non-ASCII characters stay one segment.
///
/// ```
/// use conductor_http::encode_segment;
///
/// assert_eq!(encode_segment("my_task-1.v2~x"), "my_task-1.v2~x");
/// assert_eq!(encode_segment("ns:task name/v1"), "ns%3Atask%20name%2Fv1");
/// assert_eq!(encode_segment("100%"), "100%25");
/// assert_eq!(encode_segment("é"), "%C3%A9");
/// ```
#[must_use]
pub fn encode_segment(segment: &str) -> String {
    utf8_percent_encode(segment, SEGMENT).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreserved_characters_pass_through() {
        let unreserved = "ABCXYZabcxyz0189-._~";
        assert_eq!(encode_segment(unreserved), unreserved);
    }

    #[test]
    fn reserved_and_unsafe_characters_are_encoded() {
        for (input, expected) in [
            (":", "%3A"),
            ("/", "%2F"),
            (" ", "%20"),
            ("?", "%3F"),
            ("#", "%23"),
            ("&", "%26"),
            ("=", "%3D"),
            ("+", "%2B"),
            ("%", "%25"),
            ("@", "%40"),
            ("!", "%21"),
            ("*", "%2A"),
            ("'", "%27"),
            ("(", "%28"),
            (")", "%29"),
            (",", "%2C"),
            (";", "%3B"),
            ("$", "%24"),
            ("[", "%5B"),
            ("]", "%5D"),
            ("\"", "%22"),
            ("\\", "%5C"),
            ("\n", "%0A"),
            ("..", ".."),
            ("", ""),
        ] {
            assert_eq!(encode_segment(input), expected, "{input:?}");
        }
    }
}
