//! The generated files committed under `completions/` and `man/`: shell completion scripts
//! (clap_complete) and man pages (clap_mangen), all derived from [`crate::cli::command`], so a
//! flag is documented once, where it is defined.
//!
//! `tests/e2e/generated.rs` fails when a committed file is stale;
//! `UPDATE_GENERATED=1 cargo test --test e2e generated` rewrites them.
//!
//! Completion for `kubectl netscaler …` (the plugin form) is not a script: kubectl (1.26 and
//! later) runs the `kubectl_complete-netscaler` executable shipped beside the plugin (see
//! [`crate::cli::complete`]). The scripts here complete the `kubectl-netscaler` executable when
//! it is run directly.
//!
//! Everything here is pure and deterministic (no date in the man pages, no environment values),
//! so the committed files only change when the command line does.

use clap::Command;
use clap_complete::{Generator, Shell};
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, italic, roman};
use std::path::PathBuf;

/// The name completions and man pages are generated for.
pub const BIN_NAME: &str = "kubectl-netscaler";

/// Directory of the completion scripts, relative to the repository root.
pub const COMPLETIONS_DIR: &str = "completions";

/// Directory of the man pages, relative to the repository root.
pub const MAN_DIR: &str = "man";

/// The shells completion scripts are generated for.
pub const SHELLS: [Shell; 4] = [Shell::Bash, Shell::Zsh, Shell::Fish, Shell::PowerShell];

/// Environment variables the product reads that are not the `env` of a flag (those are listed
/// from the flag definitions). Keep in step with SPEC §5 and §6.
const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NETSCALER_PASSWORD",
        "The NITRO password. There is deliberately no password flag; the alternatives are \
         --adc-password-file and --adc-secret. The password never appears in output, logs, \
         errors or plan files.",
    ),
    (
        "KUBECONFIG",
        "Kubeconfig file(s) to use when --kubeconfig is not given, as for kubectl; without \
         either, ~/.kube/config, then the in-cluster configuration.",
    ),
    (
        "KUBECTL_NETSCALER_LOG",
        "Log filter for stderr (tracing EnvFilter syntax, e.g. kubectl_netscaler=debug); \
         overrides -v.",
    ),
    (
        "NO_COLOR",
        "When set and not empty, no colour in output (unless --color always).",
    ),
    (
        "CI",
        "When set, apply and teardown never prompt: a missing --yes is an error (exit 6), \
         never a hang.",
    ),
];

/// Every environment variable the product reads: those behind flags (`NETSCALER_URL`, ...) and
/// those of the man pages' ENVIRONMENT section, sorted. Tests clear them all, so that they never
/// depend on the shell they run in.
pub fn environment_variables() -> Vec<String> {
    fn walk(cmd: &Command, out: &mut Vec<String>) {
        out.extend(
            cmd.get_arguments()
                .filter_map(|a| a.get_env())
                .map(|e| e.to_string_lossy().into_owned()),
        );
        for sub in cmd.get_subcommands() {
            walk(sub, out);
        }
    }
    let mut out: Vec<String> = ENVIRONMENT
        .iter()
        .map(|(name, _)| name.to_string())
        .collect();
    walk(&<super::Cli as clap::CommandFactory>::command(), &mut out);
    out.sort();
    out.dedup();
    out
}

/// Every generated file: its path relative to the repository root and its contents, sorted by
/// path.
pub fn files() -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = completions();
    out.extend(man_pages());
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The completion scripts, one per shell of [`SHELLS`], under the file names clap_complete
/// proposes (`kubectl-netscaler.bash`, `_kubectl-netscaler`, `kubectl-netscaler.fish`,
/// `_kubectl-netscaler.ps1`).
pub fn completions() -> Vec<(PathBuf, Vec<u8>)> {
    SHELLS
        .iter()
        .map(|shell| {
            let mut cmd = crate::cli::command();
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut cmd, BIN_NAME, &mut buf);
            if *shell == Shell::Bash {
                buf = fix_bash_hyphenated_bin_name(buf);
                buf.extend_from_slice(BASH_KUBECTL_PLUGIN.as_bytes());
            }
            (
                PathBuf::from(COMPLETIONS_DIR).join(shell.file_name(BIN_NAME)),
                buf,
            )
        })
        .collect()
}

/// Appended to the bash script: `kubectl netscaler <TAB>` completes too. kubectl's own bash
/// completion (1.26 and later) already asks a plugin's completer; this covers a shell where only
/// this script is loaded, and hands every other kubectl command to kubectl's completion when it
/// is loaded. With `kubectl_complete-netscaler` on PATH (krew installs it) the answers are the
/// dynamic ones (kubeconfig contexts, clusters and users; file names for file-valued flags);
/// without it, the static ones of this script.
const BASH_KUBECTL_PLUGIN: &str = r#"
# `kubectl netscaler ...`
_kubectl_netscaler_plugin_words() {
    local out directive line cur=${!#}
    out=$(kubectl_complete-netscaler "$@" 2>/dev/null) || return 1
    directive=${out##*:}
    out=${out%:*}
    COMPREPLY=()
    while IFS= read -r line; do
        [[ -n $line ]] && COMPREPLY+=("$line")
    done <<< "$out"
    if (( (directive & 4) == 0 )); then
        while IFS= read -r line; do
            [[ -n $line ]] && COMPREPLY+=("$line")
        done < <(compgen -f -- "$cur")
    fi
}

_kubectl_netscaler_kubectl() {
    if [[ ${COMP_WORDS[1]} == netscaler ]] && (( COMP_CWORD >= 2 )); then
        if command -v kubectl_complete-netscaler >/dev/null 2>&1; then
            _kubectl_netscaler_plugin_words "${COMP_WORDS[@]:2:COMP_CWORD-1}"
            return
        fi
        COMP_WORDS=(kubectl-netscaler "${COMP_WORDS[@]:2}")
        COMP_CWORD=$((COMP_CWORD - 1))
        _kubectl__netscaler kubectl-netscaler "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
        return
    fi
    if declare -F __start_kubectl >/dev/null; then
        __start_kubectl "$@"
    fi
}

complete -o default -F _kubectl_netscaler_kubectl kubectl
"#;

/// clap_complete's bash script spells the state of a subcommand of a hyphenated bin name two
/// ways: the word loop sets `cmd="kubectl__netscaler__subcmd__plan"`, the `case` arms test
/// `kubectl__subcmd__netscaler__subcmd__plan)`, so nothing after a subcommand ever completes
/// (clap-rs/clap#6421). Spell the arms as the loop does; a no-op once clap_complete is fixed.
fn fix_bash_hyphenated_bin_name(script: Vec<u8>) -> Vec<u8> {
    let wrong = BIN_NAME.replace('-', "__subcmd__");
    let right = BIN_NAME.replace('-', "__");
    String::from_utf8(script)
        .expect("clap_complete writes UTF-8")
        .replace(&wrong, &right)
        .into_bytes()
}

/// The man pages: `kubectl-netscaler.1` and one `kubectl-netscaler-<subcommand>.1` per
/// subcommand.
pub fn man_pages() -> Vec<(PathBuf, Vec<u8>)> {
    let mut root = crate::cli::command().disable_help_subcommand(true);
    // Building propagates the global flags into the subcommands and gives each subcommand its
    // display name (`kubectl-netscaler-plan`) and bin name (`kubectl-netscaler plan`).
    root.build();
    let mut pages = vec![(root.clone(), true)];
    pages.extend(
        root.get_subcommands()
            .filter(|s| !s.is_hide_set())
            .map(|s| (s.clone(), false)),
    );
    let names: Vec<String> = pages.iter().map(|(cmd, _)| display_name(cmd)).collect();
    pages
        .into_iter()
        .map(|(cmd, is_root)| {
            let name = display_name(&cmd);
            let see_also: Vec<&str> = names
                .iter()
                .map(String::as_str)
                .filter(|n| *n != name)
                .collect();
            let page = man_page(cmd, is_root, &see_also);
            (PathBuf::from(MAN_DIR).join(format!("{name}.1")), page)
        })
        .collect()
}

fn display_name(cmd: &Command) -> String {
    cmd.get_display_name()
        .unwrap_or_else(|| cmd.get_name())
        .to_string()
}

/// One man page: clap_mangen's sections, with the exit-status table as its own EXIT STATUS
/// section instead of clap's free-form after-help, then ENVIRONMENT and SEE ALSO.
fn man_page(cmd: Command, is_root: bool, see_also: &[&str]) -> Vec<u8> {
    let has_args = cmd.get_arguments().any(|a| !a.is_hide_set());
    let has_subcommands = cmd.get_subcommands().any(|s| !s.is_hide_set());
    let after_help = cmd
        .get_after_long_help()
        .or_else(|| cmd.get_after_help())
        .map(|s| s.to_string());
    let has_version = cmd.get_version().is_some();
    let env_flags: Vec<(String, String, String)> = cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && !a.is_hide_env_set())
        .filter_map(|a| {
            let env = a.get_env()?.to_string_lossy().into_owned();
            let flag = format!("--{}", a.get_long()?);
            let help = a.get_help().map(|h| h.to_string()).unwrap_or_default();
            Some((env, flag, help))
        })
        .collect();

    let man = Man::new(cmd)
        .section("1")
        .source(format!("{BIN_NAME} {}", env!("CARGO_PKG_VERSION")))
        .manual("kubectl-netscaler manual");

    // Each render_* call starts with the same roff preamble; keep only the first.
    let preamble = Roff::new().render();
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut push = |render: &dyn Fn(&mut Vec<u8>) -> std::io::Result<()>| {
        let mut buf = Vec::new();
        render(&mut buf).expect("rendering into memory cannot fail");
        chunks.push(buf);
    };
    push(&|w| man.render_title(w));
    push(&|w| man.render_name_section(w));
    push(&|w| man.render_synopsis_section(w));
    push(&|w| man.render_description_section(w));
    if is_root {
        push(&|w| {
            let mut roff = Roff::new();
            roff.control("PP", []).text([
                roman("Installed on the PATH (e.g. with krew), it runs as the kubectl plugin "),
                bold("kubectl netscaler"),
                roman("; kubectl 1.26 and later complete its arguments through the "),
                bold("kubectl_complete-netscaler"),
                roman(" executable installed beside it."),
            ]);
            roff.to_writer(w)
        });
    }
    if has_args {
        push(&|w| man.render_options_section(w));
    }
    if has_subcommands {
        push(&|w| man.render_subcommands_section(w));
    }
    if after_help
        .as_deref()
        .is_some_and(|h| h.trim() != crate::exit::ExitStatus::HELP_TABLE.trim())
    {
        push(&|w| man.render_extra_section(w));
    }
    push(&|w| exit_status_section().to_writer(w));
    push(&|w| environment_section(&env_flags).to_writer(w));
    push(&|w| see_also_section(see_also).to_writer(w));
    if has_version {
        push(&|w| man.render_version_section(w));
    }

    let mut out = Vec::new();
    for (i, chunk) in chunks.into_iter().enumerate() {
        match chunk.strip_prefix(preamble.as_bytes()) {
            Some(rest) if i > 0 => out.extend_from_slice(rest),
            _ => out.extend_from_slice(&chunk),
        }
    }
    out
}

/// EXIT STATUS from [`crate::exit::ExitStatus::HELP_TABLE`]: its title line dropped, one
/// tagged paragraph per status, continuation lines joined to their status.
fn exit_status_section() -> Roff {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in crate::exit::ExitStatus::HELP_TABLE.lines().skip(1) {
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        let (first, rest) = trimmed
            .split_once(char::is_whitespace)
            .unwrap_or((trimmed, ""));
        match entries.last_mut() {
            Some((_, text)) if !first.chars().all(|c| c.is_ascii_digit()) => {
                text.push(' ');
                text.push_str(trimmed);
            }
            _ => entries.push((first.to_string(), rest.trim().to_string())),
        }
    }
    let mut roff = Roff::new();
    roff.control("SH", ["EXIT STATUS"]);
    for (code, text) in entries {
        roff.control("TP", [])
            .text([bold(code)])
            .text([roman(text)]);
    }
    roff
}

/// ENVIRONMENT: the variables bound to flags (from their definitions), then the others.
fn environment_section(env_flags: &[(String, String, String)]) -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["ENVIRONMENT"]);
    for (env, flag, help) in env_flags {
        roff.control("TP", []).text([bold(env.as_str())]).text([
            roman("Default of "),
            bold(flag.as_str()),
            roman(format!(": {help}")),
        ]);
    }
    for (env, text) in ENVIRONMENT {
        roff.control("TP", [])
            .text([bold(*env)])
            .text([roman(*text)]);
    }
    roff
}

fn see_also_section(pages: &[&str]) -> Roff {
    let mut refs = vec![bold("kubectl"), roman("(1)")];
    for page in pages {
        refs.push(roman(", "));
        refs.push(bold(*page));
        refs.push(roman("(1)"));
    }
    refs.push(roman(", "));
    refs.push(italic(
        "https://github.com/kubectl-netscaler/kubectl-netscaler",
    ));
    let mut roff = Roff::new();
    roff.control("SH", ["SEE ALSO"]).text(refs);
    roff
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(name: &str) -> String {
        let path = PathBuf::from(MAN_DIR).join(name);
        let (_, bytes) = files()
            .into_iter()
            .find(|(p, _)| *p == path)
            .unwrap_or_else(|| panic!("no generated {}", path.display()));
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn one_man_page_per_subcommand_and_a_script_per_shell() {
        let paths: Vec<String> = files()
            .iter()
            .map(|(p, _)| p.display().to_string())
            .collect();
        for want in [
            "completions/kubectl-netscaler.bash",
            "completions/_kubectl-netscaler",
            "completions/kubectl-netscaler.fish",
            "completions/_kubectl-netscaler.ps1",
            "man/kubectl-netscaler.1",
            "man/kubectl-netscaler-plan.1",
            "man/kubectl-netscaler-diff.1",
            "man/kubectl-netscaler-apply.1",
            "man/kubectl-netscaler-teardown.1",
        ] {
            assert!(paths.contains(&want.to_string()), "{want} not in {paths:?}");
        }
        assert!(!paths.iter().any(|p| p.contains("help")), "{paths:?}");
    }

    #[test]
    fn man_pages_have_exit_status_and_environment() {
        for name in ["kubectl-netscaler.1", "kubectl-netscaler-apply.1"] {
            let text = page(name);
            assert!(text.contains(".SH \"EXIT STATUS\""), "{name}:\n{text}");
            assert!(!text.contains(".SH EXTRA"), "{name}:\n{text}");
            for code in ["0", "1", "2", "3", "4", "5", "6", "130"] {
                assert!(
                    text.contains(&format!(".TP\n\\fB{code}\\fR\n")),
                    "{name}: {code}"
                );
            }
            assert!(text.contains("lock held by another writer"), "{name}");
            assert!(text.contains(".SH ENVIRONMENT"), "{name}");
            for env in environment_variables() {
                assert!(text.contains(&format!("\\fB{env}\\fR")), "{name}: {env}");
            }
            assert_eq!(
                text.matches(".ie \\n(.g").count(),
                1,
                "{name}: one preamble"
            );
        }
        // Subcommand pages carry the global flags and the subcommand's own.
        let plan = page("kubectl-netscaler-plan.1");
        assert!(plan.contains("cluster\\-file"), "{plan}");
        assert!(plan.contains("adc\\-url"), "{plan}");
    }

    #[test]
    fn bash_case_arms_match_the_states_the_word_loop_sets() {
        let (_, script) = completions()
            .into_iter()
            .find(|(p, _)| p.extension().is_some_and(|e| e == "bash"))
            .unwrap();
        let script = String::from_utf8(script).unwrap();
        let states: Vec<&str> = script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("cmd=\""))
            .filter_map(|l| l.strip_suffix('"'))
            .filter(|s| !s.is_empty())
            .collect();
        let arms: Vec<&str> = script
            .lines()
            .filter(|l| l.starts_with("        ") && !l.starts_with("         "))
            .filter_map(|l| l.trim().strip_suffix(')'))
            .filter(|l| l.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .collect();
        assert!(
            states.contains(&"kubectl__netscaler__subcmd__plan"),
            "{states:?}"
        );
        for state in &states {
            assert!(
                arms.contains(state),
                "no case arm for {state}; arms: {arms:?}"
            );
        }
    }

    #[test]
    fn deterministic() {
        assert_eq!(files(), files());
    }
}
