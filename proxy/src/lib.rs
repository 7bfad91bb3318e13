//! sqlsift-proxy: a `PostgreSQL` wire-protocol proxy that relays bytes
//! untouched and taps a copy into an `Interceptor`. Not built yet: see DESIGN.md, "Proxy".
