//! Recursive-descent parser from filter text to [`Filter`].
//!
//! Grammar (RFC 7644 §3.4.2.2 restricted to the attributes of one resource's
//! schema, an [`Attribute`] type; a dotted name is an attribute only where the
//! schema declares it):
//!
//! ```text
//! filter  = and *( "or" and )            ; left-associative
//! and     = unary *( "and" unary )       ; binds tighter than "or"
//! unary   = "not" "(" filter ")" / "(" filter ")" / attrExp
//! attrExp = attr "pr" / attr compareOp string
//! ```
//!
//! Only groups recurse, and [`MAX_DEPTH`] is checked before each recursion,
//! so the stack depth is bounded whatever the input.

use std::marker::PhantomData;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::ast::{CompareOp, Filter, Operand};
use super::attribute::{Attribute, ValueKind};
use super::lexer::{Lexer, Token, TokenKind, is_blank, shorten};
use super::{FilterError, MAX_DEPTH, MAX_LEN};

const EXPECTED_START: &str = "expected attribute name or `(` or `not`";

/// Parses a filter expression over the attributes `A` of one resource.
///
/// # Errors
///
/// Returns a [`FilterError`] for input longer than [`MAX_LEN`] characters,
/// nested deeper than [`MAX_DEPTH`], syntactically invalid, or naming an
/// unknown attribute or an operand of the wrong type.  The error carries the
/// byte offset of the fault and says what was expected there.
pub fn parse<A: Attribute>(input: &str) -> Result<Filter<A>, FilterError> {
    if let Some((cut, _)) = input.char_indices().nth(MAX_LEN) {
        return Err(FilterError::new(
            cut,
            format!("filter is longer than {MAX_LEN} characters; expected the filter to end here"),
        ));
    }
    // An empty filter is reported at its start rather than at its end, which
    // is where a blank-only filter would otherwise place the fault.
    if input.chars().all(is_blank) {
        return Err(FilterError::new(
            0,
            format!("{EXPECTED_START}, found end of input"),
        ));
    }
    let mut parser = Parser {
        lexer: Lexer::new(input),
        peeked: None,
        depth: 0,
        schema: PhantomData::<A>,
    };
    let filter = parser.or_expr()?;
    let token = parser.next()?;
    match token.kind {
        TokenKind::End => Ok(filter),
        _ => Err(FilterError::new(
            token.pos,
            format!(
                "expected `and`, `or` or end of input, found {}",
                token.describe()
            ),
        )),
    }
}

struct Parser<'a, A> {
    lexer: Lexer<'a>,
    peeked: Option<Token<'a>>,
    /// Number of groups currently open.
    depth: usize,
    schema: PhantomData<A>,
}

impl<'a, A: Attribute> Parser<'a, A> {
    fn next(&mut self) -> Result<Token<'a>, FilterError> {
        match self.peeked.take() {
            Some(token) => Ok(token),
            None => self.lexer.next_token(),
        }
    }

    fn peek(&mut self) -> Result<&Token<'a>, FilterError> {
        let token = match self.peeked.take() {
            Some(token) => token,
            None => self.lexer.next_token()?,
        };
        Ok(self.peeked.insert(token))
    }

    /// Consumes the next token if it is the given keyword (any case).
    fn eat_keyword(&mut self, keyword: &str) -> Result<bool, FilterError> {
        let found = matches!(
            &self.peek()?.kind,
            TokenKind::Word(word) if word.eq_ignore_ascii_case(keyword)
        );
        if found {
            self.peeked = None;
        }
        Ok(found)
    }

    fn or_expr(&mut self) -> Result<Filter<A>, FilterError> {
        let mut left = self.and_expr()?;
        while self.eat_keyword("or")? {
            let right = self.and_expr()?;
            left = Filter::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and_expr(&mut self) -> Result<Filter<A>, FilterError> {
        let mut left = self.unary()?;
        while self.eat_keyword("and")? {
            let right = self.unary()?;
            left = Filter::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn unary(&mut self) -> Result<Filter<A>, FilterError> {
        let token = self.next()?;
        match token.kind {
            TokenKind::LParen => self.group(token.pos),
            TokenKind::Word(word) if word.eq_ignore_ascii_case("not") => {
                let paren = self.next()?;
                match paren.kind {
                    TokenKind::LParen => Ok(Filter::Not(Box::new(self.group(paren.pos)?))),
                    _ => Err(FilterError::new(
                        paren.pos,
                        format!("expected `(` after `not`, found {}", paren.describe()),
                    )),
                }
            }
            TokenKind::Word(word)
                if !word.eq_ignore_ascii_case("and") && !word.eq_ignore_ascii_case("or") =>
            {
                self.attr_expr(word, token.pos)
            }
            _ => Err(FilterError::new(
                token.pos,
                format!("{EXPECTED_START}, found {}", token.describe()),
            )),
        }
    }

    /// Parses the inside of a group whose `(` is at `open` and its `)`.
    fn group(&mut self, open: usize) -> Result<Filter<A>, FilterError> {
        if self.depth >= MAX_DEPTH {
            return Err(FilterError::new(
                open,
                format!(
                    "filter is nested deeper than {MAX_DEPTH} levels; expected an attribute expression instead of another group"
                ),
            ));
        }
        self.depth += 1;
        let inner = self.or_expr()?;
        let close = self.next()?;
        if close.kind != TokenKind::RParen {
            return Err(FilterError::new(
                close.pos,
                format!("expected `and`, `or` or `)`, found {}", close.describe()),
            ));
        }
        self.depth -= 1;
        Ok(inner)
    }

    fn attr_expr(&mut self, word: &'a str, pos: usize) -> Result<Filter<A>, FilterError> {
        let attr = resolve_attr::<A>(word, pos)?;
        let op_token = self.next()?;
        let op = match op_token.kind {
            TokenKind::Word(op) if op.eq_ignore_ascii_case("pr") => {
                return Ok(Filter::Present(attr));
            }
            TokenKind::Word(op) => CompareOp::from_keyword(op),
            TokenKind::Bracket('[') => {
                return Err(FilterError::new(
                    op_token.pos,
                    "value filters (`attr[...]`) are not supported; expected an operator",
                ));
            }
            _ => None,
        };
        let Some(op) = op else {
            return Err(FilterError::new(
                op_token.pos,
                format!(
                    "expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le or pr), found {}",
                    op_token.describe()
                ),
            ));
        };
        if attr.is_timestamp() && op.is_substring_match() {
            return Err(FilterError::new(
                op_token.pos,
                format!(
                    "operator `{}` cannot be applied to timestamp attribute `{}`; expected one of eq, ne, gt, ge, lt, le, pr",
                    op.keyword(),
                    attr.name()
                ),
            ));
        }
        let value_token = self.next()?;
        let TokenKind::Str(text) = value_token.kind else {
            return Err(FilterError::new(
                value_token.pos,
                format!("expected a string value, found {}", value_token.describe()),
            ));
        };
        let value = match attr.kind() {
            ValueKind::Timestamp => Operand::Time(parse_instant(&text, attr, value_token.pos)?),
            ValueKind::Text => Operand::Text(text.to_lowercase()),
        };
        Ok(Filter::Compare { attr, op, value })
    }
}

/// Maps an attribute path to an attribute of `A`, explaining why unsupported
/// SCIM path forms (URN prefixes, sub-attributes the schema does not declare)
/// are rejected.
fn resolve_attr<A: Attribute>(word: &str, pos: usize) -> Result<A, FilterError> {
    if let Some(attr) = A::from_name(word) {
        return Ok(attr);
    }
    if word.contains(':') {
        return Err(FilterError::new(
            pos,
            format!(
                "URN-qualified attribute paths are not supported, found `{}`; expected one of {}",
                shorten(word),
                attr_list::<A>()
            ),
        ));
    }
    if let Some(head) = attribute_prefix::<A>(word) {
        return Err(FilterError::new(
            pos + head.len(),
            format!(
                "sub-attributes are not supported, found `{}`; expected an operator after `{head}`",
                shorten(word)
            ),
        ));
    }
    Err(FilterError::new(
        pos,
        format!(
            "unknown attribute `{}`; expected one of {}",
            shorten(word),
            attr_list::<A>()
        ),
    ))
}

/// The longest part of `word` before one of its dots that names an attribute
/// (`clientName` in `clientName.family`, `actor.sub` in `actor.sub.x`).
fn attribute_prefix<A: Attribute>(word: &str) -> Option<&str> {
    word.rmatch_indices('.')
        .map(|(dot, _)| &word[..dot])
        .find(|head| A::from_name(head).is_some())
}

fn attr_list<A: Attribute>() -> String {
    A::ALL
        .iter()
        .map(|attr| attr.name())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Converts an RFC 3339 date-time to nanoseconds since the epoch (UTC).
fn parse_instant<A: Attribute>(text: &str, attr: A, pos: usize) -> Result<i128, FilterError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(OffsetDateTime::unix_timestamp_nanos)
        .map_err(|_| {
            FilterError::new(
                pos,
                format!(
                    "invalid value for `{}`: expected an RFC 3339 date-time such as \"2024-05-01T12:00:00Z\"",
                    attr.name()
                ),
            )
        })
}
