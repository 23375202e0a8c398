//! The resource table (the kinds the fake serves) and URL path parsing.

/// One served resource type.
#[derive(Debug)]
pub(crate) struct ResourceDef {
    /// API group, `""` for the core group.
    pub group: &'static str,
    pub version: &'static str,
    pub plural: &'static str,
    pub singular: &'static str,
    pub kind: &'static str,
    pub namespaced: bool,
    pub short_names: &'static [&'static str],
    pub categories: &'static [&'static str],
    pub subresources: &'static [&'static str],
}

impl ResourceDef {
    pub fn api_version(&self) -> String {
        if self.group.is_empty() {
            self.version.to_string()
        } else {
            format!("{}/{}", self.group, self.version)
        }
    }

    pub fn list_kind(&self) -> String {
        format!("{}List", self.kind)
    }

    /// `nodes` or `endpointslices.discovery.k8s.io`, as used in error messages.
    pub fn qualified(&self) -> String {
        if self.group.is_empty() {
            self.plural.to_string()
        } else {
            format!("{}.{}", self.plural, self.group)
        }
    }

    pub fn has_status(&self) -> bool {
        self.subresources.contains(&"status")
    }
}

pub(crate) static RESOURCES: &[ResourceDef] = &[
    ResourceDef {
        group: "",
        version: "v1",
        plural: "namespaces",
        singular: "namespace",
        kind: "Namespace",
        namespaced: false,
        short_names: &["ns"],
        categories: &[],
        subresources: &["status", "finalize"],
    },
    ResourceDef {
        group: "",
        version: "v1",
        plural: "nodes",
        singular: "node",
        kind: "Node",
        namespaced: false,
        short_names: &["no"],
        categories: &[],
        subresources: &["status"],
    },
    ResourceDef {
        group: "",
        version: "v1",
        plural: "services",
        singular: "service",
        kind: "Service",
        namespaced: true,
        short_names: &["svc"],
        categories: &["all"],
        subresources: &["status"],
    },
    ResourceDef {
        group: "",
        version: "v1",
        plural: "configmaps",
        singular: "configmap",
        kind: "ConfigMap",
        namespaced: true,
        short_names: &["cm"],
        categories: &[],
        subresources: &[],
    },
    ResourceDef {
        group: "",
        version: "v1",
        plural: "secrets",
        singular: "secret",
        kind: "Secret",
        namespaced: true,
        short_names: &[],
        categories: &[],
        subresources: &[],
    },
    ResourceDef {
        group: "discovery.k8s.io",
        version: "v1",
        plural: "endpointslices",
        singular: "endpointslice",
        kind: "EndpointSlice",
        namespaced: true,
        short_names: &[],
        categories: &[],
        subresources: &[],
    },
    ResourceDef {
        group: "coordination.k8s.io",
        version: "v1",
        plural: "leases",
        singular: "lease",
        kind: "Lease",
        namespaced: true,
        short_names: &[],
        categories: &[],
        subresources: &[],
    },
];

/// Groups served under `/apis`, in discovery order.
pub(crate) const GROUPS: &[(&str, &str)] =
    &[("discovery.k8s.io", "v1"), ("coordination.k8s.io", "v1")];

pub(crate) fn by_plural(group: &str, version: &str, plural: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.group == group && r.version == version && r.plural == plural)
}

pub(crate) fn by_kind(api_version: &str, kind: &str) -> Option<usize> {
    RESOURCES
        .iter()
        .position(|r| r.api_version() == api_version && r.kind == kind)
}

/// A request aimed at a resource (collection, object or subresource).
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub res: usize,
    pub namespace: Option<String>,
    pub name: Option<String>,
    pub subresource: Option<String>,
    /// The deprecated `/api/v1/watch/...` form.
    pub legacy_watch: bool,
}

impl Target {
    pub fn def(&self) -> &'static ResourceDef {
        &RESOURCES[self.res]
    }
}

#[derive(Debug)]
pub(crate) enum Route {
    Version,
    ApiVersions,
    ApiGroupList,
    ApiGroup(&'static str, &'static str),
    ResourceList(&'static str, &'static str),
    Resource(Target),
    NotFound,
}

pub(crate) fn parse_path(path: &str) -> Route {
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        })
        .collect();
    let segs: Vec<&str> = segs.iter().map(String::as_str).collect();
    match segs.as_slice() {
        ["version"] => Route::Version,
        ["api"] => Route::ApiVersions,
        ["api", "v1"] => Route::ResourceList("", "v1"),
        ["api", "v1", rest @ ..] => parse_rest("", "v1", rest),
        ["apis"] => Route::ApiGroupList,
        ["apis", g] => match GROUPS.iter().find(|(name, _)| name == g) {
            Some((name, v)) => Route::ApiGroup(name, v),
            None => Route::NotFound,
        },
        ["apis", g, v] => match GROUPS.iter().find(|(name, ver)| name == g && ver == v) {
            Some((name, ver)) => Route::ResourceList(name, ver),
            None => Route::NotFound,
        },
        ["apis", g, v, rest @ ..] => {
            match GROUPS.iter().find(|(name, ver)| name == g && ver == v) {
                Some((name, ver)) => parse_rest(name, ver, rest),
                None => Route::NotFound,
            }
        }
        _ => Route::NotFound,
    }
}

fn parse_rest(group: &str, version: &str, rest: &[&str]) -> Route {
    let (legacy_watch, rest) = match rest {
        ["watch", more @ ..] if !more.is_empty() => (true, more),
        _ => (false, rest),
    };
    // namespaced form: namespaces/{ns}/{plural}[/{name}[/{sub}]]
    if let ["namespaces", ns, plural, more @ ..] = rest
        && let Some(res) = by_plural(group, version, plural)
        && RESOURCES[res].namespaced
        && more.len() <= 2
    {
        return Route::Resource(Target {
            res,
            namespace: Some((*ns).to_string()),
            name: more.first().map(|s| (*s).to_string()),
            subresource: more.get(1).map(|s| (*s).to_string()),
            legacy_watch,
        })
        .check_subresource();
    }
    let [plural, more @ ..] = rest else {
        return Route::NotFound;
    };
    let Some(res) = by_plural(group, version, plural) else {
        return Route::NotFound;
    };
    if more.len() > 2 || (RESOURCES[res].namespaced && !more.is_empty()) {
        return Route::NotFound;
    }
    Route::Resource(Target {
        res,
        namespace: None,
        name: more.first().map(|s| (*s).to_string()),
        subresource: more.get(1).map(|s| (*s).to_string()),
        legacy_watch,
    })
    .check_subresource()
}

impl Route {
    fn check_subresource(self) -> Route {
        match &self {
            Route::Resource(t) => match &t.subresource {
                Some(sub) if !t.def().subresources.contains(&sub.as_str()) => Route::NotFound,
                _ => self,
            },
            _ => self,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(path: &str) -> Target {
        match parse_path(path) {
            Route::Resource(t) => t,
            other => panic!("{path}: {other:?}"),
        }
    }

    #[test]
    fn paths() {
        let t = target("/api/v1/nodes/n1/status");
        assert_eq!(t.def().kind, "Node");
        assert_eq!(t.name.as_deref(), Some("n1"));
        assert_eq!(t.subresource.as_deref(), Some("status"));
        let t = target("/api/v1/namespaces/default/services");
        assert_eq!(t.def().kind, "Service");
        assert_eq!(t.namespace.as_deref(), Some("default"));
        assert!(t.name.is_none());
        let t = target("/api/v1/namespaces/kube-system");
        assert_eq!(t.def().kind, "Namespace");
        assert_eq!(t.name.as_deref(), Some("kube-system"));
        let t = target("/api/v1/services");
        assert!(t.namespace.is_none() && t.name.is_none());
        let t = target("/apis/coordination.k8s.io/v1/namespaces/ns/leases/l1");
        assert_eq!(t.def().kind, "Lease");
        let t = target("/api/v1/watch/namespaces/ns/configmaps");
        assert!(t.legacy_watch);
        assert!(matches!(parse_path("/api/v1/services/x"), Route::NotFound));
        assert!(matches!(
            parse_path("/api/v1/namespaces/a/configmaps/x/status"),
            Route::NotFound
        ));
        assert!(matches!(parse_path("/apis/apps/v1"), Route::NotFound));
    }
}
