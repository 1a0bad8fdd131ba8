//! Runs an image's provisioners against its build machine, in order: `shell` and `file`
//! over SSH, `shell-local` on the operator's machine. Output goes to the build log; a
//! failure carries the exit code and the last lines of output.
//!
//! `powershell` and `breakpoint` are refused at plan time by this builder (see
//! [`unsupported`]); `only`/`except` filter builds, and a qemu image is a single build.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kiln_builtin::object::{attr, str_attr};
use kiln_core::lang::Value;
use kiln_ssh::{quote, ExitStatus, Session, Stream};

/// What provisioners see of the build machine.
pub struct BuildInfo {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub key_file: PathBuf,
    pub id: String,
    pub name: String,
}

/// The build log: every provisioner's output, and the tail kept for error messages.
pub struct Log {
    file: std::fs::File,
    tail: Vec<u8>,
}

impl Log {
    pub fn create(path: &Path) -> Result<Log, String> {
        let file = std::fs::File::create(path)
            .map_err(|e| format!("cannot create the build log {}: {e}", path.display()))?;
        Ok(Log {
            file,
            tail: Vec::new(),
        })
    }

    pub fn write(&mut self, bytes: &[u8]) {
        // The log is for people; a full disk must not fail the build on its own.
        let _ = self.file.write_all(bytes);
        self.tail.extend_from_slice(bytes);
        if self.tail.len() > 64 * 1024 {
            let cut = self.tail.len() - 32 * 1024;
            self.tail.drain(..cut);
        }
    }

    pub fn note(&mut self, line: &str) {
        self.write(format!("==> {line}\n").as_bytes());
    }

    pub fn tail(&self, lines: usize) -> String {
        crate::vm::tail(&self.tail, lines)
    }
}

/// The provisioner types this builder cannot run, with why; checked at plan time.
pub fn unsupported(kind: &str) -> Option<&'static str> {
    match kind {
        "powershell" => Some("qemu images are Linux guests without PowerShell"),
        "breakpoint" => Some("interactive breakpoints are not supported by the qemu builder yet"),
        _ => None,
    }
}

fn env_pairs(p: &Value) -> Vec<(String, String)> {
    attr(p, "environment")
        .and_then(Value::as_map)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

fn duration(p: &Value, name: &str) -> Result<Option<Duration>, String> {
    let Some(s) = str_attr(p, name) else {
        return Ok(None);
    };
    parse_duration(s)
        .map(Some)
        .ok_or_else(|| format!("{name} = \"{s}\" is not a duration like \"30s\", \"5m\" or \"1h\""))
}

/// "90s", "5m", "1h30m", "250ms".
pub fn parse_duration(s: &str) -> Option<Duration> {
    let mut total = Duration::ZERO;
    let mut num = String::new();
    let mut chars = s.trim().chars().peekable();
    let mut any = false;
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        let unit = match c {
            'm' if chars.peek() == Some(&'s') => {
                chars.next();
                0.001
            }
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
        total += Duration::from_secs_f64(n * unit);
        any = true;
    }
    if !num.is_empty() {
        return None;
    }
    any.then_some(total)
}

/// Runs every provisioner of `provisioners` in order.
pub async fn run_all(
    session: &Session,
    provisioners: &[Value],
    base_dir: &Path,
    build: &BuildInfo,
    log: &mut Log,
) -> Result<(), String> {
    for (i, p) in provisioners.iter().enumerate() {
        let kind = str_attr(p, "type").unwrap_or("shell");
        if let Some(d) = duration(p, "pause_before")? {
            log.note(&format!("provisioner {} ({kind}): pausing {d:?}", i + 1));
            tokio::time::sleep(d).await;
        }
        let retries = attr(p, "max_retries")
            .and_then(Value::as_number)
            .map(|n| n.as_f64().max(0.0) as u32)
            .unwrap_or(0);
        let timeout = duration(p, "timeout")?;
        let mut attempt = 0;
        loop {
            log.note(&format!("provisioner {} ({kind})", i + 1));
            let run = run_one(session, kind, p, base_dir, build, log);
            let r = match timeout {
                Some(t) => tokio::time::timeout(t, run)
                    .await
                    .unwrap_or_else(|_| Err(format!("timed out after {t:?}"))),
                None => run.await,
            };
            match r {
                Ok(()) => break,
                Err(e) if attempt < retries => {
                    attempt += 1;
                    log.note(&format!("failed ({e}); retry {attempt} of {retries}"));
                }
                Err(e) => {
                    return Err(format!(
                        "provisioner {} ({kind}) failed: {e}\nLast output:\n{}",
                        i + 1,
                        log.tail(20)
                    ))
                }
            }
        }
    }
    Ok(())
}

async fn run_one(
    session: &Session,
    kind: &str,
    p: &Value,
    base_dir: &Path,
    build: &BuildInfo,
    log: &mut Log,
) -> Result<(), String> {
    match kind {
        "shell" => shell(session, p, base_dir, log).await,
        "file" => file(session, p, base_dir, log).await,
        "shell-local" => shell_local(p, base_dir, build, log).await,
        other => Err(unsupported(other)
            .unwrap_or("unknown provisioner type")
            .to_string()),
    }
}

/// The scripts a shell provisioner runs, as (name, content).
fn shell_scripts(p: &Value, base_dir: &Path) -> Result<Vec<(String, Vec<u8>)>, String> {
    let inline = crate::values::strings(attr(p, "inline"));
    if !inline.is_empty() {
        let mut text = "#!/bin/sh\nset -e\n".to_string();
        for line in inline {
            text.push_str(&line);
            text.push('\n');
        }
        return Ok(vec![("inline".into(), text.into_bytes())]);
    }
    let mut files = crate::values::strings(attr(p, "scripts"));
    if let Some(s) = str_attr(p, "script") {
        files.insert(0, s.to_string());
    }
    files
        .into_iter()
        .map(|f| {
            let path = base_dir.join(&f);
            std::fs::read(&path)
                .map(|b| (f.clone(), b))
                .map_err(|e| format!("cannot read the script {}: {e}", path.display()))
        })
        .collect()
}

async fn shell(session: &Session, p: &Value, base_dir: &Path, log: &mut Log) -> Result<(), String> {
    let valid: Vec<u32> = attr(p, "valid_exit_codes")
        .and_then(Value::as_seq)
        .map(|s| {
            s.iter()
                .filter_map(|n| Some(n.as_number()?.as_f64() as u32))
                .collect()
        })
        .filter(|v: &Vec<u32>| !v.is_empty())
        .unwrap_or_else(|| vec![0]);
    let expect_disconnect = attr(p, "expect_disconnect")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let vars: String = env_pairs(p)
        .iter()
        .map(|(k, v)| format!("{k}={} ", quote(v)))
        .collect();
    for (n, (name, body)) in shell_scripts(p, base_dir)?.into_iter().enumerate() {
        let remote = format!("/tmp/kiln-script-{n}.sh");
        session
            .upload(&body, &remote, 0o755)
            .await
            .map_err(|e| format!("uploading {name}: {e}"))?;
        let command = match str_attr(p, "execute_command") {
            Some(t) => t.replace("{{.Vars}}", &vars).replace("{{.Path}}", &remote),
            None => format!("{vars}/bin/sh {remote}"),
        };
        let mut out = |_: Stream, bytes: &[u8]| log.write(bytes);
        let status = session
            .exec(&command, None, &mut out)
            .await
            .map_err(|e| format!("running {name}: {e}"))?;
        match status {
            ExitStatus::Code(c) if valid.contains(&c) => {}
            ExitStatus::ClosedWithoutStatus if expect_disconnect => {}
            ExitStatus::Code(c) => return Err(format!("{name} exited with status {c}")),
            ExitStatus::Signal { name: sig, .. } => {
                return Err(format!("{name} was killed by SIG{sig}"))
            }
            ExitStatus::ClosedWithoutStatus => {
                return Err(format!(
                    "the connection closed while {name} ran (set expect_disconnect = true if it reboots the machine)"
                ))
            }
        }
    }
    Ok(())
}

async fn file(session: &Session, p: &Value, base_dir: &Path, log: &mut Log) -> Result<(), String> {
    let dest = str_attr(p, "destination").ok_or("a file provisioner needs destination")?;
    if str_attr(p, "direction") == Some("download") {
        let src = str_attr(p, "source").ok_or("a download needs source")?;
        let bytes = session
            .download(src)
            .await
            .map_err(|e| format!("downloading {src}: {e}"))?;
        let local = base_dir.join(dest);
        log.note(&format!("download {src} -> {}", local.display()));
        return std::fs::write(&local, bytes)
            .map_err(|e| format!("cannot write {}: {e}", local.display()));
    }
    if let Some(content) = str_attr(p, "content") {
        log.note(&format!("upload content -> {dest}"));
        return session
            .upload(content.as_bytes(), dest, 0o644)
            .await
            .map_err(|e| format!("uploading to {dest}: {e}"));
    }
    let src = str_attr(p, "source").ok_or("a file provisioner needs source or content")?;
    let local = base_dir.join(src);
    for (from, to, mode) in tree(&local, dest)? {
        let bytes =
            std::fs::read(&from).map_err(|e| format!("cannot read {}: {e}", from.display()))?;
        log.note(&format!("upload {} -> {to}", from.display()));
        session
            .upload(&bytes, &to, mode)
            .await
            .map_err(|e| format!("uploading {} to {to}: {e}", from.display()))?;
    }
    Ok(())
}

/// The files to upload for `source` → `dest`: one file, or a directory's tree. As in
/// Packer, `dir/` uploads the directory's contents and `dir` the directory itself.
fn tree(source: &Path, dest: &str) -> Result<Vec<(PathBuf, String, u32)>, String> {
    use std::os::unix::fs::PermissionsExt;
    let meta =
        std::fs::metadata(source).map_err(|e| format!("cannot read {}: {e}", source.display()))?;
    if meta.is_file() {
        return Ok(vec![(
            source.to_path_buf(),
            dest.to_string(),
            meta.permissions().mode() & 0o7777,
        )]);
    }
    let contents_only = source.to_string_lossy().ends_with('/');
    let root = if contents_only {
        dest.trim_end_matches('/').to_string()
    } else {
        let name = source
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        format!("{}/{name}", dest.trim_end_matches('/'))
    };
    let mut out = Vec::new();
    for (rel, path) in crate::fingerprint::walk(source)? {
        let mode = std::fs::metadata(&path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o644);
        out.push((path, format!("{root}/{rel}"), mode));
    }
    Ok(out)
}

async fn shell_local(
    p: &Value,
    base_dir: &Path,
    build: &BuildInfo,
    log: &mut Log,
) -> Result<(), String> {
    let mut commands: Vec<String> = Vec::new();
    if let Some(c) = str_attr(p, "command") {
        commands.push(c.to_string());
    }
    let inline = crate::values::strings(attr(p, "inline"));
    if !inline.is_empty() {
        commands.push(inline.join("\n"));
    }
    let mut scripts = crate::values::strings(attr(p, "scripts"));
    if let Some(s) = str_attr(p, "script") {
        scripts.insert(0, s.to_string());
    }
    for s in scripts {
        commands.push(quote(&base_dir.join(&s).to_string_lossy()));
    }
    let dir = str_attr(p, "working_dir")
        .map(|d| base_dir.join(d))
        .unwrap_or_else(|| base_dir.to_path_buf());
    for command in commands {
        let out = tokio::process::Command::new("/bin/sh")
            .args(["-ec", &command])
            .current_dir(&dir)
            .envs(env_pairs(p))
            .env("KILN_BUILD_HOST", &build.host)
            .env("KILN_BUILD_PORT", build.port.to_string())
            .env("KILN_BUILD_USER", &build.user)
            .env("KILN_BUILD_SSH_KEY_FILE", &build.key_file)
            .env("KILN_BUILD_ID", &build.id)
            .env("KILN_BUILD_NAME", &build.name)
            .output()
            .await
            .map_err(|e| format!("cannot run /bin/sh: {e}"))?;
        log.write(&out.stdout);
        log.write(&out.stderr);
        if !out.status.success() {
            return Err(format!("the local command exited with {}", out.status));
        }
    }
    Ok(())
}
