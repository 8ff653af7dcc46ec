// The modules of the `api` target (SQLite) only, included by `main.rs`:
// tests about SQLite's own files and pragmas, which PostgreSQL does not have.
// (An included file holds items, not a module: hence no `//!` header.)

mod sqlite_files;
mod sqlite_list_deadline;
