//! The country chooser of address forms: a `<select>` of the ISO 3166-1 countries by English
//! name, the value being the alpha-2 code the JSON API and the events use.

use crate::pages::layout::InputAttrs;
use maud::{Markup, html};
use portal_domain::values::{COUNTRY_NAMES, CountryCode};
use std::sync::OnceLock;

/// `(code, name)` of every country, sorted by name as a reader looks for it (accents ignored, so
/// Åland Islands comes with the A's).
fn by_name() -> &'static [(&'static str, &'static str)] {
    static SORTED: OnceLock<Vec<(&'static str, &'static str)>> = OnceLock::new();
    SORTED.get_or_init(|| {
        let mut all = COUNTRY_NAMES.to_vec();
        all.sort_by_cached_key(|(_, name)| sort_key(name));
        all
    })
}

fn sort_key(name: &str) -> String {
    name.chars()
        .map(|c| match c {
            'Å' | 'Á' | 'À' | 'Ä' => 'A',
            'Ç' => 'C',
            'É' | 'È' => 'E',
            'Ö' | 'Ø' => 'O',
            'Ü' => 'U',
            c => c,
        })
        .collect::<String>()
        .to_lowercase()
}

/// A `<select name=… id=…>` of all countries with `current` selected. `current` may be a code or
/// a name in any case (what a form sent back); a value that is no country stays as an extra
/// first option, selected, so a refused form shows what was sent next to its message. Empty
/// `current`: a "Choose a country" placeholder is selected. `attrs` are the control's ARIA
/// attributes ([`crate::pages::layout::input_attrs`]).
pub fn country_select(name: &str, id: &str, current: &str, attrs: &InputAttrs) -> Markup {
    let current = current.trim();
    let selected = CountryCode::parse(current).ok().map(|c| c.as_str());
    html! {
        select name=(name) id=(id) autocomplete="country"
            aria-invalid=[attrs.invalid] aria-describedby=[attrs.described_by.as_deref()] {
            @if current.is_empty() {
                option value="" selected { "Choose a country…" }
            } @else if selected.is_none() {
                option value=(current) selected { (current) }
            }
            @for (code, country) in by_name() {
                option value=(code) selected[selected == Some(*code)] { (country) " (" (code) ")" }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::pages::layout::input_attrs_if;

    fn render(current: &str) -> String {
        country_select(
            "address.country",
            "address.country",
            current,
            &input_attrs_if(false, "x"),
        )
        .into_string()
    }

    #[test]
    fn the_current_country_is_selected_by_code_or_name() {
        for current in ["DE", "de", "Germany"] {
            let html = render(current);
            assert!(
                html.contains(r#"<option value="DE" selected>Germany (DE)</option>"#),
                "{html}"
            );
            assert_eq!(html.matches(" selected").count(), 1, "{current}");
        }
        assert!(render("").contains(r#"<option value="" selected>Choose a country…</option>"#));
    }

    #[test]
    fn an_unknown_value_is_kept_and_shown() {
        let html = render("Atlantis");
        assert!(html.contains(r#"<option value="Atlantis" selected>Atlantis</option>"#));
    }

    #[test]
    fn countries_are_listed_by_name() {
        let html = render("");
        let pos = |s: &str| html.find(s).unwrap();
        assert!(pos("Afghanistan") < pos("Åland Islands"));
        assert!(pos("Åland Islands") < pos("Albania"));
        assert!(pos("Czechia") < pos("Germany") && pos("Germany") < pos("United Kingdom"));
        assert_eq!(html.matches("<option").count(), 250);
    }

    #[test]
    fn errors_are_announced() {
        let html = country_select("c", "c", "XX", &input_attrs_if(true, "c")).into_string();
        assert!(
            html.contains(r#"aria-invalid="true""#)
                && html.contains(r#"aria-describedby="c-error""#)
        );
    }
}
