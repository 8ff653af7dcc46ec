//! The list statements of any resource ([`ListTable`](super::list_table::ListTable))
//! run: a page, the check for rows beyond it, the total count, and the
//! page's details (a client's secrets); and `impl_listing!` and
//! `impl_list_explain!` (their query plans), which run them on one backend
//! (see `shared.rs`). The statements themselves are built by `list_sql.rs`
//! (and, on SQLite, planned by `list_plan.rs`).

/// The list methods of `$Store`.
macro_rules! impl_listing {
    ($Store:ident) => {
        mod listing {
            use sqlx::Row as _;
            use $crate::domain::ids::TenantId;
            use $crate::domain::list_query::{ListPage, ListQuery};
            use $crate::store::Result;
            use $crate::store::list_plan::Probe;
            use $crate::store::list_sql::{self, Access, Plan, Walk};
            use $crate::store::list_table::ListTable;
            use $crate::store::shared::bind_all;

            impl super::$Store {
                pub(crate) async fn list<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
                ) -> Result<ListPage<R>> {
                    let plan = self.plan_list(q).await?;
                    let (sql, args) = list_sql::page_sql(q, &plan);
                    let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
                        .fetch_all(&self.read)
                        .await?;
                    let mut items = Vec::with_capacity(rows.len());
                    let mut with_details = Vec::new();
                    for row in &rows {
                        let item = R::decode(row)?;
                        if R::has_details(row)? {
                            with_details.push(item.row_id().to_owned());
                        }
                        items.push(item);
                    }
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
                    self.attach_details(q.tenant, &mut items, &with_details)
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
                async fn rows_behind<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
                    plan: &Plan,
                    first: Option<&R>,
                ) -> Result<bool> {
                    let forward = Walk::page(q).forward;
                    match (first, &q.position) {
                        (_, None) => Ok(false),
                        (Some(first), Some(_)) => {
                            let key = first.sort_key(q.sort.field);
                            let from = Some((false, &key, first.row_id()));
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
                            let from = Some((!p.inclusive, &p.key, p.id.as_str()));
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
                async fn exists<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
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

                /// `totalResults`: how many items match, on every page.
                async fn count_matches<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
                    plan: &Plan,
                ) -> Result<i64> {
                    let (sql, args) = list_sql::count_sql(q, plan);
                    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args)
                        .fetch_optional(&self.read)
                        .await?;
                    Ok(row
                        .map(|r| r.try_get::<i64, _>(0))
                        .transpose()?
                        .unwrap_or(0))
                }

                /// Gives the items with `ids` their details (a client's
                /// secrets), in one statement.
                async fn attach_details<R: ListTable>(
                    &self,
                    tenant: &TenantId,
                    items: &mut [R],
                    ids: &[String],
                ) -> Result<()> {
                    let Some(sql) = R::details_sql(ids.len()).filter(|_| !ids.is_empty()) else {
                        return Ok(());
                    };
                    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str());
                    for id in ids {
                        query = query.bind(id.as_str());
                    }
                    for row in query.fetch_all(&self.read).await? {
                        R::attach_detail(items, &row)?;
                    }
                    Ok(())
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
            use $crate::store::list_table::ListTable;

            impl super::$Store {
                /// The plans of the statements `list` runs for `q`, for
                /// diagnostics: each statement's role and its plan, one line per
                /// step. The "rows beyond" check is explained at `q`'s own
                /// position, standing in for the page's first row.
                pub(crate) async fn explain_list<R: ListTable>(
                    &self,
                    q: &ListQuery<'_, R>,
                ) -> Result<Vec<(String, Vec<String>)>> {
                    let plan = self.plan_list(q).await?;
                    let mut plans = vec![("plan".to_owned(), vec![format!("{plan:?}")])];
                    let (sql, args) = list_sql::page_sql(q, &plan);
                    plans.push(("page".to_owned(), self.explain(sql, args).await?));
                    if let Some(p) = &q.position {
                        let walk = Walk {
                            forward: !p.forward,
                            from: Some((!p.inclusive, &p.key, p.id.as_str())),
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
