//! `powershell`: scripts run on a Windows build machine over SSH, without needing `sh`
//! there (Windows' OpenSSH server starts commands with `cmd.exe` or PowerShell).
//!
//! Each script (`inline` as one script, or each of `script` / `scripts`) is sent as the
//! standard input of exactly this command:
//!
//! ```text
//! powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand <B64>
//! ```
//!
//! where `<B64>` is the base64 of the UTF-16LE text of a small bootstrap
//! ([`bootstrap`]) that:
//! 1. switches the console's output to UTF-8 (Kiln reads the output as UTF-8);
//! 2. sets each `environment` entry as `${env:NAME} = 'value'`;
//! 3. reads its standard input to the end as UTF-8 and writes it, with a byte-order mark
//!    (which Windows PowerShell 5.1 needs to read UTF-8), to
//!    `%TEMP%\kiln-<build id>-<n>.ps1`;
//! 4. runs it with `& 'that path'` — or `execute_command`, a PowerShell statement in which
//!    `{{.Path}}` is that path as a quoted string and `{{.Vars}}` the environment
//!    statements — and removes the file;
//! 5. exits with the script's exit code (`$LASTEXITCODE`, so `exit 3` in the script gives
//!    3), or 1 when the script throws.
//!
//! The script runs from a file rather than as a `[ScriptBlock]` so that `exit N`,
//! `$PSScriptRoot` and error positions behave as in any `.ps1` file, as they do in
//! Packer's powershell provisioner. Nothing else is needed on the guest: no upload
//! helper, no `sh`. `valid_exit_codes` and `expect_disconnect` work as for `shell`.
//! Like `shell`'s, the environment travels on the command line, so it is visible in the
//! guest's process list while the script runs.

use base64::Engine;
use kiln_builtin::object::str_attr;
use kiln_core::lang::Value;

use super::options::{environment, flag, scripts, valid_exit_codes};
use super::shell::{check_status, exec_logged};
use super::{Failure, Provisioning};

pub(crate) async fn run(p: &Value, env: Provisioning<'_>) -> Result<(), Failure> {
    let session = env.session("powershell")?;
    let valid = valid_exit_codes(p);
    let expect_disconnect = flag(p, "expect_disconnect");
    let vars = environment(p);
    for (n, (name, body)) in scripts(p, env.base_dir, "")?.into_iter().enumerate() {
        let file = format!("kiln-{}-{n}.ps1", env.build.id);
        let script = bootstrap(&vars, &file, str_attr(p, "execute_command"))?;
        let status = exec_logged(session, &command_line(&script), Some(&body), env.log)
            .await
            .map_err(|e| format!("running {name}: {e}"))?;
        check_status(&name, &status, &valid, expect_disconnect)?;
    }
    Ok(())
}

/// The command that runs `bootstrap` (PowerShell source) on the guest.
pub fn command_line(bootstrap: &str) -> String {
    let utf16: Vec<u8> = bootstrap
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    format!(
        "powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand {}",
        base64::engine::general_purpose::STANDARD.encode(utf16)
    )
}

/// The PowerShell source that reads a script from stdin into `%TEMP%\<file>` and runs
/// it (see the module documentation).
pub fn bootstrap(
    vars: &[(String, String)],
    file: &str,
    execute_command: Option<&str>,
) -> Result<String, String> {
    let mut env_lines = String::new();
    for (k, v) in vars {
        let valid = k
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !valid {
            return Err(format!(
                "environment name \"{k}\" is not a variable name (letters, digits and _, not starting with a digit)"
            ));
        }
        env_lines.push_str(&format!("${{env:{k}}} = {}\n", ps_quote(v)));
    }
    let run = match execute_command {
        Some(t) => t
            .replace("{{.Path}}", "$kilnPath")
            .replace("{{.Vars}}", &env_lines.replace('\n', "; ")),
        None => "& $kilnPath".to_string(),
    };
    Ok(format!(
        r#"$ProgressPreference = 'SilentlyContinue'
try {{ [Console]::OutputEncoding = New-Object System.Text.UTF8Encoding $false }} catch {{ }}
{env_lines}$kilnIn = [Console]::OpenStandardInput()
$kilnBuf = New-Object System.IO.MemoryStream
$kilnIn.CopyTo($kilnBuf)
$kilnText = [System.Text.Encoding]::UTF8.GetString($kilnBuf.ToArray()).TrimStart([char]0xFEFF)
$kilnPath = Join-Path ([System.IO.Path]::GetTempPath()) {file}
[System.IO.File]::WriteAllText($kilnPath, $kilnText, (New-Object System.Text.UTF8Encoding $true))
$global:LASTEXITCODE = 0
$kilnCode = 0
try {{
  {run}
  $kilnCode = $LASTEXITCODE
}} catch {{
  [Console]::Error.WriteLine(($_ | Out-String))
  $kilnCode = 1
}} finally {{
  Remove-Item -Force -ErrorAction SilentlyContinue -LiteralPath $kilnPath
}}
exit $kilnCode
"#,
        file = ps_quote(file),
    ))
}

/// A PowerShell single-quoted string. PowerShell also ends such strings at typographic
/// single quotes, so those are doubled too.
pub fn ps_quote(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_doubles_every_kind_of_single_quote() {
        assert_eq!(ps_quote("it's"), "'it''s'");
        assert_eq!(ps_quote("a\u{2019}b"), "'a\u{2019}\u{2019}b'");
        assert_eq!(ps_quote("$x `y"), "'$x `y'");
    }

    #[test]
    fn the_command_carries_the_bootstrap_as_utf16le_base64() {
        let script =
            bootstrap(&[("GREETING".into(), "hi 'you'".into())], "k.ps1", None).expect("bootstrap");
        assert!(
            script.contains("${env:GREETING} = 'hi ''you'''\n"),
            "{script}"
        );
        assert!(script.contains("& $kilnPath"), "{script}");
        let cmd = command_line(&script);
        let b64 = cmd
            .strip_prefix(
                "powershell -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand ",
            )
            .expect("prefix");
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64)
            .expect("base64");
        let units: Vec<u16> = bytes
            .chunks(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).expect("utf-16"), script);
    }

    #[test]
    fn bad_environment_names_are_refused() {
        let e = bootstrap(&[("A-B".into(), "x".into())], "k.ps1", None).expect_err("bad");
        assert!(e.contains("\"A-B\""), "{e}");
    }
}
