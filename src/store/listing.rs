//! The list statements run: a page of clients, the check for rows beyond
//! it, the total count, and the secrets of the page's clients; and
//! `impl_listing!` and `impl_list_explain!` (their query plans), which run
//! them on one backend (see `shared.rs`). The
//! statements themselves are built by `list_sql.rs` (and, on SQLite, planned
//! by `list_plan.rs`).

use super::Result;
use crate::domain::client_record::ClientRecord;
use sqlx::{ColumnIndex, Decode, Row, Type};

/// The secrets' metadata of `n` clients of one tenant (`$1`; the clients'
/// ids are `$2` to `$n+1`), oldest first.
pub(super) fn secrets_of_clients_sql(n: usize) -> String {
    let mut sql = String::from(
        "SELECT client_id, hint, created_at, created_by FROM client_secrets WHERE tenant_id = $1 AND client_id IN (",
    );
    for i in 0..n {
        if i > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!("${}", i + 2));
    }
    sql.push_str(") ORDER BY created_at, hint");
    sql
}

/// The clients of a page's rows, without their secrets, and the ids of
/// those that have some.
pub(super) fn decode_page<R>(rows: &[R]) -> Result<(Vec<ClientRecord>, Vec<String>)>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    let mut items = Vec::with_capacity(rows.len());
    let mut with_secrets = Vec::new();
    for row in rows {
        let (record, count) = super::shared::decode_client(row)?;
        if count > 0 {
            with_secrets.push(record.client_id.as_str().to_owned());
        }
        items.push(record);
    }
    Ok((items, with_secrets))
}

/// Gives each of `items` its secrets among `rows` (of
/// [`secrets_of_clients_sql`]), in the rows' order.
pub(super) fn attach_secret_rows<R>(items: &mut [ClientRecord], rows: &[R]) -> Result<()>
where
    R: Row,
    for<'c> &'c str: ColumnIndex<R>,
    for<'r> String: Decode<'r, R::Database> + Type<R::Database>,
    for<'r> i64: Decode<'r, R::Database> + Type<R::Database>,
{
    for row in rows {
        let owner: String = row.try_get("client_id")?;
        if let Some(item) = items.iter_mut().find(|c| c.client_id.as_str() == owner) {
            item.secrets.push(super::shared::decode_secret(row)?);
        }
    }
    Ok(())
}

/// The list methods of `$Store`.
macro_rules! impl_listing {
    ($Store:ident) => {
        mod listing {
            use sqlx::Row as _;
            use $crate::domain::client_record::ClientRecord;
            use $crate::domain::ids::TenantId;
            use $crate::domain::list_query::{ListPage, ListQuery, SortKey};
            use $crate::store::Result;
            use $crate::store::list_plan::Probe;
            use $crate::store::list_sql::{self, Access, Plan, Walk};
            use $crate::store::listing::{attach_secret_rows, decode_page, secrets_of_clients_sql};
            use $crate::store::shared::bind_all;

            impl super::$Store {
                pub(crate) async fn list_clients(&self, q: &ListQuery<'_>) -> Result<ListPage> {
                    let plan = self.plan_list(q).await?;
                    let (sql, args) = list_sql::page_sql(q, &plan);
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
                        .fetch_all(&self.read)
                        .await?;
                    let (mut items, with_secrets) = decode_page(&rows)?;
                    let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
                    let more_in_walk = items.len() > limit;
                    items.truncate(limit);
                    let forward = Walk::page(q).forward;
                    let behind = self.rows_behind(q, &plan, items.first()).await?;
                    if !forward {
                        items.reverse();
                    }
                    let (has_before, has_after) = if forward {
                        (behind, more_in_walk)
                    } else {
                        (more_in_walk, behind)
                    };
                    self.attach_secrets(q.tenant, &mut items, &with_secrets)
                        .await?;
                    let total = if q.count_total {
                        Some(self.count_matches(q, &plan).await?)
                    } else {
                        None
                    };
                    Ok(ListPage {
                        items,
                        has_before,
                        has_after,
                        total,
                    })
                }

                /// Whether matching rows lie on the far side of the page's
                /// start (`first`, or the position asked for when the page is
                /// empty), opposite to the walk.
                async fn rows_behind(
                    &self,
                    q: &ListQuery<'_>,
                    plan: &Plan,
                    first: Option<&ClientRecord>,
                ) -> Result<bool> {
                    let forward = Walk::page(q).forward;
                    match (first, &q.position) {
                        (_, None) => Ok(false),
                        (Some(first), Some(_)) => {
                            let key = SortKey::of(first, q.sort.field);
                            let from = Some((false, &key, first.client_id.as_str()));
                            self.exists(
                                q,
                                plan,
                                Walk {
                                    forward: !forward,
                                    from,
                                },
                            )
                            .await
                        }
                        (None, Some(p)) => {
                            let from = Some((!p.inclusive, &p.key, p.client_id.as_str()));
                            self.exists(
                                q,
                                plan,
                                Walk {
                                    forward: !forward,
                                    from,
                                },
                            )
                            .await
                        }
                    }
                }

                /// Whether a matching row lies along `walk`: where the page
                /// walked, a bounded probe along the same index usually answers;
                /// otherwise the planner chooses.
                async fn exists(
                    &self,
                    q: &ListQuery<'_>,
                    plan: &Plan,
                    walk: Walk<'_>,
                ) -> Result<bool> {
                    if plan.access == Access::Walk {
                        match self.probe(q, walk, plan.budget, 1).await? {
                            Probe::Reached => return Ok(true),
                            Probe::Ended => return Ok(false),
                            Probe::Spent => {}
                        }
                    }
                    let (sql, args) = list_sql::exists_sql(q, plan, walk);
                    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
                        .fetch_optional(&self.read)
                        .await?;
                    Ok(row.is_some())
                }

                /// `totalResults`: how many clients match, on every page.
                async fn count_matches(&self, q: &ListQuery<'_>, plan: &Plan) -> Result<i64> {
                    let (sql, args) = list_sql::count_sql(q, plan);
                    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
                        .fetch_optional(&self.read)
                        .await?;
                    Ok(row
                        .map(|r| r.try_get::<i64, _>(0))
                        .transpose()?
                        .unwrap_or(0))
                }

                async fn attach_secrets(
                    &self,
                    tenant: &TenantId,
                    items: &mut [ClientRecord],
                    ids: &[String],
                ) -> Result<()> {
                    if ids.is_empty() {
                        return Ok(());
                    }
                    let mut query =
                        sqlx::query(sqlx::AssertSqlSafe(secrets_of_clients_sql(ids.len())))
                            .bind(tenant.as_str());
                    for id in ids {
                        query = query.bind(id.as_str());
                    }
                    let rows = query.fetch_all(&self.read).await?;
                    attach_secret_rows(items, &rows)
                }
            }
        }
    };
}

pub(super) use impl_listing;

/// `explain_list` of `$Store`: diagnostics, not on any request's path.
macro_rules! impl_list_explain {
    ($Store:ident) => {
        mod list_explain {
            use $crate::domain::list_query::ListQuery;
            use $crate::store::Result;
            use $crate::store::list_sql::{self, Access, Walk};

            impl super::$Store {
                /// The plans of the statements `list_clients` runs for `q`, for
                /// diagnostics: each statement's role and its plan, one line per
                /// step. The "rows beyond" check is explained at `q`'s own
                /// position, standing in for the page's first row.
                pub(crate) async fn explain_list(
                    &self,
                    q: &ListQuery<'_>,
                ) -> Result<Vec<(String, Vec<String>)>> {
                    let plan = self.plan_list(q).await?;
                    let mut plans = vec![("plan".to_owned(), vec![format!("{plan:?}")])];
                    let (sql, args) = list_sql::page_sql(q, &plan);
                    plans.push(("page".to_owned(), self.explain(sql, args).await?));
                    if let Some(p) = &q.position {
                        let walk = Walk {
                            forward: !p.forward,
                            from: Some((!p.inclusive, &p.key, p.client_id.as_str())),
                        };
                        if plan.access == Access::Walk {
                            let probe = self.probe(q, walk, plan.budget, 1).await?;
                            plans.push((
                                "rows beyond the page: a probe first".to_owned(),
                                vec![format!("{probe:?}")],
                            ));
                        }
                        let (sql, args) = list_sql::exists_sql(q, &plan, walk);
                        plans.push((
                            "rows beyond the page".to_owned(),
                            self.explain(sql, args).await?,
                        ));
                    }
                    if q.count_total {
                        let (sql, args) = list_sql::count_sql(q, &plan);
                        plans.push(("totalResults".to_owned(), self.explain(sql, args).await?));
                    }
                    Ok(plans)
                }
            }
        }
    };
}

pub(super) use impl_list_explain;

#[cfg(test)]
mod tests {
    use super::secrets_of_clients_sql;

    #[test]
    fn the_secrets_of_a_page_take_one_placeholder_per_client() {
        assert_eq!(
            secrets_of_clients_sql(3),
            "SELECT client_id, hint, created_at, created_by FROM client_secrets \
             WHERE tenant_id = $1 AND client_id IN ($2, $3, $4) ORDER BY created_at, hint"
        );
    }
}
