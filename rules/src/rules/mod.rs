//! The rules, one file each: the check, its documentation (declared once
//! with `declare_rule!`) and its tests.

pub mod count_for_existence;
pub mod deep_offset;
pub mod delete_without_where;
pub mod distinct_with_join;
pub mod function_on_indexed_column;
pub mod implicit_cartesian_join;
pub mod leading_wildcard_like;
pub mod not_in_nullable_subquery;
pub mod or_across_columns;
pub mod order_by_random;
pub mod select_star;
pub mod unbounded_select;
pub mod union_without_all;
pub mod update_without_where;
