//! The files' part of a fingerprint: the bytes and permission bits of every file an
//! image's build reads, directories file by file. A file whose metadata matches the
//! previous record keeps its recorded digest without being read; any other is hashed.

use std::collections::BTreeMap;
use std::fs::Metadata;
use std::io::Read;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::digest::{self, field, hasher};
use super::record::{FileFacts, Input, Record, RECORD_VERSION};
use super::walk::walk;
use super::{FileInput, FingerprintError, Stats};

/// Scripts up to this size (and valid UTF-8) are copied into the record for diffs.
pub(crate) const TEXT_LIMIT: u64 = 64 * 1024;

/// How long after a file's last change its timestamps can still be trusted to move on
/// the next change. File systems keep time in ticks (up to 2 s on some; Linux stamps
/// ctimes from a clock that advances every few milliseconds), so a file written twice
/// within one tick, with a record taken in between, would look unchanged.
/// Entries recorded less than this after the file changed are hashed again (git calls
/// them "racily clean").
const TICK_NS: i64 = 2_000_000_000;

/// The previous record, as a source of digests that need not be computed again.
pub(crate) struct Cache<'a> {
    prior: Option<&'a Record>,
}

impl<'a> Cache<'a> {
    /// A record of another version hashed differently: none of its digests is reused.
    pub(crate) fn new(prior: Option<&'a Record>) -> Cache<'a> {
        Cache {
            prior: prior.filter(|r| r.version == RECORD_VERSION),
        }
    }

    fn input(&self, label: &str) -> Option<&'a Input> {
        self.prior?.file_input(label)
    }

    /// The recorded facts of a file, when they still describe it.
    fn reuse(&self, cached: Option<&'a FileFacts>, now: &Stat) -> Option<&'a FileFacts> {
        let read_at = self.prior?.read_at_ns;
        cached.filter(|c| {
            c.size == now.size
                && c.mtime_ns == now.mtime_ns
                && c.ctime_ns == now.ctime_ns
                && c.inode == now.inode
                && c.mode == now.mode
                && c.mtime_ns.max(c.ctime_ns).saturating_add(TICK_NS) <= read_at
        })
    }
}

/// The metadata the cache compares.
struct Stat {
    size: u64,
    mtime_ns: i64,
    ctime_ns: i64,
    inode: u64,
    mode: u32,
}

impl Stat {
    fn of(meta: &Metadata) -> Stat {
        let ns = |s: i64, n: i64| s.saturating_mul(1_000_000_000).saturating_add(n);
        Stat {
            size: meta.len(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
            inode: meta.ino(),
            mode: meta.mode() & 0o7777,
        }
    }
}

/// The input for one file or directory.
pub(crate) fn file_input(
    input: &FileInput,
    cache: &Cache<'_>,
    stats: &mut Stats,
) -> Result<Input, FingerprintError> {
    let label = input.label.as_str();
    let meta = std::fs::metadata(&input.path)
        .map_err(|e| FingerprintError::new("read", input.path.clone(), e).in_input(label))?;
    let prior = cache.input(label);
    if meta.is_dir() {
        let cached = match prior {
            Some(Input::Directory { files, .. }) => Some(files),
            _ => None,
        };
        return directory(input, cached, cache, stats);
    }
    if !meta.is_file() {
        let e = std::io::Error::other("not a regular file or a directory");
        return Err(FingerprintError::new("read", input.path.clone(), e).in_input(label));
    }
    let cached = match prior {
        Some(Input::File { file, .. }) => Some(file),
        _ => None,
    };
    let file = facts(&input.path, &meta, cached, cache, input.keep_text, stats)
        .map_err(|e| e.in_input(label))?;
    let mut h = hasher(digest::FILE);
    field(&mut h, &file.mode.to_le_bytes());
    field(&mut h, file.digest.as_bytes());
    Ok(Input::File {
        label: label.to_string(),
        digest: digest::hex(&h),
        file,
    })
}

/// A directory: each regular file's path, mode and bytes. Texts are not kept: a tree can
/// hold thousands of files, and the plan summarizes a tree's changes by name.
fn directory(
    input: &FileInput,
    cached: Option<&BTreeMap<String, FileFacts>>,
    cache: &Cache<'_>,
    stats: &mut Stats,
) -> Result<Input, FingerprintError> {
    let label = input.label.as_str();
    let mut h = hasher(digest::DIRECTORY);
    let mut files = BTreeMap::new();
    for entry in walk(&input.path).map_err(|e| e.in_input(label))? {
        let prior = cached.and_then(|c| c.get(&entry.rel));
        let f = facts(&entry.path, &entry.meta, prior, cache, false, stats)
            .map_err(|e| e.in_input(label))?;
        field(&mut h, entry.rel.as_bytes());
        field(&mut h, &f.mode.to_le_bytes());
        field(&mut h, f.digest.as_bytes());
        files.insert(entry.rel, f);
    }
    Ok(Input::Directory {
        label: label.to_string(),
        digest: digest::hex(&h),
        files,
    })
}

/// One file's facts: the recorded ones when its metadata still matches, otherwise read
/// from its bytes. The metadata is taken before reading, so a file that changes while it
/// is read does not match next time and is read again.
fn facts(
    path: &Path,
    meta: &Metadata,
    cached: Option<&FileFacts>,
    cache: &Cache<'_>,
    keep_text: bool,
    stats: &mut Stats,
) -> Result<FileFacts, FingerprintError> {
    let stat = Stat::of(meta);
    stats.files += 1;
    if let Some(c) = cache.reuse(cached, &stat) {
        let mut f = c.clone();
        if !keep_text {
            f.text = None;
        }
        return Ok(f);
    }
    let read_err = |e| FingerprintError::new("read", path.to_path_buf(), e);
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let mut h = blake3::Hasher::new();
    let (bytes, text) = if keep_text && stat.size <= TEXT_LIMIT {
        // Small enough to hold: read once for both the digest and the copy.
        let mut buf = Vec::with_capacity(stat.size as usize);
        file.read_to_end(&mut buf).map_err(read_err)?;
        h.update(&buf);
        let n = buf.len() as u64;
        let text = (n <= TEXT_LIMIT)
            .then(|| String::from_utf8(buf).ok())
            .flatten();
        (n, text)
    } else {
        (stream(&mut file, &mut h).map_err(read_err)?, None)
    };
    stats.files_hashed += 1;
    stats.bytes_hashed += bytes;
    Ok(FileFacts {
        size: stat.size,
        mtime_ns: stat.mtime_ns,
        ctime_ns: stat.ctime_ns,
        inode: stat.inode,
        mode: stat.mode,
        digest: digest::hex(&h),
        text,
    })
}

/// Hashes a reader to its end; returns how many bytes it had. The buffer is large enough
/// for blake3 to use its SIMD paths (it wants 16 KiB or more per update).
fn stream(r: &mut impl Read, h: &mut blake3::Hasher) -> std::io::Result<u64> {
    let mut buf = vec![0u8; 128 * 1024];
    let mut total = 0u64;
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => {
                h.update(&buf[..n]);
                total += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}
