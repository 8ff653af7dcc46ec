// The modules of the `postgres` target only, included by `main.rs`: tests
// about a PostgreSQL server (a private cluster stopped and started, its
// statement timeout), which SQLite does not have.
// (An included file holds items, not a module: hence no `//!` header.)

mod database;
