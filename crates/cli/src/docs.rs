//! `picsum completions SHELL` and `picsum man`: the shell completion scripts and the man
//! page, generated from the same clap definition the CLI parses with, so they never drift.

use std::io::Write;

use clap::CommandFactory;

use crate::args::Cli;

/// Writes `shell`'s completion script for `picsum` to stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> anyhow::Result<()> {
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "picsum", &mut std::io::stdout().lock());
    Ok(())
}

/// Writes the man page, `picsum(1)` in roff with a section per subcommand, to stdout.
pub(crate) fn man() -> anyhow::Result<()> {
    let command = Cli::command();
    let mut out = std::io::stdout().lock();
    let page = clap_mangen::Man::new(command.clone());
    page.render_title(&mut out)?;
    page.render_name_section(&mut out)?;
    page.render_synopsis_section(&mut out)?;
    page.render_description_section(&mut out)?;
    page.render_options_section(&mut out)?;
    writeln!(out, ".SH COMMANDS")?;
    for sub in command.get_subcommands() {
        let about = sub.get_about().map(ToString::to_string).unwrap_or_default();
        writeln!(
            out,
            ".TP\n\\fBpicsum {}\\fR\n{}",
            sub.get_name(),
            roff_text(&about)
        )?;
    }
    page.render_version_section(&mut out)?;
    Ok(())
}

/// `text` safe as a roff text line: backslashes doubled, and a leading `.` or `'` (a
/// request) escaped.
fn roff_text(text: &str) -> String {
    let text = text.replace('\\', "\\\\");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roff_requests_are_escaped() {
        assert_eq!(roff_text(".hidden"), "\\&.hidden");
        assert_eq!(roff_text("a\\b"), "a\\\\b");
        assert_eq!(roff_text("plain"), "plain");
    }
}
