//! The operator CLI's signing commands: picfit's `signature` and Picsum's `sign`.

use super::*;

#[test]
fn signature_cli_prints_what_picfit_accepts() {
    let out = Command::new(env!("CARGO_BIN_EXE_picsum"))
        .args(["signature", "--key=abcdef", "w=100&h=100&op=resize"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Query String: w=100&h=100&op=resize\n\
         Signature: 954eec9dfa9390f8f4264e15bb95f5f54e6fe953\n\
         Signed Query String: w=100&h=100&op=resize&sig=954eec9dfa9390f8f4264e15bb95f5f54e6fe953\n"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_picsum"))
        .args(["signature", "--key=", "w=1"])
        .env_remove("IMAGE_PICFIT_SECRET_KEY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("You must provide a key"));
}

#[test]
fn sign_reads_paths_from_stdin() {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_picsum"))
        .args(["sign", "--key", KEY, "--base", "http://img", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"/id/1/200/300.jpg\n\n/id/2/10/10.webp?blur=2\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(
        lines,
        [
            signed("http://img", "/id/1/200/300.jpg"),
            signed("http://img", "/id/2/10/10.webp?blur=2"),
        ]
    );
}
