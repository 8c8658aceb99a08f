//! Just enough MIME to read back the emails this crate writes (lettre's output): unfolded
//! headers, RFC 2047 encoded words, multipart bodies, and quoted-printable / base64 parts.
//! Anything it does not understand is shown as it is, never rejected.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A parsed entity: its headers (names as written, values unfolded) and its raw body.
#[derive(Debug, Clone, Default)]
pub struct Entity<'a> {
    pub headers: Vec<(String, String)>,
    pub body: &'a [u8],
}

impl Entity<'_> {
    /// The first header named `name` (case-insensitive), raw.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The media type, lowercased (`text/plain` when absent, as RFC 2045 says).
    pub fn media_type(&self) -> String {
        self.header("Content-Type")
            .and_then(|v| v.split(';').next())
            .map_or_else(
                || "text/plain".to_owned(),
                |t| t.trim().to_ascii_lowercase(),
            )
    }

    /// The body with its transfer encoding undone.
    pub fn decoded_body(&self) -> Vec<u8> {
        let cte = self
            .header("Content-Transfer-Encoding")
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        match cte.as_str() {
            "quoted-printable" => decode_qp(self.body),
            "base64" => {
                let compact: Vec<u8> = self
                    .body
                    .iter()
                    .copied()
                    .filter(|b| !b.is_ascii_whitespace())
                    .collect();
                STANDARD
                    .decode(&compact)
                    .unwrap_or_else(|_| self.body.to_vec())
            }
            _ => self.body.to_vec(),
        }
    }
}

/// Splits `raw` into headers and body.
pub fn parse(raw: &[u8]) -> Entity<'_> {
    let (head, body) = split_head(raw);
    Entity {
        headers: parse_headers(&String::from_utf8_lossy(head)),
        body,
    }
}

fn split_head(raw: &[u8]) -> (&[u8], &[u8]) {
    for i in 0..raw.len() {
        if raw[i..].starts_with(b"\r\n\r\n") {
            return (&raw[..i], &raw[i + 4..]);
        }
        if raw[i..].starts_with(b"\n\n") {
            return (&raw[..i], &raw[i + 2..]);
        }
    }
    (raw, &[])
}

fn parse_headers(head: &str) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.lines() {
        if line.starts_with([' ', '\t']) {
            if let Some((_, value)) = headers.last_mut() {
                value.push(' ');
                value.push_str(line.trim());
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.trim().to_owned(), value.trim().to_owned()));
        }
    }
    headers
}

/// A parameter of a structured header value, e.g. `boundary` of a Content-Type.
pub fn param(value: &str, name: &str) -> Option<String> {
    value.split(';').skip(1).find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The parts of a multipart body (empty when `entity` is not multipart).
pub fn parts<'a>(entity: &Entity<'a>) -> Vec<Entity<'a>> {
    let Some(boundary) = entity
        .header("Content-Type")
        .filter(|_| entity.media_type().starts_with("multipart/"))
        .and_then(|v| param(v, "boundary"))
    else {
        return Vec::new();
    };
    let delimiter = format!("--{boundary}");
    let body = entity.body;
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut pos = 0;
    while pos <= body.len() {
        let end = body[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .map_or(body.len(), |i| pos + i);
        let line = trim_cr(&body[pos..end]);
        if line.starts_with(delimiter.as_bytes()) {
            if let Some(s) = start {
                // The CRLF before a delimiter belongs to the delimiter.
                let part_end = if pos >= 2 && body[pos - 2] == b'\r' {
                    pos - 2
                } else {
                    pos.saturating_sub(1)
                };
                out.push(parse(&body[s..part_end.max(s)]));
            }
            if line[delimiter.len()..].starts_with(b"--") {
                break;
            }
            start = Some((end + 1).min(body.len()));
        }
        pos = end + 1;
    }
    out
}

fn trim_cr(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The first `text/plain` and `text/html` bodies found depth-first.
pub fn texts(entity: &Entity<'_>) -> (Option<String>, Option<String>) {
    let mut text = None;
    let mut html = None;
    collect(entity, &mut text, &mut html);
    (text, html)
}

fn collect(entity: &Entity<'_>, text: &mut Option<String>, html: &mut Option<String>) {
    let media = entity.media_type();
    if media.starts_with("multipart/") {
        for part in parts(entity) {
            collect(&part, text, html);
        }
    } else if media == "text/plain" && text.is_none() {
        *text = Some(String::from_utf8_lossy(&entity.decoded_body()).into_owned());
    } else if media == "text/html" && html.is_none() {
        *html = Some(String::from_utf8_lossy(&entity.decoded_body()).into_owned());
    }
}

/// Quoted-printable decoding (RFC 2045 §6.7), lenient: bad escapes stay as they are.
pub fn decode_qp(input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b != b'=' {
            out.push(b);
            i += 1;
            continue;
        }
        let rest = &input[i + 1..];
        if rest.starts_with(b"\r\n") {
            i += 3; // soft line break
        } else if rest.starts_with(b"\n") {
            i += 2;
        } else if let Some(v) = rest.get(..2).and_then(hex_byte) {
            out.push(v);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    out
}

fn hex_byte(pair: &[u8]) -> Option<u8> {
    let s = std::str::from_utf8(pair).ok()?;
    u8::from_str_radix(s, 16).ok()
}

/// Decodes RFC 2047 encoded words (`=?utf-8?b?…?=`, `=?utf-8?q?…?=`) in a header value;
/// whitespace between two encoded words is dropped, as the RFC says.
pub fn decode_words(value: &str) -> String {
    let mut out = String::new();
    let mut rest = value;
    let mut last_was_word = false;
    while let Some(start) = rest.find("=?") {
        let (before, candidate) = rest.split_at(start);
        match decode_word(candidate) {
            Some((decoded, used)) => {
                if !(last_was_word && before.trim().is_empty()) {
                    out.push_str(before);
                }
                out.push_str(&decoded);
                rest = &candidate[used..];
                last_was_word = true;
            }
            None => {
                out.push_str(before);
                out.push_str("=?");
                rest = &candidate[2..];
                last_was_word = false;
            }
        }
    }
    out.push_str(rest);
    out
}

/// One encoded word at the start of `s`: the decoded text and the bytes it used.
fn decode_word(s: &str) -> Option<(String, usize)> {
    let inner = s.strip_prefix("=?")?;
    let (_charset, inner) = inner.split_once('?')?;
    let (encoding, inner) = inner.split_once('?')?;
    let end = inner.find("?=")?;
    let text = &inner[..end];
    let bytes = match encoding.to_ascii_lowercase().as_str() {
        "b" => STANDARD.decode(text).ok()?,
        "q" => decode_qp(text.replace('_', " ").as_bytes()),
        _ => return None,
    };
    let used = 2 + (s.len() - 2 - inner.len()) + end + 2;
    Some((String::from_utf8_lossy(&bytes).into_owned(), used))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_printable_and_words() {
        assert_eq!(decode_qp(b"a=3Db=\r\nc=C3=A9"), "a=bcé".as_bytes());
        assert_eq!(decode_words("=?utf-8?b?w6k=?= =?utf-8?q?a_b?= x"), "éa b x");
        assert_eq!(decode_words("plain =? text"), "plain =? text");
    }

    #[test]
    fn multipart_alternative() {
        let raw = b"Subject: Hi\r\nContent-Type: multipart/alternative;\r\n boundary=\"XX\"\r\n\r\n\
--XX\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nh=C3=A9\r\n\
--XX\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\nPGI+aGk8L2I+\r\n--XX--\r\n";
        let e = parse(raw);
        assert_eq!(e.header("subject"), Some("Hi"));
        let (text, html) = texts(&e);
        assert_eq!(text.as_deref(), Some("hé"));
        assert_eq!(html.as_deref(), Some("<b>hi</b>"));
    }
}
