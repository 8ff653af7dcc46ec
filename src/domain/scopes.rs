//! The scopes of the management API and what each allows (contract §3).

/// Allows the GET endpoints of the clients API.
pub const CLIENTS_READ: &str = "oauth-clients:read";
/// Allows every endpoint of the clients API.
pub const CLIENTS_WRITE: &str = "oauth-clients:write";

/// The scope a request needs, by whether it only reads: reading needs either
/// scope (write includes read); everything else needs write. `None` when the
/// scopes held allow it, else the scope to name in the 403.
pub fn missing_scope(reading: bool, held: &[String]) -> Option<&'static str> {
    let has = |s: &str| held.iter().any(|c| c == s);
    let allowed = has(CLIENTS_WRITE) || (reading && has(CLIENTS_READ));
    match (allowed, reading) {
        (true, _) => None,
        (false, true) => Some(CLIENTS_READ),
        (false, false) => Some(CLIENTS_WRITE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_includes_read_and_read_allows_only_reading() {
        let read = vec![CLIENTS_READ.to_owned()];
        let write = vec![CLIENTS_WRITE.to_owned()];
        assert_eq!(missing_scope(true, &read), None);
        assert_eq!(missing_scope(false, &read), Some(CLIENTS_WRITE));
        assert_eq!(missing_scope(true, &write), None);
        assert_eq!(missing_scope(false, &write), None);
        assert_eq!(missing_scope(true, &[]), Some(CLIENTS_READ));
    }
}
