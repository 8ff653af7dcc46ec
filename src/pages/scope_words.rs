//! What each scope lets an application do, in words a person understands,
//! for the consent page.

/// The description of `scope`.
pub fn describe(scope: &str) -> String {
    let known = match scope {
        "openid" => "Know who you are (your user id)",
        "profile" => "See your name",
        "email" => "See your email address",
        "offline_access" => "Stay signed in and act for you while you are away",
        "oauth-clients:read" => "See this organization's registered applications",
        "oauth-clients:write" => "Register, change and delete this organization's applications",
        "users:read" => "See this organization's users",
        "users:write" => "Create, change and delete this organization's users",
        "audits:read" => "Read this organization's audit log",
        _ => return format!("Use the permission “{scope}”"),
    };
    known.to_owned()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_scope_gets_words() {
        assert_eq!(super::describe("email"), "See your email address");
        assert!(super::describe("billing:read").contains("billing:read"));
    }
}
