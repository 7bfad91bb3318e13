//! HypoPG: hypothetical indexes on PostgreSQL. Each proposed index is
//! created with `hypopg_create_index` (no disk, no lock, visible only to
//! this session) and `EXPLAIN` of each statement it should serve, with the
//! sample's values written in, shows whether the PostgreSQL planner would
//! use it. Used when the database has the extension already: sqlsift never
//! changes the database it inspects, so it does not create it; the advice
//! then says HypoPG was not used and how to install it.

use postgres::{Client, NoTls};
use sqlsift_analyzer::Dialect;

use super::{Rejected, WhatIfError};
use crate::index::Recommendation;
use crate::index::ddl::create_index;

/// Validates `recs` on the server at `url`; returns the ones its planner
/// uses, the rejected ones, and a note on what was done.
///
/// # Errors
/// When the server cannot be reached or the database lacks HypoPG.
pub fn validate(
    url: &str,
    recs: Vec<Recommendation>,
) -> Result<(Vec<Recommendation>, Vec<Rejected>, String), WhatIfError> {
    let mut client = Client::connect(url, NoTls)?;
    let installed = client
        .query_opt("SELECT 1 FROM pg_extension WHERE extname = 'hypopg'", &[])?
        .is_some();
    if !installed {
        return Err(WhatIfError::NoHypoPg);
    }
    let mut kept = Vec::new();
    let mut rejected = Vec::new();
    for mut r in recs {
        client.execute("SELECT hypopg_reset()", &[])?;
        // HypoPG takes a plain CREATE INDEX (no CONCURRENTLY, no IF NOT EXISTS).
        let ddl = create_index(
            &r.name,
            &r.table,
            &r.keys,
            r.predicate.as_deref(),
            Dialect::PostgreSql,
        )
        .replacen("CREATE INDEX CONCURRENTLY IF NOT EXISTS", "CREATE INDEX", 1);
        let row = client.query_one("SELECT indexname FROM hypopg_create_index($1)", &[&ddl])?;
        let hypo: String = row.get(0);
        let mut used = false;
        let mut errors = Vec::new();
        for s in &r.statements {
            let sql = inline_params(&s.sql, &s.params);
            match client.query(&format!("EXPLAIN {sql}"), &[]) {
                Ok(rows) => {
                    used |= rows
                        .iter()
                        .any(|row| row.get::<_, String>(0).contains(hypo.as_str()));
                }
                Err(e) => errors.push(e.to_string()),
            }
        }
        if used {
            r.validation
                .push("PostgreSQL planner uses it (HypoPG hypothetical index, EXPLAIN)".into());
            kept.push(r);
        } else if errors.len() == r.statements.len() {
            // PostgreSQL cannot plan these statements (another dialect,
            // tables it lacks): HypoPG has nothing to say about the index.
            let first = errors.first().map_or("", String::as_str);
            r.validation
                .push(format!("HypoPG could not plan its statements: {first}"));
            kept.push(r);
        } else {
            rejected.push(Rejected::new(
                &r,
                "the PostgreSQL planner (HypoPG) does not use it for any statement it should serve",
            ));
        }
    }
    client.execute("SELECT hypopg_reset()", &[])?;
    let note =
        "PostgreSQL planner: HypoPG hypothetical indexes, EXPLAIN of each statement".to_owned();
    Ok((kept, rejected, note))
}

/// `sql` with its placeholders (`$n`, `?`) replaced by the captured values
/// as quoted literals, which PostgreSQL coerces to the column types; `sql`
/// unchanged when the values do not match the placeholders.
#[must_use]
pub fn inline_params(sql: &str, params: &[Option<String>]) -> String {
    let lit = |i: usize| -> Option<String> {
        let p = params.get(i)?;
        Some(p.as_ref().map_or_else(
            || "NULL".to_owned(),
            |v| format!("'{}'", v.replace('\'', "''")),
        ))
    };
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.char_indices().peekable();
    let mut next_q = 0;
    let mut in_str = false;
    while let Some((_, c)) = chars.next() {
        if c == '\'' {
            in_str = !in_str;
            out.push(c);
            continue;
        }
        if in_str {
            out.push(c);
            continue;
        }
        if c == '?' {
            match lit(next_q) {
                Some(v) => out.push_str(&v),
                None => return sql.to_owned(),
            }
            next_q += 1;
            continue;
        }
        if c == '$' && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
            let mut n = String::new();
            while let Some((_, d)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                n.push(*d);
                chars.next();
            }
            match n.parse::<usize>().ok().and_then(|k| lit(k.checked_sub(1)?)) {
                Some(v) => out.push_str(&v),
                None => return sql.to_owned(),
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_literals() {
        let p = [Some("8".to_owned()), None, Some("O'Hara".to_owned())];
        assert_eq!(
            inline_params("SELECT 1 WHERE a = ? AND b IS ? AND c = ? AND d = '?'", &p),
            "SELECT 1 WHERE a = '8' AND b IS NULL AND c = 'O''Hara' AND d = '?'"
        );
        assert_eq!(inline_params("a = $2 OR b = $1", &p), "a = NULL OR b = '8'");
        assert_eq!(inline_params("a = $9", &p), "a = $9");
    }
}
