//! The list endpoints, for any resource ([`ListEndpoint`]): the query
//! parameters (`filter`, `sort`, `limit`, `next`/`prev`, `totalResults`; any
//! other or repeated one refused), a page from the store, cursors bound to
//! the query, and absolute links. `GET /api/core/oauth-clients` is
//! `clients::list_clients`.

use super::cursor::{self, Binding};
use super::wire::{Link, Links, list_body};
use crate::domain::list_query::{ListPage, ListQuery, Position, Sort, SortField};
use crate::filter::{self, Filter};
use crate::http::ApiError;
use crate::http::Caller;
use crate::state::AppState;
use crate::store::ListTable;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

/// A resource with a list endpoint: where it is, how its cursors are bound
/// to it, and the wire form of one item.
pub trait ListEndpoint: ListTable {
    /// The list's path, which its links repeat.
    const PATH: &'static str;
    /// Binds a cursor to this resource's list, so it fails on any other:
    /// unique per resource.
    const CURSOR_LABEL: &'static str;
    /// Writes one item as the list's `data` shows it.
    fn write_item(&self, out: &mut Vec<u8>) -> serde_json::Result<()>;
}

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
pub fn parse_sort<F: SortField>(v: Option<&str>) -> Result<Sort<F>, ApiError> {
    let Some(v) = v else {
        return Ok(F::DEFAULT);
    };
    let (descending, name) = match v.as_bytes().first() {
        Some(b'-') => (true, &v[1..]),
        Some(b'+' | b' ') => (false, &v[1..]),
        _ => (false, v),
    };
    F::ALL
        .iter()
        .copied()
        .find(|f| f.wire_name() == name && f.allows(descending))
        .map(|field| Sort { field, descending })
        .ok_or_else(|| ApiError::InvalidParameter {
            param: "sort",
            message: sort_choices::<F>(),
        })
}

/// What `sort` may be, for its error message.
fn sort_choices<F: SortField>() -> String {
    let names: Vec<&str> = F::ALL.iter().map(|f| f.wire_name()).collect();
    if F::ALL.iter().all(|f| f.allows(false) && f.allows(true)) {
        return format!(
            "must be one of {}, optionally prefixed with + or -",
            names.join(", ")
        );
    }
    let spellings: Vec<String> = F::ALL
        .iter()
        .flat_map(|&field| [false, true].map(|descending| Sort { field, descending }))
        .filter(|s| s.field.allows(s.descending))
        .map(canonical_sort)
        .collect();
    format!("must be one of {}", spellings.join(", "))
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
pub fn canonical_sort<F: SortField>(s: Sort<F>) -> String {
    format!(
        "{}{}",
        if s.descending { '-' } else { '+' },
        s.field.wire_name()
    )
}

/// An absolute link to the list at `path` with the request's own parameters
/// and, optionally, a cursor.
fn href(state: &AppState, path: &str, p: &Params, cursor: Option<(&str, &str)>) -> String {
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
        format!("{base}{path}")
    } else {
        format!("{base}{path}?{q}")
    }
}

/// A list request, read and checked: everything but the page.
struct Request<R: ListEndpoint> {
    params: Params,
    filter: Option<Filter<R::Attr>>,
    sort: Sort<R::Sort>,
    sort_text: String,
    limit: u32,
    count_total: bool,
    position: Option<Position>,
}

impl<R: ListEndpoint> Request<R> {
    fn read(state: &AppState, caller: &Caller, raw: Option<&str>) -> Result<Self, ApiError> {
        let params = parse_params(raw)?;
        let limit = parse_limit(params.limit.as_deref())?;
        let sort = parse_sort(params.sort.as_deref())?;
        let count_total = parse_bool(params.total_results.as_deref())?;
        let filter = match params.filter.as_deref() {
            Some(f) => Some(filter::parse(f).map_err(|e| ApiError::InvalidFilter(e.to_string()))?),
            None => None,
        };
        let mut request = Request {
            params,
            filter,
            sort,
            sort_text: canonical_sort(sort),
            limit,
            count_total,
            position: None,
        };
        let key = &state.cursor_key;
        let binding = request.binding(caller);
        let position = match (&request.params.next, &request.params.prev) {
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
        request.position = position;
        Ok(request)
    }

    /// The query this request's cursors are bound to.
    fn binding<'a>(&'a self, caller: &'a Caller) -> Binding<'a> {
        Binding {
            resource: R::CURSOR_LABEL,
            tenant: caller.tenant.as_str(),
            filter: self.params.filter.as_deref().unwrap_or(""),
            sort: &self.sort_text,
            limit: self.limit,
        }
    }

    /// The cursor of a page edge: its edge row or, on an empty page (everything
    /// beyond the cursor was deleted), the cursor's own position turned round.
    fn edge(&self, item: Option<&R>, forward: bool) -> Option<Position> {
        match (item, &self.position) {
            (Some(r), _) => Some(Position::of(r, self.sort.field, forward)),
            (None, Some(p)) => Some(Position {
                forward,
                inclusive: !p.inclusive,
                key: p.key.clone(),
                id: p.id.clone(),
            }),
            (None, None) => None,
        }
    }

    /// The links of `page`: itself, and `next`/`prev` where rows lie beyond.
    fn links(&self, state: &AppState, caller: &Caller, page: &ListPage<R>) -> Links {
        let binding = self.binding(caller);
        let link = |param: &str, position: Position| Link {
            href: href(
                state,
                R::PATH,
                &self.params,
                Some((
                    param,
                    &cursor::encode(&state.cursor_key, &binding, param, &position),
                )),
            ),
        };
        let next = page.has_after.then(|| self.edge(page.items.last(), true));
        let prev = page
            .has_before
            .then(|| self.edge(page.items.first(), false));
        Links {
            self_: Link {
                href: href(state, R::PATH, &self.params, None),
            },
            next: next.flatten().map(|pos| link("next", pos)),
            prev: prev.flatten().map(|pos| link("prev", pos)),
        }
    }
}

/// `GET` of the list of `R`: the handler of every list endpoint.
pub async fn list<R: ListEndpoint>(
    state: &AppState,
    caller: &Caller,
    raw: Option<&str>,
) -> Result<Response, ApiError> {
    let request = Request::<R>::read(state, caller, raw)?;
    let query = ListQuery::<R> {
        tenant: &caller.tenant,
        filter: request.filter.as_ref(),
        sort: request.sort,
        limit: request.limit,
        position: request.position.clone(),
        count_total: request.count_total,
    };
    // Held until the page is read: the tenant's slot of expensive lists.
    let _slot = match query.is_expensive() {
        true => state.ops.expensive_lists.start(&caller.tenant).await?,
        false => None,
    };
    let page = state.store.list(&query).await?;
    let links = request.links(state, caller, &page);
    let body = list_body(&page.items, R::write_item, &links, page.total)
        .map_err(|e| ApiError::Internal(e.into()))?;
    Ok(([(CONTENT_TYPE, "application/json")], body).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::client_list::ClientSort as SortField;

    // The clients' sort fields.
    type Sort = crate::domain::list_query::Sort<SortField>;

    fn parse_sort(v: Option<&str>) -> Result<Sort, ApiError> {
        super::parse_sort(v)
    }

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
