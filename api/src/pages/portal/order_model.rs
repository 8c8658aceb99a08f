//! The order form's model: the form's fields named by their JSON paths
//! (`consignments[0].pickup.address.city`, `consignments[0].goods[1].weight_kg`), so the
//! validation messages of the domain and the API (which use the same paths) land next to their
//! inputs. Parsing turns the fields into an [`OrderContentInput`], collecting a message for
//! every field that is not a date, a time or a number (a blank is no error here: a draft may have
//! gaps, submission lists them); [`OrderModel::from_content`] fills the
//! form from a saved draft.

use portal_domain::FieldError;
use portal_domain::values::{
    AddressInput, AdrInput, ConsignmentInput, DraftContent, GoodsInput, OrderContentInput,
    StopInput, TimeWindowInput,
};
use std::collections::BTreeMap;
use time::macros::format_description;
use time::{Date, Time};

/// The fields of a stop, after `consignments[i].pickup.` / `.delivery.`.
pub const STOP_FIELDS: [&str; 15] = [
    "location_id",
    // The location whose address the fields were filled from (hidden): a change of the fields
    // after that detaches the stop from the location.
    "filled_from",
    "address.name",
    "address.street",
    "address.postal_code",
    "address.city",
    "address.country",
    "address.contact_name",
    "address.contact_phone",
    "date",
    "time_window.from",
    "time_window.to",
    "reference",
    "instructions",
    "save_to_book",
];

/// The fields of a goods line, after `consignments[i].goods[j].`.
pub const GOODS_FIELDS: [&str; 12] = [
    "description",
    "quantity",
    "packaging",
    "weight_kg",
    "volume_m3",
    "loading_metres",
    "pallet_spaces",
    "stackable",
    "adr.un_number",
    "adr.class",
    "adr.packing_group",
    "adr.tunnel_code",
];

pub type Fields = BTreeMap<String, String>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConsignmentModel {
    pub pickup: Fields,
    pub delivery: Fields,
    pub goods: Vec<Fields>,
}

impl ConsignmentModel {
    pub fn empty() -> Self {
        Self {
            goods: vec![Fields::new()],
            ..Self::default()
        }
    }
}

/// What the order form shows and sends.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderModel {
    pub customer_reference: String,
    pub notes: String,
    pub consignments: Vec<ConsignmentModel>,
}

/// `consignments[3].goods[1].x` → `(3, Some(1), "x")`; `consignments[0].pickup.x` → `(0, None,
/// "pickup.x")`.
fn split_path(name: &str) -> Option<(usize, Option<usize>, &str)> {
    let rest = name.strip_prefix("consignments[")?;
    let (i, rest) = rest.split_once("].")?;
    let i = i.parse().ok()?;
    if let Some(goods) = rest.strip_prefix("goods[") {
        let (j, field) = goods.split_once("].")?;
        return Some((i, Some(j.parse().ok()?), field));
    }
    Some((i, None, rest))
}

/// The most consignments and goods lines a form may hold (the domain's limits).
const MAX_INDEX: usize = 100;

impl OrderModel {
    /// A new order: one consignment with one goods line.
    pub fn new_order() -> Self {
        Self {
            consignments: vec![ConsignmentModel::empty()],
            ..Self::default()
        }
    }

    /// The model of a submitted form (`name`, `value` pairs in order).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut model = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "customer_reference" => model.customer_reference = value.clone(),
                "notes" => model.notes = value.clone(),
                _ => {
                    let Some((i, goods, field)) = split_path(name) else {
                        continue;
                    };
                    if i >= MAX_INDEX || goods.is_some_and(|j| j >= MAX_INDEX) {
                        continue;
                    }
                    while model.consignments.len() <= i {
                        model.consignments.push(ConsignmentModel::default());
                    }
                    let c = &mut model.consignments[i];
                    let (map, key) = match goods {
                        Some(j) => {
                            while c.goods.len() <= j {
                                c.goods.push(Fields::new());
                            }
                            (&mut c.goods[j], field)
                        }
                        None => match field.split_once('.') {
                            Some(("pickup", key)) => (&mut c.pickup, key),
                            Some(("delivery", key)) => (&mut c.delivery, key),
                            _ => continue,
                        },
                    };
                    map.insert(key.to_owned(), value.clone());
                }
            }
        }
        if model.consignments.is_empty() {
            model.consignments.push(ConsignmentModel::empty());
        }
        for c in &mut model.consignments {
            if c.goods.is_empty() {
                c.goods.push(Fields::new());
            }
        }
        model
    }

    /// The form of a saved draft (or of an order copied by *Order again*).
    pub fn from_content(content: &DraftContent) -> Self {
        let mut pairs = Vec::new();
        if let Ok(value) = serde_json::to_value(content) {
            flatten("", &value, &mut pairs);
        }
        let mut model = Self::from_pairs(&pairs);
        for c in &mut model.consignments {
            for stop in [&mut c.pickup, &mut c.delivery] {
                if let Some(id) = stop.get("location_id").filter(|id| !id.is_empty()).cloned() {
                    stop.insert("filled_from".to_owned(), id);
                }
            }
        }
        model
    }

    /// The content input, or the message of every field that does not parse.
    pub fn to_input(&self) -> (OrderContentInput, Vec<FieldError>) {
        let mut errors = Vec::new();
        let consignments = self
            .consignments
            .iter()
            .enumerate()
            .map(|(i, c)| ConsignmentInput {
                pickup: stop(&c.pickup, &format!("consignments[{i}].pickup"), &mut errors),
                delivery: stop(
                    &c.delivery,
                    &format!("consignments[{i}].delivery"),
                    &mut errors,
                ),
                goods: c
                    .goods
                    .iter()
                    .enumerate()
                    .map(|(j, g)| goods(g, &format!("consignments[{i}].goods[{j}]"), &mut errors))
                    .collect(),
            })
            .collect();
        let input = OrderContentInput {
            customer_reference: opt(&self.customer_reference),
            consignments,
            notes: opt(&self.notes),
        };
        (input, errors)
    }
}

/// `("a.b", 1)`-style pairs of a JSON document, arrays as `[i]`; booleans as `on` or nothing.
fn flatten(prefix: &str, value: &serde_json::Value, out: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let join = |key: &str| {
        if prefix.is_empty() {
            key.to_owned()
        } else {
            format!("{prefix}.{key}")
        }
    };
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .for_each(|(i, v)| flatten(&format!("{prefix}[{i}]"), v, out)),
        Value::Null | Value::Bool(false) => {}
        Value::Bool(true) => out.push((prefix.to_owned(), "on".to_owned())),
        Value::Number(n) => out.push((prefix.to_owned(), n.to_string())),
        Value::String(s) => out.push((prefix.to_owned(), s.clone())),
    }
}

fn get<'a>(fields: &'a Fields, key: &str) -> &'a str {
    fields.get(key).map_or("", |v| v.trim())
}

fn opt(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|s| !s.is_empty())
}

fn stop(fields: &Fields, path: &str, errors: &mut Vec<FieldError>) -> StopInput {
    let location_id = match get(fields, "location_id") {
        "" => None,
        raw => raw.parse().ok().or_else(|| {
            errors.push(FieldError::new(
                format!("{path}.location_id"),
                "is not a location of your address book",
            ));
            None
        }),
    };
    // Blank is a gap a draft may have; only what is typed must be a date.
    let date = match get(fields, "date") {
        "" => None,
        raw => Date::parse(raw, format_description!("[year]-[month]-[day]"))
            .ok()
            .or_else(|| {
                errors.push(FieldError::new(
                    format!("{path}.date"),
                    "is not a date like 2030-06-05",
                ));
                None
            }),
    };
    let (from, to) = (
        get(fields, "time_window.from"),
        get(fields, "time_window.to"),
    );
    let time_window = if from.is_empty() && to.is_empty() {
        None
    } else {
        let mut time = |raw: &str, key: &str| {
            let t = Time::parse(raw, format_description!("[hour]:[minute]"))
                .or_else(|_| Time::parse(raw, format_description!("[hour]:[minute]:[second]")));
            t.ok().or_else(|| {
                errors.push(FieldError::new(
                    format!("{path}.time_window.{key}"),
                    "is not a time like 08:30",
                ));
                None
            })
        };
        match (time(from, "from"), time(to, "to")) {
            (Some(from), Some(to)) => Some(TimeWindowInput { from, to }),
            _ => None,
        }
    };
    StopInput {
        location_id,
        address: AddressInput {
            name: get(fields, "address.name").to_owned(),
            street: get(fields, "address.street").to_owned(),
            postal_code: get(fields, "address.postal_code").to_owned(),
            city: get(fields, "address.city").to_owned(),
            country: get(fields, "address.country").to_owned(),
            contact_name: opt(get(fields, "address.contact_name")),
            contact_phone: opt(get(fields, "address.contact_phone")),
        },
        date,
        time_window,
        reference: opt(get(fields, "reference")),
        instructions: opt(get(fields, "instructions")),
    }
}

fn number<T: std::str::FromStr>(
    fields: &Fields,
    key: &str,
    path: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let raw = get(fields, key).replace(',', ".");
    if raw.is_empty() {
        return None;
    }
    raw.parse().ok().or_else(|| {
        errors.push(FieldError::new(format!("{path}.{key}"), "is not a number"));
        None
    })
}

fn goods(fields: &Fields, path: &str, errors: &mut Vec<FieldError>) -> GoodsInput {
    // Blanks are gaps a draft may have; what is typed must be well-formed.
    let quantity = number::<i64>(fields, "quantity", path, errors);
    let weight = number::<f64>(fields, "weight_kg", path, errors);
    let packaging = match get(fields, "packaging") {
        "" => None,
        raw => serde_json::from_value(serde_json::Value::String(raw.to_owned()))
            .ok()
            .or_else(|| {
                errors.push(FieldError::new(
                    format!("{path}.packaging"),
                    "choose a packaging",
                ));
                None
            }),
    };
    let (un, class) = (get(fields, "adr.un_number"), get(fields, "adr.class"));
    let adr = (!un.is_empty() || !class.is_empty()).then(|| AdrInput {
        un_number: un.to_owned(),
        class: class.to_owned(),
        packing_group: opt(get(fields, "adr.packing_group")),
        tunnel_code: opt(get(fields, "adr.tunnel_code")),
    });
    GoodsInput {
        description: get(fields, "description").to_owned(),
        quantity,
        packaging,
        weight_kg: weight,
        volume_m3: number(fields, "volume_m3", path, errors),
        loading_metres: number(fields, "loading_metres", path, errors),
        pallet_spaces: number(fields, "pallet_spaces", path, errors),
        stackable: matches!(get(fields, "stackable"), "on" | "true" | "1"),
        adr,
    }
}

#[cfg(test)]
#[path = "order_model_tests.rs"]
mod tests;
