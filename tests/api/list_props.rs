//! Property test of the list endpoint over HTTP: random client sets (created,
//! some renamed) and random filters rendered to text with random spelling;
//! walking every page, with a random sort and limit, in both directions,
//! must yield exactly the clients the in-memory evaluator
//! (`registrar::filter::matches`) accepts, in sort order, and `totalResults`
//! must count them.
//!
//! HTTP is slow next to the unit-level SQL oracle in `store::filter_sql`, so
//! the case count is modest (48, or `PROPTEST_CASES`), with several filters
//! per client set; each case uses a fresh tenant on one server, so earlier
//! cases' clients also check that nothing leaks across tenants.

use crate::support::list::*;
use crate::support::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use registrar::filter::{Attribute as _, ClientAttr as Attr, CompareOp, Operand, matches, parse};

type Filter = registrar::filter::Filter<Attr>;
use reqwest::StatusCode;
use serde_json::json;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Characters of names and string operands: LIKE wildcards and its escape
/// character, JSON's special characters, characters with special meaning in
/// a query string, and letters whose lowercase differs beyond ASCII.
const CHARS: &[char] = &[
    'a', 'A', 'b', 'B', 'z', '%', '_', '\\', '"', ' ', '+', '&', '=', '#', 'é', 'É', 'ß', 'ẞ', 'Σ',
    'σ', 'İ', '😀',
];
const APP_TYPES: [&str; 4] = ["web", "spa", "native", "anonymous-embed"];

fn arb_text(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(CHARS), 0..=max)
        .prop_map(|c| c.into_iter().collect())
}

/// A valid client name: 1 to 6 characters, never blank.
fn arb_name() -> impl Strategy<Value = String> {
    (prop::sample::select(&CHARS[..5]), arb_text(5))
        .prop_map(|(first, rest)| format!("{first}{rest}"))
}

#[derive(Debug, Clone)]
struct ClientSpec {
    app_type: &'static str,
    name: String,
    rename: Option<String>,
}

fn arb_client() -> impl Strategy<Value = ClientSpec> {
    (
        prop::sample::select(APP_TYPES.to_vec()),
        arb_name(),
        prop::option::weighted(0.3, arb_name()),
    )
        .prop_map(|(app_type, name, rename)| ClientSpec {
            app_type,
            name,
            rename,
        })
}

/// A filter whose instants are given relative to the clients' timestamps,
/// which the server assigns, so they are resolved after the clients exist.
#[derive(Debug, Clone)]
enum Spec {
    Or(Box<Spec>, Box<Spec>),
    And(Box<Spec>, Box<Spec>),
    Not(Box<Spec>),
    Present(Attr),
    Text(Attr, CompareOp, String),
    /// An instant `delta_ns` from the `pick`-th record's timestamp.
    Time(Attr, CompareOp, usize, i64),
    /// A string attribute compared with (part of) the `pick`-th record's own
    /// value, so that equality and prefix/suffix boundaries are hit often.
    Picked(Attr, CompareOp, usize, Cut),
}

/// Which part of a picked value becomes the operand.
#[derive(Debug, Clone, Copy)]
enum Cut {
    Whole,
    Head,
    Tail,
    Middle,
}

impl Cut {
    fn apply(self, value: &str) -> String {
        let chars: Vec<char> = value.chars().collect();
        let n = chars.len();
        let range = match self {
            Cut::Whole => 0..n,
            Cut::Head => 0..n / 2,
            Cut::Tail => n / 2..n,
            Cut::Middle => n / 4..n - n / 4,
        };
        chars[range].iter().collect()
    }
}

fn arb_leaf() -> impl Strategy<Value = Spec> {
    let text_attr = prop::sample::select(vec![
        Attr::ClientName,
        Attr::ClientName,
        Attr::AppType,
        Attr::ClientId,
    ]);
    let time_attr = prop::sample::select(vec![Attr::CreatedAt, Attr::UpdatedAt]);
    let time_op = prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::Ne,
        CompareOp::Gt,
        CompareOp::Ge,
        CompareOp::Lt,
        CompareOp::Le,
    ]);
    let operand = prop_oneof![
        3 => arb_text(3),
        1 => prop::sample::select(vec!["web", "spa", "sp", "native", "anonymous-embed", "-"]).prop_map(String::from),
    ];
    let delta = prop::sample::select(vec![-1000i64, -1, 0, 0, 1, 500, 1000]);
    let cut = prop::sample::select(vec![Cut::Whole, Cut::Head, Cut::Tail, Cut::Middle]);
    prop_oneof![
        4 => (text_attr.clone(), prop::sample::select(CompareOp::ALL.to_vec()), operand)
            .prop_map(|(a, op, v)| Spec::Text(a, op, v.to_lowercase())),
        3 => (text_attr, prop::sample::select(CompareOp::ALL.to_vec()), any::<usize>(), cut)
            .prop_map(|(a, op, pick, cut)| Spec::Picked(a, op, pick, cut)),
        2 => (time_attr, time_op, any::<usize>(), delta).prop_map(|(a, op, pick, d)| Spec::Time(a, op, pick, d)),
        1 => prop::sample::select(Attr::ALL.to_vec()).prop_map(Spec::Present),
    ]
}

fn arb_spec() -> impl Strategy<Value = Spec> {
    arb_leaf().prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Spec::Or(Box::new(l), Box::new(r))),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Spec::And(Box::new(l), Box::new(r))),
            inner.prop_map(|f| Spec::Not(Box::new(f))),
        ]
    })
}

/// A filter to run: the filter, how to spell it, and how to page through it.
#[derive(Debug, Clone)]
struct Query {
    spec: Spec,
    noise: u64,
    sort: Option<&'static str>,
    limit: u32,
}

fn arb_query() -> impl Strategy<Value = Query> {
    (
        arb_spec(),
        any::<u64>(),
        prop::option::weighted(0.9, prop::sample::select(SORTS.to_vec())),
        1u32..5,
    )
        .prop_map(|(spec, noise, sort, limit)| Query {
            spec,
            noise,
            sort,
            limit,
        })
}

fn resolve(spec: &Spec, listed: &[Listed]) -> Filter {
    let boxed = |s: &Spec| Box::new(resolve(s, listed));
    match spec {
        Spec::Or(l, r) => Filter::Or(boxed(l), boxed(r)),
        Spec::And(l, r) => Filter::And(boxed(l), boxed(r)),
        Spec::Not(f) => Filter::Not(boxed(f)),
        Spec::Present(a) => Filter::Present(*a),
        Spec::Text(attr, op, text) => Filter::Compare {
            attr: *attr,
            op: *op,
            value: Operand::Text(text.clone()),
        },
        Spec::Time(attr, op, pick, delta) => {
            let record = &listed[pick % listed.len()];
            let us = if *attr == Attr::CreatedAt {
                record.created_us
            } else {
                record.updated_us
            };
            let nanos = i128::from(us) * 1000 + i128::from(*delta);
            Filter::Compare {
                attr: *attr,
                op: *op,
                value: Operand::Time(nanos),
            }
        }
        Spec::Picked(attr, op, pick, cut) => {
            let record = listed[pick % listed.len()].record();
            let value = match attr {
                Attr::ClientId => record.client_id,
                Attr::AppType => record.app_type,
                _ => record.client_name,
            };
            let text = cut.apply(&value.to_lowercase());
            Filter::Compare {
                attr: *attr,
                op: *op,
                value: Operand::Text(text),
            }
        }
    }
}

/// Draws bits for the noisy spelling from a seed (SplitMix64).
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
    /// A keyword or attribute name in random ASCII case.
    fn case(&mut self, word: &str) -> String {
        word.chars()
            .map(|c| {
                if self.one_in(2) {
                    c.to_ascii_uppercase()
                } else {
                    c
                }
            })
            .collect()
    }
    fn blank(&mut self) -> &'static str {
        [" ", " ", " ", "  ", "\t", "\n "][usize::try_from(self.next() % 6).unwrap_or(0)]
    }
}

/// Renders a filter as text with random case, blanks, redundant parentheses,
/// JSON escapes, ASCII uppercase in string values and time zone offsets.
fn render(filter: &Filter, noise: &mut Noise, out: &mut String) {
    let wrap = |f: &Filter, noise: &mut Noise, out: &mut String, needed: bool| {
        let paren = needed || noise.one_in(6);
        if paren {
            out.push('(');
        }
        render(f, noise, out);
        if paren {
            out.push(')');
        }
    };
    match filter {
        Filter::Or(l, r) => {
            wrap(l, noise, out, false);
            out.push_str(noise.blank());
            out.push_str(&noise.case("or"));
            out.push_str(noise.blank());
            wrap(r, noise, out, matches!(**r, Filter::Or(..)));
        }
        Filter::And(l, r) => {
            wrap(l, noise, out, matches!(**l, Filter::Or(..)));
            out.push_str(noise.blank());
            out.push_str(&noise.case("and"));
            out.push_str(noise.blank());
            wrap(
                r,
                noise,
                out,
                matches!(**r, Filter::Or(..) | Filter::And(..)),
            );
        }
        Filter::Not(inner) => {
            out.push_str(&noise.case("not"));
            if noise.one_in(2) {
                out.push_str(noise.blank());
            }
            wrap(inner, noise, out, true);
        }
        Filter::Present(attr) => {
            out.push_str(&noise.case(attr.name()));
            out.push_str(noise.blank());
            out.push_str(&noise.case("pr"));
        }
        Filter::Compare { attr, op, value } => {
            out.push_str(&noise.case(attr.name()));
            out.push_str(noise.blank());
            out.push_str(&noise.case(op.keyword()));
            out.push_str(noise.blank());
            match value {
                Operand::Text(text) => render_string(text, noise, out),
                Operand::Time(nanos) => render_instant(*nanos, noise, out),
            }
        }
    }
}

fn render_string(text: &str, noise: &mut Noise, out: &mut String) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if noise.one_in(5) => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{unit:04X}"));
                }
            }
            c if c.is_ascii_lowercase() && noise.one_in(3) => out.push(c.to_ascii_uppercase()),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn render_instant(nanos: i128, noise: &mut Noise, out: &mut String) {
    let offset_minutes = [0i32, 0, 120, -330][usize::try_from(noise.next() % 4).unwrap_or(0)];
    let offset =
        time::UtcOffset::from_whole_seconds(offset_minutes * 60).unwrap_or(time::UtcOffset::UTC);
    let text = OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .map(|t| t.to_offset(offset))
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_default();
    out.push('"');
    out.push_str(&text);
    out.push('"');
}

async fn create_clients(
    app: &TestApp,
    token: &str,
    specs: &[ClientSpec],
) -> Result<(), TestCaseError> {
    for spec in specs {
        let body = json!({"appType": spec.app_type, "clientName": spec.name});
        let (status, client) = app.create_client(token, body).await;
        prop_assert_eq!(status, StatusCode::CREATED, "{}", client);
        if let Some(rename) = &spec.rename {
            let id = client["clientId"].as_str().unwrap_or_default();
            let patch = json!([{"op": "replace", "path": "/clientName", "value": rename}]);
            let (status, body) = app.patch(token, id, patch).await;
            prop_assert_eq!(status, StatusCode::NO_CONTENT, "{}", body);
        }
    }
    Ok(())
}

/// Runs one query and compares every page, both ways, with the oracle.
async fn check_query(
    app: &TestApp,
    token: &str,
    listed: &[Listed],
    query: &Query,
) -> Result<(), TestCaseError> {
    let filter = resolve(&query.spec, listed);
    let mut text = String::new();
    render(&filter, &mut Noise(query.noise), &mut text);
    prop_assume!(text.chars().count() <= registrar::filter::MAX_LEN);
    let reparsed = parse(&text);
    prop_assert_eq!(
        reparsed.as_ref(),
        Ok(&filter),
        "the test's own rendering: {}",
        text
    );

    let sort = query.sort.unwrap_or("-createdAt");
    let mut expected: Vec<&Listed> = listed
        .iter()
        .filter(|l| matches(&filter, &l.record()))
        .collect();
    expected.sort_by(|a, b| compare(&a.json, &b.json, sort));
    let expected: Vec<String> = expected
        .iter()
        .map(|l| sort_value(&l.json, "clientId"))
        .collect();

    let mut q = format!(
        "filter={}&limit={}&totalResults=true",
        enc(&text),
        query.limit
    );
    if let Some(sort) = query.sort {
        q.push_str(&format!("&sort={}", enc(sort)));
    }
    let (status, first) = app.list(token, &q).await;
    prop_assert_eq!(status, StatusCode::OK, "{} -> {}", text, first);
    let forward = walk_next(app, token, first).await;
    let got: Vec<String> = forward.iter().flat_map(ids_of).collect();
    prop_assert_eq!(&got, &expected, "next walk of `{}` sorted {}", text, sort);
    for page in &forward {
        prop_assert_eq!(
            &page["totalResults"],
            &json!(expected.len()),
            "totalResults of `{}`",
            text
        );
        prop_assert!(items_of(page).len() <= query.limit as usize);
    }
    let last = forward.last().cloned().unwrap_or_default();
    let backward = walk_prev(app, token, last).await;
    let got: Vec<String> = backward.iter().rev().flat_map(ids_of).collect();
    prop_assert_eq!(&got, &expected, "prev walk of `{}` sorted {}", text, sort);
    Ok(())
}

#[test]
fn paged_filtered_lists_agree_with_the_evaluator() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let app = runtime.block_on(spawn_app());
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(48);
    let config = Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    };
    let strategy = (
        prop::collection::vec(arb_client(), 0..8),
        prop::collection::vec(arb_query(), 1..6),
    );
    let mut runner = TestRunner::new(config);
    let tenants = std::sync::atomic::AtomicUsize::new(0);
    let outcome = runner.run(&strategy, |(clients, queries)| {
        let n = tenants.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        runtime.block_on(async {
            let tenant = app.new_tenant(&format!("prop {n}")).await;
            create_clients(&app, &tenant.token, &clients).await?;
            let listed = list_all(&app, &tenant.token).await;
            prop_assert_eq!(
                listed.len(),
                clients.len() + PROVISIONED_CLIENTS,
                "the admin and console clients and the created ones"
            );
            for query in &queries {
                check_query(&app, &tenant.token, &listed, query).await?;
            }
            Ok(())
        })
    });
    if let Err(err) = outcome {
        panic!("{err}");
    }
}
