//! A small, single-pass SQL lexer: just enough to find literals, placeholders,
//! comments and statement boundaries at millions of statements per second.
//!
//! It never fails and never panics: every byte of the input lands in exactly one
//! token, unterminated strings and comments simply run to the end. Token
//! boundaries always fall on ASCII bytes, so spans are valid `&str` ranges.
//! Which lexing rules apply (backslash escapes, `"` strings, `#` comments)
//! depends on the [`Dialect`], mirroring the database's own lexer.

use crate::dialect::Dialect;

/// What a token is; the text is found through its span.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Spaces, tabs, newlines.
    Whitespace,
    /// `-- …` to the end of the line, or `MySQL` `# …`.
    LineComment,
    /// `/* … */` (nested in `PostgreSQL`).
    BlockComment,
    /// An unquoted identifier or keyword.
    Word,
    /// `"ident"`, `` `ident` `` or `[ident]` — an identifier, never a value.
    QuotedIdent,
    /// A string constant: `'…'`, `E'…'`, `N'…'`, `X'…'`, `B'…'`, `MySQL` `"…"`.
    String,
    /// A `PostgreSQL` dollar-quoted string `$tag$…$tag$`.
    DollarString,
    /// An unsigned numeric constant: `42`, `1.5e3`, `.5`, `0x1F`.
    Number,
    /// A bind placeholder: `?`, `$1`, `:name`, `%s`, `%(name)s`, `@p1`.
    Placeholder,
    /// `...`, the collapsed list marker of a normalized shape.
    Ellipsis,
    /// An operator or punctuation mark (one to three bytes).
    Punct,
}

/// One token: its kind and byte range in the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: Kind,
    pub start: u32,
    pub end: u32,
}

impl Token {
    /// The token's text in `src` (the string it was lexed from).
    #[must_use]
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.start as usize..self.end as usize]
    }
}

/// Iterates over the tokens of `src`.
///
/// Inputs over 4 GiB are lexed only up to 4 GiB (spans are `u32`).
#[must_use]
pub fn tokenize(src: &str, dialect: Dialect) -> Tokens<'_> {
    let len = src.len().min(u32::MAX as usize);
    Tokens {
        src: &src.as_bytes()[..len],
        pos: 0,
        dialect,
        skip_whitespace: false,
    }
}

/// The token of `src` that starts at byte `at`, lexed as [`tokenize`] would
/// lex it if one of its tokens started there; `None` at the end of `src`.
#[must_use]
pub fn token_at(src: &str, at: usize, dialect: Dialect) -> Option<Token> {
    let mut tokens = tokenize(src, dialect);
    tokens.pos = at;
    tokens.next()
}

/// The iterator returned by [`tokenize`].
pub struct Tokens<'a> {
    src: &'a [u8],
    pos: usize,
    dialect: Dialect,
    skip_whitespace: bool,
}

impl Tokens<'_> {
    /// Yields no whitespace tokens (the normalizer's hot path needs none).
    #[must_use]
    pub fn without_whitespace(mut self) -> Self {
        self.skip_whitespace = true;
        self
    }
}

/// Multi-byte operators, longest first within each length.
const OPS3: [&[u8]; 4] = [b"->>", b"#>>", b"<=>", b"..."];
const OPS2: [&[u8]; 16] = [
    b"<=", b">=", b"<>", b"!=", b"::", b"||", b"->", b"#>", b"@>", b"<@", b"&&", b":=", b"=>",
    b"<<", b">>", b"!~",
];

/// Whitespace between tokens: Unicode White_Space plus the byte-order mark.
#[must_use]
pub fn is_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn is_ident_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
}

/// A table of the bytes in `bytes`: one lookup tells whether a byte is one
/// of them, where most bytes of a text are none.
pub(crate) const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut table = [false; 256];
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] = true;
        i += 1;
    }
    table
}

/// The ASCII bytes [`is_ident_char`] accepts, as a table.
const ASCII_IDENT: [bool; 256] = {
    let mut table = [false; 256];
    let mut b: u8 = 0;
    while b < 128 {
        table[b as usize] = b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
        b += 1;
    }
    table
};

/// A byte an unquoted word may hold after its first: a digit or `$` after
/// one continues the word.
pub(crate) fn is_ident_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        if self.skip_whitespace {
            self.skip_spaces();
        }
        let start = self.pos;
        let b = *self.src.get(start)?;
        let kind = self.lex_one(b);
        // Guarantee progress, the end of input and an ASCII boundary even on odd input.
        self.pos = self.pos.min(self.src.len());
        if self.pos <= start {
            self.pos = start + 1;
        }
        while self.pos < self.src.len() && (self.src[self.pos] & 0xC0) == 0x80 {
            self.pos += 1;
        }
        #[allow(clippy::cast_possible_truncation)] // the input is capped at u32::MAX bytes
        Some(Token {
            kind,
            start: start as u32,
            end: self.pos as u32,
        })
    }
}

impl Tokens<'_> {
    fn peek(&self, off: usize) -> u8 {
        self.src.get(self.pos + off).copied().unwrap_or(0)
    }

    fn lex_one(&mut self, b: u8) -> Kind {
        let next = self.peek(1);
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => {
                self.skip_spaces();
                Kind::Whitespace
            }
            0x80.. if self.space_len() > 0 => {
                self.skip_spaces();
                Kind::Whitespace
            }
            b'-' if next == b'-' => self.line_comment(),
            // MySQL: `#` starts a comment; elsewhere it is an operator.
            b'#' if self.dialect == Dialect::MySql => self.line_comment(),
            b'/' if next == b'*' => self.block_comment(),
            b'\'' => {
                self.pos += 1;
                self.quoted(b'\'', self.dialect.backslash_escapes());
                Kind::String
            }
            b'"' if self.dialect.double_quote_is_string() => {
                self.pos += 1;
                self.quoted(b'"', true);
                Kind::String
            }
            b'"' => {
                self.pos += 1;
                self.quoted(b'"', false);
                Kind::QuotedIdent
            }
            b'`' => {
                self.pos += 1;
                self.quoted(b'`', false);
                Kind::QuotedIdent
            }
            // `[ident]` (SQL Server / SQLite) only outside PostgreSQL, where `[` subscripts arrays.
            b'[' if self.dialect == Dialect::Sqlite => {
                self.pos += 1;
                self.quoted(b']', false);
                Kind::QuotedIdent
            }
            b'0'..=b'9' => self.number(),
            b'.' if next.is_ascii_digit() => self.number(),
            b'$' => self.dollar(),
            b'?' => {
                // SQLite numbers its placeholders: `?1`, `?23` are one token.
                self.pos += 1;
                while self.peek(0).is_ascii_digit() {
                    self.pos += 1;
                }
                Kind::Placeholder
            }
            b':' if self.starts_ident(1) && self.prev_byte() != b':' => {
                self.pos += 1;
                self.word_chars();
                Kind::Placeholder
            }
            b'%' if next == b's' && !is_ident_char(self.peek(2)) => {
                self.pos += 2;
                Kind::Placeholder
            }
            b'%' if next == b'(' => self.pyformat(),
            // MySQL `@var` / `@@system.var` are names, not values.
            b'@' if self.dialect == Dialect::MySql
                && (next == b'@' || self.starts_ident(1))
                && !self.is_at_placeholder() =>
            {
                self.pos += 1;
                if self.peek(0) == b'@' {
                    self.pos += 1;
                }
                self.word_chars();
                Kind::Word
            }
            b'@' if self.is_at_placeholder() => {
                self.pos += 1;
                self.word_chars();
                Kind::Placeholder
            }
            // String prefixes: E'..' (escapes), N'..', X'..', B'..', U&'..'.
            b'e' | b'E' if next == b'\'' => {
                self.pos += 2;
                self.quoted(b'\'', true);
                Kind::String
            }
            b'n' | b'N' | b'x' | b'X' | b'b' | b'B' if next == b'\'' => {
                self.pos += 2;
                self.quoted(b'\'', self.dialect.backslash_escapes());
                Kind::String
            }
            b'u' | b'U' if next == b'&' && self.peek(2) == b'\'' => {
                self.pos += 3;
                self.quoted(b'\'', false);
                Kind::String
            }
            _ if is_ident_start(b) => {
                self.word_chars();
                Kind::Word
            }
            _ => self.operator(),
        }
    }

    /// The byte length of the whitespace character at the cursor, or 0.
    /// Besides ASCII, Unicode spaces (no-break space, ideographic space, the
    /// BOM of files saved by Windows editors) separate tokens too.
    /// Whether an identifier starts `off` bytes ahead (a Unicode space does not).
    fn starts_ident(&self, off: usize) -> bool {
        let b = self.peek(off);
        is_ident_start(b) && (b < 0x80 || self.space_len_at(self.pos + off) == 0)
    }

    #[inline]
    fn space_len(&self) -> usize {
        self.space_len_at(self.pos)
    }

    fn space_len_at(&self, at: usize) -> usize {
        match self.src.get(at).copied().unwrap_or(0) {
            b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c' => 1,
            b if b >= 0x80 => {
                let end = (at + 4).min(self.src.len());
                let rest = &self.src[at..end];
                let c = match std::str::from_utf8(rest) {
                    Ok(s) => s.chars().next(),
                    Err(e) => std::str::from_utf8(&rest[..e.valid_up_to()])
                        .ok()
                        .and_then(|s| s.chars().next()),
                };
                c.filter(|c| is_space(*c)).map_or(0, char::len_utf8)
            }
            _ => 0,
        }
    }

    fn skip_spaces(&mut self) {
        loop {
            while matches!(
                self.peek(0),
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c'
            ) {
                self.pos += 1;
            }
            // Only a non-ASCII character can be a space of another kind.
            let n = if self.peek(0) < 0x80 {
                0
            } else {
                self.space_len()
            };
            if n == 0 {
                return;
            }
            self.pos += n;
        }
    }

    fn prev_byte(&self) -> u8 {
        if self.pos == 0 {
            0
        } else {
            self.src[self.pos - 1]
        }
    }

    fn word_chars(&mut self) {
        loop {
            // The ASCII run first: a table lookup per byte, the lexer's hottest loop.
            while let Some(&b) = self.src.get(self.pos)
                && ASCII_IDENT[usize::from(b)]
            {
                self.pos += 1;
            }
            // A non-ASCII byte continues the word unless it starts a Unicode space.
            if self.peek(0) < 0x80 || self.space_len() > 0 {
                return;
            }
            self.pos += 1;
        }
    }

    fn line_comment(&mut self) -> Kind {
        self.pos = match memchr::memchr(b'\n', &self.src[self.pos..]) {
            Some(i) => self.pos + i,
            None => self.src.len(),
        };
        Kind::LineComment
    }

    fn block_comment(&mut self) -> Kind {
        // PostgreSQL nests block comments; MySQL and SQLite end at the first `*/`.
        let nests = self.dialect.nested_comments();
        let mut depth = 0usize;
        while self.pos < self.src.len() {
            match (self.peek(0), self.peek(1)) {
                (b'/', b'*') => {
                    depth += 1;
                    self.pos += 2;
                    if !nests && depth > 1 {
                        depth = 1;
                    }
                }
                (b'*', b'/') => {
                    depth -= 1;
                    self.pos += 2;
                    if depth == 0 {
                        return Kind::BlockComment;
                    }
                }
                _ => self.pos += 1,
            }
        }
        Kind::BlockComment
    }

    /// Consumes up to and including the closing `quote`; a doubled quote is an
    /// escaped quote, and with `backslash` a `\` escapes the next byte.
    fn quoted(&mut self, quote: u8, backslash: bool) {
        loop {
            let rest = &self.src[self.pos..];
            let found = if backslash {
                memchr::memchr2(quote, b'\\', rest)
            } else {
                memchr::memchr(quote, rest)
            };
            let Some(i) = found else {
                self.pos = self.src.len();
                return;
            };
            self.pos += i;
            if self.src[self.pos] == b'\\' {
                self.pos = (self.pos + 2).min(self.src.len());
                continue;
            }
            self.pos += 1;
            if quote != b']' && self.peek(0) == quote {
                self.pos += 1;
                continue;
            }
            return;
        }
    }

    fn number(&mut self) -> Kind {
        // MySQL bit literal `0b1010`.
        if self.peek(0) == b'0'
            && matches!(self.peek(1), b'b' | b'B')
            && matches!(self.peek(2), b'0' | b'1')
        {
            self.pos += 2;
            while matches!(self.peek(0), b'0' | b'1') {
                self.pos += 1;
            }
            if !is_ident_char(self.peek(0)) {
                return Kind::Number;
            }
            self.word_chars();
            return Kind::Word;
        }
        if self.peek(0) == b'0' && matches!(self.peek(1), b'x' | b'X') {
            self.pos += 2;
            while self.peek(0).is_ascii_hexdigit() {
                self.pos += 1;
            }
            return Kind::Number;
        }
        while self.peek(0).is_ascii_digit() || self.peek(0) == b'_' {
            self.pos += 1;
        }
        // A fraction, but not the `..` of a range or the `...` of a shape.
        if self.peek(0) == b'.' && self.peek(1) != b'.' {
            self.pos += 1;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
        }
        if matches!(self.peek(0), b'e' | b'E') {
            let sign = usize::from(matches!(self.peek(1), b'+' | b'-'));
            if self.peek(1 + sign).is_ascii_digit() {
                self.pos += 1 + sign;
                while self.peek(0).is_ascii_digit() {
                    self.pos += 1;
                }
            }
        }
        // `1abc` is one odd word in most dialects (MySQL allows such identifiers).
        if self.starts_ident(0) && !matches!(self.peek(0), b'e' | b'E') {
            self.word_chars();
            return Kind::Word;
        }
        Kind::Number
    }

    fn dollar(&mut self) -> Kind {
        let next = self.peek(1);
        if next.is_ascii_digit() {
            self.pos += 1;
            while self.peek(0).is_ascii_digit() {
                self.pos += 1;
            }
            return Kind::Placeholder;
        }
        if self.dialect == Dialect::MySql {
            return self.operator();
        }
        // `$tag$ … $tag$` where tag is empty or an identifier without `$`.
        let tag_start = self.pos;
        let mut p = self.pos + 1;
        while p < self.src.len() && is_ident_char(self.src[p]) && self.src[p] != b'$' {
            p += 1;
        }
        if self.src.get(p) != Some(&b'$') {
            return self.operator();
        }
        let tag = &self.src[tag_start..=p];
        let body = p + 1;
        self.pos = match memchr::memmem::find(&self.src[body..], tag) {
            Some(i) => body + i + tag.len(),
            None => self.src.len(),
        };
        Kind::DollarString
    }

    fn pyformat(&mut self) -> Kind {
        // `%(name)s`
        let mut p = self.pos + 2;
        while p < self.src.len() && is_ident_char(self.src[p]) {
            p += 1;
        }
        if self.src.get(p) == Some(&b')') && self.src.get(p + 1) == Some(&b's') {
            self.pos = p + 2;
            Kind::Placeholder
        } else {
            self.operator()
        }
    }

    fn is_at_placeholder(&self) -> bool {
        let next = self.peek(1);
        if !self.starts_ident(1) {
            return false;
        }
        // MySQL `@var` is a user variable; only ADO-style `@p1` is a placeholder there.
        if self.dialect == Dialect::MySql {
            return matches!(next, b'p' | b'P') && self.peek(2).is_ascii_digit();
        }
        true
    }

    fn operator(&mut self) -> Kind {
        let rest = &self.src[self.pos..];
        let len = if OPS3.iter().any(|op| rest.starts_with(op)) {
            3
        } else if OPS2.iter().any(|op| rest.starts_with(op)) {
            2
        } else {
            1
        };
        self.pos += len;
        if len == 3 && rest.starts_with(b"...") {
            Kind::Ellipsis
        } else {
            Kind::Punct
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders tokens as `"text" @ Kind`, one per line, skipping whitespace.
    fn snapshot(src: &str, dialect: Dialect) -> String {
        use std::fmt::Write as _;
        tokenize(src, dialect)
            .filter(|t| t.kind != Kind::Whitespace)
            .fold(String::new(), |mut out, t| {
                let _ = writeln!(out, "{:?} @ {:?}", t.text(src), t.kind);
                out
            })
    }

    #[test]
    fn strings_quoted_identifiers_and_placeholders() {
        let got = snapshot(
            r#"SELECT "users"."id", 'it''s' FROM t WHERE a = $1 AND b = :name AND c = %(x)s"#,
            Dialect::PostgreSql,
        );
        let want = r#""SELECT" @ Word
"\"users\"" @ QuotedIdent
"." @ Punct
"\"id\"" @ QuotedIdent
"," @ Punct
"'it''s'" @ String
"FROM" @ Word
"t" @ Word
"WHERE" @ Word
"a" @ Word
"=" @ Punct
"$1" @ Placeholder
"AND" @ Word
"b" @ Word
"=" @ Punct
":name" @ Placeholder
"AND" @ Word
"c" @ Word
"=" @ Punct
"%(x)s" @ Placeholder
"#;
        assert_eq!(got, want);
    }

    #[test]
    fn sqlite_numbered_placeholders_are_one_token() {
        let got = snapshot("a = ?12 AND b = ?", Dialect::Sqlite);
        let want = r#""a" @ Word
"=" @ Punct
"?12" @ Placeholder
"AND" @ Word
"b" @ Word
"=" @ Punct
"?" @ Placeholder
"#;
        assert_eq!(got, want);
    }

    #[test]
    fn dollar_quotes_and_nested_comments_in_postgres() {
        let src = "/* a /* b */ c */ SELECT $fn$ it's ; $$ $fn$, $$x$$::text";
        let got = snapshot(src, Dialect::PostgreSql);
        let want = r#""/* a /* b */ c */" @ BlockComment
"SELECT" @ Word
"$fn$ it's ; $$ $fn$" @ DollarString
"," @ Punct
"$$x$$" @ DollarString
"::" @ Punct
"text" @ Word
"#;
        assert_eq!(got, want);
    }

    #[test]
    fn mysql_rules_backslash_double_quote_hash() {
        let src = "SELECT 'a\\'b', \"c\\\"d\" # note\nFROM `t`";
        let got = snapshot(src, Dialect::MySql);
        let want = r##""SELECT" @ Word
"'a\\'b'" @ String
"," @ Punct
"\"c\\\"d\"" @ String
"# note" @ LineComment
"FROM" @ Word
"`t`" @ QuotedIdent
"##;
        assert_eq!(got, want);
    }

    #[test]
    fn postgres_backslash_is_plain_but_e_strings_escape() {
        let src = r"'C:\' E'a\'b' 1";
        let got = snapshot(src, Dialect::PostgreSql);
        assert_eq!(
            got,
            "\"'C:\\\\'\" @ String\n\"E'a\\\\'b'\" @ String\n\"1\" @ Number\n"
        );
    }

    #[test]
    fn numbers_casts_and_operators() {
        let got = snapshot("a::int>=-1.5e3 AND x<>.5 OR 0x1F", Dialect::PostgreSql);
        let want = r#""a" @ Word
"::" @ Punct
"int" @ Word
">=" @ Punct
"-" @ Punct
"1.5e3" @ Number
"AND" @ Word
"x" @ Word
"<>" @ Punct
".5" @ Number
"OR" @ Word
"0x1F" @ Number
"#;
        assert_eq!(got, want);
    }

    #[test]
    fn unterminated_input_runs_to_the_end() {
        for src in ["'abc", "/* abc", "$x$ abc", "\"abc", "E'\\"] {
            let toks: Vec<_> = tokenize(src, Dialect::PostgreSql).collect();
            assert_eq!(toks.len(), 1, "{src}");
            assert_eq!(toks[0].end as usize, src.len());
        }
    }

    #[test]
    fn without_whitespace_yields_the_same_other_tokens() {
        let src = "  SELECT\t a ,'x y'  -- c\n FROM t  ";
        let all: Vec<Token> = tokenize(src, Dialect::Generic)
            .filter(|t| t.kind != Kind::Whitespace)
            .collect();
        let skipped: Vec<Token> = tokenize(src, Dialect::Generic)
            .without_whitespace()
            .collect();
        assert_eq!(all, skipped);
    }

    #[test]
    fn a_unicode_space_ends_numbers_and_placeholders() {
        let src = "0\u{a0}:\u{a0}x";
        let kinds: Vec<Kind> = tokenize(src, Dialect::Generic)
            .without_whitespace()
            .map(|t| t.kind)
            .collect();
        assert_eq!(kinds, [Kind::Number, Kind::Punct, Kind::Word]);
    }

    #[test]
    fn unicode_spaces_and_the_bom_separate_tokens() {
        let src = "\u{feff}SELECT\u{a0}1\u{3000}FROM\x0bt";
        let words: Vec<&str> = tokenize(src, Dialect::Generic)
            .without_whitespace()
            .map(|t| t.text(src))
            .collect();
        assert_eq!(words, ["SELECT", "1", "FROM", "t"]);
    }

    #[test]
    fn multibyte_text_keeps_char_boundaries() {
        let src = "SELECT naïve, 'é' FROM «t» ∑";
        let joined: String = tokenize(src, Dialect::Generic)
            .map(|t| t.text(src))
            .collect();
        assert_eq!(joined, src);
    }
}
