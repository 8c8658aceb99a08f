//! Who may do and see what: the checks every use case and every query of the interfaces runs
//! before it acts or answers.
//!
//! - [`staff_only`] and [`portal_only`]: the role a use case is for. The other role gets
//!   [`Error::NotFound`], not "forbidden": the path is not theirs and says nothing.
//! - [`shows_charges`]: whether charges (amounts of money) may reach the principal; where not,
//!   no charge, amount or count of charges may, in any list, detail, export or page.
//! - [`visible_order`], [`visible_orders`]: one order, or a page of the list, in the
//!   principal's scope with charges only where they may be seen. An id of another tenant or
//!   customer is `None`, exactly like an unknown one.

use crate::principal::Role;
use crate::{Context, Error, Principal};
use portal_domain::{ContactId, CustomerId, OrderId};
use portal_projections::models::orders::{self, OrderDetail, OrderFilter, OrderListItem};
use portal_projections::models::{Page, Paged, Scope, customers};

/// Refuses principals that are not staff of their tenant (as not found: the path is not
/// theirs).
pub fn staff_only(principal: &Principal) -> Result<(), Error> {
    if principal.is_staff() {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// The customer and contact a portal user acts for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortalUser {
    pub customer_id: CustomerId,
    pub contact_id: ContactId,
}

/// The principal's portal scope, or not found for staff.
pub fn portal_only(principal: &Principal) -> Result<PortalUser, Error> {
    match principal.role {
        Role::Portal {
            customer_id,
            contact_id,
        } => Ok(PortalUser {
            customer_id,
            contact_id,
        }),
        Role::Staff => Err(Error::NotFound),
    }
}

/// Whether the principal may see charges: staff always, a portal user where the customer shows
/// them. Where not, no charge, amount or count of charges may reach the principal.
pub async fn shows_charges(cx: &Context, principal: &Principal) -> Result<bool, Error> {
    Ok(match principal.read_scope() {
        Scope::Tenant => true,
        Scope::Customer(customer_id) => customers::get(&cx.read, principal.tenant(), customer_id)
            .await?
            .is_some_and(|c| c.show_charges),
    })
}

/// One order in the principal's scope, with charges only where the principal may see them;
/// `None` for an id that is not an order id, absent, or outside the scope.
pub async fn visible_order(
    cx: &Context,
    principal: &Principal,
    id: &str,
) -> Result<Option<OrderDetail>, Error> {
    let Ok(order_id) = id.parse::<OrderId>() else {
        return Ok(None);
    };
    let Some(mut detail) = orders::get(
        &cx.read,
        principal.tenant(),
        principal.read_scope(),
        order_id,
    )
    .await?
    else {
        return Ok(None);
    };
    if !shows_charges(cx, principal).await? {
        detail.charges.clear();
        detail.order.charges_awaiting_approval = 0;
    }
    // Names at read time, as this reader may see them; portal readers get no staff ids.
    let mut names = crate::people::Names::new(cx, principal);
    for h in &mut detail.history {
        if let Some(by) = &h.by {
            h.by_name = Some(names.of(by).await?.label);
        }
        if !principal.is_staff() {
            h.by = None;
        }
    }
    Ok(Some(detail))
}

/// A page of the orders in the principal's scope matching `filter`, newest first; the count of
/// charges awaiting approval is zero where the principal may not see charges.
pub async fn visible_orders(
    cx: &Context,
    principal: &Principal,
    filter: &OrderFilter,
    page: &Page,
) -> Result<Paged<OrderListItem>, Error> {
    let mut listed = orders::list(
        &cx.read,
        principal.tenant(),
        principal.read_scope(),
        filter,
        page,
    )
    .await?;
    if !shows_charges(cx, principal).await? {
        for item in &mut listed.items {
            item.order.charges_awaiting_approval = 0;
        }
    }
    Ok(listed)
}
