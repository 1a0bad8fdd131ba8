//! Cryptographic hash functions of strings and of files: hex digests (`md5`, `sha1`,
//! `sha256`, `sha512`) and base64 digests (`base64sha256`, `base64sha512`).

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use sha2::Digest as _;

use super::args::{hex, str_at};
use super::filesystem::read;
use super::{FuncCtx, FuncResult, FuncSpec, Param};
use crate::lang::types::Type;
use crate::lang::value::Value;

pub fn specs() -> Vec<FuncSpec> {
    let of_str =
        |name, f| FuncSpec::new(name, vec![Param::new("str", Type::String)], Type::String, f);
    let of_file = |name, f| {
        FuncSpec::new(
            name,
            vec![Param::new("path", Type::String)],
            Type::String,
            f,
        )
    };
    vec![
        of_str("md5", md5),
        of_str("sha1", sha1),
        of_str("sha256", sha256),
        of_str("sha512", sha512),
        of_str("base64sha256", base64sha256),
        of_str("base64sha512", base64sha512),
        of_file("filemd5", filemd5),
        of_file("filesha1", filesha1),
        of_file("filesha256", filesha256),
        of_file("filesha512", filesha512),
        of_file("filebase64sha256", filebase64sha256),
        of_file("filebase64sha512", filebase64sha512),
    ]
}

/// The digest algorithms, so each is named once.
#[derive(Clone, Copy)]
enum Algo {
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

fn digest(algo: Algo, data: &[u8]) -> Vec<u8> {
    match algo {
        Algo::Md5 => md5::Md5::digest(data).to_vec(),
        Algo::Sha1 => sha1::Sha1::digest(data).to_vec(),
        Algo::Sha256 => sha2::Sha256::digest(data).to_vec(),
        Algo::Sha512 => sha2::Sha512::digest(data).to_vec(),
    }
}

fn hex_of_str(args: &[Value], algo: Algo) -> FuncResult {
    Ok(Value::string(hex(&digest(
        algo,
        str_at(args, 0).as_bytes(),
    ))))
}

fn b64_of_str(args: &[Value], algo: Algo) -> FuncResult {
    Ok(Value::string(
        STANDARD.encode(digest(algo, str_at(args, 0).as_bytes())),
    ))
}

fn hex_of_file(ctx: &FuncCtx<'_>, args: &[Value], algo: Algo) -> FuncResult {
    Ok(Value::string(hex(&digest(algo, &read(ctx, args)?))))
}

fn b64_of_file(ctx: &FuncCtx<'_>, args: &[Value], algo: Algo) -> FuncResult {
    Ok(Value::string(
        STANDARD.encode(digest(algo, &read(ctx, args)?)),
    ))
}

fn md5(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_str(&args, Algo::Md5)
}
fn sha1(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_str(&args, Algo::Sha1)
}
fn sha256(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_str(&args, Algo::Sha256)
}
fn sha512(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_str(&args, Algo::Sha512)
}
fn base64sha256(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    b64_of_str(&args, Algo::Sha256)
}
fn base64sha512(_: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    b64_of_str(&args, Algo::Sha512)
}
fn filemd5(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_file(ctx, &args, Algo::Md5)
}
fn filesha1(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_file(ctx, &args, Algo::Sha1)
}
fn filesha256(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_file(ctx, &args, Algo::Sha256)
}
fn filesha512(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    hex_of_file(ctx, &args, Algo::Sha512)
}
fn filebase64sha256(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    b64_of_file(ctx, &args, Algo::Sha256)
}
fn filebase64sha512(ctx: &FuncCtx<'_>, args: Vec<Value>) -> FuncResult {
    b64_of_file(ctx, &args, Algo::Sha512)
}
