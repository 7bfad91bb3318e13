//! sqlsift-rules: lint rules over parsed statements, one file per rule, each
//! with an id, rationale, examples and tests. Not built yet: see DESIGN.md.
