//! [`Principal`]: who acts, in which tenant, for which customer. An interface authenticates
//! (session, bearer token, operator) and hands the use cases this value; the use cases never
//! take a tenant or customer from anywhere else.

use portal_domain::{Actor, ContactId, CustomerId, TenantId, UserId};
use portal_projections::models::Scope;

/// The role a principal acts in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The carrier's staff: the whole tenant.
    Staff,
    /// A contact with portal access, acting for one customer.
    Portal {
        customer_id: CustomerId,
        contact_id: ContactId,
    },
}

/// Who acts: a user of one tenant in one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub user_id: UserId,
    pub tenant: TenantId,
    pub role: Role,
}

impl Principal {
    pub fn staff(user_id: UserId, tenant: TenantId) -> Self {
        Self {
            user_id,
            tenant,
            role: Role::Staff,
        }
    }

    pub fn portal(
        user_id: UserId,
        tenant: TenantId,
        customer_id: CustomerId,
        contact_id: ContactId,
    ) -> Self {
        Self {
            user_id,
            tenant,
            role: Role::Portal {
                customer_id,
                contact_id,
            },
        }
    }

    pub fn tenant(&self) -> &TenantId {
        &self.tenant
    }

    pub fn is_staff(&self) -> bool {
        self.role == Role::Staff
    }

    /// The read-model scope of queries: the whole tenant for staff, one customer for portal
    /// users.
    pub fn read_scope(&self) -> Scope {
        match self.role {
            Role::Staff => Scope::Tenant,
            Role::Portal { customer_id, .. } => Scope::Customer(customer_id),
        }
    }

    /// Who acts, for event metadata.
    pub fn actor(&self) -> Actor {
        match self.role {
            Role::Staff => Actor::Staff {
                user_id: self.user_id,
            },
            Role::Portal { customer_id, .. } => Actor::PortalUser {
                user_id: self.user_id,
                customer_id,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_decides_scope_and_actor() {
        let user_id = UserId(uuid::Uuid::now_v7());
        let tenant = TenantId::parse("acme").expect("a tenant slug");
        let staff = Principal::staff(user_id, tenant.clone());
        assert!(staff.is_staff());
        assert_eq!(staff.read_scope(), Scope::Tenant);
        assert_eq!(staff.actor(), Actor::Staff { user_id });
        let customer_id = CustomerId(uuid::Uuid::now_v7());
        let contact_id = ContactId(uuid::Uuid::now_v7());
        let user = Principal::portal(user_id, tenant, customer_id, contact_id);
        assert!(!user.is_staff());
        assert_eq!(user.read_scope(), Scope::Customer(customer_id));
        assert_eq!(
            user.actor(),
            Actor::PortalUser {
                user_id,
                customer_id
            }
        );
    }
}
