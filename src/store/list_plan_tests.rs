//! Tests of the SQLite list planner's SQL and choices (`list_plan.rs`).

use super::*;
use crate::domain::client_list::ClientSort as SortField;
use crate::domain::client_list::ListedClient;
use crate::domain::ids::TenantId;
use crate::domain::list_query::{Position, Sort, SortKey};
use crate::filter::{ClientAttr, parse};

// These tests plan the clients' list.
type ListQuery<'a> = crate::domain::list_query::ListQuery<'a, ListedClient>;

fn planning() -> SqlitePlanning<ListedClient> {
    ListedClient::sqlite_planning().expect("clients are planned")
}

fn name_trigram_query(filter: &Filter<ClientAttr>) -> Option<NameSearch> {
    super::name_trigram_query(filter, &ClientAttr::ClientName)
}

fn indexed_conjuncts(
    filter: &Filter<ClientAttr>,
    sort: SortField,
) -> Vec<(&'static str, &Filter<ClientAttr>)> {
    super::indexed_conjuncts(filter, &planning(), sort)
}

fn hits_sql(q: &ListQuery<'_>, walk: Walk<'_>, budget: u64, needed: u64) -> (String, Vec<SqlArg>) {
    super::hits_sql(q, &planning(), walk, budget, needed)
}

#[test]
fn trigram_queries_come_from_required_substrings_only() {
    // `ew` on names reads the index of their reversed tails instead.
    #[rustfmt::skip]
    let cases = [
        (r#"clientName co "abc""#, Some(&["abc"][..])),
        (r#"clientName CO "ABCD""#, Some(&["abc", "bcd"])),
        (r#"clientName ew "xyz""#, None),
        (r#"clientName co "a\"b""#, Some(&["a\"b"])),
        (r#"clientName co "aaaa""#, Some(&["aaa"])),
        (r#"clientName co "ab""#, None),
        (r#"clientName sw "abc""#, None),
        (r#"clientName eq "abc""#, None),
        (r#"clientId co "abc""#, None),
        (r#"clientName co "abc" or appType eq "spa""#, None),
        (r#"not (clientName co "abc")"#, None),
        (r#"appType eq "spa" and (clientName co "abc" and clientName co "wxyz")"#, Some(&["wxy", "xyz"])),
        (r#"clientName co "É😀 x""#, Some(&["é😀 ", "😀 x"])),
    ];
    for (input, expected) in cases {
        let filter = parse(input).unwrap_or_else(|err| panic!("{input}: {err}"));
        let expected = expected.map(|e| e.iter().map(|t| (*t).to_owned()).collect());
        assert_eq!(name_trigram_query(&filter), expected, "{input}");
    }
}

#[test]
fn long_operands_keep_sixteen_spread_trigrams() {
    let operand: String = ('a'..='z').collect();
    let filter = parse(&format!("clientName co \"{operand}\"")).unwrap();
    let trigrams = name_trigram_query(&filter).unwrap_or_default();
    assert_eq!(trigrams.len(), MAX_TRIGRAMS, "{trigrams:?}");
    assert_eq!(trigrams.first().map(String::as_str), Some("abc"));
    assert_eq!(trigrams.last().map(String::as_str), Some("xyz"));
}

#[test]
fn indexed_conditions_are_top_level_ranges_off_the_sort_column() {
    let filter = parse(
        r#"clientName sw "a" and appType ne "spa" and (clientId eq "x" or clientId eq "y") and createdAt gt "2024-01-01T00:00:00Z" and updatedAt le "2024-01-01T00:00:00Z" and clientId pr and clientName ew "z" and clientId ew "q""#,
    )
    .unwrap();
    let indexes: Vec<&str> = indexed_conjuncts(&filter, SortField::UpdatedAt)
        .into_iter()
        .map(|(i, _)| i)
        .collect();
    assert_eq!(
        indexes,
        [
            "clients_by_name",
            "clients_by_created_at",
            "clients_by_name_tail"
        ],
        "a name's suffix reads the tails; an id's has no index"
    );
    let (sql, args) = candidates_sql(
        &ListQuery {
            tenant: &TenantId::from_trusted("t"),
            filter: Some(&filter),
            sort: Sort {
                field: SortField::UpdatedAt,
                descending: false,
            },
            limit: 20,
            position: None,
            count_total: false,
        },
        "clients_by_name",
        indexed_conjuncts(&filter, SortField::UpdatedAt)[0].1,
        101,
    );
    assert_eq!(
        sql,
        "SELECT count(*) FROM (SELECT 1 FROM clients INDEXED BY clients_by_name WHERE tenant_id = $1 AND \
         ((name_key >= $2 AND name_key < $3)) LIMIT 101)"
    );
    assert_eq!(args.len(), 3);
}

#[test]
fn budget_balances_walking_against_an_index() {
    assert_eq!(walk_budget(20, 1_000_000), 4582);
    assert_eq!(walk_budget(100, 1_000_000), 10_049);
    assert_eq!(walk_budget(20, 100), 45);
    assert_eq!(walk_budget(20, 0), 21, "never less than a page");
    assert_eq!(walk_budget(20, -5), 21);
}

#[test]
fn probes_walk_from_the_position_in_its_direction() {
    let tenant = TenantId::from_trusted("t");
    let filter = parse(r#"clientName sw "x""#).unwrap();
    let q = ListQuery {
        tenant: &tenant,
        filter: Some(&filter),
        sort: Sort {
            field: SortField::CreatedAt,
            descending: true,
        },
        limit: 20,
        position: Some(Position {
            forward: false,
            inclusive: false,
            key: SortKey::Int(7),
            id: "c".into(),
        }),
        count_total: false,
    };
    let (sql, args) = hits_sql(&q, Walk::page(&q), 500, 21);
    assert_eq!(
        sql,
        "SELECT count(*) FROM (SELECT 1 FROM (SELECT client_id, app_type, name_key, created_at, updated_at \
         FROM clients WHERE tenant_id = $1 AND (created_at, client_id) > ($2, $3) \
         ORDER BY created_at ASC, client_id ASC LIMIT 500) WHERE 1=1 AND \
         ((name_key >= $4 AND name_key < $5)) LIMIT 21)"
    );
    assert_eq!(args.len(), 5);
    let (sql, args) = window_len_sql(
        &q,
        Walk {
            forward: true,
            from: None,
        },
        500,
    );
    assert_eq!(
        sql,
        "SELECT count(*) FROM (SELECT 1 FROM clients WHERE tenant_id = $1 \
         ORDER BY created_at DESC, client_id DESC LIMIT 500)"
    );
    assert_eq!(args.len(), 1);
}
