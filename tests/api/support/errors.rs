//! The error codes of the management API with their titles, and the one
//! assertion of an error response by code and title.
//!
//! [`TITLES`] is the suite's copy of the error table (`src/http/error.rs`):
//! `error_codes::every_documented_code_has_a_title_here` checks it lists
//! exactly the codes of `docs/errors.md`, and
//! `error_codes::every_documented_code_is_asserted_by_a_test` that each code is
//! asserted through [`assert_error_code`] by some test, which checks status, code,
//! title and `traceId` of a real response.

use super::app::assert_error;
use reqwest::StatusCode;
use serde_json::Value;

/// Every documented code, its status and its title.
pub const TITLES: &[(&str, u16, &str)] = &[
    ("OAUTH-CLIENTS-1", 400, "Invalid request body."),
    ("OAUTH-CLIENTS-2", 400, "Invalid field value."),
    ("OAUTH-CLIENTS-3", 400, "Invalid query parameter."),
    ("OAUTH-CLIENTS-4", 400, "Invalid filter."),
    ("OAUTH-CLIENTS-5", 400, "Invalid cursor."),
    ("OAUTH-CLIENTS-6", 400, "Invalid patch document."),
    ("OAUTH-CLIENTS-7", 400, "Deletion not confirmed."),
    ("OAUTH-CLIENTS-8", 400, "Client secrets not supported."),
    (
        "OAUTH-CLIENTS-9",
        409,
        "The maximum number of client secrets is 5.",
    ),
    ("OAUTH-CLIENTS-10", 404, "OAuth client not found."),
    ("OAUTH-CLIENTS-11", 404, "Client secret not found."),
    ("OAUTH-CLIENTS-12", 401, "Unauthorized."),
    ("OAUTH-CLIENTS-13", 403, "Forbidden."),
    (
        "OAUTH-CLIENTS-14",
        409,
        "The maximum number of clients in this tenant is reached.",
    ),
    ("USERS-1", 400, "Invalid user field value."),
    ("USERS-2", 400, "Invalid user patch document."),
    ("USERS-3", 400, "User deletion not confirmed."),
    ("USERS-4", 404, "User not found."),
    ("USERS-5", 409, "Email already in use."),
    ("USERS-6", 409, "Subject already in use."),
    ("HTTP-404", 404, "Not found."),
    ("HTTP-405", 405, "Method not allowed."),
    ("HTTP-408", 408, "Request timeout."),
    ("HTTP-413", 413, "Payload too large."),
    ("HTTP-414", 414, "URI too long."),
    ("HTTP-415", 415, "Unsupported media type."),
    ("HTTP-429", 429, "API rate limit reached."),
    ("HTTP-431", 431, "Request header fields too large."),
    ("HTTP-500", 500, "Internal server error."),
    ("HTTP-503", 503, "Service unavailable."),
];

/// The status and title of `code`; panics for a code not in [`TITLES`].
pub fn title_of(code: &str) -> (u16, &'static str) {
    TITLES
        .iter()
        .find(|(c, _, _)| *c == code)
        .map(|(_, status, title)| (*status, *title))
        .unwrap_or_else(|| panic!("{code} is not a documented error code"))
}

/// Asserts an error response of the management API: the status, the error
/// body with its `traceId`, the `code`, and the title documented for it.
pub fn assert_error_code(status: StatusCode, body: &Value, code: &str) {
    let (expected, title) = title_of(code);
    assert_eq!(status.as_u16(), expected, "status of {code}: {body}");
    assert_error(body, status);
    assert_eq!(body["errors"][0]["code"], code, "code in {body}");
    assert_eq!(
        body["errors"][0]["title"], title,
        "title of {code} in {body}"
    );
}
