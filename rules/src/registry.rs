//! The one list of rules, in code order, and lookup by code or name.

use crate::Rule;
use crate::rules::{
    arithmetic_on_column, correlated_subquery_in_select, count_for_existence, deep_offset,
    delete_without_where, distinct_with_join, for_update_without_where, function_on_indexed_column,
    group_by_without_aggregate, having_without_aggregate, implicit_cartesian_join,
    implicit_type_conversion, insert_without_columns, large_in_list, leading_wildcard_like,
    like_without_wildcard, limit_without_order_by, not_in_nullable_subquery, null_comparison,
    offset_without_order_by, or_across_columns, order_by_ordinal, order_by_random, select_star,
    unbounded_select, unindexed_join, union_without_all, update_without_where,
};

static RULES: &[&dyn Rule] = &[
    &select_star::SelectStar,
    &leading_wildcard_like::LeadingWildcardLike,
    &function_on_indexed_column::FunctionOnIndexedColumn,
    &or_across_columns::OrAcrossColumns,
    &not_in_nullable_subquery::NotInNullableSubquery,
    &implicit_cartesian_join::ImplicitCartesianJoin,
    &update_without_where::UpdateWithoutWhere,
    &delete_without_where::DeleteWithoutWhere,
    &order_by_random::OrderByRandom,
    &deep_offset::DeepOffset,
    &unbounded_select::UnboundedSelect,
    &count_for_existence::CountForExistence,
    &distinct_with_join::DistinctWithJoin,
    &union_without_all::UnionWithoutAll,
    &arithmetic_on_column::ArithmeticOnColumn,
    &implicit_type_conversion::ImplicitTypeConversion,
    &having_without_aggregate::HavingWithoutAggregate,
    &large_in_list::LargeInList,
    &correlated_subquery_in_select::CorrelatedSubqueryInSelect,
    &null_comparison::NullComparison,
    &insert_without_columns::InsertWithoutColumns,
    &order_by_ordinal::OrderByOrdinal,
    &like_without_wildcard::LikeWithoutWildcard,
    &offset_without_order_by::OffsetWithoutOrderBy,
    &limit_without_order_by::LimitWithoutOrderBy,
    &for_update_without_where::ForUpdateWithoutWhere,
    &group_by_without_aggregate::GroupByWithoutAggregate,
    &unindexed_join::UnindexedJoin,
];

/// Every rule, in code order.
#[must_use]
pub fn registry() -> &'static [&'static dyn Rule] {
    RULES
}

/// The rule with this code (`SQ001`) or name (`select-star`), any case.
#[must_use]
pub fn lookup(code_or_name: &str) -> Option<&'static dyn Rule> {
    RULES.iter().copied().find(|r| {
        let m = r.meta();
        m.code.eq_ignore_ascii_case(code_or_name) || m.name.eq_ignore_ascii_case(code_or_name)
    })
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::testing::{catalog, run};

    #[test]
    fn codes_are_sequential_and_names_unique_kebab_case() {
        let mut names = BTreeSet::new();
        for (i, rule) in RULES.iter().enumerate() {
            let m = rule.meta();
            assert_eq!(
                m.code,
                format!("SQ{:03}", i + 1),
                "registry out of code order"
            );
            assert!(
                m.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{}",
                m.name
            );
            assert!(names.insert(m.name), "duplicate name {}", m.name);
        }
    }

    #[test]
    fn lookup_by_code_or_name_any_case() {
        assert_eq!(lookup("sq001").map(|r| r.meta().name), Some("select-star"));
        assert_eq!(lookup("Select-Star").map(|r| r.meta().code), Some("SQ001"));
        assert!(lookup("SQ999").is_none());
    }

    /// Every rule fires on its own bad example and stays silent on its good
    /// one, with the fixture catalog and (unless it needs one) without.
    #[test]
    fn every_rule_fires_on_bad_and_not_on_good() {
        let cat = catalog();
        for rule in RULES {
            let m = rule.meta();
            let catalogs: &[Option<&_>] = if m.needs_catalog {
                &[Some(&cat)]
            } else {
                &[None, Some(&cat)]
            };
            for c in catalogs {
                let bad = run(*rule, m.bad, *c);
                assert!(
                    !bad.is_empty(),
                    "{} silent on its bad example (catalog: {})",
                    m.code,
                    c.is_some()
                );
                assert!(bad.iter().all(|v| v.code == m.code && v.name == m.name));
                let good = run(*rule, m.good, *c);
                assert!(
                    good.is_empty(),
                    "{} fires on its good example: {good:?}",
                    m.code
                );
            }
        }
    }
}
