//! The scopes of the management API and what each allows (contract §3, §7),
//! as one table: each resource's path and its read and write scopes.

/// Allows the GET endpoints of the clients API.
pub const CLIENTS_READ: &str = "oauth-clients:read";
/// Allows every endpoint of the clients API.
pub const CLIENTS_WRITE: &str = "oauth-clients:write";
/// Allows the GET endpoints of the users API.
pub const USERS_READ: &str = "users:read";
/// Allows every endpoint of the users API.
pub const USERS_WRITE: &str = "users:write";
/// Allows reading the audit log (contract §10), which has no writes.
pub const AUDITS_READ: &str = "audits:read";

/// A resource of the management API and the scopes that govern it.
#[derive(Debug, Clone, Copy)]
pub struct ResourceScopes {
    /// The collection's path; the resource is this path and everything below.
    pub path: &'static str,
    /// Allows the GET (and HEAD) requests.
    pub read: &'static str,
    /// Allows every request (write includes read); the read scope again
    /// for a resource that has only reads.
    pub write: &'static str,
}

/// Every resource of the management API.
pub static RESOURCES: [ResourceScopes; 3] = [
    ResourceScopes {
        path: "/api/core/oauth-clients",
        read: CLIENTS_READ,
        write: CLIENTS_WRITE,
    },
    ResourceScopes {
        path: "/api/core/users",
        read: USERS_READ,
        write: USERS_WRITE,
    },
    ResourceScopes {
        path: "/api/core/audits",
        read: AUDITS_READ,
        write: AUDITS_READ,
    },
];

/// Every management scope, as `tenant create` grants them to the admin client.
pub fn all_management_scopes() -> Vec<&'static str> {
    let mut all: Vec<&'static str> = RESOURCES.iter().flat_map(|r| [r.read, r.write]).collect();
    all.dedup();
    all
}

/// Whether `scope` governs part of the management API (such a scope in a
/// user's token needs the `TenantAdmin` role, contract §8).
pub fn is_management_scope(scope: &str) -> bool {
    RESOURCES
        .iter()
        .any(|r| r.read == scope || r.write == scope)
}

/// The scopes a user's token carries out of `granted` (already within what
/// its client allows): a management scope only when the user is a
/// `TenantAdmin`; otherwise it is left out of the grant (contract §8).
pub fn for_user(granted: Vec<String>, tenant_admin: bool) -> Vec<String> {
    if tenant_admin {
        return granted;
    }
    granted
        .into_iter()
        .filter(|s| !is_management_scope(s))
        .collect()
}

/// The resource a request path belongs to (`/api/core/users` and every path
/// below it, but not `/api/core/users-x`).
pub fn resource_of(path: &str) -> Option<&'static ResourceScopes> {
    RESOURCES.iter().find(|r| {
        path.strip_prefix(r.path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// The scope a request needs, by its path and whether it only reads:
/// reading needs the resource's read or write scope; everything else needs
/// write. `None` when the scopes held allow it, else the scope to name in
/// the 403. A path of no resource needs any management scope, so a token
/// without one learns nothing of the routes.
pub fn missing_scope(path: &str, reading: bool, held: &[String]) -> Option<&'static str> {
    let has = |s: &str| held.iter().any(|c| c == s);
    let Some(resource) = resource_of(path) else {
        return if held.iter().any(|s| is_management_scope(s)) {
            None
        } else {
            Some(RESOURCES[0].read)
        };
    };
    let allowed = has(resource.write) || (reading && has(resource.read));
    match (allowed, reading) {
        (true, _) => None,
        (false, true) => Some(resource.read),
        (false, false) => Some(resource.write),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLIENTS: &str = "/api/core/oauth-clients";
    const USERS: &str = "/api/core/users/abc";

    fn held(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn write_includes_read_and_read_allows_only_reading() {
        let read = held(&[CLIENTS_READ]);
        let write = held(&[CLIENTS_WRITE]);
        assert_eq!(missing_scope(CLIENTS, true, &read), None);
        assert_eq!(missing_scope(CLIENTS, false, &read), Some(CLIENTS_WRITE));
        assert_eq!(missing_scope(CLIENTS, true, &write), None);
        assert_eq!(missing_scope(CLIENTS, false, &write), None);
        assert_eq!(missing_scope(CLIENTS, true, &[]), Some(CLIENTS_READ));
    }

    #[test]
    fn each_resource_has_its_own_scopes() {
        let clients = held(&[CLIENTS_READ, CLIENTS_WRITE]);
        assert_eq!(missing_scope(USERS, true, &clients), Some(USERS_READ));
        assert_eq!(missing_scope(USERS, false, &clients), Some(USERS_WRITE));
        let users = held(&[USERS_WRITE]);
        assert_eq!(missing_scope(USERS, false, &users), None);
        assert_eq!(missing_scope(CLIENTS, true, &users), Some(CLIENTS_READ));
        let read = held(&[USERS_READ]);
        assert_eq!(missing_scope("/api/core/users", true, &read), None);
        assert_eq!(
            missing_scope("/api/core/users", false, &read),
            Some(USERS_WRITE)
        );
    }

    #[test]
    fn the_audit_log_is_read_with_its_own_scope_alone() {
        let audits = "/api/core/audits";
        assert_eq!(missing_scope(audits, true, &held(&[AUDITS_READ])), None);
        let others = held(&[CLIENTS_WRITE, USERS_WRITE]);
        assert_eq!(missing_scope(audits, true, &others), Some(AUDITS_READ));
        assert_eq!(
            missing_scope(CLIENTS, true, &held(&[AUDITS_READ])),
            Some(CLIENTS_READ)
        );
    }

    #[test]
    fn a_path_belongs_to_a_resource_only_at_a_segment_boundary() {
        assert_eq!(
            resource_of("/api/core/users").map(|r| r.read),
            Some(USERS_READ)
        );
        assert!(resource_of("/api/core/users-x").is_none());
        assert!(resource_of("/api/core").is_none());
        assert_eq!(
            missing_scope("/api/core/nothing", true, &[]),
            Some(CLIENTS_READ)
        );
        assert_eq!(
            missing_scope("/api/core/nothing", true, &held(&[USERS_READ])),
            None
        );
    }

    #[test]
    fn only_a_tenant_admin_keeps_management_scopes_in_a_user_token() {
        let granted = held(&["openid", USERS_READ, CLIENTS_WRITE, "profile"]);
        assert_eq!(for_user(granted.clone(), true), granted);
        assert_eq!(for_user(granted, false), held(&["openid", "profile"]));
    }

    #[test]
    fn the_admin_gets_every_management_scope() {
        let all = all_management_scopes();
        assert_eq!(
            all,
            [
                CLIENTS_READ,
                CLIENTS_WRITE,
                USERS_READ,
                USERS_WRITE,
                AUDITS_READ
            ]
        );
        assert!(all.iter().all(|s| is_management_scope(s)));
        assert!(!is_management_scope("openid"));
    }
}
