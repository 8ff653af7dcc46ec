//! The management API's resources, read and written the same way (contract
//! §4, §7, §10): list with cursor pagination, get, create, JSON Patch, delete
//! with `qlik-confirm-delete`, and actions.

use super::Error;
use super::session::{Answer, Call, Session};
use reqwest::Method;
use serde_json::Value;

/// A collection of the management API.
#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// Path segments under the server's base URL.
    pub segments: &'static [&'static str],
    /// `client`, `user`, `event`: for messages.
    pub noun: &'static str,
    /// The id field of an item.
    pub id_field: &'static str,
}

pub const CLIENTS: Resource = Resource {
    segments: &["api", "core", "oauth-clients"],
    noun: "client",
    id_field: "clientId",
};

pub const USERS: Resource = Resource {
    segments: &["api", "core", "users"],
    noun: "user",
    id_field: "id",
};

pub const AUDITS: Resource = Resource {
    segments: &["api", "core", "audits"],
    noun: "event",
    id_field: "id",
};

/// `base` with `segments` appended, each percent-encoded as one segment (so
/// an id can never reach another path).
pub fn url_of(base: &url::Url, segments: &[&str]) -> Result<url::Url, Error> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    url.path_segments_mut()
        .map_err(|()| Error::other("the server URL cannot have a path"))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// The parameters of a list request.
#[derive(Debug, Default, Clone)]
pub struct ListQuery {
    pub filter: Option<String>,
    pub sort: Option<String>,
    pub limit: Option<u32>,
}

/// One page of a list.
pub struct Page {
    pub data: Vec<Value>,
    pub next: Option<url::Url>,
}

/// The URL of the first page.
pub fn first_page(base: &url::Url, resource: &Resource, q: &ListQuery) -> Result<url::Url, Error> {
    let mut url = url_of(base, resource.segments)?;
    {
        let mut pairs = url.query_pairs_mut();
        if let Some(f) = &q.filter {
            pairs.append_pair("filter", f);
        }
        if let Some(s) = &q.sort {
            pairs.append_pair("sort", s);
        }
        if let Some(l) = q.limit {
            pairs.append_pair("limit", &l.to_string());
        }
    }
    if url.query() == Some("") {
        url.set_query(None);
    }
    Ok(url)
}

/// Where `links.next` leads. A link on the server's own origin is followed
/// as it is; one elsewhere (a `--public-url` the CLI does not use, say)
/// keeps only its query, applied to the list URL on the profile's server, so
/// the bearer token never goes to another address.
pub fn resolve_next(list_url: &url::Url, href: &str) -> Option<url::Url> {
    let link = url::Url::parse(href).ok()?;
    if link.origin() == list_url.origin() {
        return Some(link);
    }
    let mut own = list_url.clone();
    own.set_query(link.query());
    Some(own)
}

impl Session {
    fn item_url(&self, resource: &Resource, id: &str, rest: &[&str]) -> Result<url::Url, Error> {
        let mut segments: Vec<&str> = resource.segments.to_vec();
        segments.push(id);
        segments.extend_from_slice(rest);
        url_of(&self.server()?, &segments)
    }

    /// One page at `url`.
    pub async fn list_page(&mut self, resource: &Resource, url: &url::Url) -> Result<Page, Error> {
        let v = self
            .send(&Call::new(Method::GET, url.clone()))
            .await?
            .json()?;
        let Some(data) = v["data"].as_array().cloned() else {
            return Err(Error::other(format!(
                "the list of {}s has no `data` array",
                resource.noun
            )));
        };
        let list_url = url_of(&self.server()?, resource.segments)?;
        let next = v["links"]["next"]["href"]
            .as_str()
            .and_then(|href| resolve_next(&list_url, href))
            .filter(|n| n != url);
        Ok(Page { data, next })
    }

    pub async fn get_item(&mut self, resource: &Resource, id: &str) -> Result<Value, Error> {
        let url = self.item_url(resource, id, &[])?;
        self.send(&Call::new(Method::GET, url)).await?.json()
    }

    /// `POST` of a new item; the answer's body.
    pub async fn create_item(&mut self, resource: &Resource, body: &Value) -> Result<Value, Error> {
        let url = url_of(&self.server()?, resource.segments)?;
        let mut call = Call::new(Method::POST, url);
        call.json = Some(body);
        self.send(&call).await?.json()
    }

    /// `PATCH` with a JSON Patch document; the answer (202 carries a body).
    pub async fn patch_item(
        &mut self,
        resource: &Resource,
        id: &str,
        ops: &Value,
    ) -> Result<Answer, Error> {
        let mut call = Call::new(Method::PATCH, self.item_url(resource, id, &[])?);
        call.json = Some(ops);
        call.content_type = Some("application/json-patch+json");
        self.send(&call).await
    }

    /// `DELETE` with the confirmation header the API asks for.
    pub async fn delete_item(&mut self, resource: &Resource, id: &str) -> Result<(), Error> {
        let mut call = Call::new(Method::DELETE, self.item_url(resource, id, &[])?);
        call.headers.push(("qlik-confirm-delete", id.to_owned()));
        self.send(&call).await.map(|_| ())
    }

    /// `method` on a sub-path of an item (`client-secrets`, `actions/…`).
    pub async fn item_call(
        &mut self,
        resource: &Resource,
        method: Method,
        id: &str,
        rest: &[&str],
    ) -> Result<Answer, Error> {
        let url = self.item_url(resource, id, rest)?;
        self.send(&Call::new(method, url)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base(s: &str) -> url::Url {
        url::Url::parse(s).unwrap()
    }

    #[test]
    fn ids_are_one_encoded_segment_under_any_base_path() {
        let u = url_of(
            &base("https://x.example/reg/"),
            &["api", "core", "oauth-clients", "a/../b?c"],
        )
        .unwrap();
        assert_eq!(
            u.as_str(),
            "https://x.example/reg/api/core/oauth-clients/a%2F..%2Fb%3Fc"
        );
    }

    #[test]
    fn the_first_page_carries_only_the_given_parameters() {
        let b = base("http://127.0.0.1:8080");
        let q = ListQuery {
            filter: Some("clientName co \"a+b\"".into()),
            sort: Some("+clientName".into()),
            limit: Some(5),
        };
        let u = first_page(&b, &CLIENTS, &q).unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:8080/api/core/oauth-clients?filter=clientName+co+%22a%2Bb%22&sort=%2BclientName&limit=5"
        );
        let u = first_page(&b, &USERS, &ListQuery::default()).unwrap();
        assert_eq!(u.as_str(), "http://127.0.0.1:8080/api/core/users");
    }

    #[test]
    fn a_next_link_elsewhere_keeps_only_its_query() {
        let list = base("http://127.0.0.1:8080/api/core/oauth-clients");
        let same = resolve_next(
            &list,
            "http://127.0.0.1:8080/api/core/oauth-clients?next=abc",
        )
        .unwrap();
        assert_eq!(
            same.as_str(),
            "http://127.0.0.1:8080/api/core/oauth-clients?next=abc"
        );
        let other = resolve_next(&list, "https://evil.example/steal?next=abc&limit=5").unwrap();
        assert_eq!(
            other.as_str(),
            "http://127.0.0.1:8080/api/core/oauth-clients?next=abc&limit=5"
        );
        assert!(resolve_next(&list, "not a url").is_none());
    }
}
