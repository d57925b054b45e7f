//! Writing the site: the only module that writes. A build goes into a staging folder beside the
//! build dir and is swapped in whole only when everything succeeded; `check` writes nowhere.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use crate::base::error::{Diagnostic, Error, Result};
use crate::base::output::Fixed;
use crate::input::config::Config;
use crate::input::fence;

/// The file that marks a folder as rekindle's output, safe to replace.
pub const MARKER: &str = Fixed::Marker.file();
const MARKER_TEXT: &str = "This folder is written by rekindle and replaced whole on every build.\n";

/// Where the files of a build go.
pub trait Sink: Sync {
    /// Writes `bytes` to `rel` (a `/`-separated path relative to the site root).
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()>;
    /// Copies the file at `from` to `rel`.
    fn copy(&self, rel: &str, from: &Path) -> Result<()>;
    /// Writes to `rel` what `fill` writes, and returns its size in bytes. A sink on disk
    /// streams it, so that a large file is never held in memory whole.
    fn write_from(&self, rel: &str, fill: &Fill) -> Result<u64> {
        let mut bytes = Vec::new();
        fill(&mut bytes).map_err(|e| Error::write(Path::new(rel), e))?;
        self.write(rel, &bytes)?;
        Ok(bytes.len() as u64)
    }
    /// Keeps the file an earlier build left at `rel` when `same` finds, from its first bytes,
    /// that it is what this build would write; true when it was kept. Only a staging folder
    /// that rewrites an earlier build has anything to keep.
    fn keep(&self, _rel: &str, _same: &dyn Fn(&[u8]) -> bool) -> bool {
        false
    }
    /// Whether what is written here is thrown away (`check`): what only costs time to make
    /// need not be made.
    fn discards(&self) -> bool {
        false
    }
}

/// Writes a file's contents to the writer it is given.
pub type Fill<'a> = dyn Fn(&mut dyn Write) -> std::io::Result<()> + 'a;

/// Counts the bytes written through it.
struct Counted<W> {
    inner: W,
    count: u64,
}

impl<W: Write> Write for Counted<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.count += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// A sink that keeps nothing: `rekindle check`.
pub struct Discard;

impl Sink for Discard {
    fn write(&self, _: &str, _: &[u8]) -> Result<()> {
        Ok(())
    }
    fn discards(&self) -> bool {
        true
    }
    fn copy(&self, _: &str, _: &Path) -> Result<()> {
        Ok(())
    }
    fn write_from(&self, rel: &str, fill: &Fill) -> Result<u64> {
        let mut counted = Counted {
            inner: std::io::sink(),
            count: 0,
        };
        fill(&mut counted).map_err(|e| Error::write(Path::new(rel), e))?;
        Ok(counted.count)
    }
}

/// The files of a site held in memory: what `serve` builds into and answers from.
/// Values are shared, so that a partial rebuild copies the map, not the bytes.
pub type Files = HashMap<String, std::sync::Arc<[u8]>>;

/// A sink that keeps the site in memory, for `serve`.
#[derive(Default)]
pub struct Memory(Mutex<Files>);

impl Memory {
    pub fn into_files(self) -> Files {
        self.0.into_inner().unwrap_or_default()
    }
}

impl Sink for Memory {
    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let mut files = self.0.lock().map_err(|_| poisoned(Path::new(rel)))?;
        files.insert(rel.to_string(), bytes.into());
        Ok(())
    }

    fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let bytes = fs::read(from).map_err(|e| Error::read(from, e))?;
        self.write(rel, &bytes)
    }
}

/// A private folder beside the build dir that receives a whole build before it is swapped in.
///
/// The output the last swap replaced is kept beside the build dir (`.public.previous`) and
/// becomes the next staging folder: its files are rewritten in place and those the new build
/// does not write are removed before the swap. Creating and deleting thousands of files and
/// folders is what a rebuild of a large site would otherwise spend its time on.
pub struct Staging {
    dir: tempfile::TempDir,
    /// Whether the folder is an earlier build being rewritten (when the build fails, it is
    /// deleted like a new one: whatever made it fail goes with it).
    rewrite: bool,
    /// Whether the umask takes read access away from others, so that every file and folder
    /// must be chmod-ed (one more system call each); tested once, on a probe.
    chmod: bool,
    /// The files of a reused earlier build that this build has not written (yet).
    leftovers: Mutex<HashSet<String>>,
    /// Where the build dir really is (`fence::resolve`), checked again before the swap.
    build_dir: PathBuf,
    /// This folder's entry in the interrupt handler's list, until it is swapped in.
    registration: Registration,
}

impl Staging {
    /// Checks that the build dir may be replaced, then creates the staging folder beside it,
    /// taking in the previous output when there is one to rewrite; `make_folders` makes the
    /// folders inside.
    pub fn create(config: &Config, cleanup: &Cleanup) -> Result<Staging> {
        let build_dir = guard(config)?;
        let parent = build_dir.parent().unwrap_or(Path::new("/")).to_path_buf();
        fs::create_dir_all(&parent).map_err(|e| Error::write(&parent, e))?;
        remove_stale(&parent, &build_dir);
        let prefix = beside(&build_dir, &format!("staging-{}-", std::process::id()));
        let (dir, registration) = {
            // Made and listed under the lock, so that an interrupt cannot miss it.
            let mut list = cleanup.lock();
            let dir = tempfile::Builder::new()
                .prefix(&prefix.to_string_lossy().into_owned())
                .tempdir_in(&parent)
                .map_err(|e| Error::write(&parent, e))?;
            list.push(dir.path().to_path_buf());
            let registration = Registration {
                cleanup: cleanup.clone(),
                path: dir.path().to_path_buf(),
            };
            (dir, registration)
        };
        let staging = Staging {
            dir,
            build_dir,
            rewrite: false,
            chmod: false,
            leftovers: Mutex::new(HashSet::new()),
            registration,
        };
        staging.fill(&parent)
    }

    /// Takes in the previous output when there is one to rewrite, and marks the folder as
    /// rekindle's own.
    fn fill(mut self, parent: &Path) -> Result<Staging> {
        set_mode(self.dir.path(), 0o755)?;
        self.chmod = umask_hides(self.dir.path())?;
        let leftovers = reuse(
            &parent.join(beside(&self.build_dir, "previous")),
            self.dir.path(),
        );
        self.rewrite = leftovers.is_some();
        self.leftovers = Mutex::new(leftovers.unwrap_or_default());
        self.write(MARKER, MARKER_TEXT.as_bytes())?;
        Ok(self)
    }

    /// Notes that `rel` holds this build's file, whatever the earlier build left there.
    fn written(&self, rel: &str) {
        if !self.rewrite {
            return;
        }
        let mut leftovers = self.leftovers.lock().unwrap_or_else(|e| e.into_inner());
        leftovers.remove(rel);
    }

    /// Removes the files of the reused build that this build did not write, then the
    /// folders that leaves empty, deepest first.
    fn prune(&self) -> Result<()> {
        let leftovers =
            std::mem::take(&mut *self.leftovers.lock().unwrap_or_else(|e| e.into_inner()));
        let root = self.dir.path();
        let files: Vec<&String> = leftovers.iter().collect();
        crate::base::parallel::try_each(&files, |rel| {
            let path = root.join(rel.as_str());
            // A leftover the build replaced with a folder is the build's own.
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_file() => fs::remove_file(&path),
                _ => Ok(()),
            }
            .map_err(|e| Error::write(&path, e))
        })?;
        let mut folders: Vec<&str> = folders_of(leftovers.iter().map(String::as_str))
            .into_iter()
            .collect();
        folders.sort_by_key(|dir| std::cmp::Reverse(dir.matches('/').count()));
        for dir in folders {
            // Fails, and keeps the folder, while it holds anything.
            let _ = fs::remove_dir(root.join(dir));
        }
        Ok(())
    }

    /// Creates `dir` (and what is missing above it), world-readable whatever the umask.
    fn ensure_dir(&self, dir: &Path) -> Result<()> {
        if dir == self.dir.path() || dir.is_dir() {
            return Ok(());
        }
        if let Some(parent) = dir.parent() {
            self.ensure_dir(parent)?;
        }
        self.make_dir(dir)
    }

    /// Creates one folder whose parent exists.
    fn make_dir(&self, dir: &Path) -> Result<()> {
        match fs::create_dir(dir) {
            Ok(()) if self.chmod => set_mode(dir, 0o755),
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                // A reused build may hold a file where this one needs a folder.
                match fs::symlink_metadata(dir) {
                    Ok(meta) if meta.is_dir() => Ok(()),
                    _ => {
                        fs::remove_file(dir).map_err(|e| Error::write(dir, e))?;
                        self.make_dir(dir)
                    }
                }
            }
            Err(e) => Err(Error::write(dir, e)),
        }
    }

    /// Creates the file `rel`, making its folder when it is missing.
    fn create_file(&self, rel: &str) -> Result<(fs::File, PathBuf)> {
        let path = self.dir.path().join(rel);
        match self.open(&path) {
            Ok(file) => Ok((file, path)),
            Err(e) => {
                match e.kind() {
                    std::io::ErrorKind::NotFound => match path.parent() {
                        Some(parent) => self.ensure_dir(parent)?,
                        None => return Err(Error::write(&path, e)),
                    },
                    // A reused build may hold a folder where this one writes a file.
                    std::io::ErrorKind::IsADirectory => {
                        fs::remove_dir_all(&path).map_err(|e| Error::write(&path, e))?;
                    }
                    _ => return Err(Error::write(&path, e)),
                }
                let file = self.open(&path).map_err(|e| Error::write(&path, e))?;
                Ok((file, path))
            }
        }
    }

    /// Opens a file to write. A file of a reused build is overwritten, not emptied first:
    /// emptying frees its blocks (a discard on some disks) and makes ext4 flush the new
    /// contents on close; `finish` cuts what is left of the old contents.
    fn open(&self, path: &Path) -> std::io::Result<fs::File> {
        if self.rewrite {
            (fs::OpenOptions::new().write(true).create(true))
                .truncate(false)
                .open(path)
        } else {
            fs::File::create(path)
        }
    }

    /// Completes a file of `len` bytes: cuts an older, longer file's tail, sets its mode,
    /// and notes it as written.
    fn finish(&self, rel: &str, file: &fs::File, path: &Path, len: u64) -> Result<()> {
        if self.rewrite {
            let size = file.metadata().map_err(|e| Error::write(path, e))?.len();
            if size > len {
                file.set_len(len).map_err(|e| Error::write(path, e))?;
            }
        }
        if self.chmod {
            set_file_mode(file, path)?;
        }
        self.written(rel);
        Ok(())
    }

    /// Removes what is left of a reused build, then swaps the staging folder in for the build
    /// dir. The output it replaces is kept as `.public.previous`, for the next build to
    /// rewrite (or removed, when an earlier one still has that name).
    pub fn commit(self, config: &Config) -> Result<()> {
        self.prune()?;
        let build_dir = self.build_dir.clone();
        if guard(config)? != build_dir {
            let why = format!(
                "the build dir changed during the build (it led to `{}`); nothing was replaced",
                build_dir.display()
            );
            return Err(Error::Output(
                Diagnostic::file(&config.build_dir, why).with_hint("build again"),
            ));
        }
        // An interrupt waits for the swap to end: the staging folder is the build dir then.
        let mut list = self.registration.cleanup.lock();
        let staged = self.dir.path().to_path_buf();
        let swapped = swap(&staged, &build_dir);
        list.retain(|dir| *dir != staged);
        drop(list);
        if swapped.is_ok() {
            let _ = self.dir.keep();
        }
        swapped
    }
}

/// Swaps the folder `staged` in for `build_dir`, keeping the output it replaces as
/// `.public.previous` (or removing it, when an earlier one still has that name).
fn swap(staged: &Path, build_dir: &Path) -> Result<()> {
    let old = build_dir.with_file_name(beside(build_dir, &format!("old-{}", std::process::id())));
    let had_old = build_dir.exists();
    if had_old {
        fs::rename(build_dir, &old).map_err(|e| Error::write(build_dir, e))?;
    }
    if let Err(e) = fs::rename(staged, build_dir) {
        if had_old {
            let _ = fs::rename(&old, build_dir);
        }
        return Err(Error::write(build_dir, e));
    }
    if had_old {
        let previous = build_dir.with_file_name(beside(build_dir, "previous"));
        if fs::rename(&old, &previous).is_err() {
            remove_tree(&old)?;
        }
    }
    Ok(())
}

/// The staging folders this process is writing: what an interrupt (Ctrl-C, SIGTERM) removes
/// before the process exits. Made by whoever handles the signal, handed to `build`.
#[derive(Clone, Default)]
pub struct Cleanup(Arc<Mutex<Vec<PathBuf>>>);

impl Cleanup {
    fn lock(&self) -> MutexGuard<'_, Vec<PathBuf>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes every staging folder still being written. Returns holding the list, so that
    /// no build can start a swap before the process exits; a swap under way ends first.
    pub fn remove_all(&self) -> MutexGuard<'_, Vec<PathBuf>> {
        let mut list = self.lock();
        for dir in list.drain(..) {
            remove_abandoned(&dir);
        }
        list
    }
}

/// A staging folder's entry in a `Cleanup` list, removed when the staging folder is
/// dropped (and its `TempDir` removes the folder) or swapped in.
struct Registration {
    cleanup: Cleanup,
    path: PathBuf,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.cleanup.lock().retain(|dir| *dir != self.path);
    }
}

/// Removes a staging folder that other threads may still be writing into: it is renamed
/// first, so that no write can make its folders again, then removed.
fn remove_abandoned(dir: &Path) {
    let mut gone = dir.as_os_str().to_owned();
    gone.push("-interrupted");
    let gone = PathBuf::from(gone);
    let doomed = if fs::rename(dir, &gone).is_ok() {
        &gone
    } else {
        dir
    };
    for _ in 0..3 {
        if fs::remove_dir_all(doomed).is_ok() || !doomed.exists() {
            return;
        }
    }
}

/// Removes the staging folders beside `build_dir` that an earlier rekindle process left
/// behind when it was killed: named `.public.staging-PID-*`, marked as rekindle's own (or
/// empty), and made by a process that no longer runs. Best effort: what cannot be removed
/// stays, and is tried again by the next build.
fn remove_stale(parent: &Path, build_dir: &Path) {
    let prefix = beside(build_dir, "staging-").to_string_lossy().into_owned();
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = (name.to_str())
            .and_then(|n| n.strip_prefix(&prefix))
            .and_then(|rest| rest.split('-').next())
            .and_then(|pid| pid.parse::<u32>().ok())
        else {
            continue;
        };
        let path = entry.path();
        let is_dir = fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        let ours = path.join(MARKER).is_file()
            || fs::read_dir(&path).is_ok_and(|mut e| e.next().is_none());
        if is_dir && ours && !process_runs(pid) {
            let _ = fs::remove_dir_all(&path);
        }
    }
}

/// Whether a process with this id runs. Where that cannot be told (no `/proc`), it is
/// taken to run, so that nothing of a live build is ever removed.
fn process_runs(pid: u32) -> bool {
    let proc = Path::new("/proc");
    pid == std::process::id() || !proc.join("self").exists() || proc.join(pid.to_string()).exists()
}

/// Every folder that holds one of `files` (`/`-separated relative paths), their ancestors
/// included, sorted.
fn folders_of<'a>(files: impl Iterator<Item = &'a str>) -> std::collections::BTreeSet<&'a str> {
    let mut dirs = std::collections::BTreeSet::new();
    for file in files {
        let mut rest = file;
        while let Some((dir, _)) = rest.rsplit_once('/') {
            if !dirs.insert(dir) {
                break;
            }
            rest = dir;
        }
    }
    dirs
}

/// The name of a folder rekindle keeps beside the build dir: `.public.previous`.
fn beside(build_dir: &Path, what: &str) -> std::ffi::OsString {
    let name = build_dir
        .file_name()
        .map_or_else(|| "public".into(), |n| n.to_string_lossy());
    format!(".{name}.{what}").into()
}

/// Moves the output an earlier build left at `previous` into the empty staging folder `into`
/// and returns its files, so that the build can rewrite them in place. Only rekindle's own
/// output is taken (it holds the marker), and only whole: `None` when there is no earlier
/// build, or one this user cannot rewrite throughout.
#[cfg(unix)]
fn reuse(previous: &Path, into: &Path) -> Option<HashSet<String>> {
    use std::os::unix::fs::MetadataExt;
    let ours = fs::symlink_metadata(previous).is_ok_and(|m| m.is_dir())
        && fs::symlink_metadata(previous.join(MARKER)).is_ok_and(|m| m.is_file());
    if !ours {
        return None;
    }
    // The staging folder was just made, by this user.
    let user = fs::metadata(into).ok()?.uid();
    let files = rewritable(previous, user)?;
    fs::rename(previous, into).ok()?;
    Some(files)
}

/// The files under `root`, by `/`-separated relative path, once everything a write could go
/// through or be refused by has been removed: symbolic links, special files, files with
/// other hard links and read-only files. A write can then only ever replace a file of the
/// site. `None` when a folder or file belongs to another user or a folder is read-only.
#[cfg(unix)]
fn rewritable(root: &Path, user: u32) -> Option<HashSet<String>> {
    use std::os::unix::fs::MetadataExt;
    let mut files = HashSet::new();
    for entry in walkdir::WalkDir::new(root).min_depth(1) {
        let entry = entry.ok()?;
        let meta = entry.metadata().ok()?;
        if meta.uid() != user || (meta.is_dir() && meta.mode() & 0o700 != 0o700) {
            return None;
        }
        if meta.is_dir() {
            continue;
        }
        let single = meta.is_file() && meta.nlink() == 1 && meta.mode() & 0o200 != 0;
        let rel = entry.path().strip_prefix(root).ok().and_then(Path::to_str);
        match rel {
            Some(rel) if single => {
                files.insert(rel.replace(std::path::MAIN_SEPARATOR, "/"));
            }
            _ => fs::remove_file(entry.path()).ok()?,
        }
    }
    Some(files)
}

/// Hard links cannot be told apart here: an earlier build is not reused.
#[cfg(not(unix))]
fn reuse(_: &Path, _: &Path) -> Option<HashSet<String>> {
    None
}

impl Staging {
    /// Makes the folders of `files` (paths relative to the site root), level by level, the
    /// folders of a level in parallel. A file written meanwhile makes its own folder.
    pub fn make_folders(&self, files: &[String]) -> Result<()> {
        let mut levels: Vec<Vec<&str>> = Vec::new();
        for dir in folders_of(files.iter().map(String::as_str)) {
            let depth = dir.matches('/').count();
            levels.resize_with(levels.len().max(depth + 1), Vec::new);
            levels[depth].push(dir);
        }
        levels.iter().try_for_each(|level| {
            crate::base::parallel::try_each(level, |dir| self.make_dir(&self.dir.path().join(dir)))
        })
    }
}

impl Staging {
    /// Copies `rel` from the build dir (the last build) when it is a plain file of
    /// rekindle's own output there and `same` accepts its head, keeping its modification
    /// time: it is the file this build would write.
    fn copy_from_last_build(&self, rel: &str, same: &dyn Fn(&[u8]) -> bool) -> bool {
        let ours = fs::symlink_metadata(self.build_dir.join(MARKER)).is_ok_and(|m| m.is_file());
        let path = self.build_dir.join(rel);
        // Reached through no link: a file of the build dir, not one it points to.
        let inside = fs::canonicalize(&path).is_ok_and(|real| real == path);
        let plain = fs::symlink_metadata(&path).ok().filter(|m| m.is_file());
        let (Some(meta), true, true) = (plain, ours, inside) else {
            return false;
        };
        let Ok(bytes) = fs::read(&path) else {
            return false;
        };
        if !same(&bytes[..bytes.len().min(256)]) || self.write(rel, &bytes).is_err() {
            return false;
        }
        if let (Ok(time), Ok(file)) = (
            meta.modified(),
            fs::File::options()
                .write(true)
                .open(self.dir.path().join(rel)),
        ) {
            let _ = file.set_modified(time);
        }
        true
    }
}

impl Sink for Staging {
    fn keep(&self, rel: &str, same: &dyn Fn(&[u8]) -> bool) -> bool {
        use std::io::Read;
        let left = self.rewrite && (self.leftovers.lock()).is_ok_and(|l| l.contains(rel));
        let mut head = [0u8; 256];
        let read = fs::File::open(self.dir.path().join(rel)).and_then(|mut f| f.read(&mut head));
        if left && read.is_ok_and(|n| same(&head[..n])) {
            self.written(rel);
            return true;
        }
        // The folder rewritten is the build before last: the last one, in the build dir,
        // may hold the file as this build would write it.
        self.copy_from_last_build(rel, same)
    }

    fn write(&self, rel: &str, bytes: &[u8]) -> Result<()> {
        let (mut file, path) = self.create_file(rel)?;
        file.write_all(bytes).map_err(|e| Error::write(&path, e))?;
        self.finish(rel, &file, &path, bytes.len() as u64)
    }

    fn write_from(&self, rel: &str, fill: &Fill) -> Result<u64> {
        let (file, path) = self.create_file(rel)?;
        let mut out = Counted {
            inner: std::io::BufWriter::with_capacity(1 << 16, file),
            count: 0,
        };
        fill(&mut out)
            .and_then(|()| out.flush())
            .map_err(|e| Error::write(&path, e))?;
        self.finish(rel, out.inner.get_ref(), &path, out.count)?;
        Ok(out.count)
    }

    fn copy(&self, rel: &str, from: &Path) -> Result<()> {
        let mut source = fs::File::open(from).map_err(|e| Error::read(from, e))?;
        let (mut file, path) = self.create_file(rel)?;
        let len = std::io::copy(&mut source, &mut file).map_err(|e| Error::write(&path, e))?;
        self.finish(rel, &file, &path, len)
    }
}

/// Removes a folder and everything in it, its top-level entries in parallel (a site's
/// folders are many and small: the unlinks are the cost).
fn remove_tree(dir: &Path) -> Result<()> {
    let entries: Vec<PathBuf> = fs::read_dir(dir)
        .map_err(|e| Error::write(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    crate::base::parallel::try_each(&entries, |path| {
        let removed = if path.is_dir() && !path.is_symlink() {
            fs::remove_dir_all(path)
        } else {
            fs::remove_file(path)
        };
        removed.map_err(|e| Error::write(path, e))
    })?;
    fs::remove_dir(dir).map_err(|e| Error::write(dir, e))
}

fn poisoned(path: &Path) -> Error {
    Error::Output(Diagnostic::file(path, "an earlier write failed"))
}

/// Whether files and folders made in `dir` come out unreadable to others (a umask like 077).
#[cfg(unix)]
fn umask_hides(dir: &Path) -> Result<bool> {
    use std::os::unix::fs::PermissionsExt;
    let probe = dir.join(".probe");
    fs::create_dir(&probe).map_err(|e| Error::write(&probe, e))?;
    let folder = fs::metadata(&probe).map_err(|e| Error::read(&probe, e))?;
    let file = probe.join("file");
    fs::write(&file, b"").map_err(|e| Error::write(&file, e))?;
    let written = fs::metadata(&file).map_err(|e| Error::read(&file, e))?;
    fs::remove_dir_all(&probe).map_err(|e| Error::write(&probe, e))?;
    let readable = |mode: u32, want: u32| mode & want == want;
    Ok(!(readable(folder.permissions().mode(), 0o755)
        && readable(written.permissions().mode(), 0o644)))
}

#[cfg(not(unix))]
fn umask_hides(_: &Path) -> Result<bool> {
    Ok(false)
}

#[cfg(unix)]
fn set_file_mode(file: &fs::File, path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o644))
        .map_err(|e| Error::write(path, e))
}

#[cfg(not(unix))]
fn set_file_mode(_: &fs::File, _: &Path) -> Result<()> {
    Ok(())
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).map_err(|e| Error::write(path, e))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> Result<()> {
    Ok(())
}

const PLACE_HINT: &str = "choose another build dir with -d/--dest-dir or `build-dir` in book.toml";

/// Refuses a build dir that would destroy something: the project itself, the content or the
/// theme (or a folder inside them), the home folder, or a non-empty folder that rekindle did
/// not write. Returns where the build dir really is. Creates nothing.
pub fn guard(config: &Config) -> Result<PathBuf> {
    let build = check_placement(config)?;
    let refuse = |why: &str, hint: &str| {
        Err(Error::Output(
            Diagnostic::file(&config.build_dir, why).with_hint(hint),
        ))
    };
    if build.exists() && !build.is_dir() {
        return refuse("the build dir exists and is not a folder", PLACE_HINT);
    }
    let non_empty = fs::read_dir(&build).is_ok_and(|mut entries| entries.next().is_some());
    if non_empty && !build.join(MARKER).is_file() {
        let why = "the build dir is not empty and was not written by rekindle; nothing was deleted";
        let hint = "move its files elsewhere, or choose another build dir with -d/--dest-dir";
        return refuse(why, hint);
    }
    Ok(build)
}

/// The configuration part of `guard`, which `check` runs too: the build dir, wherever its
/// spelling leads (`..`, symlinks, a detour through a folder that does not exist yet), is
/// neither the project nor a folder around it, nor inside or around the content or the
/// theme, nor the home folder. Returns where it really is.
pub fn check_placement(config: &Config) -> Result<PathBuf> {
    let shown = &config.build_dir;
    let build = resolved(shown, "the build dir")?;
    let leads = leads_to(shown, &build);
    let refuse = |why: String| {
        Err(Error::Output(
            Diagnostic::file(shown, format!("{why}{leads}")).with_hint(PLACE_HINT),
        ))
    };
    let root = resolved(&config.root, "the project folder")?;
    if root.starts_with(&build) {
        return refuse("the build dir would replace the project folder".into());
    }
    if fence::home().is_some_and(|home| home.starts_with(&build)) {
        return refuse("the build dir would replace your home folder".into());
    }
    for (what, dir) in [
        ("content", &config.content_dir),
        ("theme", &config.theme_dir),
    ] {
        if fence::overlaps(&build, &resolved(dir, what)?) {
            let why = format!(
                "the build dir overlaps the {what} folder `{}`",
                dir.display()
            );
            return refuse(why);
        }
    }
    Ok(build)
}

/// `path` resolved (see `fence::resolve`), or an error saying it cannot be.
fn resolved(path: &Path, what: &str) -> Result<PathBuf> {
    fence::resolve(path).map_err(|e| {
        let why = format!("cannot tell where {what} leads: {e}");
        Error::Output(Diagnostic::file(path, why).with_hint(PLACE_HINT))
    })
}

/// ` (it leads to `/real/path`)` when a path's spelling hides where it leads, else nothing.
fn leads_to(shown: &Path, real: &Path) -> String {
    match std::path::absolute(shown) {
        Ok(plain) if plain == real => String::new(),
        _ => format!(" (it leads to `{}`)", real.display()),
    }
}

/// Refuses a manifest file that would overwrite a source: book.toml, or a file in the
/// content folder or the theme.
pub fn check_manifest(config: &Config, file: &Path) -> Result<()> {
    let real = resolved(file, "the manifest file")?;
    let refuse = |why: String| {
        let hint = "write the manifest outside the content folder and the theme";
        Err(Error::Output(Diagnostic::file(file, why).with_hint(hint)))
    };
    if real == resolved(&Config::file(&config.root), "book.toml")? {
        return refuse("the manifest would overwrite book.toml".into());
    }
    for (what, dir) in [
        ("content", &config.content_dir),
        ("theme", &config.theme_dir),
    ] {
        if real.starts_with(resolved(dir, what)?) {
            let why = format!(
                "the manifest would overwrite a file of the {what} folder `{}`",
                dir.display()
            );
            return refuse(why);
        }
    }
    Ok(())
}

/// Writes a manifest of the site in `build_dir` to `file`: one line per file, sorted,
/// `SHA-256  size  path`, so that two builds can be proven identical with `diff`.
pub fn write_manifest(build_dir: &Path, file: &Path) -> Result<usize> {
    use sha2::{Digest, Sha256};
    let mut lines = Vec::new();
    for entry in walkdir::WalkDir::new(build_dir).sort_by_file_name() {
        let entry = entry.map_err(|e| Error::read(build_dir, std::io::Error::other(e)))?;
        if !entry.file_type().is_file() || entry.file_name() == MARKER {
            continue;
        }
        let bytes = fs::read(entry.path()).map_err(|e| Error::read(entry.path(), e))?;
        let digest = Sha256::digest(&bytes);
        let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
        let rel = entry.path().strip_prefix(build_dir).unwrap_or(entry.path());
        let rel: Vec<String> = rel
            .iter()
            .map(|c| c.to_string_lossy().into_owned())
            .collect();
        lines.push(format!("{hex}  {:>9}  {}\n", bytes.len(), rel.join("/")));
    }
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|e| Error::write(parent, e))?;
    }
    fs::write(file, lines.concat()).map_err(|e| Error::write(file, e))?;
    Ok(lines.len())
}
