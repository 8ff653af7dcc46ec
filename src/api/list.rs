//! `GET /api/core/oauth-clients`: filter, sort, keyset pages, links.

use super::cursor::{self, Binding};
use super::wire::{ClientResponse, Link, Links, ListResponse};
use crate::domain::client_record::ClientRecord;
use crate::domain::list_query::{ListQuery, Position, Sort, SortField, SortKey};
use crate::filter;
use crate::http::ApiError;
use crate::http::Caller;
use crate::state::AppState;
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;
const PATH: &str = "/api/core/oauth-clients";

/// The query parameters, as given.
#[derive(Default)]
struct Params {
    filter: Option<String>,
    limit: Option<String>,
    next: Option<String>,
    prev: Option<String>,
    sort: Option<String>,
    total_results: Option<String>,
}

fn parse_params(raw: Option<&str>) -> Result<Params, ApiError> {
    let mut p = Params::default();
    for (k, v) in url::form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        // PostgreSQL cannot compare text with a NUL in it; no name has one.
        if k.contains('\0') || v.contains('\0') {
            return Err(ApiError::InvalidParameter {
                param: "query",
                message: "parameters must not contain NUL characters".into(),
            });
        }
        let slot = match k.as_ref() {
            "filter" => &mut p.filter,
            "limit" => &mut p.limit,
            "next" => &mut p.next,
            "prev" => &mut p.prev,
            "sort" => &mut p.sort,
            "totalResults" => &mut p.total_results,
            other => {
                return Err(ApiError::InvalidParameter {
                    param: "query",
                    message: format!(
                        "unknown parameter `{}`; expected filter, limit, next, prev, sort or totalResults",
                        truncate(other)
                    ),
                });
            }
        };
        if slot.replace(v.into_owned()).is_some() {
            return Err(ApiError::InvalidParameter {
                param: "query",
                message: format!("parameter `{k}` is repeated"),
            });
        }
    }
    Ok(p)
}

fn truncate(s: &str) -> String {
    s.chars().take(64).collect()
}

fn parse_limit(v: Option<&str>) -> Result<u32, ApiError> {
    let Some(v) = v else { return Ok(DEFAULT_LIMIT) };
    match v.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        _ => Err(ApiError::InvalidParameter {
            param: "limit",
            message: format!("must be an integer from 1 to {MAX_LIMIT}"),
        }),
    }
}

/// `+field`, `-field`, bare `field` (ascending), or ` field`: a `+` in a query
/// string decodes to a space, so a leading space means ascending too.
pub fn parse_sort(v: Option<&str>) -> Result<Sort, ApiError> {
    let Some(v) = v else {
        return Ok(Sort {
            field: SortField::CreatedAt,
            descending: true,
        });
    };
    let (descending, name) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+' | b' ') => (false, &v[1..]),
        _ => (false, v),
    };
    let field = SortField::ALL.into_iter().find(|f| f.wire_name() == name).ok_or_else(|| ApiError::InvalidParameter {
        param: "sort",
        message: "must be one of clientId, clientName, appType, createdAt, updatedAt, optionally prefixed with + or -".into(),
    })?;
    Ok(Sort { field, descending })
}

fn parse_bool(v: Option<&str>) -> Result<bool, ApiError> {
    match v {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::InvalidParameter {
            param: "totalResults",
            message: "must be true or false".into(),
        }),
    }
}

/// The sort a cursor is bound to, spelt one way whatever the request's
/// spelling (`clientName`, `+clientName` and ` clientName` are one query).
pub fn canonical_sort(s: Sort) -> String {
    format!(
        "{}{}",
        if s.descending { '-' } else { '+' },
        s.field.wire_name()
    )
}

/// An absolute link to the list with the request's own parameters and,
/// optionally, a cursor.
fn href(state: &AppState, p: &Params, cursor: Option<(&str, &str)>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in [
        ("filter", &p.filter),
        ("sort", &p.sort),
        ("limit", &p.limit),
        ("totalResults", &p.total_results),
    ] {
        if let Some(v) = v {
            q.append_pair(k, v);
        }
    }
    match cursor {
        Some((k, v)) => {
            q.append_pair(k, v);
        }
        None => {
            for (k, v) in [("next", &p.next), ("prev", &p.prev)] {
                if let Some(v) = v {
                    q.append_pair(k, v);
                }
            }
        }
    }
    let q = q.finish();
    let base = &state.settings.public_url;
    if q.is_empty() {
        format!("{base}{PATH}")
    } else {
        format!("{base}{PATH}?{q}")
    }
}

pub async fn list_clients(
    State(state): State<AppState>,
    caller: axum::Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ApiError> {
    let p = parse_params(raw.as_deref())?;
    let limit = parse_limit(p.limit.as_deref())?;
    let sort = parse_sort(p.sort.as_deref())?;
    let count_total = parse_bool(p.total_results.as_deref())?;
    let filter = match p.filter.as_deref() {
        Some(f) => Some(filter::parse(f).map_err(|e| ApiError::InvalidFilter(e.to_string()))?),
        None => None,
    };
    let sort_text = canonical_sort(sort);
    let binding = Binding {
        tenant: caller.tenant.as_str(),
        filter: p.filter.as_deref().unwrap_or(""),
        sort: &sort_text,
        limit,
    };
    let key = &state.cursor_key;
    let position = match (&p.next, &p.prev) {
        (Some(_), Some(_)) => {
            return Err(ApiError::InvalidParameter {
                param: "next",
                message: "next and prev cannot be used together".into(),
            });
        }
        (Some(c), None) => Some(cursor::decode(key, &binding, "next", c)?),
        (None, Some(c)) => Some(cursor::decode(key, &binding, "prev", c)?),
        (None, None) => None,
    };
    let query = ListQuery {
        tenant: &caller.tenant,
        filter: filter.as_ref(),
        sort,
        limit,
        position: position.clone(),
        count_total,
    };
    let page = state.store.list_clients(&query).await?;

    // Cursors point at the page's edge rows; an empty page (everything beyond
    // the cursor was deleted) points back at the cursor's own position.
    let edge = |item: Option<&ClientRecord>, forward: bool| -> Option<Position> {
        match (item, &position) {
            (Some(r), _) => Some(Position {
                forward,
                inclusive: false,
                key: SortKey::of(r, sort.field),
                client_id: r.client_id.to_string(),
            }),
            (None, Some(p)) => Some(Position {
                forward,
                inclusive: !p.inclusive,
                key: p.key.clone(),
                client_id: p.client_id.clone(),
            }),
            (None, None) => None,
        }
    };
    let next = page
        .has_after
        .then(|| edge(page.items.last(), true))
        .flatten()
        .map(|pos| Link {
            href: href(
                &state,
                &p,
                Some(("next", &cursor::encode(key, &binding, "next", &pos))),
            ),
        });
    let prev = page
        .has_before
        .then(|| edge(page.items.first(), false))
        .flatten()
        .map(|pos| Link {
            href: href(
                &state,
                &p,
                Some(("prev", &cursor::encode(key, &binding, "prev", &pos))),
            ),
        });
    let body = ListResponse {
        data: page.items.iter().map(ClientResponse::new).collect(),
        links: Links {
            self_: Link {
                href: href(&state, &p, None),
            },
            next,
            prev,
        },
        total_results: page.total,
    };
    Ok(Json(body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_accepts_prefixes_and_space_for_plus() {
        for (input, field, desc) in [
            ("clientName", SortField::ClientName, false),
            ("+clientName", SortField::ClientName, false),
            (" clientName", SortField::ClientName, false),
            ("-updatedAt", SortField::UpdatedAt, true),
            ("appType", SortField::AppType, false),
        ] {
            assert_eq!(
                parse_sort(Some(input)).unwrap(),
                Sort {
                    field,
                    descending: desc
                },
                "{input}"
            );
        }
        for bad in ["", "name", "*clientId", "--clientId", "clientid", "+"] {
            assert!(parse_sort(Some(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(parse_limit(None).unwrap(), 20);
        assert_eq!(parse_limit(Some("100")).unwrap(), 100);
        for bad in ["0", "101", "-1", "abc", "1.5", ""] {
            assert!(parse_limit(Some(bad)).is_err(), "{bad:?}");
        }
    }
}
