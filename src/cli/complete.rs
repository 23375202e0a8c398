//! Completion candidates for kubectl's plugin completion (`kubectl_complete-netscaler`), from
//! the same clap definition as everything else: subcommands, flags, enum values, file names for
//! file-valued flags, and the kubeconfig's contexts, clusters and users for `--context`,
//! `--cluster` and `--user` (as kubectl completes them).

use clap::{Command, ValueHint};
use std::path::PathBuf;

/// What to offer for the word being completed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Completion {
    /// Candidates, in order.
    pub values: Vec<String>,
    /// Let the shell complete file names (a file-valued flag or positional).
    pub files: bool,
}

impl Completion {
    fn values(values: Vec<String>) -> Completion {
        Completion {
            values,
            files: false,
        }
    }

    fn files() -> Completion {
        Completion {
            values: Vec::new(),
            files: true,
        }
    }

    /// Cobra's `__complete` answer, as kubectl expects from a plugin's completer: one
    /// candidate per line, then `:<directive>` (0 = default, the shell completes file names;
    /// 4 = no file completion).
    pub fn to_cobra(&self) -> String {
        let mut out: String = self.values.iter().map(|v| format!("{v}\n")).collect();
        out.push_str(if self.files { ":0\n" } else { ":4\n" });
        out
    }
}

/// Where kubeconfig names are read from: `--kubeconfig` if typed, else `$KUBECONFIG`, else
/// `~/.kube/config`.
pub trait KubeconfigSource {
    fn names(&self, explicit: Option<&str>, which: KubeconfigList) -> Vec<String>;
}

/// Which names of a kubeconfig.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KubeconfigList {
    Contexts,
    Clusters,
    Users,
}

/// The kubeconfig files of the environment, read as kubectl does (a `$KUBECONFIG` list is
/// merged; unreadable files are skipped: completion never fails loudly).
pub struct EnvKubeconfig;

impl KubeconfigSource for EnvKubeconfig {
    fn names(&self, explicit: Option<&str>, which: KubeconfigList) -> Vec<String> {
        let paths: Vec<PathBuf> = match explicit {
            Some(p) => vec![PathBuf::from(p)],
            None => match std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
                Some(list) => std::env::split_paths(&list).collect(),
                None => std::env::var_os("HOME")
                    .map(|h| vec![PathBuf::from(h).join(".kube/config")])
                    .unwrap_or_default(),
            },
        };
        let mut names: Vec<String> = paths
            .iter()
            .filter_map(|p| kube::config::Kubeconfig::read_from(p).ok())
            .flat_map(|k| match which {
                KubeconfigList::Contexts => k.contexts.into_iter().map(|c| c.name).collect(),
                KubeconfigList::Clusters => k.clusters.into_iter().map(|c| c.name).collect(),
                KubeconfigList::Users => {
                    k.auth_infos.into_iter().map(|u| u.name).collect::<Vec<_>>()
                }
            })
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

/// Candidates for the last word of `words` (the words after `kubectl netscaler`).
pub fn candidates(root: &Command, words: &[String]) -> Vec<String> {
    complete(root, words, &EnvKubeconfig).values
}

/// What to offer for the last word of `words` (the words after `kubectl netscaler`).
pub fn complete(
    root: &Command,
    words: &[String],
    kubeconfigs: &dyn KubeconfigSource,
) -> Completion {
    let (partial, done) = match words.split_last() {
        Some((last, rest)) => (last.as_str(), rest),
        None => ("", &[][..]),
    };
    // Walk down the subcommands named so far, skipping flags and the values they take.
    let mut cmd = root;
    let mut value_of: Option<&clap::Arg> = None;
    let mut only_positionals = false;
    let mut kubeconfig: Option<&str> = None;
    let mut positionals = 0usize;
    for w in done {
        if let Some(arg) = value_of.take() {
            if arg.get_long() == Some("kubeconfig") {
                kubeconfig = Some(w);
            }
            continue;
        }
        if only_positionals || w == "-" || !w.starts_with('-') {
            match cmd.find_subcommand(w) {
                Some(sub) => {
                    cmd = sub;
                    positionals = 0;
                }
                None => positionals += 1,
            }
            continue;
        }
        if w == "--" {
            only_positionals = true;
        } else if let Some(long) = w.strip_prefix("--") {
            match long.split_once('=') {
                Some(("kubeconfig", path)) => kubeconfig = Some(path),
                Some(_) => {}
                None => value_of = find_long(root, cmd, long).filter(|a| takes_value(a)),
            }
        } else {
            value_of = short_cluster_awaiting_value(root, cmd, &w[1..]);
        }
    }
    let value_completion = |arg: &clap::Arg, partial: &str, prefix: &str| -> Completion {
        if is_file(arg) {
            return Completion::files();
        }
        let list = match arg.get_long() {
            Some("context") => Some(KubeconfigList::Contexts),
            Some("cluster") => Some(KubeconfigList::Clusters),
            Some("user") => Some(KubeconfigList::Users),
            _ => None,
        };
        match list {
            Some(list) => Completion::values(
                kubeconfigs
                    .names(kubeconfig, list)
                    .into_iter()
                    .filter(|n| n.starts_with(partial))
                    .map(|n| format!("{prefix}{n}"))
                    .collect(),
            ),
            None => Completion::values(values(arg, partial, prefix)),
        }
    };
    if let Some(arg) = value_of {
        return value_completion(arg, partial, "");
    }
    if !only_positionals {
        if let Some((flag, value)) = partial.strip_prefix("--").and_then(|l| l.split_once('=')) {
            return find_long(root, cmd, flag)
                .filter(|a| takes_value(a))
                .map(|a| value_completion(a, value, &format!("--{flag}=")))
                .unwrap_or_default();
        }
        if partial.starts_with('-') {
            let mut out: Vec<String> = all_args(root, cmd)
                .filter(|a| !a.is_hide_set())
                .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
                .filter(|l| l.starts_with(partial))
                .collect();
            out.sort();
            out.dedup();
            return Completion::values(out);
        }
    }
    // A positional of this subcommand (`apply PLAN`) takes file names.
    if let Some(arg) = cmd.get_positionals().nth(positionals)
        && is_file(arg)
    {
        return Completion::files();
    }
    Completion::values(
        cmd.get_subcommands()
            .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            .map(|s| s.get_name().to_string())
            .filter(|n| n.starts_with(partial))
            .collect(),
    )
}

fn is_file(arg: &clap::Arg) -> bool {
    matches!(
        arg.get_value_hint(),
        ValueHint::FilePath | ValueHint::AnyPath | ValueHint::DirPath
    )
}

/// For a cluster of short flags (`o`, `vo`, `oyaml`, `o=yaml`, without the leading `-`): the
/// flag whose value is the next word, if the cluster ends with a flag that takes a value.
fn short_cluster_awaiting_value<'a>(
    root: &'a Command,
    cmd: &'a Command,
    cluster: &str,
) -> Option<&'a clap::Arg> {
    let mut chars = cluster.chars();
    while let Some(c) = chars.next() {
        let arg = all_args(root, cmd).find(|a| a.get_short() == Some(c))?;
        if takes_value(arg) {
            // The rest of the cluster, if any, is the value.
            return chars.as_str().is_empty().then_some(arg);
        }
    }
    None
}

fn takes_value(arg: &clap::Arg) -> bool {
    arg.get_action().takes_values()
}

/// The possible values of `arg` starting with `partial`, each prefixed with `prefix`.
fn values(arg: &clap::Arg, partial: &str, prefix: &str) -> Vec<String> {
    arg.get_possible_values()
        .iter()
        .filter(|v| !v.is_hide_set())
        .map(|v| v.get_name())
        .filter(|v| v.starts_with(partial))
        .map(|v| format!("{prefix}{v}"))
        .collect()
}

fn all_args<'a>(root: &'a Command, cmd: &'a Command) -> impl Iterator<Item = &'a clap::Arg> {
    cmd.get_arguments()
        .chain(root.get_arguments().filter(|a| a.is_global_set()))
}

fn find_long<'a>(root: &'a Command, cmd: &'a Command, long: &str) -> Option<&'a clap::Arg> {
    all_args(root, cmd).find(|a| a.get_long() == Some(long))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(w: &[&str]) -> Vec<String> {
        w.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn subcommands_flags_and_values() {
        let root = crate::cli::command();
        assert_eq!(candidates(&root, &words(&["pl"])), ["plan"]);
        let flags = candidates(&root, &words(&["plan", "--clu"]));
        assert!(flags.contains(&"--cluster-file".to_string()), "{flags:?}");
        assert!(flags.contains(&"--cluster-cidr".to_string()), "{flags:?}");
        assert_eq!(candidates(&root, &words(&["plan", "-o", "ya"])), ["yaml"]);
        assert_eq!(candidates(&root, &words(&["plan", "-vo", "ya"])), ["yaml"]);
        // A short flag's value is skipped, whether separate or attached.
        assert_eq!(candidates(&root, &words(&["-n", "apply", "pl"])), ["plan"]);
        assert_eq!(
            candidates(&root, &words(&["-nx", "plan", "-o", "ya"])),
            ["yaml"]
        );
        assert_eq!(
            candidates(&root, &words(&["plan", "-ojson", "-"])),
            candidates(&root, &words(&["plan", "-"])),
        );
        assert_eq!(
            candidates(&root, &words(&["plan", "--output=ya"])),
            ["--output=yaml"]
        );
        assert!(candidates(&root, &words(&["plan", "--out", ""])).is_empty());
        assert!(candidates(&root, &words(&["plan", "--output", ""])).contains(&"json".into()));
        assert_eq!(
            candidates(&root, &words(&["plan", "--output", "ya"])),
            ["yaml"]
        );
        assert_eq!(
            candidates(&root, &words(&["--mode", ""])),
            ["auto", "vxlan", "routes"]
        );
    }

    struct Fixed;
    impl KubeconfigSource for Fixed {
        fn names(&self, explicit: Option<&str>, which: KubeconfigList) -> Vec<String> {
            let tag = explicit.unwrap_or("env");
            match which {
                KubeconfigList::Contexts => vec![format!("{tag}-ctx"), "prod".into()],
                KubeconfigList::Clusters => vec![format!("{tag}-cluster")],
                KubeconfigList::Users => vec![format!("{tag}-user")],
            }
        }
    }

    fn with_fixed(w: &[&str]) -> Completion {
        complete(&crate::cli::command(), &words(w), &Fixed)
    }

    #[test]
    fn file_valued_flags_and_the_plan_positional_complete_file_names() {
        for w in [
            &["plan", "--cluster-file", ""][..],
            &["plan", "--out", "p"],
            &["--config", ""],
            &["--kubeconfig", ""],
            &["diff", "--adc-ca-file", ""],
            &["diff", "--adc-password-file", ""],
            &["apply", ""],
            &["apply", "--yes", "pl"],
            &["plan", "--cluster-file=sn"],
        ] {
            assert_eq!(with_fixed(w), Completion::files(), "{w:?}");
        }
        // Not files: a subcommand name, an enum value.
        assert!(!with_fixed(&["pl"]).files);
        assert!(!with_fixed(&["plan", "-o", ""]).files);
        assert_eq!(with_fixed(&["apply", ""]).to_cobra(), ":0\n");
        assert_eq!(with_fixed(&["pl"]).to_cobra(), "plan\n:4\n");
    }

    #[test]
    fn context_cluster_and_user_complete_from_the_kubeconfig() {
        assert_eq!(with_fixed(&["--context", ""]).values, ["env-ctx", "prod"]);
        assert_eq!(with_fixed(&["plan", "--context", "pr"]).values, ["prod"]);
        assert_eq!(with_fixed(&["--cluster", ""]).values, ["env-cluster"]);
        assert_eq!(with_fixed(&["--user=e"]).values, ["--user=env-user"]);
        // An explicit --kubeconfig typed before is the one read.
        assert_eq!(
            with_fixed(&["--kubeconfig", "/k", "diff", "--context", ""]).values,
            ["/k-ctx", "prod"]
        );
        assert_eq!(
            with_fixed(&["--kubeconfig=/k2", "--user", ""]).values,
            ["/k2-user"]
        );
    }

    #[test]
    fn kubeconfig_names_are_read_from_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("config");
        std::fs::write(
            &path,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c1\n  cluster: {server: 'https://127.0.0.1:1'}\ncontexts:\n- name: dev\n  context: {cluster: c1, user: u1}\n- name: prod\n  context: {cluster: c1, user: u1}\nusers:\n- name: u1\n  user: {token: t}\ncurrent-context: dev\n",
        )
        .unwrap();
        let p = path.to_str().unwrap();
        assert_eq!(
            EnvKubeconfig.names(Some(p), KubeconfigList::Contexts),
            ["dev", "prod"]
        );
        assert_eq!(
            EnvKubeconfig.names(Some(p), KubeconfigList::Clusters),
            ["c1"]
        );
        assert_eq!(EnvKubeconfig.names(Some(p), KubeconfigList::Users), ["u1"]);
        assert!(
            EnvKubeconfig
                .names(Some("/nonexistent"), KubeconfigList::Contexts)
                .is_empty()
        );
    }
}
