//! The rules, one file each: the check, its documentation (declared once
//! with `declare_rule!`) and its tests.

pub mod arithmetic_on_column;
pub mod correlated_subquery_in_select;
pub mod count_for_existence;
pub mod deep_offset;
pub mod delete_without_where;
pub mod distinct_with_join;
pub mod for_update_without_where;
pub mod function_on_indexed_column;
pub mod group_by_without_aggregate;
pub mod having_without_aggregate;
pub mod implicit_cartesian_join;
pub mod implicit_type_conversion;
pub mod insert_without_columns;
pub mod large_in_list;
pub mod leading_wildcard_like;
pub mod like_without_wildcard;
pub mod limit_without_order_by;
pub mod not_in_nullable_subquery;
pub mod null_comparison;
pub mod offset_without_order_by;
pub mod or_across_columns;
pub mod order_by_ordinal;
pub mod order_by_random;
pub mod select_star;
pub mod unbounded_select;
pub mod unindexed_join;
pub mod union_without_all;
pub mod update_without_where;
