//! Hidden characters: bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
//! zero-width characters (U+200B–U+200D, U+2060, U+FEFF). They are invisible on screen yet
//! change what text looks like ("Trojan Source": a reference that reads `INV-001` but sorts and
//! compares as something else, a name that renders reversed) or make two values that look the
//! same differ. Free text typed into the portal has no use for them, so input refuses them with a
//! field error naming each by code point.
//!
//! Like the printable rule, this applies to input only (commands, forms, API bodies): stored
//! events keep what they were accepted with (see the hazard note in [`crate::values`]).

use crate::error::FieldError;

/// Whether `c` is one of the hidden characters refused in input.
pub fn is_hidden(c: char) -> bool {
    matches!(
        u32::from(c),
        0x202A..=0x202E | 0x2066..=0x2069 | 0x200B..=0x200D | 0x2060 | 0xFEFF
    )
}

/// The hidden characters of `text`, each once, in order of appearance, as `U+XXXX`.
pub fn hidden_in(text: &str) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    for c in text.chars().filter(|c| is_hidden(*c)) {
        let name = format!("U+{:04X}", u32::from(c));
        if !found.contains(&name) {
            found.push(name);
        }
    }
    found
}

/// The rule for one field: an error naming the hidden characters of `text`.
pub fn check_hidden(field: &str, text: &str) -> Result<(), FieldError> {
    let found = hidden_in(text);
    if found.is_empty() {
        return Ok(());
    }
    Err(FieldError::new(
        field,
        format!(
            "must not contain hidden characters (text direction controls or zero-width \
             characters): {}",
            found.join(", ")
        ),
    ))
}

/// [`check_hidden`] for optional text, passing the text through.
pub fn no_hidden(field: &str, text: Option<String>) -> Result<Option<String>, FieldError> {
    if let Some(t) = &text {
        check_hidden(field, t)?;
    }
    Ok(text)
}

#[cfg(test)]
#[path = "hidden_tests.rs"]
mod tests;
