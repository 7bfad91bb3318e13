//! Removes literal values from SQL text: captured statements carry personal data.

use crate::normalize::{LiteralKind, Normalized};

/// `sql` with every literal value replaced by `?` (placeholders stay as written).
/// `norm` must be the normalization of this very `sql`.
#[must_use]
pub fn redact_sql(sql: &str, norm: &Normalized) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut at = 0;
    for lit in &norm.literals {
        if lit.kind == LiteralKind::Placeholder {
            continue;
        }
        let (s, e) = (lit.start as usize, lit.end as usize);
        if s < at || e > sql.len() {
            continue;
        }
        out.push_str(&sql[at..s]);
        out.push('?');
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
        let got = redact_sql(sql, &normalize(sql, Dialect::PostgreSql));
        assert_eq!(
            got,
            "SELECT * FROM users\nWHERE email = ? AND id IN (?, ?) AND t = $1"
        );
    }
}
