//! Layered configuration for the binaries: defaults, then a config file, then environment
//! variables, then command-line flags (each layer overrides the one before).
//!
//! The file is an environment file (`KEY=value` lines, `#` comments, optional quotes), the
//! format of systemd's `EnvironmentFile` and Kubernetes' `envFrom`, so one file serves every
//! way of running the services. It is named by `--config FILE` or the `<PREFIX>_CONFIG_FILE`
//! variable; its keys are the same variable names (`PICSUM_LISTEN`, `IMAGE_WORKERS`, …).
//!
//! Every setting `NAME` may also be given as `NAME_FILE=path`, the value being that file's
//! contents: how Kubernetes and other platforms hand secrets over as mounted files, so keys
//! and database passwords stay out of the manifests' environment. [`export_secret_files`]
//! turns them into environment variables at start-up, so they rank with the environment.

use std::collections::HashMap;
use std::ffi::OsString;
use std::path::Path;

use clap::parser::ValueSource;
use clap::{CommandFactory, FromArgMatches};

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The config file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A line is not `KEY=value`.
    #[error("config file {path}, line {line}: expected KEY=value")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
    },
    /// A key names no setting.
    #[error("config file {path}: unknown setting {key}")]
    UnknownKey {
        /// The file.
        path: String,
        /// The key.
        key: String,
    },
    /// A setting is given both as `NAME` and as `NAME_FILE`.
    #[error("{name} and {name}_FILE are both set: keep one")]
    Twice {
        /// The setting's variable.
        name: String,
    },
    /// Flags, environment or file values do not parse.
    #[error(transparent)]
    Clap(#[from] clap::Error),
}

impl ConfigError {
    /// Reports the error (or the help and version texts clap answers with) and ends the
    /// process: exit code 0 for `--help`/`--version`, 2 otherwise.
    pub fn exit(self) -> ! {
        match self {
            Self::Clap(e) => e.exit(),
            other => {
                eprintln!("error: {other}");
                std::process::exit(2)
            }
        }
    }
}

/// Parses an environment file.
///
/// # Errors
/// Unreadable file or a malformed line.
pub fn read_env_file(path: &Path) -> Result<HashMap<String, String>, ConfigError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: shown.clone(),
        source,
    })?;
    let mut values = HashMap::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let (key, value) = line.split_once('=').ok_or(ConfigError::Syntax {
            path: shown.clone(),
            line: n + 1,
        })?;
        let value = value.trim();
        let unquoted = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
            .unwrap_or(value);
        values.insert(key.trim().to_owned(), unquoted.to_owned());
    }
    Ok(values)
}

/// Parses `T` from `args` and the environment, with `file` values (keyed by each setting's
/// environment variable) used for every setting left at its default.
///
/// # Errors
/// Unknown keys in the file, or values that do not parse.
pub fn parse_layered<T: CommandFactory + FromArgMatches>(
    args: Vec<OsString>,
    file: Option<(&Path, HashMap<String, String>)>,
) -> Result<T, ConfigError> {
    let matches = T::command().try_get_matches_from(&args)?;
    let Some((path, mut values)) = file else {
        return Ok(T::from_arg_matches(&matches)?);
    };
    let mut layered = args;
    for arg in T::command().get_arguments() {
        let (Some(env), Some(long)) = (arg.get_env(), arg.get_long()) else {
            continue;
        };
        let Some(value) = values.remove(env.to_string_lossy().as_ref()) else {
            continue;
        };
        // Settings left at their default, or unset without one (an optional URL, say).
        let source = matches.value_source(arg.get_id().as_str());
        if matches!(source, None | Some(ValueSource::DefaultValue)) {
            layered.push(OsString::from(format!("--{long}={value}")));
        }
    }
    if let Some(key) = values.keys().find(|k| !k.ends_with("_CONFIG_FILE")) {
        return Err(ConfigError::UnknownKey {
            path: path.display().to_string(),
            key: key.clone(),
        });
    }
    Ok(T::from_arg_matches(
        &T::command().try_get_matches_from(layered)?,
    )?)
}

/// The settings given as `NAME_FILE=path` (by `var`, the environment's lookup), for every
/// name in `names`: each file's contents, less one trailing line end.
///
/// # Errors
/// A setting given both ways, or an unreadable file.
pub fn secret_files<'a>(
    names: impl IntoIterator<Item = &'a str>,
    var: impl Fn(&str) -> Option<OsString>,
) -> Result<HashMap<String, String>, ConfigError> {
    let mut values = HashMap::new();
    for name in names {
        let Some(path) = var(&format!("{name}_FILE")) else {
            continue;
        };
        if var(name).is_some() {
            return Err(ConfigError::Twice {
                name: name.to_owned(),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read {
            path: Path::new(&path).display().to_string(),
            source,
        })?;
        let text = text.strip_suffix('\n').unwrap_or(&text);
        let text = text.strip_suffix('\r').unwrap_or(text);
        values.insert(name.to_owned(), text.to_owned());
    }
    Ok(values)
}

/// The environment variable of every setting of `command` and its subcommands.
pub fn setting_names(command: &clap::Command) -> Vec<String> {
    let mut names: Vec<String> = command
        .get_arguments()
        .filter_map(|a| a.get_env().map(|e| e.to_string_lossy().into_owned()))
        .collect();
    for sub in command.get_subcommands() {
        names.extend(setting_names(sub));
    }
    names.sort();
    names.dedup();
    names
}

/// The settings that may be given as `NAME_FILE`: all of `names` but those whose `NAME_FILE`
/// is a setting of its own (`IMAGE_PRESETS_FILE` names a presets file; it is not
/// `IMAGE_PRESETS` read from a file).
fn file_forms(names: Vec<String>) -> Vec<String> {
    let own: std::collections::HashSet<String> = names.iter().cloned().collect();
    names
        .into_iter()
        .filter(|n| !own.contains(&format!("{n}_FILE")))
        .collect()
}

/// Replaces each `NAME_FILE=path` of the process's environment, for the settings of `T` and
/// the `extra` names (variables other libraries read, such as `AWS_SECRET_ACCESS_KEY`), by
/// `NAME=<the file's contents>`. Call it first thing in `main`, before any thread starts.
///
/// # Errors
/// As [`secret_files`].
pub fn export_secret_files<T: CommandFactory>(extra: &[&str]) -> Result<(), ConfigError> {
    let mut names = file_forms(setting_names(&T::command()));
    names.extend(extra.iter().map(|n| (*n).to_owned()));
    let values = secret_files(names.iter().map(String::as_str), |n| std::env::var_os(n))?;
    for (name, value) in values {
        set_env(&name, &value);
        remove_env(&format!("{name}_FILE"));
    }
    Ok(())
}

#[expect(
    unsafe_code,
    reason = "set_var: export_secret_files runs before main starts any thread"
)]
fn set_env(name: &str, value: &str) {
    // SAFETY: called only from export_secret_files, documented to run before any thread.
    unsafe { std::env::set_var(name, value) }
}

#[expect(
    unsafe_code,
    reason = "remove_var: export_secret_files runs before main starts any thread"
)]
fn remove_env(name: &str) {
    // SAFETY: as set_env.
    unsafe { std::env::remove_var(name) }
}

/// The usual entry point of a binary: the process arguments, the file named by `--config FILE`
/// or `<prefix>_CONFIG_FILE`, and the environment (where [`export_secret_files`] has put the
/// `NAME_FILE` settings).
///
/// # Errors
/// As [`parse_layered`] and [`read_env_file`].
pub fn load<T: CommandFactory + FromArgMatches>(prefix: &str) -> Result<T, ConfigError> {
    let mut args: Vec<OsString> = std::env::args_os().collect();
    let mut file = std::env::var_os(format!("{prefix}_CONFIG_FILE"));
    if let Some(i) = args.iter().position(|a| a == "--config") {
        if i + 1 < args.len() {
            file = Some(args.remove(i + 1));
        }
        args.remove(i);
    } else if let Some(i) = args
        .iter()
        .position(|a| a.to_string_lossy().starts_with("--config="))
    {
        let arg = args.remove(i);
        file = arg
            .to_string_lossy()
            .strip_prefix("--config=")
            .map(OsString::from);
    }
    let file = match file {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let values = read_env_file(&path)?;
            Some((path, values))
        }
        None => None,
    };
    parse_layered(args, file.as_ref().map(|(p, v)| (p.as_path(), v.clone())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, clap::Parser)]
    struct Demo {
        #[arg(long, env = "DEMO_TEST_LISTEN", default_value = "127.0.0.1:1")]
        listen: String,
        #[arg(long, env = "DEMO_TEST_WORKERS", default_value_t = 3)]
        workers: u16,
        #[arg(long, env = "DEMO_TEST_KEY_UNSET_IN_ENV", default_value = "")]
        key: String,
        #[arg(long, env = "DEMO_TEST_URL_UNSET_IN_ENV")]
        url: Option<String>,
    }

    fn file(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn file_fills_defaults_and_flags_win() {
        let path = Path::new("demo.env");
        let values = file(&[
            ("DEMO_TEST_LISTEN", "0.0.0.0:9"),
            ("DEMO_TEST_WORKERS", "8"),
        ]);
        let d: Demo = parse_layered(
            vec!["demo".into(), "--workers".into(), "2".into()],
            Some((path, values)),
        )
        .unwrap();
        assert_eq!(
            (d.listen.as_str(), d.workers, d.key.as_str()),
            ("0.0.0.0:9", 2, "")
        );
        let d: Demo = parse_layered(vec!["demo".into()], None).unwrap();
        assert_eq!((d.listen.as_str(), d.workers), ("127.0.0.1:1", 3));
        // A setting without a default (an optional URL) comes from the file too.
        let values = file(&[("DEMO_TEST_URL_UNSET_IN_ENV", "s3://bucket")]);
        let d: Demo = parse_layered(vec!["demo".into()], Some((path, values))).unwrap();
        assert_eq!(d.url.as_deref(), Some("s3://bucket"));
    }

    #[test]
    fn unknown_keys_and_bad_values_are_refused() {
        let path = Path::new("demo.env");
        let err = parse_layered::<Demo>(
            vec!["demo".into()],
            Some((path, file(&[("DEMO_TEST_LISTN", "x")]))),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::UnknownKey { .. }), "{err}");
        let err = parse_layered::<Demo>(
            vec!["demo".into()],
            Some((path, file(&[("DEMO_TEST_WORKERS", "many")]))),
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::Clap(_)), "{err}");
    }

    #[test]
    fn a_setting_named_like_a_file_form_keeps_its_own_meaning() {
        let names = ["IMAGE_PRESETS", "IMAGE_PRESETS_FILE", "IMAGE_HMAC_KEY"].map(String::from);
        assert_eq!(
            file_forms(names.to_vec()),
            ["IMAGE_PRESETS_FILE", "IMAGE_HMAC_KEY"].map(String::from)
        );
    }

    #[test]
    fn settings_come_from_their_files() {
        let dir = std::env::temp_dir().join(format!("picsum-secretfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key = dir.join("key");
        std::fs::write(&key, "s3cret with spaces\n").unwrap();
        let env = |vars: &'static [(&'static str, &'static str)], path: OsString| {
            move |name: &str| {
                vars.iter().find(|(k, _)| *k == name).map(|(_, v)| {
                    if *v == "@" {
                        path.clone()
                    } else {
                        OsString::from(*v)
                    }
                })
            }
        };
        let names = setting_names(&Demo::command());
        assert!(
            names.contains(&"DEMO_TEST_KEY_UNSET_IN_ENV".to_owned()),
            "{names:?}"
        );
        let names = || names.iter().map(String::as_str);
        let found = secret_files(
            names(),
            env(
                &[("DEMO_TEST_KEY_UNSET_IN_ENV_FILE", "@")],
                key.clone().into(),
            ),
        )
        .unwrap();
        assert_eq!(found["DEMO_TEST_KEY_UNSET_IN_ENV"], "s3cret with spaces");
        let d: Demo = parse_layered(vec!["demo".into()], Some((&key, found))).unwrap();
        assert_eq!(d.key, "s3cret with spaces");
        let both = secret_files(
            names(),
            env(
                &[
                    ("DEMO_TEST_KEY_UNSET_IN_ENV_FILE", "@"),
                    ("DEMO_TEST_KEY_UNSET_IN_ENV", "x"),
                ],
                key.clone().into(),
            ),
        );
        assert!(matches!(both, Err(ConfigError::Twice { .. })), "{both:?}");
        let missing = secret_files(
            names(),
            env(
                &[("DEMO_TEST_URL_UNSET_IN_ENV_FILE", "@")],
                dir.join("absent").into(),
            ),
        );
        assert!(
            matches!(missing, Err(ConfigError::Read { .. })),
            "{missing:?}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn env_file_syntax() {
        let dir = std::env::temp_dir().join(format!("picsum-envfile-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("a.env");
        std::fs::write(&p, "# comment\n\nexport A=1\nB = \"two words\"\nC='x=y'\n").unwrap();
        let v = read_env_file(&p).unwrap();
        assert_eq!(
            (v["A"].as_str(), v["B"].as_str(), v["C"].as_str()),
            ("1", "two words", "x=y")
        );
        std::fs::write(&p, "A=1\nnonsense\n").unwrap();
        assert!(matches!(
            read_env_file(&p),
            Err(ConfigError::Syntax { line: 2, .. })
        ));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
