//! The statements both backends run, written once.
//!
//! `impl_queries!` expands to an `impl` block for one backend's store type.
//! Both backends accept `$N` placeholders, row values and `ON CONFLICT`, so
//! the SQL text is shared; the one difference is passed in: the suffix that
//! locks a row read inside a write transaction (`FOR UPDATE` on PostgreSQL;
//! nothing on SQLite, where `BEGIN IMMEDIATE` already holds the write lock).
//! Each backend must provide `fn begin_write(&self)` (returning its write
//! transaction type, passed in as `$Tx`: usable as `&mut *tx`, with `commit`), the list planning hooks
//! `plan_list` and `probe` (trivial on PostgreSQL, see `list_plan.rs` for
//! SQLite's), `explain`, and the `read`/`write` pools.

macro_rules! impl_queries {
    ($Store:ty, $DB:ty, $Tx:ty, $for_update:literal) => {
        use sqlx::Row as _;
        use $crate::domain::ids::{ClientId, TenantId};
        use $crate::domain::secret::{MAX_SECRETS, NewSecret};
        use $crate::domain::time::Timestamp;
        use $crate::store::filter_sql::SqlArg;
        use $crate::store::list_sql::{self, Access, Plan, Walk};
        use $crate::store::list_plan::Probe;
        use $crate::domain::client_record::{AuthClient, ClientRecord, NewClient, SecretInfo};
        use $crate::domain::list_query::{ListPage, ListQuery, SortKey};
        use $crate::domain::patch_plan::PatchPlan;
        use $crate::store::{Result, StoreError};

        type Tx = $Tx;
        type Row = <$DB as sqlx::Database>::Row;
        type Query<'q> = sqlx::query::Query<'q, $DB, <$DB as sqlx::Database>::Arguments>;

        fn bind_all(mut q: Query<'_>, args: Vec<SqlArg>) -> Query<'_> {
            for a in args {
                q = match a {
                    SqlArg::Text(s) => q.bind(s),
                    SqlArg::Int(i) => q.bind(i),
                };
            }
            q
        }

        /// A client row without its secrets, plus its secret count.
        fn decode_client(row: &Row) -> Result<(ClientRecord, i64)> {
            let config = $crate::store::decode_config(&row.try_get::<String, _>("config")?)?;
            let record = ClientRecord {
                client_id: ClientId::from_trusted(row.try_get::<String, _>("client_id")?),
                config,
                created_at: Timestamp::from_micros(row.try_get("created_at")?),
                updated_at: Timestamp::from_micros(row.try_get("updated_at")?),
                secrets: Vec::new(),
            };
            Ok((record, row.try_get("secret_count")?))
        }

        fn decode_secret(row: &Row) -> Result<SecretInfo> {
            Ok(SecretInfo {
                hint: row.try_get("hint")?,
                created_at: Timestamp::from_micros(row.try_get("created_at")?),
                created_by: row.try_get("created_by")?,
            })
        }

        async fn insert_secret(tx: &mut Tx, tenant: &TenantId, id: &ClientId, s: &NewSecret, by: &str, now: Timestamp) -> Result<()> {
            sqlx::query(
                "INSERT INTO client_secrets (tenant_id, client_id, hint, secret_hash, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(tenant.as_str())
            .bind(id.as_str())
            .bind(&s.hint)
            .bind(&s.hash)
            .bind(now.micros())
            .bind(by)
            .execute(&mut **tx)
            .await?;
            Ok(())
        }

        async fn insert_client_tx(tx: &mut Tx, tenant: &TenantId, c: &NewClient<'_>) -> Result<()> {
            let config = serde_json::to_string(c.config).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            sqlx::query("INSERT INTO client_directory (client_id, tenant_id) VALUES ($1, $2)")
                .bind(c.client_id.as_str())
                .bind(tenant.as_str())
                .execute(&mut **tx)
                .await?;
            sqlx::query(
                "INSERT INTO clients (tenant_id, client_id, app_type, client_name, name_key, created_at, updated_at, secret_count, config) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6, $7, $8)",
            )
            .bind(tenant.as_str())
            .bind(c.client_id.as_str())
            .bind(c.config.app_type.as_str())
            .bind(&c.config.client_name)
            .bind(c.config.name_key())
            .bind(c.now.micros())
            .bind(i64::from(c.first_secret.is_some()))
            .bind(config)
            .execute(&mut **tx)
            .await?;
            if let Some((secret, by)) = c.first_secret {
                insert_secret(tx, tenant, c.client_id, secret, by, c.now).await?;
            }
            Ok(())
        }

        /// Reads a client inside a write transaction, locking its row.
        async fn lock_client(tx: &mut Tx, tenant: &TenantId, id: &ClientId) -> Result<(ClientRecord, i64)> {
            let row = sqlx::query(concat!(
                "SELECT client_id, created_at, updated_at, secret_count, config FROM clients \
                 WHERE tenant_id = $1 AND client_id = $2",
                $for_update
            ))
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_optional(&mut **tx)
            .await?
            .ok_or(StoreError::NotFound)?;
            decode_client(&row)
        }

        async fn secrets_of<'e, E>(exec: E, tenant: &TenantId, id: &ClientId) -> Result<Vec<SecretInfo>>
        where
            E: sqlx::Executor<'e, Database = $DB>,
        {
            let rows = sqlx::query(
                "SELECT hint, created_at, created_by FROM client_secrets \
                 WHERE tenant_id = $1 AND client_id = $2 ORDER BY created_at, hint",
            )
            .bind(tenant.as_str())
            .bind(id.as_str())
            .fetch_all(exec)
            .await?;
            rows.iter().map(decode_secret).collect()
        }

        /// `updated_at` for a change at `now`: strictly later than before.
        const BUMP_UPDATED_AT: &str = "updated_at = CASE WHEN updated_at >= $3 THEN updated_at + 1 ELSE $3 END";

        impl $Store {
            pub(crate) async fn ping(&self) -> Result<()> {
                sqlx::query("SELECT 1").execute(&self.read).await?;
                Ok(())
            }

            pub(crate) async fn close(&self) {
                self.read.close().await;
                self.write.close().await;
            }

            pub(crate) async fn create_tenant(&self, tenant: &TenantId, name: &str, admin: NewClient<'_>) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO tenants (tenant_id, name, created_at) VALUES ($1, $2, $3)")
                    .bind(tenant.as_str())
                    .bind(name)
                    .bind(admin.now.micros())
                    .execute(&mut *tx)
                    .await?;
                insert_client_tx(&mut tx, tenant, &admin).await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn insert_client(&self, tenant: &TenantId, client: NewClient<'_>) -> Result<()> {
                let mut tx = self.begin_write().await?;
                insert_client_tx(&mut tx, tenant, &client).await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn find_client(&self, tenant: &TenantId, id: &ClientId) -> Result<Option<ClientRecord>> {
                // One statement for the client and its secrets: every statement
                // is a round trip to a connection (on SQLite, to its worker
                // thread), and a GET is otherwise two of them.
                let rows = sqlx::query($crate::store::sqlite_reads::FIND_CLIENT)
                .bind(tenant.as_str())
                .bind(id.as_str())
                .fetch_all(&self.read)
                .await?;
                let Some(first) = rows.first() else { return Ok(None) };
                let (mut record, _) = decode_client(first)?;
                for row in &rows {
                    let Some(hint) = row.try_get::<Option<String>, _>("secret_hint")? else { continue };
                    record.secrets.push(SecretInfo {
                        hint,
                        created_at: Timestamp::from_micros(row.try_get::<Option<i64>, _>("secret_created_at")?.unwrap_or_default()),
                        created_by: row.try_get::<Option<String>, _>("secret_created_by")?.unwrap_or_default(),
                    });
                }
                Ok(Some(record))
            }

            pub(crate) async fn list_clients(&self, q: &ListQuery<'_>) -> Result<ListPage> {
                let plan = self.plan_list(q).await?;
                let (sql, args) = list_sql::page_sql(q, &plan);
                let rows = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args).fetch_all(&self.read).await?;
                let mut items = Vec::with_capacity(rows.len());
                let mut with_secrets = Vec::new();
                for row in &rows {
                    let (record, count) = decode_client(row)?;
                    if count > 0 {
                        with_secrets.push(record.client_id.as_str().to_owned());
                    }
                    items.push(record);
                }
                let limit = usize::try_from(q.limit).unwrap_or(usize::MAX);
                let more_in_walk = items.len() > limit;
                items.truncate(limit);
                let forward = Walk::page(q).forward;
                // The rows on the far side of the page's start, opposite to the walk.
                let behind = match (items.first(), &q.position) {
                    (_, None) => false,
                    (Some(first), Some(_)) => {
                        let key = SortKey::of(first, q.sort.field);
                        let from = Some((false, &key, first.client_id.as_str()));
                        self.exists(q, &plan, Walk { forward: !forward, from }).await?
                    }
                    (None, Some(p)) => {
                        let from = Some((!p.inclusive, &p.key, p.client_id.as_str()));
                        self.exists(q, &plan, Walk { forward: !forward, from }).await?
                    }
                };
                if !forward {
                    items.reverse();
                }
                let (has_before, has_after) = if forward { (behind, more_in_walk) } else { (more_in_walk, behind) };
                self.attach_secrets(q.tenant, &mut items, &with_secrets).await?;
                let total = if q.count_total {
                    let (sql, args) = list_sql::count_sql(q, &plan);
                    let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args).fetch_optional(&self.read).await?;
                    Some(row.map(|r| r.try_get::<i64, _>(0)).transpose()?.unwrap_or(0))
                } else {
                    None
                };
                Ok(ListPage { items, has_before, has_after, total })
            }

            /// The plans of the statements `list_clients` runs for `q`, for
            /// diagnostics: each statement's role and its plan, one line per
            /// step. The "rows beyond" check is explained at `q`'s own
            /// position, standing in for the page's first row.
            pub(crate) async fn explain_list(&self, q: &ListQuery<'_>) -> Result<Vec<(String, Vec<String>)>> {
                let plan = self.plan_list(q).await?;
                let mut plans = vec![("plan".to_owned(), vec![format!("{plan:?}")])];
                let (sql, args) = list_sql::page_sql(q, &plan);
                plans.push(("page".to_owned(), self.explain(sql, args).await?));
                if let Some(p) = &q.position {
                    let walk = Walk { forward: !p.forward, from: Some((!p.inclusive, &p.key, p.client_id.as_str())) };
                    if plan.access == Access::Walk {
                        let probe = self.probe(q, walk, plan.budget, 1).await?;
                        plans.push(("rows beyond the page: a probe first".to_owned(), vec![format!("{probe:?}")]));
                    }
                    let (sql, args) = list_sql::exists_sql(q, &plan, walk);
                    plans.push(("rows beyond the page".to_owned(), self.explain(sql, args).await?));
                }
                if q.count_total {
                    let (sql, args) = list_sql::count_sql(q, &plan);
                    plans.push(("totalResults".to_owned(), self.explain(sql, args).await?));
                }
                Ok(plans)
            }

            /// Whether a matching row lies along `walk`: where the page
            /// walked, a bounded probe along the same index usually answers;
            /// otherwise the planner chooses.
            async fn exists(&self, q: &ListQuery<'_>, plan: &Plan, walk: Walk<'_>) -> Result<bool> {
                if plan.access == Access::Walk {
                    match self.probe(q, walk, plan.budget, 1).await? {
                        Probe::Reached => return Ok(true),
                        Probe::Ended => return Ok(false),
                        Probe::Spent => {}
                    }
                }
                let (sql, args) = list_sql::exists_sql(q, plan, walk);
                let row = bind_all(sqlx::query(sqlx::AssertSqlSafe(sql)), args).fetch_optional(&self.read).await?;
                Ok(row.is_some())
            }

            async fn attach_secrets(&self, tenant: &TenantId, items: &mut [ClientRecord], ids: &[String]) -> Result<()> {
                if ids.is_empty() {
                    return Ok(());
                }
                let mut sql = String::from(
                    "SELECT client_id, hint, created_at, created_by FROM client_secrets WHERE tenant_id = $1 AND client_id IN (",
                );
                for i in 0..ids.len() {
                    if i > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${}", i + 2));
                }
                sql.push_str(") ORDER BY created_at, hint");
                let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(tenant.as_str());
                for id in ids {
                    query = query.bind(id.as_str());
                }
                for row in query.fetch_all(&self.read).await? {
                    let owner: String = row.try_get("client_id")?;
                    if let Some(item) = items.iter_mut().find(|c| c.client_id.as_str() == owner) {
                        item.secrets.push(decode_secret(&row)?);
                    }
                }
                Ok(())
            }

            pub(crate) async fn update_client<F>(&self, tenant: &TenantId, id: &ClientId, by: &str, now: Timestamp, plan: F) -> Result<PatchPlan>
            where
                F: FnOnce(&ClientRecord) -> Result<PatchPlan, $crate::domain::ValidationError> + Send,
            {
                let mut tx = self.begin_write().await?;
                let (mut current, mut count) = lock_client(&mut tx, tenant, id).await?;
                if count > 0 {
                    current.secrets = secrets_of(&mut *tx, tenant, id).await?;
                }
                let plan = plan(&current)?;
                if plan.drop_secrets {
                    sqlx::query("DELETE FROM client_secrets WHERE tenant_id = $1 AND client_id = $2")
                        .bind(tenant.as_str())
                        .bind(id.as_str())
                        .execute(&mut *tx)
                        .await?;
                    count = 0;
                }
                if let Some(secret) = &plan.new_secret {
                    insert_secret(&mut tx, tenant, id, secret, by, now).await?;
                    count += 1;
                }
                let config = serde_json::to_string(&plan.config).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let updated = now.after(current.updated_at);
                sqlx::query(
                    "UPDATE clients SET client_name = $3, name_key = $4, updated_at = $5, secret_count = $6, config = $7 \
                     WHERE tenant_id = $1 AND client_id = $2",
                )
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(&plan.config.client_name)
                .bind(plan.config.name_key())
                .bind(updated.micros())
                .bind(count)
                .bind(config)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(plan)
            }

            pub(crate) async fn delete_client(&self, tenant: &TenantId, id: &ClientId, now: Timestamp) -> Result<()> {
                let mut tx = self.begin_write().await?;
                sqlx::query("DELETE FROM client_secrets WHERE tenant_id = $1 AND client_id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                let done = sqlx::query("DELETE FROM clients WHERE tenant_id = $1 AND client_id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .execute(&mut *tx)
                    .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::NotFound);
                }
                sqlx::query("UPDATE client_directory SET deleted_at = $3 WHERE client_id = $1 AND tenant_id = $2")
                    .bind(id.as_str())
                    .bind(tenant.as_str())
                    .bind(now.micros())
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn add_secret(&self, tenant: &TenantId, id: &ClientId, by: &str, now: Timestamp) -> Result<(SecretInfo, String)> {
                let mut tx = self.begin_write().await?;
                let (current, _) = lock_client(&mut tx, tenant, id).await?;
                if !current.config.supports_secrets() {
                    return Err(StoreError::SecretsNotSupported);
                }
                // The limit is checked by the same statement that takes the
                // slot, so concurrent requests (on any instance) cannot pass it.
                let taken = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE clients SET secret_count = secret_count + 1, {BUMP_UPDATED_AT} \
                     WHERE tenant_id = $1 AND client_id = $2 AND secret_count < {MAX_SECRETS}"
                )))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(now.micros())
                .execute(&mut *tx)
                .await?;
                if taken.rows_affected() == 0 {
                    return Err(StoreError::SecretLimit);
                }
                let hints: Vec<String> = secrets_of(&mut *tx, tenant, id).await?.into_iter().map(|s| s.hint).collect();
                let secret = NewSecret::generate(&hints);
                insert_secret(&mut tx, tenant, id, &secret, by, now).await?;
                tx.commit().await?;
                let info = SecretInfo { hint: secret.hint.clone(), created_at: now, created_by: by.to_owned() };
                Ok((info, secret.plain))
            }

            pub(crate) async fn delete_secret(&self, tenant: &TenantId, id: &ClientId, hint: &str, now: Timestamp) -> Result<()> {
                let mut tx = self.begin_write().await?;
                let (current, _) = lock_client(&mut tx, tenant, id).await?;
                if !current.config.supports_secrets() {
                    return Err(StoreError::SecretsNotSupported);
                }
                let gone = sqlx::query("DELETE FROM client_secrets WHERE tenant_id = $1 AND client_id = $2 AND hint = $3")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .bind(hint)
                    .execute(&mut *tx)
                    .await?;
                if gone.rows_affected() == 0 {
                    return Err(StoreError::SecretNotFound);
                }
                sqlx::query(sqlx::AssertSqlSafe(format!(
                    "UPDATE clients SET secret_count = secret_count - 1, {BUMP_UPDATED_AT} WHERE tenant_id = $1 AND client_id = $2"
                )))
                .bind(tenant.as_str())
                .bind(id.as_str())
                .bind(now.micros())
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn find_auth_client(&self, id: &ClientId) -> Result<Option<AuthClient>> {
                // One round trip on the token path: a row per secret (the
                // client's columns repeated), or one row with a NULL hash.
                let rows = sqlx::query($crate::store::sqlite_reads::FIND_AUTH_CLIENT)
                .bind(id.as_str())
                .fetch_all(&self.read)
                .await?;
                let Some(first) = rows.first() else { return Ok(None) };
                let tenant_id = TenantId::from_trusted(first.try_get::<String, _>("tenant_id")?);
                let config = $crate::store::decode_config(&first.try_get::<String, _>("config")?)?;
                let mut hashes = Vec::with_capacity(rows.len());
                for r in &rows {
                    if let Some(h) = r.try_get::<Option<Vec<u8>>, _>("secret_hash")? {
                        hashes.push(h);
                    }
                }
                Ok(Some(AuthClient { tenant_id, client_id: id.clone(), config, secret_hashes: hashes }))
            }

            pub(crate) async fn client_exists(&self, tenant: &TenantId, id: &ClientId) -> Result<bool> {
                let row = sqlx::query("SELECT 1 FROM clients WHERE tenant_id = $1 AND client_id = $2")
                    .bind(tenant.as_str())
                    .bind(id.as_str())
                    .fetch_optional(&self.read)
                    .await?;
                Ok(row.is_some())
            }

            pub(crate) async fn server_secret(&self, name: &str, fresh: Vec<u8>, now: Timestamp) -> Result<Vec<u8>> {
                let mut tx = self.begin_write().await?;
                sqlx::query("INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .bind(fresh)
                    .bind(now.micros())
                    .execute(&mut *tx)
                    .await?;
                let row = sqlx::query("SELECT value FROM server_secrets WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(row.try_get(0)?)
            }
        }
    };
}

pub(crate) use impl_queries;
