//! Where a path really leads on disk, and the project's fence: which folders rekindle may
//! read from and which it must never replace.

use std::fs;
use std::io;
use std::path::{Component, Path, PathBuf};

/// The absolute, symlink-free form of `path`, which need not exist. The part that exists is
/// resolved on disk (symlinks followed); a `..` after a missing folder is taken against that
/// folder's real parent, which is where it leads once the folder is created. Nothing is
/// created. A symlink that leads nowhere is an error: what a write through it would reach
/// cannot be known.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    let absolute = std::path::absolute(path)?;
    let mut real = PathBuf::new();
    for part in absolute.components() {
        match part {
            Component::Prefix(_) | Component::RootDir => real.push(part),
            Component::CurDir => {}
            Component::ParentDir => {
                real.pop();
            }
            Component::Normal(name) => {
                real.push(name);
                match fs::canonicalize(&real) {
                    Ok(found) => real = found,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {
                        if fs::symlink_metadata(&real).is_ok() {
                            let why = format!("{} is a symlink that leads nowhere", real.display());
                            return Err(io::Error::new(io::ErrorKind::NotFound, why));
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
        }
    }
    Ok(real)
}

/// Whether `path` (resolved) is `fence` (resolved) or inside it.
pub fn is_inside(path: &Path, fence: &Path) -> bool {
    path.starts_with(fence)
}

/// Whether two resolved paths are the same folder or one holds the other.
pub fn overlaps(a: &Path, b: &Path) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The user's home folder, resolved, when it is known.
pub fn home() -> Option<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty())?;
    resolve(Path::new(&home)).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_detour_through_a_missing_folder_leads_back() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(root.join("content")).unwrap();
        let detour = root.join("nothere/../content");
        assert_eq!(resolve(&detour).unwrap(), root.join("content"));
        assert!(!root.join("nothere").exists(), "resolving created nothing");
        let deeper = root.join("a/b/../../content/x/..");
        assert_eq!(resolve(&deeper).unwrap(), root.join("content"));
        assert_eq!(resolve(&root.join("a/b/c")).unwrap(), root.join("a/b/c"));
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_are_followed_and_dangling_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = fs::canonicalize(dir.path()).unwrap();
        fs::create_dir(root.join("content")).unwrap();
        std::os::unix::fs::symlink(root.join("content"), root.join("link")).unwrap();
        assert_eq!(resolve(&root.join("link")).unwrap(), root.join("content"));
        assert_eq!(
            resolve(&root.join("nothere/../link/sub")).unwrap(),
            root.join("content/sub")
        );
        std::os::unix::fs::symlink(root.join("gone"), root.join("dangling")).unwrap();
        assert!(resolve(&root.join("dangling")).is_err());
    }

    #[test]
    fn overlap_is_containment_either_way() {
        assert!(overlaps(Path::new("/a/b"), Path::new("/a")));
        assert!(overlaps(Path::new("/a"), Path::new("/a/b")));
        assert!(overlaps(Path::new("/a"), Path::new("/a")));
        assert!(!overlaps(Path::new("/a/b"), Path::new("/a/c")));
        assert!(!overlaps(Path::new("/ab"), Path::new("/a")));
    }
}
