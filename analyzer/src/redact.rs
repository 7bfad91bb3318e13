//! Removes literal values from SQL text: captured statements carry personal data.

use crate::lexer::{Kind, tokenize};
use crate::normalize::{LiteralKind, Normalized};

/// `sql` with every literal value replaced by `?` and every comment removed
/// (comments can carry anything, from e-mail addresses to trace ids);
/// placeholders stay as written. `norm` must be the normalization of this
/// very `sql`, made with `dialect`.
#[must_use]
pub fn redact_sql(sql: &str, norm: &Normalized, dialect: crate::Dialect) -> String {
    // (start, end, replacement) spans, in order.
    let mut cuts: Vec<(usize, usize, &str)> = norm
        .literals
        .iter()
        .filter(|l| l.kind != LiteralKind::Placeholder)
        .map(|l| (l.start as usize, l.end as usize, "?"))
        .collect();
    cuts.extend(
        tokenize(sql, dialect)
            .filter(|t| matches!(t.kind, Kind::LineComment | Kind::BlockComment))
            .map(|t| (t.start as usize, t.end as usize, "")),
    );
    cuts.sort_unstable();
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for (s, e, with) in cuts {
        if s < at || e > sql.len() {
            continue;
        }
        out.push_str(&sql[at..s]);
        out.push_str(with);
        at = e;
    }
    out.push_str(&sql[at..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Dialect, normalize::normalize};

    #[test]
    fn replaces_values_keeps_layout_and_placeholders() {
        let sql =
            "SELECT * FROM users\nWHERE email = 'ann@example.com' AND id IN (1, -2) AND t = $1";
        let got = redact_sql(
            sql,
            &normalize(sql, Dialect::PostgreSql),
            Dialect::PostgreSql,
        );
        assert_eq!(
            got,
            "SELECT * FROM users\nWHERE email = ? AND id IN (?, ?) AND t = $1"
        );
    }

    #[test]
    fn drops_comments() {
        let sql = "SELECT 1 /* user bob@example.com */ -- note\n/*traceparent='00-abc-01'*/";
        let got = redact_sql(
            sql,
            &normalize(sql, Dialect::PostgreSql),
            Dialect::PostgreSql,
        );
        assert_eq!(got, "SELECT ?  \n");
    }
}
