//! Dangerous goods on an order: the tunnel restriction code travels with the content into the
//! events; a bad code never reaches a command.
#![allow(clippy::unwrap_used)]
use super::OrderCommand::*;
use super::OrderEvent::*;
use super::fixtures::*;
use super::*;
use crate::testkit::{content_input, given};
use crate::values::{AdrInput, DraftContent, OrderContent};

fn with_tunnel_code(code: &str) -> Result<OrderContent, Vec<crate::FieldError>> {
    let mut input = content_input("PO-1");
    input.consignments[0].goods[0].adr = Some(AdrInput {
        un_number: "1263".into(),
        class: "3".into(),
        packing_group: Some("II".into()),
        tunnel_code: Some(code.into()),
    });
    OrderContent::new(input)
}

#[test]
fn given_a_draft_when_goods_get_a_tunnel_code_then_the_update_event_carries_it() {
    let content = DraftContent::from(&with_tunnel_code("D/E").unwrap());
    let state = given::<Order>(&[draft_created()])
        .when(UpdateDraft {
            content: content.clone(),
            today: crate::testkit::TODAY,
        })
        .then(&[OrderDraftUpdated {
            order_id: order_id(),
            content: content.clone(),
        }]);
    let content = state.content.unwrap().complete().unwrap();
    let adr = content.consignments()[0].goods()[0].adr().unwrap();
    assert_eq!(adr.tunnel_code().map(|t| t.as_str()), Some("D/E"));
}

#[test]
fn given_order_content_when_the_tunnel_code_is_unknown_then_it_is_rejected_at_its_field() {
    let e = with_tunnel_code("X/Y").unwrap_err();
    let fields: Vec<&str> = e.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields.len(), 1, "{fields:?}");
    assert!(
        fields[0].ends_with("goods[0].adr.tunnel_code"),
        "{fields:?}"
    );
}
