
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'kubectl-netscaler' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'kubectl-netscaler'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'kubectl-netscaler' {
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'YAML settings file (keys as in the README''s settings table)')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Overlay mode')
            [CompletionResult]::new('--vxlan-id', '--vxlan-id', [CompletionResultType]::ParameterName, 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)')
            [CompletionResult]::new('--vtep-ip', '--vtep-ip', [CompletionResultType]::ParameterName, 'The ADC''s existing SNIP on the node network, used as VTEP source (vxlan mode)')
            [CompletionResult]::new('--vtep-mac', '--vtep-mac', [CompletionResultType]::ParameterName, 'MAC of the ADC''s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)')
            [CompletionResult]::new('--adc-pod-cidr', '--adc-pod-cidr', [CompletionResultType]::ParameterName, 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)')
            [CompletionResult]::new('--overlay-ip', '--overlay-ip', [CompletionResultType]::ParameterName, 'The ADC''s overlay address (default: first host of --adc-pod-cidr)')
            [CompletionResult]::new('--cluster-cidr', '--cluster-cidr', [CompletionResultType]::ParameterName, 'Cluster (pod network) CIDR (default: flannel''s net-conf.json Network)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)')
            [CompletionResult]::new('--node-address-type', '--node-address-type', [CompletionResultType]::ParameterName, 'Node address type used as route gateway in routes mode')
            [CompletionResult]::new('--not-ready', '--not-ready', [CompletionResultType]::ParameterName, 'What to do with NotReady nodes')
            [CompletionResult]::new('--adc-url', '--adc-url', [CompletionResultType]::ParameterName, 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)')
            [CompletionResult]::new('--adc-username', '--adc-username', [CompletionResultType]::ParameterName, 'NITRO user [default: nsroot]')
            [CompletionResult]::new('--adc-password-file', '--adc-password-file', [CompletionResultType]::ParameterName, 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)')
            [CompletionResult]::new('--adc-secret', '--adc-secret', [CompletionResultType]::ParameterName, 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`')
            [CompletionResult]::new('--adc-ca-file', '--adc-ca-file', [CompletionResultType]::ParameterName, 'PEM bundle of CAs to trust for the ADC''s certificate (default: system roots)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)')
            [CompletionResult]::new('--adc-insecure-skip-tls-verify', '--adc-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the ADC''s TLS certificate (lab use only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show the ADC and cluster configuration the cluster needs (no ADC access)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what apply would change on the ADC and in the cluster (exit 1 when there are changes)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Push the changes to the ADC and the cluster (asks for confirmation unless --yes)')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Remove everything this tool manages for the cluster from the ADC and the cluster')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version of kubectl-netscaler (no cluster or ADC access)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-netscaler;plan' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--cluster-file', '--cluster-file', [CompletionResultType]::ParameterName, 'Plan from a saved snapshot (`kubectl get nodes,services,endpointslices,configmaps -A -o yaml`) instead of the live cluster; `-` reads it from standard input')
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Also write the plan as a plan file (JSON) for `apply PLAN`')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'YAML settings file (keys as in the README''s settings table)')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Overlay mode')
            [CompletionResult]::new('--vxlan-id', '--vxlan-id', [CompletionResultType]::ParameterName, 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)')
            [CompletionResult]::new('--vtep-ip', '--vtep-ip', [CompletionResultType]::ParameterName, 'The ADC''s existing SNIP on the node network, used as VTEP source (vxlan mode)')
            [CompletionResult]::new('--vtep-mac', '--vtep-mac', [CompletionResultType]::ParameterName, 'MAC of the ADC''s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)')
            [CompletionResult]::new('--adc-pod-cidr', '--adc-pod-cidr', [CompletionResultType]::ParameterName, 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)')
            [CompletionResult]::new('--overlay-ip', '--overlay-ip', [CompletionResultType]::ParameterName, 'The ADC''s overlay address (default: first host of --adc-pod-cidr)')
            [CompletionResult]::new('--cluster-cidr', '--cluster-cidr', [CompletionResultType]::ParameterName, 'Cluster (pod network) CIDR (default: flannel''s net-conf.json Network)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)')
            [CompletionResult]::new('--node-address-type', '--node-address-type', [CompletionResultType]::ParameterName, 'Node address type used as route gateway in routes mode')
            [CompletionResult]::new('--not-ready', '--not-ready', [CompletionResultType]::ParameterName, 'What to do with NotReady nodes')
            [CompletionResult]::new('--adc-url', '--adc-url', [CompletionResultType]::ParameterName, 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)')
            [CompletionResult]::new('--adc-username', '--adc-username', [CompletionResultType]::ParameterName, 'NITRO user [default: nsroot]')
            [CompletionResult]::new('--adc-password-file', '--adc-password-file', [CompletionResultType]::ParameterName, 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)')
            [CompletionResult]::new('--adc-secret', '--adc-secret', [CompletionResultType]::ParameterName, 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`')
            [CompletionResult]::new('--adc-ca-file', '--adc-ca-file', [CompletionResultType]::ParameterName, 'PEM bundle of CAs to trust for the ADC''s certificate (default: system roots)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)')
            [CompletionResult]::new('--adc-insecure-skip-tls-verify', '--adc-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the ADC''s TLS certificate (lab use only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-netscaler;diff' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'YAML settings file (keys as in the README''s settings table)')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Overlay mode')
            [CompletionResult]::new('--vxlan-id', '--vxlan-id', [CompletionResultType]::ParameterName, 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)')
            [CompletionResult]::new('--vtep-ip', '--vtep-ip', [CompletionResultType]::ParameterName, 'The ADC''s existing SNIP on the node network, used as VTEP source (vxlan mode)')
            [CompletionResult]::new('--vtep-mac', '--vtep-mac', [CompletionResultType]::ParameterName, 'MAC of the ADC''s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)')
            [CompletionResult]::new('--adc-pod-cidr', '--adc-pod-cidr', [CompletionResultType]::ParameterName, 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)')
            [CompletionResult]::new('--overlay-ip', '--overlay-ip', [CompletionResultType]::ParameterName, 'The ADC''s overlay address (default: first host of --adc-pod-cidr)')
            [CompletionResult]::new('--cluster-cidr', '--cluster-cidr', [CompletionResultType]::ParameterName, 'Cluster (pod network) CIDR (default: flannel''s net-conf.json Network)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)')
            [CompletionResult]::new('--node-address-type', '--node-address-type', [CompletionResultType]::ParameterName, 'Node address type used as route gateway in routes mode')
            [CompletionResult]::new('--not-ready', '--not-ready', [CompletionResultType]::ParameterName, 'What to do with NotReady nodes')
            [CompletionResult]::new('--adc-url', '--adc-url', [CompletionResultType]::ParameterName, 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)')
            [CompletionResult]::new('--adc-username', '--adc-username', [CompletionResultType]::ParameterName, 'NITRO user [default: nsroot]')
            [CompletionResult]::new('--adc-password-file', '--adc-password-file', [CompletionResultType]::ParameterName, 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)')
            [CompletionResult]::new('--adc-secret', '--adc-secret', [CompletionResultType]::ParameterName, 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`')
            [CompletionResult]::new('--adc-ca-file', '--adc-ca-file', [CompletionResultType]::ParameterName, 'PEM bundle of CAs to trust for the ADC''s certificate (default: system roots)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)')
            [CompletionResult]::new('--adc-insecure-skip-tls-verify', '--adc-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the ADC''s TLS certificate (lab use only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-netscaler;apply' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the change list')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the change list')
            [CompletionResult]::new('--max-delete-percent', '--max-delete-percent', [CompletionResultType]::ParameterName, 'Refuse a change set deleting more than this percentage of the managed objects [default: 50]')
            [CompletionResult]::new('--lock-namespace', '--lock-namespace', [CompletionResultType]::ParameterName, 'Namespace of the Lease that keeps two writers apart')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'YAML settings file (keys as in the README''s settings table)')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Overlay mode')
            [CompletionResult]::new('--vxlan-id', '--vxlan-id', [CompletionResultType]::ParameterName, 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)')
            [CompletionResult]::new('--vtep-ip', '--vtep-ip', [CompletionResultType]::ParameterName, 'The ADC''s existing SNIP on the node network, used as VTEP source (vxlan mode)')
            [CompletionResult]::new('--vtep-mac', '--vtep-mac', [CompletionResultType]::ParameterName, 'MAC of the ADC''s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)')
            [CompletionResult]::new('--adc-pod-cidr', '--adc-pod-cidr', [CompletionResultType]::ParameterName, 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)')
            [CompletionResult]::new('--overlay-ip', '--overlay-ip', [CompletionResultType]::ParameterName, 'The ADC''s overlay address (default: first host of --adc-pod-cidr)')
            [CompletionResult]::new('--cluster-cidr', '--cluster-cidr', [CompletionResultType]::ParameterName, 'Cluster (pod network) CIDR (default: flannel''s net-conf.json Network)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)')
            [CompletionResult]::new('--node-address-type', '--node-address-type', [CompletionResultType]::ParameterName, 'Node address type used as route gateway in routes mode')
            [CompletionResult]::new('--not-ready', '--not-ready', [CompletionResultType]::ParameterName, 'What to do with NotReady nodes')
            [CompletionResult]::new('--adc-url', '--adc-url', [CompletionResultType]::ParameterName, 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)')
            [CompletionResult]::new('--adc-username', '--adc-username', [CompletionResultType]::ParameterName, 'NITRO user [default: nsroot]')
            [CompletionResult]::new('--adc-password-file', '--adc-password-file', [CompletionResultType]::ParameterName, 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)')
            [CompletionResult]::new('--adc-secret', '--adc-secret', [CompletionResultType]::ParameterName, 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`')
            [CompletionResult]::new('--adc-ca-file', '--adc-ca-file', [CompletionResultType]::ParameterName, 'PEM bundle of CAs to trust for the ADC''s certificate (default: system roots)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the changes (as diff does) and write nothing')
            [CompletionResult]::new('--allow-mass-delete', '--allow-mass-delete', [CompletionResultType]::ParameterName, 'Allow a change set over the delete limit (or deleting every managed object)')
            [CompletionResult]::new('--save-config', '--save-config', [CompletionResultType]::ParameterName, 'Save the ADC configuration (nsconfig save) at the end [default]')
            [CompletionResult]::new('--no-save-config', '--no-save-config', [CompletionResultType]::ParameterName, 'Do not save the ADC configuration at the end')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)')
            [CompletionResult]::new('--adc-insecure-skip-tls-verify', '--adc-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the ADC''s TLS certificate (lab use only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-netscaler;teardown' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format of the change list')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format of the change list')
            [CompletionResult]::new('--max-delete-percent', '--max-delete-percent', [CompletionResultType]::ParameterName, 'Refuse a change set deleting more than this percentage of the managed objects [default: 50]')
            [CompletionResult]::new('--lock-namespace', '--lock-namespace', [CompletionResultType]::ParameterName, 'Namespace of the Lease that keeps two writers apart')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'YAML settings file (keys as in the README''s settings table)')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Overlay mode')
            [CompletionResult]::new('--vxlan-id', '--vxlan-id', [CompletionResultType]::ParameterName, 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)')
            [CompletionResult]::new('--vtep-ip', '--vtep-ip', [CompletionResultType]::ParameterName, 'The ADC''s existing SNIP on the node network, used as VTEP source (vxlan mode)')
            [CompletionResult]::new('--vtep-mac', '--vtep-mac', [CompletionResultType]::ParameterName, 'MAC of the ADC''s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)')
            [CompletionResult]::new('--adc-pod-cidr', '--adc-pod-cidr', [CompletionResultType]::ParameterName, 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)')
            [CompletionResult]::new('--overlay-ip', '--overlay-ip', [CompletionResultType]::ParameterName, 'The ADC''s overlay address (default: first host of --adc-pod-cidr)')
            [CompletionResult]::new('--cluster-cidr', '--cluster-cidr', [CompletionResultType]::ParameterName, 'Cluster (pod network) CIDR (default: flannel''s net-conf.json Network)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)')
            [CompletionResult]::new('--node-address-type', '--node-address-type', [CompletionResultType]::ParameterName, 'Node address type used as route gateway in routes mode')
            [CompletionResult]::new('--not-ready', '--not-ready', [CompletionResultType]::ParameterName, 'What to do with NotReady nodes')
            [CompletionResult]::new('--adc-url', '--adc-url', [CompletionResultType]::ParameterName, 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)')
            [CompletionResult]::new('--adc-username', '--adc-username', [CompletionResultType]::ParameterName, 'NITRO user [default: nsroot]')
            [CompletionResult]::new('--adc-password-file', '--adc-password-file', [CompletionResultType]::ParameterName, 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)')
            [CompletionResult]::new('--adc-secret', '--adc-secret', [CompletionResultType]::ParameterName, 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`')
            [CompletionResult]::new('--adc-ca-file', '--adc-ca-file', [CompletionResultType]::ParameterName, 'PEM bundle of CAs to trust for the ADC''s certificate (default: system roots)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Do not ask for confirmation')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the changes (as diff does) and write nothing')
            [CompletionResult]::new('--allow-mass-delete', '--allow-mass-delete', [CompletionResultType]::ParameterName, 'Allow a change set over the delete limit (or deleting every managed object)')
            [CompletionResult]::new('--save-config', '--save-config', [CompletionResultType]::ParameterName, 'Save the ADC configuration (nsconfig save) at the end [default]')
            [CompletionResult]::new('--no-save-config', '--no-save-config', [CompletionResultType]::ParameterName, 'Do not save the ADC configuration at the end')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)')
            [CompletionResult]::new('--adc-insecure-skip-tls-verify', '--adc-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the ADC''s TLS certificate (lab use only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-netscaler;version' {
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--kubeconfig', '--kubeconfig', [CompletionResultType]::ParameterName, 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config, then in-cluster)')
            [CompletionResult]::new('--context', '--context', [CompletionResultType]::ParameterName, 'The kubeconfig context to use')
            [CompletionResult]::new('--cluster', '--cluster', [CompletionResultType]::ParameterName, 'The kubeconfig cluster to use')
            [CompletionResult]::new('--user', '--user', [CompletionResultType]::ParameterName, 'The kubeconfig user to use')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--namespace', '--namespace', [CompletionResultType]::ParameterName, 'Namespace of the --adc-secret Secret when it is given without one (default: the kubeconfig context''s namespace)')
            [CompletionResult]::new('--request-timeout', '--request-timeout', [CompletionResultType]::ParameterName, 'Timeout of a single Kubernetes request (e.g. 30s, 1m; 0 = none)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'YAML settings file (keys as in the README''s settings table)')
            [CompletionResult]::new('--cluster-name', '--cluster-name', [CompletionResultType]::ParameterName, 'Cluster name used in owned object names and markers (default: kubeconfig cluster name)')
            [CompletionResult]::new('--mode', '--mode', [CompletionResultType]::ParameterName, 'Overlay mode')
            [CompletionResult]::new('--vxlan-id', '--vxlan-id', [CompletionResultType]::ParameterName, 'VXLAN network identifier (default: the VNI the nodes advertise, else net-conf, else 1)')
            [CompletionResult]::new('--vxlan-port', '--vxlan-port', [CompletionResultType]::ParameterName, 'VXLAN UDP port (default: net-conf Backend.Port, else 8472)')
            [CompletionResult]::new('--vtep-ip', '--vtep-ip', [CompletionResultType]::ParameterName, 'The ADC''s existing SNIP on the node network, used as VTEP source (vxlan mode)')
            [CompletionResult]::new('--vtep-mac', '--vtep-mac', [CompletionResultType]::ParameterName, 'MAC of the ADC''s VTEP for the ADC Node object: `auto` or a MAC (HA pairs: the virtual MAC)')
            [CompletionResult]::new('--adc-pod-cidr', '--adc-pod-cidr', [CompletionResultType]::ParameterName, 'Pod CIDR reserved for the ADC inside the cluster CIDR (vxlan mode)')
            [CompletionResult]::new('--overlay-ip', '--overlay-ip', [CompletionResultType]::ParameterName, 'The ADC''s overlay address (default: first host of --adc-pod-cidr)')
            [CompletionResult]::new('--cluster-cidr', '--cluster-cidr', [CompletionResultType]::ParameterName, 'Cluster (pod network) CIDR (default: flannel''s net-conf.json Network)')
            [CompletionResult]::new('--node-selector', '--node-selector', [CompletionResultType]::ParameterName, 'Only plan nodes matching this label selector (e.g. `role=worker,zone in (a,b)`)')
            [CompletionResult]::new('--node-address-type', '--node-address-type', [CompletionResultType]::ParameterName, 'Node address type used as route gateway in routes mode')
            [CompletionResult]::new('--not-ready', '--not-ready', [CompletionResultType]::ParameterName, 'What to do with NotReady nodes')
            [CompletionResult]::new('--adc-url', '--adc-url', [CompletionResultType]::ParameterName, 'NITRO base URL of the ADC (the HA primary or a floating management SNIP)')
            [CompletionResult]::new('--adc-username', '--adc-username', [CompletionResultType]::ParameterName, 'NITRO user [default: nsroot]')
            [CompletionResult]::new('--adc-password-file', '--adc-password-file', [CompletionResultType]::ParameterName, 'File holding the NITRO password (there is deliberately no password flag; or set NETSCALER_PASSWORD)')
            [CompletionResult]::new('--adc-secret', '--adc-secret', [CompletionResultType]::ParameterName, 'Kubernetes Secret `[namespace/]name` with keys `username` and `password`')
            [CompletionResult]::new('--adc-ca-file', '--adc-ca-file', [CompletionResultType]::ParameterName, 'PEM bundle of CAs to trust for the ADC''s certificate (default: system roots)')
            [CompletionResult]::new('--color', '--color', [CompletionResultType]::ParameterName, 'When to colour output')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Turn diagnostics (skipped nodes, conflicts) into an error (exit 2)')
            [CompletionResult]::new('--adc-insecure-skip-tls-verify', '--adc-insecure-skip-tls-verify', [CompletionResultType]::ParameterName, 'Do not verify the ADC''s TLS certificate (lab use only)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'More log output on stderr (-v info, -vv debug, -vvv trace)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'kubectl-netscaler;help' {
            [CompletionResult]::new('plan', 'plan', [CompletionResultType]::ParameterValue, 'Show the ADC and cluster configuration the cluster needs (no ADC access)')
            [CompletionResult]::new('diff', 'diff', [CompletionResultType]::ParameterValue, 'Show what apply would change on the ADC and in the cluster (exit 1 when there are changes)')
            [CompletionResult]::new('apply', 'apply', [CompletionResultType]::ParameterValue, 'Push the changes to the ADC and the cluster (asks for confirmation unless --yes)')
            [CompletionResult]::new('teardown', 'teardown', [CompletionResultType]::ParameterValue, 'Remove everything this tool manages for the cluster from the ADC and the cluster')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Print the version of kubectl-netscaler (no cluster or ADC access)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'kubectl-netscaler;help;plan' {
            break
        }
        'kubectl-netscaler;help;diff' {
            break
        }
        'kubectl-netscaler;help;apply' {
            break
        }
        'kubectl-netscaler;help;teardown' {
            break
        }
        'kubectl-netscaler;help;version' {
            break
        }
        'kubectl-netscaler;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
