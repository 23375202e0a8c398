//! URL encoding rules of NITRO (NITRO.md §3.5): names in the path are percent-encoded twice
//! (the appliance decodes the name segment twice, as every official client assumes), query
//! values once with the `:` and `,` separators of `args=`/`filter=` kept literal.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};

/// Everything but RFC 3986 unreserved characters.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Query values: like [`COMPONENT`] but `:` and `,` stay literal, because NITRO splits
/// `args=k:v,k:v` on them before decoding.
const QUERY_VALUE: &AsciiSet = &COMPONENT.remove(b':').remove(b',');

/// Encodes one path segment once (resource type names; they are plain words in practice).
pub(crate) fn segment(s: &str) -> String {
    utf8_percent_encode(s, COMPONENT).to_string()
}

/// Encodes an object name for the path: twice, so `1/1` becomes `1%252F1`.
pub(crate) fn name(s: &str) -> String {
    segment(&segment(s))
}

/// Builds a query string (without `?`) from `(parameter, value)` pairs.
pub(crate) fn query(args: &[(&str, String)]) -> String {
    args.iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, COMPONENT),
                utf8_percent_encode(v, QUERY_VALUE)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Decodes a cookie value such as `%23%235A3F` (lossy on invalid UTF-8, which tokens never are).
pub(crate) fn decode(s: &str) -> String {
    percent_decode_str(s).decode_utf8_lossy().into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_encoded_twice() {
        assert_eq!(name("1/1"), "1%252F1");
        assert_eq!(name("sg web"), "sg%2520web");
        assert_eq!(name("a:b#c"), "a%253Ab%2523c");
        assert_eq!(name("10.244.1.0"), "10.244.1.0");
        assert_eq!(name("plain_name-1"), "plain_name-1");
    }

    #[test]
    fn query_values_keep_separators_and_encode_the_rest_once() {
        assert_eq!(
            query(&[("args", "network:10.244.1.0,netmask:255.255.255.0".into())]),
            "args=network:10.244.1.0,netmask:255.255.255.0"
        );
        assert_eq!(
            query(&[
                ("filter", "name:/^k8s-.*/".into()),
                ("attrs", "name,ipaddress".into())
            ]),
            "filter=name:%2F%5Ek8s-.%2A%2F&attrs=name,ipaddress"
        );
        assert_eq!(
            query(&[("args", "comment:a b&c=d".into())]),
            "args=comment:a%20b%26c%3Dd"
        );
        assert_eq!(query(&[]), "");
    }

    #[test]
    fn cookie_values_are_percent_decoded() {
        assert_eq!(decode("%23%235A3F"), "##5A3F");
        assert_eq!(decode("plain"), "plain");
    }
}
