//! The index: this user's, this machine's list of known realms and of where each
//! member repository is checked out. Never shared, never in a realm.
//!
//! Location: `$GIT_REALM_INDEX`, else `$XDG_CONFIG_HOME/git-realm/index.yaml`, else
//! `~/.config/git-realm/index.yaml`. Updates take a lock file (like git's
//! `index.lock`) and replace the file atomically, so parallel `git realm join`s in
//! several repositories all land.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Name;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    #[serde(default)]
    pub realms: Vec<IndexRealm>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRealm {
    pub name: Name,
    pub url: String,
    #[serde(default)]
    pub checkouts: Vec<Checkout>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Checkout {
    pub repo: Name,
    pub path: PathBuf,
}

impl Index {
    /// The entry for `realm`, created if missing; its url is updated to `url`.
    pub fn realm_mut(&mut self, realm: &Name, url: &str) -> &mut IndexRealm {
        let pos = match self.realms.iter().position(|r| &r.name == realm) {
            Some(pos) => pos,
            None => {
                self.realms.push(IndexRealm {
                    name: realm.clone(),
                    url: url.to_owned(),
                    checkouts: Vec::new(),
                });
                self.realms.len() - 1
            }
        };
        let entry = &mut self.realms[pos];
        entry.url = url.to_owned();
        entry
    }

    pub fn realm(&self, realm: &str) -> Option<&IndexRealm> {
        self.realms.iter().find(|r| r.name.as_str() == realm)
    }

    fn normalize(&mut self) {
        self.realms.sort_by(|a, b| a.name.cmp(&b.name));
        for r in &mut self.realms {
            r.checkouts
                .sort_by(|a, b| (&a.repo, &a.path).cmp(&(&b.repo, &b.path)));
            r.checkouts.dedup();
        }
    }
}

impl IndexRealm {
    /// Record that `repo` is checked out at `path` (one path per repo).
    pub fn set_checkout(&mut self, repo: &Name, path: &Path) {
        self.checkouts.retain(|c| &c.repo != repo);
        self.checkouts.push(Checkout {
            repo: repo.clone(),
            path: path.to_owned(),
        });
    }

    pub fn remove_checkout(&mut self, repo: &Name) {
        self.checkouts.retain(|c| &c.repo != repo);
    }
}

/// Where the index lives.
pub fn path() -> Result<PathBuf> {
    if let Some(p) = std::env::var_os("GIT_REALM_INDEX").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    if let Some(xdg) = std::env::var_os("XDG_CONFIG_HOME").filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(xdg).join("git-realm/index.yaml"));
    }
    match std::env::var_os("HOME").filter(|p| !p.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".config/git-realm/index.yaml")),
        None => Err(Error::usage(
            "cannot locate the index: none of GIT_REALM_INDEX, XDG_CONFIG_HOME, HOME is set",
        )),
    }
}

/// Read the index (an absent file is an empty index).
pub fn load() -> Result<Index> {
    read(&path()?)
}

fn read(path: &Path) -> Result<Index> {
    let file = path.display().to_string();
    match std::fs::read_to_string(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Index::default()),
        Err(e) => Err(Error::usage(format!("cannot read the index {file}: {e}"))),
        Ok(text) if text.trim().is_empty() => Ok(Index::default()),
        Ok(text) => {
            let de = serde_yaml::Deserializer::from_str(&text);
            serde_path_to_error::deserialize(de).map_err(|e| {
                let field = e.path().to_string();
                Error::invalid(&file, &field, e.into_inner())
            })
        }
    }
}

/// A held `index.yaml.lock`, removed on drop.
struct Lock(PathBuf);

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn lock(path: &Path) -> Result<Lock> {
    let lock_path = PathBuf::from(format!("{}.lock", path.display()));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&lock_path)
        {
            Ok(_) => return Ok(Lock(lock_path)),
            Err(e)
                if e.kind() == std::io::ErrorKind::AlreadyExists && Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(10));
            }
            Err(e) => {
                return Err(Error::conflict(format!("cannot lock the index: {}: {e}", lock_path.display())).hint(
                    "another git-realm may be running; if not, remove the lock file and re-run the command",
                ));
            }
        }
    }
}

/// Read-modify-write the index under its lock, atomically.
pub fn modify<T>(f: impl FnOnce(&mut Index) -> T) -> Result<T> {
    let path = path()?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::usage(format!("cannot create {}: {e}", dir.display())))?;
    let _lock = lock(&path)?;
    let mut index = read(&path)?;
    let value = f(&mut index);
    index.normalize();
    let text = serde_yaml::to_string(&index).expect("the index always serialises");
    let write_err =
        |e: std::io::Error| Error::usage(format!("cannot write the index {}: {e}", path.display()));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(write_err)?;
    tmp.write_all(text.as_bytes()).map_err(write_err)?;
    tmp.as_file().sync_all().map_err(write_err)?;
    tmp.persist(&path).map_err(|e| write_err(e.error))?;
    Ok(value)
}
