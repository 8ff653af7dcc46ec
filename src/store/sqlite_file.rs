//! The SQLite database files hold the server's keys (contract §6, keys at
//! rest), so no other user may read them: a new database file is created
//! with mode 0600 before SQLite opens it (SQLite gives its `-wal` and `-shm`
//! files the main file's permission bits), and an existing file, `-wal` or
//! `-shm` that its group or other users may read or write is refused unless
//! the operator allows it (`--allow-shared-db-file`).

use std::path::{Path, PathBuf};

/// The three files of a database in WAL mode.
pub(super) fn database_files(path: &Path) -> [PathBuf; 3] {
    let with = |suffix: &str| {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        PathBuf::from(p)
    };
    [path.to_owned(), with("-wal"), with("-shm")]
}

/// Creates `path` with mode 0600 if it does not exist, then checks the
/// permissions of the database's files (unless `allow_shared`).
#[cfg(unix)]
pub(super) fn secure(path: &Path, allow_shared: bool) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        // Another process made it first: it is checked below like any other.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(e) => {
            return Err(e)
                .with_context(|| format!("cannot create the database file {}", path.display()));
        }
    }
    if allow_shared {
        return Ok(());
    }
    for file in database_files(path) {
        let Ok(meta) = std::fs::metadata(&file) else {
            continue;
        };
        let mode = meta.permissions().mode() & 0o777;
        anyhow::ensure!(
            mode & 0o077 == 0,
            "the database file {file} may be read or written by other users (mode {mode:03o}), and it holds \
             the server's keys: run `chmod 600 {file}`, or start with --allow-shared-db-file \
             (REGISTRAR_ALLOW_SHARED_DB_FILE=true) to accept it",
            file = file.display()
        );
    }
    Ok(())
}

/// Elsewhere file modes mean nothing; the directory's access control
/// protects the files.
#[cfg(not(unix))]
pub(super) fn secure(_path: &Path, _allow_shared: bool) -> anyhow::Result<()> {
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(p: &Path) -> u32 {
        std::fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn a_new_file_is_private_and_a_shared_one_is_refused_unless_allowed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.db");
        secure(&path, false).unwrap();
        assert_eq!(mode(&path), 0o600);
        secure(&path, false).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let refused = secure(&path, false).unwrap_err().to_string();
        assert!(refused.contains("chmod 600"), "{refused}");
        assert!(refused.contains(&path.display().to_string()), "{refused}");
        secure(&path, true).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let wal = &database_files(&path)[1];
        std::fs::write(wal, b"").unwrap();
        std::fs::set_permissions(wal, std::fs::Permissions::from_mode(0o640)).unwrap();
        let refused = secure(&path, false).unwrap_err().to_string();
        assert!(refused.contains("r.db-wal"), "{refused}");
    }
}
