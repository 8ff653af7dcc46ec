//! Lexing: Rust code apart from its comments and literals, and the tokens
//! of that code.

/// Rust source in two parts: `code` is the text with every comment and the
/// contents of every string and character literal blanked (newlines kept, so
/// line numbers hold); `strings` are the string literals' contents with the
/// line each starts on.
pub struct Lexed {
    pub code: String,
    pub strings: Vec<(usize, String)>,
}

pub fn is_ident_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

pub fn blank(c: char) -> char {
    if c == '\n' { '\n' } else { ' ' }
}

pub fn lex(src: &str) -> Lexed {
    let chars: Vec<char> = src.chars().collect();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let mut out = Lexed {
        code: String::with_capacity(src.len()),
        strings: Vec::new(),
    };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '/' && at(i + 1) == '/' {
            while i < chars.len() && chars[i] != '\n' {
                out.code.push(' ');
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            i = block_comment(&chars, i, &mut out.code);
        } else if c == '"' {
            i = string(&chars, i, None, &mut out);
        } else if c == '\'' {
            i = char_or_lifetime(&chars, i, &mut out.code);
        } else if is_ident_char(c) {
            let end = (i..chars.len())
                .find(|&j| !is_ident_char(chars[j]))
                .unwrap_or(chars.len());
            let word: String = chars[i..end].iter().collect();
            out.code.push_str(&word);
            let hashes = (end..chars.len())
                .find(|&j| chars[j] != '#')
                .unwrap_or(chars.len())
                - end;
            i = match word.as_str() {
                "b" | "c" if at(end) == '"' => string(&chars, end, None, &mut out),
                "b" if at(end) == '\'' => char_or_lifetime(&chars, end, &mut out.code),
                "r" | "br" | "cr" if at(end + hashes) == '"' => {
                    out.code.extend(std::iter::repeat_n('#', hashes));
                    string(&chars, end + hashes, Some(hashes), &mut out)
                }
                _ => end,
            };
        } else {
            out.code.push(c);
            i += 1;
        }
    }
    out
}

/// A (nested) block comment from `start`; returns the index after it.
pub fn block_comment(chars: &[char], start: usize, code: &mut String) -> usize {
    let (mut i, mut depth) = (start, 0);
    while i < chars.len() {
        let pair = (chars[i], chars.get(i + 1).copied().unwrap_or('\0'));
        if pair == ('/', '*') || pair == ('*', '/') {
            depth += if pair.0 == '/' { 1 } else { -1 };
            code.push_str("  ");
            i += 2;
            if depth == 0 {
                break;
            }
        } else {
            code.push(blank(chars[i]));
            i += 1;
        }
    }
    i
}

/// A string literal whose opening quote is at `quote`; `raw` gives the
/// number of `#`s of a raw string. Returns the index after it.
pub fn string(chars: &[char], quote: usize, raw: Option<usize>, out: &mut Lexed) -> usize {
    let hashes = raw.unwrap_or(0);
    let line = out.code.matches('\n').count() + 1;
    let mut text = String::new();
    out.code.push('"');
    let mut i = quote + 1;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' && (0..hashes).all(|k| chars.get(i + 1 + k) == Some(&'#')) {
            out.code.push('"');
            out.code.extend(std::iter::repeat_n('#', hashes));
            i += 1 + hashes;
            break;
        }
        let escaped = raw.is_none() && c == '\\' && i + 1 < chars.len();
        let len = if escaped { 2 } else { 1 };
        for &d in &chars[i..i + len] {
            text.push(d);
            out.code.push(blank(d));
        }
        i += len;
    }
    out.strings.push((line, text));
    i
}

/// A character literal (`'a'`, `'\''`, `'"'`) or a lifetime/label (`'a`) at
/// `quote`; returns the index after it.
pub fn char_or_lifetime(chars: &[char], quote: usize, code: &mut String) -> usize {
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    let close = if at(quote + 1) == '\\' {
        (quote + 3..chars.len()).find(|&j| chars[j] == '\'')
    } else if at(quote + 2) == '\'' {
        Some(quote + 2)
    } else {
        None
    };
    match close {
        Some(close) => {
            code.push('\'');
            code.extend(chars[quote + 1..close].iter().map(|&c| blank(c)));
            code.push('\'');
            close + 1
        }
        None => {
            code.push('\'');
            quote + 1
        }
    }
}

/// A token of code: an identifier, `::`, or any other character.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    Ident(String),
    PathSep,
    Punct(char),
}

/// The tokens of lexed code, each with its line. Numbers are skipped.
pub fn tokens(code: &str) -> Vec<(usize, Tok)> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if is_ident_char(c) {
            let end = (i..chars.len())
                .find(|&j| !is_ident_char(chars[j]))
                .unwrap_or(chars.len());
            if !c.is_ascii_digit() {
                let word: String = chars[i..end].iter().collect();
                out.push((line, Tok::Ident(word)));
            }
            i = end;
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push((line, Tok::PathSep));
            i += 2;
        } else {
            out.push((line, Tok::Punct(c)));
            i += 1;
        }
    }
    out
}

mod tests {
    use super::*;

    #[test]
    fn comments_and_strings_are_blanked_and_strings_kept() {
        let code = "// crate::app\n/* crate::app /* nested */ crate::ops */\nlet s = \"crate::app\";\nlet r = r#\"crate::app \"quoted\" \"#;\nlet c = '\"'; let d = crate::store::X;";
        let lexed = lex(code);
        assert!(!lexed.code.contains("app"), "{}", lexed.code);
        assert!(!lexed.code.contains("ops"), "{}", lexed.code);
        assert!(lexed.code.contains("crate::store::X"), "{}", lexed.code);
        assert_eq!(
            lexed.strings,
            [
                (3, "crate::app".to_owned()),
                (4, "crate::app \"quoted\" ".to_owned())
            ]
        );
        assert_eq!(lexed.code.lines().count(), code.lines().count());
    }

    #[test]
    fn lifetimes_and_char_literals_leave_the_code_intact() {
        let code = "fn f<'a>(x: &'a str) -> char { if x == \"{\" { '\\'' } else { '{' } }\nuse crate::ops;";
        let lexed = lex(code);
        assert!(lexed.code.ends_with("\nuse crate::ops;"), "{}", lexed.code);
        assert_eq!(lexed.code.matches('{').count(), 3, "{}", lexed.code);
        assert_eq!(lexed.code.matches('}').count(), 3, "{}", lexed.code);
        assert_eq!(lexed.strings, [(1, "{".to_owned())]);
    }

    #[test]
    fn byte_raw_and_escaped_literals_end_where_rust_ends_them() {
        let code =
            r##"let a = b"x\"y"; let b = br#"z"#; let c = r"\"; let d = b'\''; let r#type = 1;"##;
        let lexed = lex(code);
        assert_eq!(
            lexed.strings,
            [
                (1, r#"x\"y"#.to_owned()),
                (1, "z".to_owned()),
                (1, "\\".to_owned())
            ]
        );
        assert!(lexed.code.ends_with("let r#type = 1;"), "{}", lexed.code);
    }

    #[test]
    fn tokens_carry_their_lines() {
        let toks = tokens("use a::b;\n\nx 42");
        assert_eq!(
            toks,
            [
                (1, Tok::Ident("use".into())),
                (1, Tok::Ident("a".into())),
                (1, Tok::PathSep),
                (1, Tok::Ident("b".into())),
                (1, Tok::Punct(';')),
                (3, Tok::Ident("x".into())),
            ]
        );
    }
}
