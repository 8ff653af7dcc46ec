//! How the SQLite list planner weighs a substring search (`co`, `ew`) that
//! the tenant's trigram postings can serve: which trigram to read first,
//! and how many candidates reading it gives.
//!
//! The rarest trigram in the tenant is read first (each count stops at the
//! fewest found so far, and at most [`REACH`] budgets). Its postings bound
//! the candidates, but names often hold each trigram of a search and only
//! rarely all of them (`ew "portal #7"`: every trigram is common, the
//! whole is not), so when the rarest trigram alone exceeds the budget (but
//! not the reach of the counts), the conjunction is checked on a sample of
//! its first postings, and the candidates estimated from the share that
//! holds it. A conjunction that is rare there is read through the postings;
//! a common one walks the sort index, which then fills a page soon. When the
//! first trigram counted reaches the counts' reach and at least a third of
//! its first postings hold the whole search, the whole (and so each of its
//! trigrams) has about a budget of postings or more: the counts could only
//! conclude a walk, which then fills a page within about a budget of rows,
//! so it walks at once without counting the other trigrams (`co
//! "payments"` at a million clients: six counts to the reach took about
//! 12 ms, the walk 2 ms). When
//! every trigram exceeds the reach, the rarest is unknown and the page walks.
//! Either way the work grows with the caller's tenant only; a rare
//! conjunction of trigrams that are all very common in a large tenant walks
//! far (per-tenant trigram statistics would tell the rarest; not built).

use super::Result;
use super::filter_sql::SqlArg;
use super::list_exec::{ListExec, count};
use super::list_sql::Access;
use super::list_table::ListTable;
use crate::domain::list_query::ListQuery;

/// How far, in budgets, the postings of a trigram are counted.
const REACH: u64 = 3;

/// How many of the rarest trigram's first postings are checked for the
/// whole search, when it has more postings than the budget.
const SAMPLE: u64 = 128;

/// The search's trigrams, the one to read first first, and its candidates
/// as the planner compares them with the budget (`cap`, one past it, means
/// "too many").
pub async fn plan_trigrams<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    index_table: &str,
    mut search: Vec<String>,
    cap: u64,
) -> Result<(u64, Access)> {
    let reach = cap.saturating_mul(REACH);
    let mut fewest = reach;
    let mut counted = Vec::with_capacity(search.len());
    let all = std::mem::take(&mut search);
    for (i, trigram) in all.iter().enumerate() {
        let (sql, args) = postings_sql(q, index_table, trigram, fewest);
        let n = count(exec, sql, args).await?;
        if i == 0 && n >= reach && all.len() > 1 && common_whole(exec, q, index_table, &all).await?
        {
            return Ok((cap, Access::Trigrams(all)));
        }
        fewest = fewest.min(n);
        counted.push((n, trigram.clone()));
        if n == 0 {
            break;
        }
    }
    // The rarest first (it is read), then the others from the rarest (each
    // is a check per candidate, and the first to fail ends it); a stable
    // sort keeps the operand's order among equal counts.
    counted.sort_by_key(|(n, _)| *n);
    let postings = counted.first().map_or(0, |(n, _)| *n);
    search.extend(counted.into_iter().map(|(_, t)| t));
    if postings <= cap || search.len() == 1 {
        return Ok((postings.min(cap), Access::Trigrams(search)));
    }
    if postings >= reach {
        // Every trigram has more postings than were counted, so the rarest
        // is unknown: reading one of them may cost more than the walk.
        return Ok((cap, Access::Trigrams(search)));
    }
    // How many of the first postings hold the whole search: the share of
    // the rarest trigram's postings that match, without reading them all.
    let sample = postings.min(SAMPLE);
    let (sql, args) = matches_sql(q, index_table, &search, sample, sample);
    let matches = count(exec, sql, args).await?;
    let estimate = postings.saturating_mul(matches) / sample.max(1);
    Ok((estimate.min(cap), Access::Trigrams(search)))
}

/// Whether at least a third of the first [`SAMPLE`] postings of the
/// search's first trigram hold the whole search.
async fn common_whole<R: ListTable, E: ListExec>(
    exec: &E,
    q: &ListQuery<'_, R>,
    index_table: &str,
    search: &[String],
) -> Result<bool> {
    let (sql, args) = matches_sql(q, index_table, search, SAMPLE, SAMPLE);
    Ok(count(exec, sql, args).await?.saturating_mul(3) >= SAMPLE)
}

/// Counts, up to `cap`, the tenant's documents holding `trigram` in
/// `index_table`: one range of the index, in the caller's tenant only.
pub fn postings_sql<R: ListTable>(
    q: &ListQuery<'_, R>,
    index_table: &str,
    trigram: &str,
    cap: u64,
) -> (String, Vec<SqlArg>) {
    let tenant = R::TENANT_COLUMN;
    let sql = format!(
        "SELECT count(*) FROM (SELECT 1 FROM {index_table} \
         WHERE {tenant} = $1 AND trigram = $2 LIMIT {cap})"
    );
    let args = [q.tenant.as_str(), trigram].map(|t| SqlArg::Text(t.to_owned()));
    (sql, args.to_vec())
}

/// Counts, up to `cap`, the documents among the first `reach` postings of
/// the search's first trigram that hold every other one too.
pub fn matches_sql<R: ListTable>(
    q: &ListQuery<'_, R>,
    index_table: &str,
    search: &[String],
    reach: u64,
    cap: u64,
) -> (String, Vec<SqlArg>) {
    let tenant = R::TENANT_COLUMN;
    let mut args = vec![SqlArg::Text(q.tenant.as_str().to_owned())];
    let mut sql = String::from("SELECT count(*) FROM (SELECT 1 FROM (");
    args.push(SqlArg::Text(search.first().cloned().unwrap_or_default()));
    sql.push_str(&format!(
        "SELECT doc_id FROM {index_table} WHERE {tenant} = $1 AND trigram = $2 LIMIT {reach}) d WHERE 1=1"
    ));
    for trigram in search.iter().skip(1) {
        args.push(SqlArg::Text(trigram.clone()));
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM {index_table} o WHERE o.{tenant} = $1 \
             AND o.trigram = ${} AND o.doc_id = d.doc_id)",
            args.len()
        ));
    }
    sql.push_str(&format!(" LIMIT {cap})"));
    (sql, args)
}
