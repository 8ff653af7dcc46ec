//! Tokenizer for filter expressions.
//!
//! Tokens are produced on demand so that the parser reports the first fault
//! in reading order: a bad escape in a string is not reported before an
//! unknown attribute name that precedes it.

use super::FilterError;

/// What kind of token was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind<'a> {
    LParen,
    RParen,
    /// `[` or `]`; they only appear in SCIM value paths, which we reject
    /// with a dedicated message.
    Bracket(char),
    /// A run of characters that are neither blanks nor punctuation: an
    /// attribute name, an operator, a keyword, or an unquoted value.
    Word(&'a str),
    /// A JSON string literal with its escapes already decoded.
    Str(String),
    End,
}

/// A token and the byte offset where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token<'a> {
    pub kind: TokenKind<'a>,
    pub pos: usize,
}

impl Token<'_> {
    /// Describes the token for "found …" parts of error messages.
    pub fn describe(&self) -> String {
        match &self.kind {
            TokenKind::LParen => "`(`".to_owned(),
            TokenKind::RParen => "`)`".to_owned(),
            TokenKind::Bracket(c) => format!("`{c}`"),
            TokenKind::Word(word) => format!("`{}`", shorten(word)),
            TokenKind::Str(_) => "a string".to_owned(),
            TokenKind::End => "end of input".to_owned(),
        }
    }
}

/// Cuts long words so error messages stay readable.
pub(crate) fn shorten(word: &str) -> String {
    const KEEP: usize = 32;
    match word.char_indices().nth(KEEP) {
        Some((cut, _)) => format!("{}…", &word[..cut]),
        None => word.to_owned(),
    }
}

/// The blanks we accept where RFC 7644 has `SP`; being liberal here costs
/// nothing and spares clients from hand-formatting their filters.
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

fn is_punctuation(c: char) -> bool {
    matches!(c, '(' | ')' | '[' | ']' | '"')
}

/// Reads tokens from a filter string.
pub(crate) struct Lexer<'a> {
    input: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a str) -> Self {
        Self { input, pos: 0 }
    }

    fn peek_char(&self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek_char()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Reads the next token, skipping blanks before it.
    pub fn next_token(&mut self) -> Result<Token<'a>, FilterError> {
        while self.peek_char().is_some_and(is_blank) {
            self.bump();
        }
        let pos = self.pos;
        let Some(c) = self.bump() else {
            return Ok(Token {
                kind: TokenKind::End,
                pos,
            });
        };
        let kind = match c {
            '(' => TokenKind::LParen,
            ')' => TokenKind::RParen,
            '[' | ']' => TokenKind::Bracket(c),
            '"' => TokenKind::Str(self.string_body(pos)?),
            _ => {
                while self
                    .peek_char()
                    .is_some_and(|c| !is_blank(c) && !is_punctuation(c))
                {
                    self.bump();
                }
                TokenKind::Word(&self.input[pos..self.pos])
            }
        };
        Ok(Token { kind, pos })
    }

    /// Decodes the rest of a JSON string whose opening quote is at `quote`.
    fn string_body(&mut self, quote: usize) -> Result<String, FilterError> {
        let mut text = String::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => return Err(unterminated(quote)),
                Some('"') => return Ok(text),
                Some('\\') => text.push(self.escape(at, quote)?),
                Some(c) if u32::from(c) < 0x20 => {
                    return Err(FilterError::new(
                        at,
                        format!(
                            "control character U+{0:04X} must be escaped in a string; expected an escape such as \\u{0:04x}",
                            u32::from(c)
                        ),
                    ));
                }
                Some(c) => text.push(c),
            }
        }
    }

    /// Decodes one escape sequence whose backslash is at `backslash`.
    fn escape(&mut self, backslash: usize, quote: usize) -> Result<char, FilterError> {
        let c = match self.bump() {
            None => return Err(unterminated(quote)),
            Some('"') => '"',
            Some('\\') => '\\',
            Some('/') => '/',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => self.unicode_escape(backslash)?,
            Some(_) => {
                return Err(FilterError::new(
                    backslash,
                    "invalid escape sequence; expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX",
                ));
            }
        };
        Ok(c)
    }

    /// Decodes `\uXXXX` (the `\u` already consumed), joining a UTF-16
    /// surrogate pair written as two consecutive escapes.
    fn unicode_escape(&mut self, backslash: usize) -> Result<char, FilterError> {
        let unit = self.hex4(backslash)?;
        let code = match unit {
            0xD800..=0xDBFF => {
                let low_start = self.pos;
                let has_low_escape = self.input[self.pos..].starts_with("\\u");
                if !has_low_escape {
                    return Err(unpaired_surrogate(backslash));
                }
                self.pos += 2;
                let low = self.hex4(low_start)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(unpaired_surrogate(backslash));
                }
                0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
            }
            0xDC00..=0xDFFF => return Err(unpaired_surrogate(backslash)),
            _ => unit,
        };
        // PostgreSQL cannot store NUL in text, so a value containing it could
        // never match and would make the database reject the query instead.
        if code == 0 {
            return Err(FilterError::new(
                backslash,
                "the NUL character (\\u0000) is not allowed in a string; expected any other character",
            ));
        }
        char::from_u32(code).ok_or_else(|| unpaired_surrogate(backslash))
    }

    /// Reads exactly four hex digits of a `\u` escape starting at `backslash`.
    fn hex4(&mut self, backslash: usize) -> Result<u32, FilterError> {
        let mut value = 0;
        for _ in 0..4 {
            let digit = self.peek_char().and_then(|c| c.to_digit(16));
            let Some(digit) = digit else {
                return Err(FilterError::new(
                    backslash,
                    "invalid \\u escape; expected four hex digits",
                ));
            };
            self.bump();
            value = value * 16 + digit;
        }
        Ok(value)
    }
}

/// Reported at the opening quote, which is where the reader can fix it.
fn unterminated(quote: usize) -> FilterError {
    FilterError::new(
        quote,
        "unterminated string; expected a closing `\"` for the string that starts here",
    )
}

fn unpaired_surrogate(backslash: usize) -> FilterError {
    FilterError::new(
        backslash,
        "invalid \\u escape; expected a UTF-16 surrogate pair (\\uD800-\\uDBFF followed by \\uDC00-\\uDFFF)",
    )
}
