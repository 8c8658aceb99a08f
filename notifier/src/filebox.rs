//! The emails of the file transport, read back for the `/dev/mail` page of embedded mode.
//!
//! An email's id is its file stem (lettre names the files `<uuid>.eml`). Ids are validated
//! before any path is built: only ASCII letters, digits and `-`, so no id can leave the folder.
//! Blocking file IO: call from `spawn_blocking` on a busy server.

use crate::mime;
use std::path::Path;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc2822;

/// One line of the mailbox list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailSummary {
    pub id: String,
    /// The Date header, or the file's modification time when it has none.
    pub date: OffsetDateTime,
    pub from: String,
    pub to: String,
    pub subject: String,
}

/// One email, decoded for display (show it as text: it is untrusted content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailView {
    pub id: String,
    /// Every header in order, encoded words decoded.
    pub headers: Vec<(String, String)>,
    /// The plain-text part ("" when there is none).
    pub text: String,
    pub html: Option<String>,
}

/// Whether `id` can name an email file (and nothing else).
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The emails in `dir`, newest first. A missing folder is an empty mailbox; unreadable files
/// are left out.
pub fn list(dir: &Path) -> Vec<MailSummary> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<MailSummary> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("eml") {
                return None;
            }
            let id = path.file_stem()?.to_str()?.to_owned();
            if !valid_id(&id) {
                return None;
            }
            let raw = std::fs::read(&path).ok()?;
            let modified = entry
                .metadata()
                .and_then(|m| m.modified())
                .map_or(OffsetDateTime::UNIX_EPOCH, OffsetDateTime::from);
            Some(summary(id, &raw, modified))
        })
        .collect();
    out.sort_by(|a, b| b.date.cmp(&a.date).then_with(|| b.id.cmp(&a.id)));
    out
}

fn summary(id: String, raw: &[u8], modified: OffsetDateTime) -> MailSummary {
    let entity = mime::parse(raw);
    let header = |name: &str| {
        entity
            .header(name)
            .map(mime::decode_words)
            .unwrap_or_default()
    };
    let date = entity
        .header("Date")
        .and_then(|d| OffsetDateTime::parse(d.trim(), &Rfc2822).ok())
        .unwrap_or(modified);
    MailSummary {
        id,
        date,
        from: header("From"),
        to: header("To"),
        subject: header("Subject"),
    }
}

/// The email `id` in `dir`, or `None` when the id is invalid or there is no such email.
pub fn get(dir: &Path, id: &str) -> Option<MailView> {
    if !valid_id(id) {
        return None;
    }
    let raw = std::fs::read(dir.join(format!("{id}.eml"))).ok()?;
    let entity = mime::parse(&raw);
    let (text, html) = mime::texts(&entity);
    Some(MailView {
        id: id.to_owned(),
        headers: entity
            .headers
            .iter()
            .map(|(n, v)| (n.clone(), mime::decode_words(v)))
            .collect(),
        text: text.unwrap_or_default(),
        html,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_cannot_traverse() {
        assert!(valid_id("0b5c3f1e-4a2d-4c57-9d7e-1f2a3b4c5d6e"));
        for bad in ["", "../x", "..", "a/b", "a\\b", "x.eml", "a b", "%2e%2e"] {
            assert!(!valid_id(bad), "{bad}");
        }
        assert!(get(Path::new("/tmp"), "../etc/passwd").is_none());
    }
}
