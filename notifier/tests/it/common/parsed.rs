//! A received email parsed with the crate's own MIME reader: headers (encoded words decoded),
//! the parts' media types, the decoded text and HTML, and the links in it.

use super::smtp;
use url::Url;

/// A parsed received email: headers, and the decoded text and HTML parts.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub raw: String,
    pub headers: Vec<(String, String)>,
    pub content_type: String,
    /// Media types of the parts, in order.
    pub part_types: Vec<String>,
    pub text: String,
    pub html: String,
}

impl Parsed {
    pub fn of(m: &smtp::Received) -> Self {
        let e = portal_notifier::mime::parse(&m.data);
        let parts = portal_notifier::mime::parts(&e);
        let (text, html) = portal_notifier::mime::texts(&e);
        Self {
            raw: m.text(),
            headers: e
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), portal_notifier::mime::decode_words(v)))
                .collect(),
            content_type: e.media_type(),
            part_types: parts.iter().map(|p| p.media_type()).collect(),
            text: text.unwrap_or_default(),
            html: html.unwrap_or_default(),
        }
    }

    /// The first header `name` (case-insensitive), encoded words decoded.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every `http(s)://…` link in the text part that contains `path`.
    pub fn links(&self, path: &str) -> Vec<String> {
        let mut links = Vec::new();
        for (i, _) in self.text.match_indices("http") {
            let rest = &self.text[i..];
            let end = rest
                .find(|c: char| c.is_whitespace() || c == '"' || c == '<' || c == '>')
                .unwrap_or(rest.len());
            let link = rest[..end].to_owned();
            if link.contains(path) && !links.contains(&link) {
                links.push(link);
            }
        }
        links
    }

    /// The `token` query parameter of the one link containing `path`.
    pub fn token(&self, path: &str) -> String {
        let links = self.links(path);
        assert_eq!(links.len(), 1, "one {path} link expected: {links:?}");
        let url = Url::parse(&links[0]).unwrap();
        url.query_pairs()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v.into_owned())
            .expect("a token parameter")
    }
}
